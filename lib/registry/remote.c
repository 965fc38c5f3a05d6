/* An OCI distribution registry over HTTP(S), per the distribution spec
 * v1.1: auth (anonymous, Basic, Bearer tokens with re-authentication on a
 * 401), retries with backoff, monolithic and chunked uploads with a
 * fallback and resume, manifests with the right media types, tags with
 * pagination. TLS is always verified; plain HTTP only for loopback or
 * when asked. */
#include <pthread.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "../bundle/mediatypes.h"
#include "../core/error.h"
#include "../core/jsonutil.h"
#include "../core/sha256.h"
#include "../core/strbuf.h"
#include "challenge.h"
#include "creds.h"
#include "http.h"
#include "store.h"

#define RETRIES 3
#define DEFAULT_CHUNK (32u << 20)

struct remote {
	struct store base;
	CURL *curl;
	char *url;      /* "https://host" */
	char *user, *pass;
	char *authz;    /* the Authorization value that worked */
};

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;

static void curl_init(void)
{
	curl_global_init(CURL_GLOBAL_DEFAULT);
}

/* The registry's own error text: {"errors":[{"code","message"}]}. */
static void describe(struct strbuf *sb, const struct http_resp *resp)
{
	json_t *j = resp->body.len ? json_loadb(resp->body.buf, resp->body.len,
						0, NULL)
				   : NULL;
	const json_t *e = json_array_get(json_object_get(j, "errors"), 0);

	strbuf_addf(sb, "HTTP %ld", resp->status);
	if (json_str(e, "code"))
		strbuf_addf(sb, " %s", json_str(e, "code"));
	if (json_str(e, "message"))
		strbuf_addf(sb, ": %s", json_str(e, "message"));
	json_decref(j);
}

static int remote_fail(struct remote *r, const char *step,
		       const struct http_resp *resp)
{
	struct strbuf sb = STRBUF_INIT;
	int rc;

	describe(&sb, resp);
	rc = mlops_error_set(MLOPS_ENET, "%s: %s: %s", r->base.name, step,
			     sb.buf);
	if (resp->status == 401 || resp->status == 403)
		mlops_error_hint("check the credentials: mlops login %s",
				 r->base.ref.host);
	strbuf_release(&sb);
	return rc;
}


static char *basic_value(const char *user, const char *pass)
{
	struct strbuf up = STRBUF_INIT, v = STRBUF_INIT;
	char *b64;

	strbuf_addf(&up, "%s:%s", user, pass);
	b64 = base64_encode(up.buf, up.len);
	strbuf_addf(&v, "Basic %s", b64);
	free(b64);
	strbuf_release(&up);
	return strbuf_detach(&v);
}

static void url_escape(struct strbuf *sb, const char *s)
{
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || strchr("-._~", c))
			strbuf_addch(sb, (char)c);
		else
			strbuf_addf(sb, "%%%02X", c);
	}
}

