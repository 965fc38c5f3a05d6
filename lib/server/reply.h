/* How the serving port answers: the headers every answer carries
 * (X-Request-Id, Retry-After, WWW-Authenticate, CORS), JSON bodies, and
 * compression when the client accepts it (see encoding.h). */
#ifndef MLOPS_SERVER_REPLY_H
#define MLOPS_SERVER_REPLY_H

#include <jansson.h>
#include <microhttpd.h>

#include "encoding.h"

/* What a request's answers need to know of it. */
struct reply_ctx {
	char id[72];          /* X-Request-Id, given or made */
	char retry_after[16]; /* "": 1 */
	const char *cors_origin; /* Access-Control-Allow-Origin; NULL: none */
	enum encoding accept;    /* the coding the client prefers */
	/* A binary OIP answer: the length of its JSON header. */
	char header_length[24];
};

/* The request headers browsers may send across origins, and the answer
 * headers their scripts may read. */
#define REPLY_CORS_HEADERS                                                  \
	"Content-Type, Content-Encoding, Authorization, X-API-Key, "         \
	"X-Request-Id, Inference-Header-Content-Length"
#define REPLY_CORS_EXPOSE \
	"X-Request-Id, Retry-After, Inference-Header-Content-Length"

/* The Access-Control-Allow-Origin an Origin (NULL: none) gets from the
 * allowed ones ("*": any): NULL when it is not allowed. */
const char *reply_cors_origin(const char *const *allowed, size_t n,
			      const char *origin);
/* 0 when o is "*" or an origin as browsers send it (RFC 6454's
 * serialisation: scheme://host[:port], lowercase, no default port,
 * nothing after), which is what reply_cors_origin compares byte for
 * byte; else -1 with why (static text). */
int reply_cors_origin_check(const char *o, const char **why);

enum MHD_Result reply_send(const struct reply_ctx *x,
			   struct MHD_Connection *c, unsigned status,
			   const char *type, const void *body, size_t len,
			   const char *allow);
/* j as compact JSON (its reference taken); a 500 when it cannot be
 * written (inf, NaN). */
enum MHD_Result reply_json(const struct reply_ctx *x,
			   struct MHD_Connection *c, unsigned status, json_t *j,
			   const char *allow);
/* A CORS preflight's 204: methods allowed, headers, how long to cache. */
enum MHD_Result reply_preflight(const struct reply_ctx *x,
				struct MHD_Connection *c, const char *methods);

#endif
