#include "http.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "../core/error.h"

#define ERROR_BODY_MAX (64u << 10)
#define DOC_BODY_MAX (16u << 20)

struct xfer {
	const struct http_req *req;
	struct http_resp *resp;
	CURL *curl;
	uint64_t sent;
	uint64_t skip; /* bytes to drop: a 200 to a Range request */
};

static size_t on_header(char *buf, size_t size, size_t n, void *ctx)
{
	struct xfer *x = ctx;
	size_t len = size * n;

	/* A new status line starts a new response (100, redirects). */
	if (len > 5 && !strncmp(buf, "HTTP/", 5))
		strbuf_reset(&x->resp->headers);
	strbuf_add(&x->resp->headers, buf, len);
	return len;
}

static size_t on_body(char *buf, size_t size, size_t n, void *ctx)
{
	struct xfer *x = ctx;
	size_t len = size * n;
	long status = 0;

	curl_easy_getinfo(x->curl, CURLINFO_RESPONSE_CODE, &status);
	if (x->req->sink && status >= 200 && status < 300) {
		if (status == 200 && x->req->range_from && x->skip) {
			size_t drop = len < x->skip ? len : (size_t)x->skip;

			x->skip -= drop;
			buf += drop;
			if (len == drop)
				return len;
			if (x->req->sink(x->req->sink_ctx, buf, len - drop) < 0) {
				x->resp->sink_rc = -1;
				return 0;
			}
			return len;
		}
		if (x->req->sink(x->req->sink_ctx, buf, len) < 0) {
			x->resp->sink_rc = -1;
			return 0;
		}
		return len;
	}
	if (x->resp->body.len + len <= (status >= 200 && status < 300
						? DOC_BODY_MAX
						: ERROR_BODY_MAX))
		strbuf_add(&x->resp->body, buf, len);
	else if (status >= 200 && status < 300)
		return 0; /* a document this large is not a manifest */
	return len;
}

static size_t on_read(char *buf, size_t size, size_t n, void *ctx)
{
	struct xfer *x = ctx;
	const struct http_req *r = x->req;
	size_t want = size * n;
	uint64_t total = r->body_fd >= 0 ? r->body_size : r->body_len;
	ssize_t got;

	if (x->sent >= total)
		return 0;
	if (want > total - x->sent)
		want = (size_t)(total - x->sent);
	if (r->body_fd >= 0) {
		got = pread(r->body_fd, buf, want, (off_t)(r->body_off + x->sent));
		if (got <= 0)
			return CURL_READFUNC_ABORT;
	} else {
		memcpy(buf, (const char *)r->body + x->sent, want);
		got = (ssize_t)want;
	}
	x->sent += (uint64_t)got;
	if (r->progress)
		r->progress(r->progress_ctx, (uint64_t)got);
	return (size_t)got;
}

static int seek_read(void *ctx, curl_off_t off, int origin)
{
	struct xfer *x = ctx;

	/* Rewinds for a re-sent request after a redirect or auth. */
	if (origin != SEEK_SET || off < 0)
		return CURL_SEEKFUNC_CANTSEEK;
	x->sent = (uint64_t)off;
	return CURL_SEEKFUNC_OK;
}

static int on_xfer(void *ctx, curl_off_t dlt, curl_off_t dln, curl_off_t ult,
		   curl_off_t uln)
{
	const struct xfer *x = ctx;

	(void)dlt;
	(void)dln;
	(void)ult;
	(void)uln;
	return x->req->cancel(x->req->cancel_ctx) ? 1 : 0;
}

int http_perform(CURL *curl, const struct http_req *req,
		 struct http_resp *resp)
{
	struct curl_slist *h = NULL;
	struct strbuf line = STRBUF_INIT;
	struct xfer x = { req, resp, curl, 0, req->range_from };
	const char *const *p;
	uint64_t total;
	int has_body = req->body_fd >= 0 || req->body;
	CURLcode cc;

