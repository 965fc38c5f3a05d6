#include "reply.h"

#include <stdlib.h>
#include <string.h>

#include "../core/strbuf.h"

const char *reply_cors_origin(const char *const *allowed, size_t n,
			      const char *origin)
{
	for (size_t i = 0; origin && i < n; i++) {
		if (!strcmp(allowed[i], "*"))
			return "*";
		if (!strcmp(allowed[i], origin))
			return origin;
	}
	return NULL;
}

static void common_headers(const struct reply_ctx *x, struct MHD_Response *r,
			   unsigned status, const char *allow)
{
	if (x && x->id[0])
		MHD_add_response_header(r, "X-Request-Id", x->id);
	if (status == 401)
		MHD_add_response_header(r, "WWW-Authenticate",
					"Bearer realm=\"mlops\"");
	if (allow)
		MHD_add_response_header(r, "Allow", allow);
	if (status == 429 || status == 503)
		MHD_add_response_header(r, "Retry-After",
					x && x->retry_after[0] ? x->retry_after
							       : "1");
	if (x && x->cors_origin) {
		MHD_add_response_header(r, "Access-Control-Allow-Origin",
					x->cors_origin);
		MHD_add_response_header(r, "Access-Control-Expose-Headers",
					REPLY_CORS_EXPOSE);
		/* An echoed origin differs by request: caches must know. */
		if (strcmp(x->cors_origin, "*"))
			MHD_add_response_header(r, "Vary", "Origin");
	}
}

enum MHD_Result reply_send(const struct reply_ctx *x,
			   struct MHD_Connection *c, unsigned status,
			   const char *type, const void *body, size_t len,
			   const char *allow)
{
	struct strbuf z = STRBUF_INIT;
	struct MHD_Response *r;
	enum MHD_Result ret;
	int packed = 0;

	if (len >= ENCODING_MIN_COMPRESS && x && x->accept &&
	    !encoding_compress(x->accept, body, len, &z) && z.len < len)
		packed = 1;
	r = packed ? MHD_create_response_from_buffer(z.len, z.buf,
						     MHD_RESPMEM_MUST_FREE)
		   : MHD_create_response_from_buffer(len, (void *)body,
						     MHD_RESPMEM_MUST_COPY);
	if (packed)
		z.buf = NULL; /* the response owns it */
	strbuf_release(&z);
	MHD_add_response_header(r, "Content-Type", type);
	if (packed)
		MHD_add_response_header(r, "Content-Encoding",
					encoding_name(x->accept));
	if (len >= ENCODING_MIN_COMPRESS)
		MHD_add_response_header(r, "Vary", "Accept-Encoding");
	if (x && x->header_length[0])
		MHD_add_response_header(r, "Inference-Header-Content-Length",
					x->header_length);
	common_headers(x, r, status, allow);
	ret = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	return ret;
}

enum MHD_Result reply_json(const struct reply_ctx *x,
			   struct MHD_Connection *c, unsigned status, json_t *j,
			   const char *allow)
{
	static const char fail[] = "{\"error\":\"no answer could be built\"}";
	char *text = j ? json_dumps(j, JSON_COMPACT | JSON_REAL_PRECISION(9))
		       : NULL;
	enum MHD_Result ret;

	/* jansson refuses inf and NaN: a 500, never a crash. */
	ret = reply_send(x, c, text ? status : 500, "application/json",
			 text ? text : fail,
			 text ? strlen(text) : sizeof(fail) - 1, allow);
	free(text);
	json_decref(j);
	return ret;
}

enum MHD_Result reply_preflight(const struct reply_ctx *x,
				struct MHD_Connection *c, const char *methods)
{
	struct MHD_Response *r =
		MHD_create_response_from_buffer(0, (void *)"",
						MHD_RESPMEM_PERSISTENT);
	enum MHD_Result ret;

	common_headers(x, r, 204, NULL);
	MHD_add_response_header(r, "Access-Control-Allow-Methods", methods);
	MHD_add_response_header(r, "Access-Control-Allow-Headers",
				REPLY_CORS_HEADERS);
	MHD_add_response_header(r, "Access-Control-Max-Age", "600");
	ret = MHD_queue_response(c, 204, r);
	MHD_destroy_response(r);
	return ret;
}

int reply_cors_origin_check(const char *o, const char **why)
{
	const char *host = strstr(o, "://"), *p;
	size_t n;

	if (!strcmp(o, "*"))
		return 0;
	*why = "takes * or an origin such as https://app.example.com";
	if (!host || host == o || !host[3] || strpbrk(host + 3, "/ \t?#"))
		return -1;
	for (p = o; *p; p++)
		if (*p >= 'A' && *p <= 'Z')
			return *why = "must be lowercase, as browsers send it "
				      "(https://app.example.com)", -1;
	n = strlen(o);
	if ((!strncmp(o, "https://", 8) && n > 4 && !strcmp(o + n - 4, ":443")) ||
	    (!strncmp(o, "http://", 7) && n > 3 && !strcmp(o + n - 3, ":80")))
		return *why = "names its scheme's default port, which browsers "
			      "leave out: drop it", -1;
	return 0;
}