/* The Bearer flow: a token from the realm, for this repository. */
static int bearer_token(struct remote *r, const char *challenge)
{
	char *realm = registry_challenge_param(challenge, "realm");
	char *service = registry_challenge_param(challenge, "service");
	char *scope = registry_challenge_param(challenge, "scope");
	struct strbuf url = STRBUF_INIT, sc = STRBUF_INIT;
	struct http_resp resp = { 0 };
	struct http_req req = { 0 };
	char *basic = NULL;
	json_t *j = NULL;
	const char *tok;
	int rc;

	if (!realm) {
		rc = mlops_error_set(MLOPS_ENET, "%s: a Bearer challenge "
				     "without a realm", r->base.name);
		goto done;
	}
	if (!scope)
		strbuf_addf(&sc, "repository:%s:pull,push", r->base.ref.repo);
	else
		strbuf_addstr(&sc, scope);
	strbuf_addf(&url, "%s%c", realm, strchr(realm, '?') ? '&' : '?');
	if (service) {
		strbuf_addstr(&url, "service=");
		url_escape(&url, service);
		strbuf_addch(&url, '&');
	}
	strbuf_addstr(&url, "scope=");
	url_escape(&url, sc.buf);
	if (r->user)
		basic = basic_value(r->user, r->pass);
	req.method = "GET";
	req.url = url.buf;
	req.authorization = basic;
	req.body_fd = -1;
	req.follow = 1;
	rc = http_perform(r->curl, &req, &resp);
	if (rc)
		goto done;
	if (resp.status != 200) {
		rc = remote_fail(r, "token", &resp);
		goto done;
	}
	j = json_loadb(resp.body.buf, resp.body.len, 0, NULL);
	tok = json_str(j, "token") ? json_str(j, "token")
				   : json_str(j, "access_token");
	if (!tok) {
		rc = mlops_error_set(MLOPS_ENET, "%s: the token service "
				     "answered without a token", r->base.name);
		goto done;
	}
	free(r->authz);
	strbuf_reset(&url);
	strbuf_addf(&url, "Bearer %s", tok);
	r->authz = strbuf_detach(&url);
done:
	json_decref(j);
	free(basic);
	free(realm);
	free(service);
	free(scope);
	strbuf_release(&url);
	strbuf_release(&sc);
	http_resp_release(&resp);
	return rc;
}

/* Answers a 401's challenge: Basic credentials, or a Bearer token. */
static int authenticate(struct remote *r, const struct http_resp *resp)
{
	struct strbuf c = STRBUF_INIT;
	int rc;

	if (!http_header(resp, "WWW-Authenticate", &c)) {
		strbuf_release(&c);
		return remote_fail(r, "authentication", resp);
	}
	if (!strncasecmp(c.buf, "Bearer", 6)) {
		rc = bearer_token(r, c.buf);
	} else if (!strncasecmp(c.buf, "Basic", 5)) {
		if (!r->user) {
			rc = mlops_error_set(MLOPS_ENET, "%s needs credentials",
					     r->base.name);
			mlops_error_hint("mlops login %s, or set "
					 "MLOPS_REGISTRY_USER and "
					 "MLOPS_REGISTRY_PASSWORD",
					 r->base.ref.host);
		} else {
			free(r->authz);
			r->authz = basic_value(r->user, r->pass);
			rc = 0;
		}
	} else {
		rc = mlops_error_set(MLOPS_ENET, "%s: unsupported "
				     "authentication scheme", r->base.name);
	}
	strbuf_release(&c);
	return rc;
}

static void backoff(int attempt)
{
	struct timespec t = { 0, 200000000L << attempt };

	if (t.tv_nsec >= 1000000000L) {
		t.tv_sec = t.tv_nsec / 1000000000L;
		t.tv_nsec %= 1000000000L;
	}
	nanosleep(&t, NULL);
}

/* Sends req with auth, retrying connection failures and 5xx (bodies are
 * memory or file spans, so every attempt can resend them) and answering
 * one 401 challenge (again mid-transfer: tokens expire). */
static int send_req(struct remote *r, struct http_req *req,
		    struct http_resp *resp)
{
	int attempt = 0, authed = 0, rc;

	for (;;) {
		req->authorization = r->authz;
		rc = http_perform(r->curl, req, resp);
		if (rc == MLOPS_ENET && attempt < RETRIES - 1 && !resp->sink_rc &&
		    !req->sink) {
			backoff(attempt++);
			continue;
		}
		if (rc)
			return rc;
		if (resp->status == 401 && !authed) {
			authed = 1;
			rc = authenticate(r, resp);
			if (rc)
				return rc;
			continue;
		}
		if (resp->status >= 500 && attempt < RETRIES - 1 && !req->sink) {
			backoff(attempt++);
			continue;
		}
		return 0;
	}
}

static char *api(struct remote *r, const char *fmt, ...) MLOPS_PRINTF(2, 3);

