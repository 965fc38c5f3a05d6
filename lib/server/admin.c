#include "admin.h"

#include <dirent.h>
#include <errno.h>
#include <microhttpd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "admission.h"
#include "../bundle/reader.h"
#include "../bundle/signature.h"
#include "../core/error.h"
#include "../core/fsutil.h"
#include "../core/jsonutil.h"
#include "../core/strbuf.h"
#include "../core/tempfile.h"
#include "admin_body.h"
#include "auth.h"
#include "handlers.h"

#define ADMIN_BODY_MAX (64 * 1024)
#define BUNDLES_PREFIX "/admin/bundles/"

/* The admin listener's limits: a few operators, never a crowd. */
#define ADMIN_MAX_CONNECTIONS 64
#define ADMIN_PER_IP 16

struct admin {
	struct MHD_Daemon *d;
	struct conntrack *ct;
	unsigned port;
	struct server *srv;
	struct serve_state st;
	struct admin_opts o;
};

struct admin_req {
	int authed;
	int upload;          /* PUT /admin/bundles/... */
	struct tempfile t;
	int t_open;
	uint64_t bytes;
	int too_large;
	int io_error;
	struct strbuf body;
	int http11;
	struct conn *conn; /* its connection's deadlines */
};

/* Reads the bundle a digest names from the state directory, verified. */
static int open_digest(const struct admin_opts *o, const char *digest,
		       struct serving **sv)
{
	char *path = state_bundle_path(o->state_dir, digest);
	int rc;

	*sv = NULL;
	if (!fs_exists(path)) {
		rc = mlops_error_set(MLOPS_EUSAGE, "no bundle %s here: upload "
				     "it first (PUT %s%s)", digest,
				     BUNDLES_PREFIX, digest);
	} else {
		rc = serving_open(sv, path, &o->serving);
		if (!rc && strcmp((*sv)->digest, digest)) {
			rc = mlops_error_set(MLOPS_EINPUT, "%s holds %s, not %s",
					     path, (*sv)->digest, digest);
			serving_put(*sv);
			*sv = NULL;
		}
	}
	free(path);
	return rc;
}

/* Stores the bundle at path under its digest (kept when already there). */
static int store(const struct admin_opts *o, const char *path, char *digest,
		 size_t len)
{
	const char *dir = o->state_dir;
	struct bundle *b = NULL;
	char *dst;
	int rc = bundle_open(&b, path, NULL);

	if (!rc && o->serving.require_signature)
		rc = sig_verify_bundle(b, o->serving.require_signature);
	if (rc) {
		bundle_free(b);
		return rc;
	}
	snprintf(digest, len, "%s", b->manifest_digest);
	bundle_free(b);
	dst = state_bundle_path(dir, digest);
	if (!fs_exists(dst))
		rc = fs_copy_atomic(path, dst, 0600);
	free(dst);
	return rc;
}

char *admin_shadow_sample(const char *dir, const char *digest)
{
	struct strbuf sb = STRBUF_INIT;

	strbuf_addf(&sb, "%s/shadow-%.12s.jsonl", dir, digest + 7);
	return strbuf_detach(&sb);
}

int admin_restore(const char *dir, struct serve_state *st, const char *seed,
		  const struct serving_opts *so, struct serving **stable,
		  struct serving **canary, struct serving **shadow,
		  char *note, size_t len)
{
	struct admin_opts o = { 0 };
	int rc;

	*stable = *canary = *shadow = NULL;
	note[0] = '\0';
	o.state_dir = dir;
	o.serving = *so;
	rc = state_load(dir, st);
	if (rc)
		return rc;
	if (!st->stable[0] && seed) {
		char digest[80];

		rc = store(&o, seed, digest, sizeof(digest));
		if (rc)
			return rc;
		snprintf(st->stable, sizeof(st->stable), "%s", digest);
		state_note(st, "seed", digest, NULL, 100);
		rc = state_save(dir, st);
		if (rc)
			return rc;
		snprintf(note, len, "stored %s as the stable version", seed);
	} else if (st->stable[0] && seed) {
		snprintf(note, len, "%s serves the stable version of its state "
			 "(%s), not %s", dir, st->stable, seed);
	}
	if (!st->stable[0])
		return mlops_error_set(MLOPS_EUSAGE, "%s serves nothing yet: give "
				       "a BUNDLE to start with", dir);
	rc = open_digest(&o, st->stable, stable);
	if (!rc && st->canary[0] && st->weight)
		rc = open_digest(&o, st->canary, canary);
	if (!rc && st->shadow[0])
		rc = open_digest(&o, st->shadow, shadow);
	if (rc) {
		serving_put(*stable);
		serving_put(*canary);
		*stable = *canary = NULL;
	}
	return rc;
}

