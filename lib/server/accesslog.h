/* The access log: one JSON line per request, never a key, request
 * bodies only with --log-payloads and then with --redact's fields
 * replaced; and the request id every answer and line carries. */
#ifndef MLOPS_SERVER_ACCESSLOG_H
#define MLOPS_SERVER_ACCESSLOG_H

#include <stddef.h>
#include <stdint.h>

#include "../core/strbuf.h"

/* A client's X-Request-Id when it is short and printable, else a fresh
 * one made from start (a monotonic time) and a counter. */
void request_id_make(char *id, size_t size, uint64_t start,
		     const char *given);

struct access_entry {
	const char *request_id, *method, *route, *model_version, *client;
	unsigned status;
	uint64_t ns;                /* the request's time */
	const struct strbuf *body;  /* for --log-payloads */
};

/* Where lines go and what they may hold (serve's --access-log,
 * --log-payloads, --redact). */
struct access_log {
	int fd;                    /* -1: no log */
	int payloads;
	const char *const *redact; /* field names logged as "[REDACTED]" */
	size_t nredact;
};

/* Writes e's line to log->fd in one write(2), so that lines from many
 * threads never interleave. */
void access_log_write(const struct access_log *log,
		      const struct access_entry *e);

#endif