static char *api(struct remote *r, const char *fmt, ...)
{
	struct strbuf sb = STRBUF_INIT;
	va_list ap;

	strbuf_addf(&sb, "%s/v2/%s/", r->url, r->base.ref.repo);
	va_start(ap, fmt);
	strbuf_vaddf(&sb, fmt, ap);
	va_end(ap);
	return strbuf_detach(&sb);
}

/* Location headers may be relative; the newest one is always used. */
static char *location(struct remote *r, const struct http_resp *resp)
{
	struct strbuf loc = STRBUF_INIT;
	char *url = NULL;

	if (http_header(resp, "Location", &loc))
		url = registry_location(r->url, loc.buf);
	strbuf_release(&loc);
	return url;
}

static int r_blob_exists(struct store *s, const char *digest, int *exists)
{
	struct remote *r = (struct remote *)s;
	struct http_req req = { .method = "HEAD", .body_fd = -1, .follow = 1 };
	struct http_resp resp = { 0 };
	char *url = api(r, "blobs/%s", digest);
	int rc;

	req.url = url;
	rc = send_req(r, &req, &resp);
	if (!rc && resp.status != 200 && resp.status != 404)
		rc = remote_fail(r, "HEAD blob", &resp);
	*exists = !rc && resp.status == 200;
	free(url);
	http_resp_release(&resp);
	return rc;
}

static int r_blob_mount(struct store *s, const char *digest,
			const char *from, int *mounted)
{
	struct remote *r = (struct remote *)s;
	struct http_req req = { .method = "POST", .body_fd = -1 };
	struct http_resp resp = { 0 };
	struct strbuf q = STRBUF_INIT;
	char *url;
	int rc;

	strbuf_addf(&q, "blobs/uploads/?mount=%s&from=", digest);
	url_escape(&q, from);
	url = api(r, "%s", q.buf);
	req.url = url;
	rc = send_req(r, &req, &resp);
	*mounted = !rc && resp.status == 201;
	free(url);
	strbuf_release(&q);
	http_resp_release(&resp);
	return rc;
}

static char *with_digest(const char *loc, const char *digest)
{
	struct strbuf sb = STRBUF_INIT;

	strbuf_addf(&sb, "%s%cdigest=%s", loc, strchr(loc, '?') ? '&' : '?',
		    digest);
	return strbuf_detach(&sb);
}

/* Where an interrupted upload stands: GET its Location -> 204 + Range. */
static int upload_offset(struct remote *r, const char *loc, uint64_t *next)
{
	struct http_req req = { .method = "GET", .body_fd = -1 };
	struct http_resp resp = { 0 };
	struct strbuf range = STRBUF_INIT;
	int rc;

	req.url = loc;
	rc = send_req(r, &req, &resp);
	if (!rc && resp.status == 204 && http_header(&resp, "Range", &range)) {
		const char *dash = strchr(range.buf, '-');

		*next = dash ? strtoull(dash + 1, NULL, 10) + 1 : 0;
	} else if (!rc) {
		rc = -1;
	}
	strbuf_release(&range);
	http_resp_release(&resp);
	return rc;
}

static int start_upload(struct remote *r, char **loc)
{
	struct http_req req = { .method = "POST", .body_fd = -1 };
	struct http_resp resp = { 0 };
	char *url = api(r, "blobs/uploads/");
	int rc;

	req.url = url;
	rc = send_req(r, &req, &resp);
	if (!rc && resp.status != 202)
		rc = remote_fail(r, "start an upload", &resp);
	if (!rc && !(*loc = location(r, &resp)))
		rc = mlops_error_set(MLOPS_ENET, "%s: an upload without a "
				     "Location", r->base.name);
	free(url);
	http_resp_release(&resp);
	return rc;
}

