/* Notifiers made ready to send, and one delivery attempt. */
#include "notifier.h"

#include <ctype.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../core/error.h"
#include "../core/fsutil.h"
#include "../registry/http.h"

/* A URL or a secret in a file: a line, not a document. */
#define SECRET_FILE_MAX (64u << 10)

static void problem(struct notifier *n, int code, const char *fmt, ...)
	MLOPS_PRINTF(3, 4);
static void problem(struct notifier *n, int code, const char *fmt, ...)
{
	struct strbuf sb = STRBUF_INIT;
	va_list ap;

	if (n->problem)
		return;
	va_start(ap, fmt);
	strbuf_vaddf(&sb, fmt, ap);
	va_end(ap);
	n->problem = strbuf_detach(&sb);
	n->problem_code = code;
}

/* A URL or a secret is a line: the line endings (CR, LF) at its end,
 * which a text editor, `echo` or a Kubernetes secret mounted from a file
 * leave, are not part of it; whether it came from a file or a variable. */
static size_t without_line_end(const char *s, size_t len)
{
	while (len && (s[len - 1] == '\n' || s[len - 1] == '\r'))
		len--;
	return len;
}

/* The file's text, without its line ending. NULL (and a problem noted)
 * when unreadable. */
static char *read_secret_file(struct notifier *n, const char *path,
			      const char *dir, const char *what, size_t *len)
{
	struct strbuf sb = STRBUF_INIT;
	char *full = path[0] == '/' ? xstrdup(path) : fs_join(dir, path);

	if (fs_read_file(full, SECRET_FILE_MAX, &sb) < 0) {
		problem(n, mlops_error_last()->code, "%s: %s", what,
			mlops_error_last()->message);
		mlops_error_clear();
		free(full);
		strbuf_release(&sb);
		return NULL;
	}
	free(full);
	strbuf_setlen(&sb, without_line_end(sb.buf, sb.len));
	*len = sb.len;
	return strbuf_detach(&sb);
}

static char *read_env(struct notifier *n, const char *var, const char *what,
		      size_t *len)
{
	const char *v = getenv(var);

	if (!v) {
		problem(n, MLOPS_EINPUT, "%s: the variable %s is not set", what,
			var);
		return NULL;
	}
	*len = without_line_end(v, strlen(v));
	if (!*len) {
		problem(n, MLOPS_EINPUT, "%s: the variable %s is empty", what,
			var);
		return NULL;
	}
	return xstrndup(v, *len);
}

void notifier_resolve(struct notifier *n, const struct notifier_spec *spec,
		      const char *dir)
{
	struct strbuf sb = STRBUF_INIT;
	size_t len = 0;

	memset(n, 0, sizeof(*n));
	n->kind = spec->kind;
	n->name = xstrdup(spec->name);
	if (spec->url)
		n->url = xstrdup(spec->url);
	else if (spec->url_env)
		n->url = read_env(n, spec->url_env, "url_env", &len);
	else
		n->url = read_secret_file(n, spec->url_file, dir, "url_file",
					  &len);
	if (n->url && (strlen(n->url) != len && !spec->url))
		problem(n, MLOPS_EINPUT, "the URL holds a NUL byte");
	if (n->url && !n->problem && !(n->host = alert_url_host(n->url, NULL)))
		problem(n, MLOPS_EINPUT, "the URL in %s is not an http:// or "
			"https:// URL", spec->url_env ? spec->url_env
				       : spec->url_file ? spec->url_file : "url");
	if (spec->secret_env)
		n->secret = read_env(n, spec->secret_env, "secret_env",
				     &n->secret_len);
	else if (spec->secret_file)
		n->secret = read_secret_file(n, spec->secret_file, dir,
					     "secret_file", &n->secret_len);
	if (n->secret && !n->secret_len)
		problem(n, MLOPS_EINPUT, "the secret is empty");
	strbuf_addf(&sb, "%s (%s)", n->name, n->host ? n->host : "no URL");
	n->label = strbuf_detach(&sb);
}

static void wipe_free(char *s, size_t len)
{
	if (s)
		OPENSSL_cleanse(s, len);
	free(s);
}

void notifier_release(struct notifier *n)
{
	free(n->name);
	free(n->label);
	wipe_free(n->url, n->url ? strlen(n->url) : 0);
	free(n->host);
	wipe_free(n->secret, n->secret_len);
	free(n->problem);
	memset(n, 0, sizeof(*n));
}

void notifier_signature(const char *key, size_t key_len, const char *body,
			size_t len, struct strbuf *out)
{
	unsigned char mac[EVP_MAX_MD_SIZE];
	unsigned int mac_len = 0, i;

	HMAC(EVP_sha256(), key, (int)key_len, (const unsigned char *)body, len,
	     mac, &mac_len);
	strbuf_addstr(out, "sha256=");
	for (i = 0; i < mac_len; i++)
		strbuf_addf(out, "%02x", mac[i]);
}

struct kept {
	size_t len;
	int enough;
};

/* 2xx bodies: read, never kept (the service's answer is not ours to
 * store), and no further than ANSWER_READ: the status said it all, and
 * a body without end must not hold the sender. Others are capped by
 * http_perform (and the attempt's timeout). */
#define ANSWER_READ (64u << 10)
static int drop_body(void *ctx, const void *data, size_t len)
{
	struct kept *k = ctx;

	(void)data;
	k->len += len;
	if (k->len <= ANSWER_READ)
		return 0;
	k->enough = 1;
	return -1;
}

