#include "encoding.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <zlib.h>

/* Layers of coding a request may stack ("gzip, gzip"): more is an
 * attack, not a client. */
#define MAX_LAYERS 2
#define CHUNK (64 * 1024)

/* n more bytes were written after out's end. */
static void grown(struct strbuf *out, size_t n)
{
	out->len += n;
	out->buf[out->len] = '\0';
}

/* One layer: in -> out, out capped at max. windowBits picks the
 * container: 15 + 16 gzip, 15 zlib, -15 raw deflate. Several gzip
 * members follow each other as one body (RFC 1952 2.2). */
static unsigned inflate_layer(const struct strbuf *in, int bits, size_t max,
			      struct strbuf *out, const char **why)
{
	z_stream z = { 0 };
	unsigned st = 0;
	int rc = Z_OK;

	if (inflateInit2(&z, bits) != Z_OK) {
		*why = "cannot decompress the request body";
		return 500;
	}
	z.next_in = (Bytef *)(in->buf ? in->buf : "");
	z.avail_in = (uInt)in->len;
	while (rc != Z_STREAM_END || z.avail_in) {
		if (rc == Z_STREAM_END) {
			/* Another gzip member; anything else is garbage. */
			if (bits != 15 + 16 || inflateReset(&z) != Z_OK) {
				st = 400;
				break;
			}
		}
		strbuf_grow(out, CHUNK);
		z.next_out = (Bytef *)out->buf + out->len;
		z.avail_out = CHUNK;
		rc = inflate(&z, Z_NO_FLUSH);
		grown(out, CHUNK - z.avail_out);
		if (out->len > max) {
			st = 413;
			break;
		}
		if (rc == Z_STREAM_END)
			continue;
		if (rc != Z_OK || (!z.avail_in && z.avail_out)) {
			st = 400; /* corrupt, or cut short */
			break;
		}
	}
	inflateEnd(&z);
	if (st == 413)
		*why = "the request body, decompressed, is larger than "
		       "--max-body";
	else if (st)
		*why = "the request body is not what its Content-Encoding says";
	return st;
}

static int token_is(const char *t, size_t n, const char *name)
{
	return strlen(name) == n && !strncasecmp(t, name, n);
}

unsigned encoding_decode(const char *coding, struct strbuf *body, size_t max,
			 const char **why)
{
	const char *tok[MAX_LAYERS + 1];
	size_t len[MAX_LAYERS + 1], n = 0, i;
	const char *p = coding;
	unsigned st = 0;

	*why = NULL;
	while (p && *p) {
		const char *e;

		p += strspn(p, " \t,");
		e = p + strcspn(p, " \t,");
		if (e == p)
			break;
		if (!token_is(p, (size_t)(e - p), "identity")) {
			if (n == MAX_LAYERS) {
				*why = "too many layers of Content-Encoding";
				return 415;
			}
			tok[n] = p;
			len[n++] = (size_t)(e - p);
		}
		p = e;
	}
	/* The last coding applied is undone first. */
	for (i = n; i-- > 0 && !st;) {
		struct strbuf out = STRBUF_INIT;
		int gz = token_is(tok[i], len[i], "gzip") ||
			 token_is(tok[i], len[i], "x-gzip");

		if (!gz && !token_is(tok[i], len[i], "deflate")) {
			*why = "unsupported Content-Encoding (gzip, deflate or "
			       "identity)";
			return 415;
		}
		st = inflate_layer(body, gz ? 15 + 16 : 15, max, &out, why);
		/* "deflate" is zlib's format (RFC 9110 8.4.1.2), but some
		 * clients send it raw. */
		if (st == 400 && !gz && !out.len) {
			strbuf_reset(&out);
			st = inflate_layer(body, -15, max, &out, why);
		}
		if (!st) {
			strbuf_release(body);
			*body = out;
		} else {
			strbuf_release(&out);
		}
	}
	return st;
}

/* The q-value of one Accept-Encoding element's parameters: 1 when
 * none. */
static double qvalue(const char *params, size_t n)
{
	const char *q = NULL;
	size_t i;

	for (i = 0; i + 1 < n; i++)
		if ((params[i] == 'q' || params[i] == 'Q') &&
		    params[i + 1] == '=')
			q = params + i + 2;
	return q ? strtod(q, NULL) : 1;
}

enum encoding encoding_accepted(const char *accept)
{
	double gz = -1, df = -1, any = -1;
	const char *p = accept;

	while (p && *p) {
		size_t n = strcspn(p, ","), t;
		double q;

		p += strspn(p, " \t");
		n = strcspn(p, ",");
		t = strcspn(p, " \t;,");
		q = t < n ? qvalue(p + t, n - t) : 1;
		if (token_is(p, t, "gzip") || token_is(p, t, "x-gzip"))
			gz = q;
		else if (token_is(p, t, "deflate"))
			df = q;
		else if (token_is(p, t, "*"))
			any = q;
		p += n;
		if (*p)
			p++;
	}
	if (gz < 0)
		gz = any;
	if (df < 0)
		df = any;
	if (gz > 0 && gz >= df)
		return ENCODING_GZIP;
	return df > 0 ? ENCODING_DEFLATE : ENCODING_IDENTITY;
}

int encoding_compress(enum encoding e, const void *in, size_t len,
		      struct strbuf *out)
{
	z_stream z = { 0 };
	uLong bound;
	int rc;

	if (e == ENCODING_IDENTITY || len > UINT_MAX / 2)
		return -1;
	/* Level 1: most of the gain at a fraction of the time. */
	if (deflateInit2(&z, 1, Z_DEFLATED, e == ENCODING_GZIP ? 15 + 16 : 15,
			 8, Z_DEFAULT_STRATEGY) != Z_OK)
		return -1;
	bound = deflateBound(&z, (uLong)len) + 32;
	strbuf_grow(out, bound);
	z.next_in = (Bytef *)in;
	z.avail_in = (uInt)len;
	z.next_out = (Bytef *)out->buf + out->len;
	z.avail_out = (uInt)bound;
	rc = deflate(&z, Z_FINISH);
	if (rc == Z_STREAM_END)
		grown(out, bound - z.avail_out);
	deflateEnd(&z);
	return rc == Z_STREAM_END ? 0 : -1;
}

const char *encoding_name(enum encoding e)
{
	return e == ENCODING_GZIP ? "gzip" : e == ENCODING_DEFLATE ? "deflate"
								   : "identity";
}