static int put_monolithic(struct remote *r, const char *loc,
			  const char *digest, uint64_t size, int fd,
			  uint64_t off)
{
	static const char *const hdr[] = {
		"Content-Type: application/octet-stream", NULL };
	struct http_req req = { .method = "PUT", .headers = hdr };
	struct http_resp resp = { 0 };
	char *url = with_digest(loc, digest);
	int rc;

	req.url = url;
	req.body_fd = fd;
	req.body_off = off;
	req.body_size = size;
	req.progress = r->base.opts->progress;
	req.progress_ctx = r->base.opts->progress_ctx;
	rc = send_req(r, &req, &resp);
	if (!rc && resp.status != 201)
		rc = remote_fail(r, "PUT blob", &resp);
	free(url);
	http_resp_release(&resp);
	return rc;
}

/* Chunked: PATCH pieces, each answered with a new Location; a registry
 * that refuses chunks gets the blob whole; a broken connection resumes
 * at the offset the registry reports. */
static int put_chunked(struct remote *r, char **loc, const char *digest,
		       uint64_t size, int fd, uint64_t off, uint64_t chunk)
{
	static const char *const base_hdr = "Content-Type: application/octet-stream";
	struct http_resp resp = { 0 };
	struct strbuf range = STRBUF_INIT;
	uint64_t pos = 0;
	int rc = 0, resumed = 0;

	while (pos < size) {
		uint64_t n = size - pos < chunk ? size - pos : chunk;
		const char *hdr[3] = { base_hdr, NULL, NULL };
		struct http_req req = { .method = "PATCH" };
		char *next;

		strbuf_reset(&range);
		strbuf_addf(&range, "Content-Range: %llu-%llu",
			    (unsigned long long)pos,
			    (unsigned long long)(pos + n - 1));
		hdr[1] = range.buf;
		req.url = *loc;
		req.headers = hdr;
		req.body_fd = fd;
		req.body_off = off + pos;
		req.body_size = n;
		req.progress = r->base.opts->progress;
		req.progress_ctx = r->base.opts->progress_ctx;
		rc = http_perform(r->curl, &req, &resp);
		if (rc == MLOPS_ENET && !resumed) {
			uint64_t at;

			resumed = 1;
			if (upload_offset(r, *loc, &at) == 0 && at <= size) {
				mlops_error_clear();
				pos = at;
				rc = 0;
				continue;
			}
			/* Keep the first failure: it names the step. */
			mlops_error_set(MLOPS_ENET, "%s: PATCH blob: the "
					"connection broke and the upload cannot "
					"be resumed", r->base.name);
			rc = MLOPS_ENET;
			break;
		}
		if (rc)
			break;
		if (resp.status == 401) {
			rc = authenticate(r, &resp);
			if (rc)
				break;
			continue;
		}
		if (resp.status != 202) {
			/* Chunks refused at the start: send it whole. */
			if (pos == 0 && resp.status >= 400 && resp.status < 500) {
				http_resp_release(&resp);
				strbuf_release(&range);
				free(*loc);
				*loc = NULL;
				rc = start_upload(r, loc);
				return rc ? rc : put_monolithic(r, *loc, digest,
								size, fd, off);
			}
			rc = remote_fail(r, "PATCH blob", &resp);
			break;
		}
		next = location(r, &resp);
		if (next) {
			free(*loc);
			*loc = next;
		}
		pos += n;
	}
	if (!rc) {
		struct http_req req = { .method = "PUT", .body_fd = -1 };
		char *url = with_digest(*loc, digest);

		req.url = url;
		rc = send_req(r, &req, &resp);
		if (!rc && resp.status != 201)
			rc = remote_fail(r, "complete the upload", &resp);
		free(url);
	}
	strbuf_release(&range);
	http_resp_release(&resp);
	return rc;
}

static int r_blob_put(struct store *s, const char *digest, uint64_t size,
		      int fd, uint64_t offset)
{
	struct remote *r = (struct remote *)s;
	uint64_t chunk = s->opts->chunk_size ? s->opts->chunk_size
					     : DEFAULT_CHUNK;
	char *loc = NULL;
	int rc = start_upload(r, &loc);

	if (!rc && size <= chunk)
		rc = put_monolithic(r, loc, digest, size, fd, offset);
	else if (!rc)
		rc = put_chunked(r, &loc, digest, size, fd, offset, chunk);
	free(loc);
	return rc;
}

