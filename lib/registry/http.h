/* One HTTP exchange over libcurl: bodies from memory or a file span,
 * responses streamed to a sink (2xx) or kept for error messages, headers
 * kept for Location, Range, WWW-Authenticate and friends. */
#ifndef MLOPS_REGISTRY_HTTP_H
#define MLOPS_REGISTRY_HTTP_H

#include <curl/curl.h>
#include <stdint.h>

#include "../core/strbuf.h"
#include "store.h"

struct http_req {
	const char *method;            /* GET HEAD POST PUT PATCH DELETE */
	const char *url;
	const char *const *headers;    /* "Name: value", NULL-terminated */
	const char *authorization;     /* the header's value, or NULL */
	const void *body;              /* memory body */
	size_t body_len;
	int body_fd;                   /* or a file span, when >= 0 */
	uint64_t body_off, body_size;
	byte_sink sink;                /* 2xx bodies go here */
	void *sink_ctx;
	uint64_t range_from;           /* "Range: bytes=N-" when > 0 */
	int follow;                    /* follow redirects */
	byte_progress progress;        /* upload bytes */
	void *progress_ctx;
	long timeout_ms;               /* the whole exchange; 0: none */
	const char *cainfo;            /* a CA bundle for https; NULL: system */
	/* Polled while the exchange runs (a few times a second): nonzero
	 * ends it at once (ENET). NULL: never. */
	int (*cancel)(void *ctx);
	void *cancel_ctx;
};

struct http_resp {
	long status;
	struct strbuf body;    /* non-2xx bodies (capped), or without a sink */
	struct strbuf headers; /* the last response's header block */
	int sink_rc;           /* the sink's error, if it failed */
};

/* 0 with a status (any), or ENET when no response came (the message
 * names what failed). */
int http_perform(CURL *curl, const struct http_req *req,
		 struct http_resp *resp);
/* The value of a header of the response (last one wins), case-blind. */
int http_header(const struct http_resp *r, const char *name,
		struct strbuf *out);
void http_resp_release(struct http_resp *r);

#endif