static enum MHD_Result reply(struct MHD_Connection *c, unsigned status,
			     json_t *j)
{
	char *text = json_dumps(j, JSON_COMPACT | JSON_REAL_PRECISION(9));
	struct MHD_Response *r = MHD_create_response_from_buffer(
		strlen(text), text, MHD_RESPMEM_MUST_FREE);
	enum MHD_Result ret;

	json_decref(j);
	MHD_add_response_header(r, "Content-Type", "application/json");
	if (status == 401)
		MHD_add_response_header(r, "WWW-Authenticate",
					"Bearer realm=\"mlops-admin\"");
	ret = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result fail(struct MHD_Connection *c, unsigned status,
			    const char *message)
{
	return reply(c, status, error_json(message));
}

/* The error left by a lib call, as an answer; its status from its kind. */
static enum MHD_Result fail_last(struct MHD_Connection *c)
{
	const struct mlops_error *e = mlops_error_last();
	unsigned status = e->code == MLOPS_EUSAGE ? 404
			  : e->code == MLOPS_EIO     ? 500
						     : 422;
	enum MHD_Result r = fail(c, status, e->message);

	mlops_error_clear();
	return r;
}

static json_t *version_json(const struct serving *sv)
{
	if (!sv)
		return json_null();
	return json_pack("{s:s, s:s, s:s, s:s}", "digest", sv->digest, "name",
			 sv->bm->d->name, "version", sv->bm->d->version,
			 "loaded_at", sv->loaded_at);
}

static json_t *state_json(struct admin *a)
{
	json_t *shadow = server_shadow_json(a->srv, NULL, 0);
	struct serving *stable = server_acquire(a->srv), *canary;
	unsigned weight = 0;
	json_t *bundles = json_array(), *j;
	char *dir = fs_join(a->o.state_dir, "bundles");
	DIR *dh = opendir(dir);
	struct dirent *de;

	canary = server_acquire_canary(a->srv, &weight);
	while (dh && (de = readdir(dh))) {
		size_t n = strlen(de->d_name);

		if (n == 70 && !strcmp(de->d_name + 64, ".mlpkg")) {
			char digest[80];

			snprintf(digest, sizeof(digest), "sha256:%.64s", de->d_name);
			if (digest_valid(digest))
				json_array_append_new(bundles, json_string(digest));
		}
	}
	if (dh)
		closedir(dh);
	free(dir);
	j = json_pack("{s:o, s:o, s:i, s:s?, s:o, s:O}", "stable",
		      version_json(stable), "canary", version_json(canary),
		      "weight", canary ? (int)weight : 0, "previous",
		      a->st.previous[0] ? a->st.previous : NULL, "bundles",
		      bundles, "history", a->st.history);
	json_object_set_new(j, "shadow", shadow ? json_pack(
		"{s:s, s:O, s:O, s:O}", "digest", a->st.shadow, "version",
		json_object_get(shadow, "shadow_version"), "agreement",
		json_object_get(shadow, "agreement"), "rows",
		json_object_get(json_object_get(shadow, "rows"), "compared"))
				: json_null());
	json_decref(shadow);
	serving_put(stable);
	serving_put(canary);
	return j;
}

/* Persists the state; on failure the answer says so (the change is live
 * but would not survive a restart). */
static enum MHD_Result changed(struct admin *a, struct MHD_Connection *c)
{
	if (state_save(a->o.state_dir, &a->st) < 0) {
		struct strbuf m = STRBUF_INIT;
		enum MHD_Result r;

		strbuf_addf(&m, "the change is live but not saved: %s",
			    mlops_error_last()->message);
		mlops_error_clear();
		r = fail(c, 500, m.buf);
		strbuf_release(&m);
		return r;
	}
	return reply(c, 200, state_json(a));
}

/* The stable version becomes sv (a reference taken); the canary goes. */
static void make_stable(struct admin *a, struct serving *sv)
{
	if (strcmp(a->st.stable, sv->digest)) {
		snprintf(a->st.previous, sizeof(a->st.previous), "%s",
			 a->st.stable);
		snprintf(a->st.stable, sizeof(a->st.stable), "%s", sv->digest);
	}
	a->st.canary[0] = '\0';
	a->st.weight = 0;
	server_swap(a->srv, sv);
	server_set_canary(a->srv, NULL, 0);
	if (!strcmp(a->st.shadow, sv->digest)) {
		/* The shadow promoted: it has nothing left to compare. */
		server_set_shadow(a->srv, NULL, NULL, NULL);
		a->st.shadow[0] = '\0';
	}
}

/* digest becomes the shadow: a copy of the stable version's prediction
 * requests, compared, answered to no client. */
static enum MHD_Result start_shadow(struct admin *a, struct MHD_Connection *c,
				    const char *digest)
{
	struct serving *sv = NULL;
	char *sample;
	int rc;

	if (!strcmp(digest, a->st.stable))
		return fail(c, 409, "that digest is the stable version: a shadow "
			    "must be another one");
	if (open_digest(&a->o, digest, &sv) < 0)
		return fail_last(c);
	state_note(&a->st, "shadow", digest, sv->bm->d->version, 0);
	sample = admin_shadow_sample(a->o.state_dir, digest);
	rc = server_set_shadow(a->srv, NULL, sv, sample);
	free(sample);
	if (rc < 0)
		return fail_last(c);
	snprintf(a->st.shadow, sizeof(a->st.shadow), "%s", digest);
	return changed(a, c);
}

static enum MHD_Result activate(struct admin *a, struct MHD_Connection *c,
				const struct strbuf *body)
{
	struct activate_req req;
	const char *digest = req.digest;
	struct serving *canary, *sv = NULL;
	unsigned cur_weight, weight;

	if (admin_parse_activate(&req, strbuf_str(body), body->len) < 0)
		return fail(c, 400, mlops_error_last()->message);
	if (req.shadow)
		return start_shadow(a, c, digest);
	weight = req.weight;
	if (weight == 0) {
		/* No canary, no shadow: back to the stable version alone. */
		server_set_canary(a->srv, NULL, 0);
		server_set_shadow(a->srv, NULL, NULL, NULL);
		state_note(&a->st, "abort", a->st.canary[0] ? a->st.canary
							    : a->st.shadow,
			   NULL, 0);
		a->st.canary[0] = '\0';
		a->st.weight = 0;
		a->st.shadow[0] = '\0';
		return changed(a, c);
	}
	canary = server_acquire_canary(a->srv, &cur_weight);
	if (canary && !strcmp(canary->digest, digest))
		sv = canary; /* its reference passes on */
	else
		serving_put(canary);
	if (weight < 100 && !strcmp(digest, a->st.stable)) {
		serving_put(sv);
		return fail(c, 409, "that digest is the stable version: a canary "
			    "must be another one");
	}
	if (!sv && open_digest(&a->o, digest, &sv) < 0)
		return fail_last(c);
	if (weight == 100) {
		make_stable(a, sv);
		state_note(&a->st, "stable", digest, sv->bm->d->version, 100);
	} else {
		state_note(&a->st, "canary", digest, sv->bm->d->version,
			   (unsigned)weight);
		snprintf(a->st.canary, sizeof(a->st.canary), "%s", digest);
		a->st.weight = (unsigned)weight;
		server_set_canary(a->srv, sv, (unsigned)weight);
	}
	return changed(a, c);
}

static enum MHD_Result rollback(struct admin *a, struct MHD_Connection *c)
{
	struct serving *sv = NULL;

	if (!a->st.previous[0])
		return fail(c, 409, "no earlier stable version to roll back to");
	if (open_digest(&a->o, a->st.previous, &sv) < 0)
		return fail_last(c);
	make_stable(a, sv);
	state_note(&a->st, "rollback", a->st.stable, sv->bm->d->version, 100);
	return changed(a, c);
}

/* The upload, written to a temporary file, is renamed to its digest's
 * name once it opens as a bundle with that digest. */
static enum MHD_Result finish_upload(struct admin *a, struct MHD_Connection *c,
				     struct admin_req *q, const char *digest)
{
	char *dst = state_bundle_path(a->o.state_dir, digest);
	struct bundle *b = NULL;
	struct strbuf m = STRBUF_INIT;
	enum MHD_Result r;
	int rc;

	if (q->too_large || q->io_error || !q->t_open) {
		if (q->t_open)
			tempfile_discard(&q->t);
		q->t_open = 0;
		free(dst);
		if (q->too_large)
			return fail(c, 413, "the bundle is larger than the admin "
				    "listener takes (--admin-max-upload)");
		return q->io_error ? fail(c, 500, "cannot store the upload")
				   : fail(c, 400, "no bundle in the request body");
	}
	/* Opened under its temporary name; only a match gets the real one. */
	rc = fsync(q->t.fd) == 0 ? bundle_open(&b, q->t.path, NULL)
				 : mlops_error_errno(MLOPS_EIO, errno,
						     "cannot store the upload");
	if (!rc && strcmp(b->manifest_digest, digest)) {
		strbuf_addf(&m, "digest mismatch: the upload is %s, not %s",
			    b->manifest_digest, digest);
		rc = -1;
	}
	if (!rc && a->o.serving.require_signature &&
	    sig_verify_bundle(b, a->o.serving.require_signature) < 0) {
		strbuf_addstr(&m, mlops_error_last()->message);
		rc = -1;
	}
	bundle_free(b);
	if (rc) {
		tempfile_discard(&q->t);
		q->t_open = 0;
		free(dst);
		if (m.len) {
			r = fail(c, 422, m.buf);
			strbuf_release(&m);
			return r;
		}
		return fail_last(c);
	}
	rc = tempfile_commit(&q->t);
	q->t_open = 0;
	free(dst);
	if (rc)
		return fail_last(c);
	state_note(&a->st, "upload", digest, NULL, 0);
	if (state_save(a->o.state_dir, &a->st) < 0)
		mlops_error_clear(); /* the bundle is stored all the same */
	return reply(c, 201, json_pack("{s:s, s:I}", "digest", digest, "size",
				       (json_int_t)q->bytes));
}

/* /admin/models/NAME/VERB or Triton's /v2/repository/models/NAME/VERB:
 * 1 with the name and verb ("load", "unload"), else 0. */
static int model_url(const char *url, const char **name, size_t *len,
		     const char **verb)
{
	const char *p = !strncmp(url, "/admin/models/", 14) ? url + 14
			: !strncmp(url, "/v2/repository/models/", 22) ? url + 22
								       : NULL;

	if (!p)
		return 0;
	/* The verb is the last segment: a name may hold '/'. */
	*name = p;
	*verb = strrchr(p, '/');
	if (!*verb)
		*verb = p + strlen(p);
	*len = (size_t)(*verb - p);
	return *len > 0;
}

/* Loads or unloads a model of the repository; the answer lists what
 * changed (and, on failure, why: 404 no such model or entry, 422 it did
 * not load, 500 it could not be read). */
static enum MHD_Result load_unload(struct admin *a, struct MHD_Connection *c,
				   const char *method, const char *name,
				   size_t len, const char *verb)
{
	struct repo_changes ch = { 0 };
	char *nm;
	json_t *j;
	int load = !strcmp(verb, "/load"), rc;
	unsigned status = 200;

	if (!load && strcmp(verb, "/unload"))
		return fail(c, 404, "no such admin endpoint (models/NAME/load, "
			    "models/NAME/unload)");
	if (strcmp(method, "POST"))
		return fail(c, 405, "method not allowed (POST)");
	if (!a->o.repo)
		return fail(c, 409, "load and unload are for a server of several "
			    "models (serve --models DIR, or several BUNDLEs)");
	nm = xstrndup(name, len);
	rc = load ? repository_load(a->o.repo, nm, &ch)
		  : repository_unload(a->o.repo, nm, &ch);
	free(nm);
	j = json_pack("{s:o}", "changes", repo_changes_json(&ch));
	if (rc < 0) {
		int code = mlops_error_last()->code;

		status = code == MLOPS_EUSAGE ? 404 : code == MLOPS_EIO ? 500
									  : 422;
		json_object_set_new(j, "error",
				    json_string(mlops_error_last()->message));
		mlops_error_clear();
	}
	json_object_set_new(j, "models", server_index(a->srv, 0));
	repo_changes_release(&ch);
	return reply(c, status, j);
}

static int is_get(const char *method)
{
	return !strcmp(method, "GET") || !strcmp(method, "HEAD");
}

static enum MHD_Result route(struct admin *a, struct MHD_Connection *c,
			     const char *url, const char *method,
			     struct admin_req *q)
{
	const char *name, *verb;
	size_t len;

	if (!strcmp(url, "/admin/shadow")) {
		if (!is_get(method))
			return fail(c, 405, "method not allowed (GET)");
		return reply(c, 200, json_pack("{s:o}", "shadows",
					       server_shadow_json(a->srv, NULL,
								  1)));
	}
	if (!strcmp(url, "/admin/models") ||
	    !strcmp(url, "/v2/repository/index")) {
		if (!is_get(method) && strcmp(method, "POST"))
			return fail(c, 405, "method not allowed (GET, POST)");
		return reply(c, 200, server_index(a->srv, 0));
	}
	if (model_url(url, &name, &len, &verb))
		return load_unload(a, c, method, name, len, verb);
	if (!a->o.state_dir)
		return fail(c, 404, "no such admin endpoint (bundles, activate, "
			    "rollback and state are a fleet instance's: serve "
			    "--state DIR)");
	if (!strncmp(url, BUNDLES_PREFIX, strlen(BUNDLES_PREFIX))) {
		const char *digest = url + strlen(BUNDLES_PREFIX);
		char *path;
		struct stat st;
		int have;

		if (!digest_valid(digest))
			return fail(c, 400, "bundles are named sha256: and 64 hex "
				    "digits");
		if (!strcmp(method, "PUT"))
			return finish_upload(a, c, q, digest);
		if (strcmp(method, "GET") && strcmp(method, "HEAD"))
			return fail(c, 405, "method not allowed (GET, HEAD, PUT)");
		path = state_bundle_path(a->o.state_dir, digest);
		have = stat(path, &st) == 0;
		free(path);
		if (!have)
			return fail(c, 404, "no such bundle here");
		return reply(c, 200, json_pack("{s:s, s:I}", "digest", digest,
					       "size", (json_int_t)st.st_size));
	}
	if (!strcmp(url, "/admin/state")) {
		if (strcmp(method, "GET") && strcmp(method, "HEAD"))
			return fail(c, 405, "method not allowed (GET)");
		return reply(c, 200, state_json(a));
	}
	if (!strcmp(url, "/admin/activate") || !strcmp(url, "/admin/rollback")) {
		if (strcmp(method, "POST"))
			return fail(c, 405, "method not allowed (POST)");
		if (!strcmp(url, "/admin/rollback"))
			return rollback(a, c);
		if (q->too_large)
			return fail(c, 413, "the request body is too large");
		return activate(a, c, &q->body);
	}
	return fail(c, 404, "no such admin endpoint");
}

static void take_data(struct admin *a, struct admin_req *q, const char *url,
		      const char *data, size_t size)
{
	if (!q->authed || q->too_large || q->io_error)
		return;
	if (!q->upload) {
		if (q->body.len + size > ADMIN_BODY_MAX)
			q->too_large = 1;
		else
			strbuf_add(&q->body, data, size);
		return;
	}
	if (q->bytes + size > a->o.max_upload) {
		q->too_large = 1;
		return;
	}
	if (!q->t_open) {
		const char *digest = url + strlen(BUNDLES_PREFIX);
		char *dst;

		if (!digest_valid(digest))
			return; /* route() answers 400 */
		dst = state_bundle_path(a->o.state_dir, digest);
		if (tempfile_create(&q->t, dst, 0600) < 0) {
			mlops_error_clear();
			q->io_error = 1;
			free(dst);
			return;
		}
		free(dst);
		q->t_open = 1;
	}
	if (fs_write_all(q->t.fd, data, size) < 0) {
		mlops_error_clear();
		q->io_error = 1;
	}
	q->bytes += size;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c,
				  const char *url, const char *method,
				  const char *version, const char *data,
				  size_t *size, void **ctx)
{
	struct admin *a = cls;
	struct admin_req *q = *ctx;

	if (!q) {
		const union MHD_ConnectionInfo *ci = MHD_get_connection_info(
			c, MHD_CONNECTION_INFO_SOCKET_CONTEXT);

		q = xcalloc(1, sizeof(*q));
		q->authed = auth_key_ok(a->o.keys, a->o.nkeys, auth_presented(c));
		q->upload = a->o.state_dir && !strcmp(method, "PUT") &&
			    !strncmp(url, BUNDLES_PREFIX, strlen(BUNDLES_PREFIX));
		q->http11 = version && !strcmp(version, MHD_HTTP_VERSION_1_1);
		q->conn = ci ? ci->socket_context : NULL;
		conntrack_headers_done(q->conn);
		*ctx = q;
		return MHD_YES;
	}
	if (*size) {
		conntrack_body(q->conn, *size);
		take_data(a, q, url, data, *size);
		*size = 0;
		return MHD_YES;
	}
	conntrack_answering(q->conn);
	{
		const char *why = NULL;
		unsigned status = admission_check(c, url, q->http11, q->conn,
						  &why);

		if (status) {
			if (status == 503)
				conntrack_count_refused(q->conn);
			return fail(c, status, why);
		}
	}
	if (!q->authed)
		return fail(c, 401, "unauthorized: the admin API needs the admin "
			    "key (Authorization: Bearer KEY)");
	{
		enum MHD_Result r = route(a, c, url, method, q);

		/* An error a request left on this pool thread dies with it. */
		mlops_error_thread_exit();
		return r;
	}
}

static void on_completed(void *cls, struct MHD_Connection *c, void **ctx,
			 enum MHD_RequestTerminationCode code)
{
	struct admin_req *q = *ctx;

	(void)cls;
	(void)c;
	(void)code;
	if (!q)
		return;
	conntrack_answered(q->conn);
	if (q->t_open)
		tempfile_discard(&q->t); /* a client that went away */
	strbuf_release(&q->body);
	free(q);
	*ctx = NULL;
}

int admin_start(struct admin **out, struct server *srv,
		struct serve_state *st, const struct admin_opts *o)
{
	struct admin *a = xcalloc(1, sizeof(*a));
	struct sockaddr_storage ss;
	const union MHD_DaemonInfo *info;
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL;
	socklen_t len;
	int v6 = 0, rc;

	*out = NULL;
	a->srv = srv;
	if (st) {
		a->st = *st;
		memset(st, 0, sizeof(*st));
	}
	a->o = *o;
	if (!o->nkeys)
		rc = mlops_error_set(MLOPS_EUSAGE, "the admin API needs an admin "
				     "key");
	else
		rc = server_parse_listen(o->listen, &ss, &len, &v6);
	if (rc) {
		admin_stop(a);
		return rc;
	}
	if (v6)
		flags |= MHD_USE_IPv6;
	if (o->tls_cert && o->tls_key)
		flags |= MHD_USE_TLS;
	{
		/* The public listener's deadlines (slowloris, slow bodies). */
		struct conntrack_opts co = { ADMIN_MAX_CONNECTIONS, 10, 1024 };

		a->ct = conntrack_new(&co);
		if (!a->ct) {
			admin_stop(a);
			return mlops_error_set(MLOPS_EIO, "cannot start the "
					       "connection watchdog");
		}
	}
	/* One thread, no pool: admin changes are applied one at a time. */
	a->d = MHD_start_daemon(flags, 0, NULL, NULL, on_request, a,
				MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
				MHD_OPTION_CONNECTION_TIMEOUT, 60u,
				MHD_OPTION_CONNECTION_LIMIT,
				(unsigned)ADMIN_MAX_CONNECTIONS + 16u,
				MHD_OPTION_PER_IP_CONNECTION_LIMIT,
				(unsigned)ADMIN_PER_IP,
				MHD_OPTION_CONNECTION_MEMORY_LIMIT,
				(size_t)ADMISSION_CONN_MEMORY,
				MHD_OPTION_NOTIFY_COMPLETED, on_completed, a,
				MHD_OPTION_NOTIFY_CONNECTION, admission_track,
				a->ct,
				MHD_OPTION_HTTPS_MEM_CERT,
				o->tls_cert ? o->tls_cert : "",
				MHD_OPTION_HTTPS_MEM_KEY,
				o->tls_key ? o->tls_key : "", MHD_OPTION_END);
	if (!a->d) {
		rc = mlops_error_errno(MLOPS_EIO, errno ? errno : EADDRINUSE,
				       "cannot listen on %s (--admin-listen)",
				       o->listen);
		admin_stop(a);
		return rc;
	}
	info = MHD_get_daemon_info(a->d, MHD_DAEMON_INFO_BIND_PORT);
	a->port = info ? info->port : 0;
	*out = a;
	return 0;
}

unsigned admin_port(const struct admin *a)
{
	return a ? a->port : 0;
}

void admin_stop(struct admin *a)
{
	if (!a)
		return;
	if (a->d)
		MHD_stop_daemon(a->d);
	conntrack_free(a->ct);
	state_release(&a->st);
	free(a);
}