static int r_blob_get(struct store *s, const char *digest, uint64_t from,
		      byte_sink sink, void *ctx)
{
	struct remote *r = (struct remote *)s;
	struct http_req req = { .method = "GET", .body_fd = -1, .follow = 1 };
	struct http_resp resp = { 0 };
	char *url = api(r, "blobs/%s", digest);
	int rc;

	req.url = url;
	req.sink = sink;
	req.sink_ctx = ctx;
	req.range_from = from;
	rc = send_req(r, &req, &resp);
	if (!rc && resp.status != 200 && resp.status != 206)
		rc = remote_fail(r, "GET blob", &resp);
	free(url);
	http_resp_release(&resp);
	return rc;
}

static int r_manifest_put(struct store *s, const char *reference,
			  const char *media_type, const void *data, size_t len)
{
	struct remote *r = (struct remote *)s;
	struct strbuf ct = STRBUF_INIT, got = STRBUF_INIT;
	const char *hdr[2] = { NULL, NULL };
	struct http_req req = { .method = "PUT", .body_fd = -1 };
	struct http_resp resp = { 0 };
	char *url = api(r, "manifests/%s", reference);
	char digest[DIGEST_STR_LEN];
	int rc;

	strbuf_addf(&ct, "Content-Type: %s", media_type);
	hdr[0] = ct.buf;
	req.url = url;
	req.headers = hdr;
	req.body = data;
	req.body_len = len;
	rc = send_req(r, &req, &resp);
	if (!rc && resp.status != 201)
		rc = remote_fail(r, "PUT manifest", &resp);
	sha256_digest_buf(data, len, digest);
	if (!rc && http_header(&resp, "Docker-Content-Digest", &got) &&
	    strcmp(got.buf, digest))
		rc = mlops_error_set(MLOPS_ENET, "%s stored the manifest as %s, "
				     "not %s", s->name, got.buf, digest);
	free(url);
	strbuf_release(&ct);
	strbuf_release(&got);
	http_resp_release(&resp);
	return rc;
}

static int r_manifest_get(struct store *s, const char *reference,
			  struct strbuf *body, struct strbuf *media_type)
{
	static const char *const hdr[] = {
		"Accept: " MT_OCI_MANIFEST ", " MT_OCI_INDEX
		", application/vnd.docker.distribution.manifest.v2+json", NULL };
	struct remote *r = (struct remote *)s;
	struct http_req req = { .method = "GET", .body_fd = -1, .follow = 1 };
	struct http_resp resp = { 0 };
	char *url = api(r, "manifests/%s", reference);
	int rc;

	req.url = url;
	req.headers = hdr;
	rc = send_req(r, &req, &resp);
	if (!rc && resp.status == 404)
		rc = mlops_error_set(MLOPS_ENET, "%s: no manifest '%s'", s->name,
				     reference);
	else if (!rc && resp.status != 200)
		rc = remote_fail(r, "GET manifest", &resp);
	if (!rc) {
		strbuf_add(body, resp.body.buf, resp.body.len);
		http_header(&resp, "Content-Type", media_type);
	}
	free(url);
	http_resp_release(&resp);
	return rc;
}