	strbuf_reset(&resp->body);
	strbuf_reset(&resp->headers);
	resp->status = 0;
	resp->sink_rc = 0;
	curl_easy_reset(curl);
	curl_easy_setopt(curl, CURLOPT_URL, req->url);
	curl_easy_setopt(curl, CURLOPT_USERAGENT, "mlops/" MLOPS_LIB_VERSION);
	curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT, 10L);
	/* A stalled transfer (under 1 KiB/s for 60 s) is a failure. */
	curl_easy_setopt(curl, CURLOPT_LOW_SPEED_LIMIT, 1024L);
	curl_easy_setopt(curl, CURLOPT_LOW_SPEED_TIME, 60L);
	curl_easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, 2L);
	curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
	if (req->timeout_ms > 0)
		curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, req->timeout_ms);
	if (req->cainfo)
		curl_easy_setopt(curl, CURLOPT_CAINFO, req->cainfo);
	curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(curl, CURLOPT_HEADERDATA, &x);
	curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(curl, CURLOPT_WRITEDATA, &x);
	if (req->cancel) {
		curl_easy_setopt(curl, CURLOPT_XFERINFOFUNCTION, on_xfer);
		curl_easy_setopt(curl, CURLOPT_XFERINFODATA, &x);
		curl_easy_setopt(curl, CURLOPT_NOPROGRESS, 0L);
	}
	if (req->follow) {
		curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 1L);
		curl_easy_setopt(curl, CURLOPT_MAXREDIRS, 5L);
	}
	for (p = req->headers; p && *p; p++)
		h = curl_slist_append(h, *p);
	h = curl_slist_append(h, "Expect:");
	if (req->authorization) {
		strbuf_addf(&line, "Authorization: %s", req->authorization);
		h = curl_slist_append(h, line.buf);
	}
	if (req->range_from) {
		strbuf_reset(&line);
		strbuf_addf(&line, "Range: bytes=%llu-",
			    (unsigned long long)req->range_from);
		h = curl_slist_append(h, line.buf);
	}
	curl_easy_setopt(curl, CURLOPT_HTTPHEADER, h);
	if (!strcmp(req->method, "HEAD")) {
		curl_easy_setopt(curl, CURLOPT_NOBODY, 1L);
	} else if (has_body) {
		total = req->body_fd >= 0 ? req->body_size : req->body_len;
		curl_easy_setopt(curl, CURLOPT_UPLOAD, 1L);
		curl_easy_setopt(curl, CURLOPT_READFUNCTION, on_read);
		curl_easy_setopt(curl, CURLOPT_READDATA, &x);
		curl_easy_setopt(curl, CURLOPT_SEEKFUNCTION, seek_read);
		curl_easy_setopt(curl, CURLOPT_SEEKDATA, &x);
		curl_easy_setopt(curl, CURLOPT_INFILESIZE_LARGE,
				 (curl_off_t)total);
		curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, req->method);
	} else if (!strcmp(req->method, "POST")) {
		curl_easy_setopt(curl, CURLOPT_POST, 1L);
		curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE, 0L);
		curl_easy_setopt(curl, CURLOPT_POSTFIELDS, "");
	} else if (strcmp(req->method, "GET")) {
		curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, req->method);
		if (!strcmp(req->method, "PUT") || !strcmp(req->method, "PATCH")) {
			curl_easy_setopt(curl, CURLOPT_UPLOAD, 1L);
			curl_easy_setopt(curl, CURLOPT_READFUNCTION, on_read);
			curl_easy_setopt(curl, CURLOPT_READDATA, &x);
			curl_easy_setopt(curl, CURLOPT_INFILESIZE_LARGE,
					 (curl_off_t)0);
		}
	}
	cc = curl_easy_perform(curl);
	curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &resp->status);
	curl_slist_free_all(h);
	strbuf_release(&line);
	if (resp->sink_rc)
		return resp->sink_rc; /* the sink recorded its own error */
	if (cc != CURLE_OK)
		return mlops_error_set(MLOPS_ENET, "%s %s: %s", req->method,
				       req->url, curl_easy_strerror(cc));
	return 0;
}

int http_header(const struct http_resp *r, const char *name,
		struct strbuf *out)
{
	const char *p = r->headers.buf, *end = p + r->headers.len;
	size_t n = strlen(name);
	int found = 0;

	strbuf_reset(out);
	while (p && p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *le = nl ? nl : end;

		if ((size_t)(le - p) > n + 1 && !strncasecmp(p, name, n) &&
		    p[n] == ':') {
			const char *v = p + n + 1;

			while (v < le && (*v == ' ' || *v == '\t'))
				v++;
			strbuf_reset(out);
			strbuf_add(out, v, (size_t)(le - v));
			while (out->len && (out->buf[out->len - 1] == '\r' ||
					    out->buf[out->len - 1] == ' '))
				strbuf_setlen(out, out->len - 1);
			found = 1;
		}
		p = nl ? nl + 1 : NULL;
	}
	return found;
}

void http_resp_release(struct http_resp *r)
{
	strbuf_release(&r->body);
	strbuf_release(&r->headers);
}
