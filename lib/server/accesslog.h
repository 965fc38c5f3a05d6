/* The serving port's access log: one JSON line a request, written in
 * one write(2) so lines from many threads never interleave; request
 * bodies only with --log-payloads, --redact fields hidden. */
#ifndef MLOPS_SERVER_ACCESSLOG_H
#define MLOPS_SERVER_ACCESSLOG_H

#include <stddef.h>
#include <stdint.h>

#include "../core/strbuf.h"
#include "metrics.h"

struct access_entry {
	const char *id, *method, *version, *client;
	enum route route;
	unsigned status;
	uint64_t ns;
	const struct strbuf *body;
	const char *model; /* the model that answered ("" none) */
};

/* A client's X-Request-Id when it is short and printable, else a fresh
 * one made of the wall clock (ns) and a counter. */
void access_request_id(char *id, size_t size, const char *given);
/* Where lines go and what they may hold (serve's --access-log,
 * --log-payloads, --redact): its own settings, so that the log does not
 * need the server's header, which needs it. */
struct access_log {
	int fd;                    /* -1: no log */
	int payloads;
	const char *const *redact; /* field names logged as "[REDACTED]" */
	size_t nredact;
};

void access_log_write(const struct access_log *o,
		      const struct access_entry *e);

#endif