static int r_tags(struct store *s, json_t **out)
{
	struct remote *r = (struct remote *)s;
	struct http_resp resp = { 0 };
	struct strbuf link = STRBUF_INIT;
	char *url = api(r, "tags/list");
	int pages = 0, rc = 0;

	*out = json_array();
	while (url && pages++ < 100) {
		struct http_req req = { .method = "GET", .body_fd = -1,
					.follow = 1 };
		json_t *j;
		char *next = NULL;

		req.url = url;
		rc = send_req(r, &req, &resp);
		if (!rc && resp.status != 200)
			rc = remote_fail(r, "GET tags", &resp);
		if (rc)
			break;
		j = json_loadb(resp.body.buf, resp.body.len, 0, NULL);
		json_array_extend(*out, json_is_array(json_object_get(j, "tags"))
						? json_object_get(j, "tags")
						: json_array());
		json_decref(j);
		/* Link: </v2/...?last=x&n=y>; rel="next" */
		if (http_header(&resp, "Link", &link) && strstr(link.buf, "next")) {
			char *lt = strchr(link.buf, '<'), *gt = strchr(link.buf, '>');

			if (lt && gt && gt > lt) {
				struct strbuf u = STRBUF_INIT;

				strbuf_addf(&u, "%s%.*s", lt[1] == '/' ? r->url : "",
					    (int)(gt - lt - 1), lt + 1);
				next = strbuf_detach(&u);
			}
		}
		free(url);
		url = next;
	}
	free(url);
	strbuf_release(&link);
	http_resp_release(&resp);
	if (rc) {
		json_decref(*out);
		*out = NULL;
	}
	return rc;
}

static void r_close(struct store *s)
{
	struct remote *r = (struct remote *)s;

	curl_easy_cleanup(r->curl);
	if (r->pass)
		memset(r->pass, 0, strlen(r->pass));
	free(r->user);
	free(r->pass);
	free(r->authz);
	free(r->url);
	free(s->name);
	ref_free(&s->ref);
	free(r);
}

static int r_clone(struct store *s, struct store **out);

static const struct store_ops remote_ops = {
	r_blob_exists, r_blob_mount, r_blob_put, r_blob_get, r_manifest_put,
	r_manifest_get, r_tags, r_clone, r_close,
};

int remote_store_open(struct store **out, const struct ref *ref,
		      const struct store_opts *opts)
{
	struct remote *r = xcalloc(1, sizeof(*r));
	struct strbuf sb = STRBUF_INIT;
	int plain = opts->plain_http || ref_is_loopback(ref->host);

	pthread_once(&curl_once, curl_init);
	r->base.ops = &remote_ops;
	r->base.opts = opts;
	r->base.ref.kind = REF_REMOTE;
	r->base.ref.host = xstrdup(ref->host);
	r->base.ref.repo = xstrdup(ref->repo);
	strbuf_addf(&sb, "%s/%s", ref->host, ref->repo);
	r->base.name = strbuf_detach(&sb);
	strbuf_addf(&sb, "%s://%s", plain ? "http" : "https", ref->host);
	r->url = strbuf_detach(&sb);
	r->curl = curl_easy_init();
	if (opts->user) {
		r->user = xstrdup(opts->user);
		r->pass = xstrdup(opts->password ? opts->password : "");
	} else {
		creds_lookup(ref->host, &r->user, &r->pass);
	}
	*out = &r->base;
	return 0;
}

static int r_clone(struct store *s, struct store **out)
{
	struct remote *r = (struct remote *)s, *c;
	int rc = remote_store_open(out, &s->ref, s->opts);

	if (rc)
		return rc;
	c = (struct remote *)*out;
	if (r->authz)
		c->authz = xstrdup(r->authz);
	return 0;
}

int remote_check_login(const struct ref *ref, const struct store_opts *opts)
{
	struct store *s;
	struct remote *r;
	struct http_req req = { .method = "GET", .body_fd = -1 };
	struct http_resp resp = { 0 };
	struct strbuf url = STRBUF_INIT;
	int rc = remote_store_open(&s, ref, opts);

	if (rc)
		return rc;
	r = (struct remote *)s;
	strbuf_addf(&url, "%s/v2/", r->url);
	req.url = url.buf;
	rc = send_req(r, &req, &resp);
	if (!rc && resp.status != 200) {
		rc = remote_fail(r, "login", &resp);
		if (resp.status == 401)
			mlops_error_hint("the user name or password is wrong");
	}
	strbuf_release(&url);
	http_resp_release(&resp);
	store_close(s);
	return rc;
}