/* Retry-After: seconds, or an HTTP date. 0 when absent or past. */
static double retry_after(const struct http_resp *r)
{
	struct strbuf v = STRBUF_INIT;
	double s = 0;

	if (http_header(r, "Retry-After", &v) && v.len) {
		char *end;
		long n = strtol(v.buf, &end, 10);

		if (isdigit((unsigned char)v.buf[0]) && !*end && n >= 0)
			s = (double)n;
		else if (curl_getdate(v.buf, NULL) > time(NULL))
			s = (double)(curl_getdate(v.buf, NULL) - time(NULL));
	}
	strbuf_release(&v);
	return s;
}

/* Pieces of a URL shorter than this are words an answer may hold for
 * its own reasons ("down", "hook", "api"); a token is longer (Slack's
 * ids and secret, Teams' GUIDs, a signature in a query). */
#define ECHO_MIN 8

/* 1 when the answer repeats a piece of what is secret: the secret, or a
 * piece of the URL other than its host (a path segment such as Slack's
 * token, a query value, user information), in whatever way the service
 * quotes it (with or without the slashes around). */
static int echoes_secret(const struct notifier *nt, const char *body,
			 size_t len)
{
	const char *p = strstr(nt->url, "://"), *end;
	size_t k;

	if (nt->secret && nt->secret_len >= ECHO_MIN &&
	    memmem(body, len, nt->secret, nt->secret_len))
		return 1;
	for (p = p ? p + 3 : nt->url; *p; p = end) {
		end = p + strcspn(p, "/?&=#:@;,");
		k = (size_t)(end - p);
		if (k >= ECHO_MIN && !(nt->host && memmem(nt->host,
							  strlen(nt->host),
							  p, k)) &&
		    memmem(body, len, p, k))
			return 1;
		if (*end)
			end++;
	}
	return 0;
}

/* The answer's first words, printable only: a service's reason; none
 * when they repeat a secret piece of the URL (see echoes_secret). */
static void add_reason(struct attempt *a, const struct strbuf *body,
		       const struct notifier *nt)
{
	size_t used = strlen(a->why), i, n = 0;
	char clean[80];

	if (!body->len || echoes_secret(nt, body->buf, body->len))
		return;

	for (i = 0; i < body->len && n < sizeof(clean) - 1; i++)
		clean[n++] = (unsigned char)body->buf[i] >= ' ' &&
				     (unsigned char)body->buf[i] < 0x7f
				     ? body->buf[i] : ' ';
	clean[n] = '\0';
	while (n && clean[n - 1] == ' ')
		clean[--n] = '\0';
	if (n && used + 4 < sizeof(a->why))
		snprintf(a->why + used, sizeof(a->why) - used, ": %s", clean);
}

void notifier_attempt(CURL *curl, const struct notifier *n, const char *body,
		      size_t len, const char *id, long timeout_ms,
		      int (*cancel)(void *), void *cancel_ctx,
		      struct attempt *a)
{
	struct strbuf sig = STRBUF_INIT, idh = STRBUF_INIT;
	const char *headers[5] = { "Content-Type: application/json", NULL };
	struct http_resp resp = { 0 };
	struct http_req req = { 0 };
	struct kept kept = { 0 };
	size_t nh = 1;
	int rc;

	memset(a, 0, sizeof(*a));
	if (n->problem) {
		snprintf(a->why, sizeof(a->why), "%s", n->problem);
		return;
	}
	strbuf_addf(&idh, "X-Mlops-Delivery: %s", id);
	headers[nh++] = idh.buf;
	if (n->kind == NOTIFIER_WEBHOOK && n->secret) {
		strbuf_addstr(&sig, "X-Mlops-Signature: ");
		notifier_signature(n->secret, n->secret_len, body, len, &sig);
		headers[nh++] = sig.buf;
	}
	req.method = "POST";
	req.url = n->url;
	req.headers = headers;
	req.body = body;
	req.body_len = len;
	req.body_fd = -1;
	req.sink = drop_body;
	req.sink_ctx = &kept;
	req.timeout_ms = timeout_ms > 0 ? timeout_ms : 1;
	req.cancel = cancel;
	req.cancel_ctx = cancel_ctx;
	rc = http_perform(curl, &req, &resp);
	if (rc < 0 && kept.enough && resp.status >= 200 && resp.status < 300)
		rc = 0; /* taken; the rest of its answer left unread */
	if (rc < 0) {
		const char *m = mlops_error_last()->message;
		const char *tail = strstr(m, n->url);

		/* http_perform names the URL: keep only curl's words. */
		tail = tail ? tail + strlen(n->url) : "";
		if (!strncmp(tail, ": ", 2))
			tail += 2;
		snprintf(a->why, sizeof(a->why), "no answer: %.200s",
			 *tail ? tail : "the request failed");
		mlops_error_clear();
		a->retry = !(cancel && cancel(cancel_ctx));
		goto done;
	}
	a->status = resp.status;
	a->delivered = resp.status >= 200 && resp.status < 300;
	if (!a->delivered) {
		snprintf(a->why, sizeof(a->why), "HTTP %ld", resp.status);
		/* The whole answer kept (http_perform caps it) is looked at:
		 * a secret past the words shown may start within them. */
		add_reason(a, &resp.body, n);
	}
	a->retry = resp.status == 408 || resp.status == 429 ||
		   resp.status >= 500;
	if (resp.status == 429 || resp.status == 503)
		a->retry_after = retry_after(&resp);
done:
	if (sig.buf)
		OPENSSL_cleanse(sig.buf, sig.len);
	strbuf_release(&sig);
	strbuf_release(&idh);
	http_resp_release(&resp);
}
