/* HTTP content codings on the serving port (zlib): request bodies sent
 * with Content-Encoding gzip or deflate are inflated with their
 * decompressed size capped, and answers are compressed when the client's
 * Accept-Encoding allows it and the body is large enough to gain. */
#ifndef MLOPS_SERVER_ENCODING_H
#define MLOPS_SERVER_ENCODING_H

#include <stddef.h>

#include "../core/strbuf.h"

/* Answers shorter than this go out as they are: a few hundred bytes
 * gain less than the header costs. */
#define ENCODING_MIN_COMPRESS 1024

/* Decodes body in place by its Content-Encoding (NULL, "identity",
 * "gzip", "x-gzip", "deflate", or a list of them applied in order).
 * 0; 413 when the decoded body would exceed max bytes; 415 for a coding
 * not known; 400 for data that is not what the coding says. *why: a
 * message for the answer. */
unsigned encoding_decode(const char *coding, struct strbuf *body, size_t max,
			 const char **why);

enum encoding { ENCODING_IDENTITY, ENCODING_GZIP, ENCODING_DEFLATE };

/* The coding an Accept-Encoding header (NULL: none) prefers among gzip
 * and deflate (RFC 9110 12.5.3: q-values, "*", q=0 refuses). */
enum encoding encoding_accepted(const char *accept);
/* in compressed into out (appended) by e: 0, or -1 when zlib fails. */
int encoding_compress(enum encoding e, const void *in, size_t len,
		      struct strbuf *out);
const char *encoding_name(enum encoding e);

#endif
