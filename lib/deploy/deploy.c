#include "deploy.h"

#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../bundle/meta.h"
#include "../bundle/signature.h"
#include "../core/error.h"
#include "../core/fsutil.h"
#include "../core/jsonutil.h"
#include "../core/strbuf.h"
#include "../core/timeutil.h"
#include "../registry/http.h"
#include "../gitrepo/assign.h"
#include "../gitrepo/gitrepo.h"
#include "instance.h"
#include "ledger.h"
#include "fleet.h"
#include "local.h"
#include "lock.h"

/* Polls URL/model/info until it reports digest (the server reloaded), or
 * the timeout passes. */
static int wait_for_digest(const char *url, const char *digest,
			   const struct deploy_opts *o, char *seen, size_t len)
{
	struct http_resp resp = { 0 };
	CURL *curl = curl_easy_init();
	uint64_t start = mono_ns();
	double wait = 50, limit = (o->timeout_s > 0 ? o->timeout_s : 30) * 1e3;
	int rc = -1;

	seen[0] = '\0';
	for (;;) {
		if (instance_get(curl, url, "/model/info", o->smoke.api_key,
				 o->smoke.cainfo, &resp) == 200) {
			json_t *j = json_loadb(resp.body.buf, resp.body.len, 0, NULL);

			snprintf(seen, len, "%s", json_str(j, "digest"));
			json_decref(j);
			if (!strcmp(seen, digest)) {
				rc = 0;
				break;
			}
		}
		if ((double)(mono_ns() - start) / 1e6 + wait > limit)
			break;
		sleep_ms(wait);
		wait = fmin(wait * 2, 1000);
	}
	http_resp_release(&resp);
	curl_easy_cleanup(curl);
	return rc;
}

/* The release is in place but its smoke tests cannot run (why): it goes
 * live unverified, or, when they are required on the way forward, fails.
 * 0, or -1 with r->why. */
static int smoke_skipped(const struct descriptor *d, int going_back,
			 const struct deploy_opts *o, struct deploy_result *r,
			 const char *why)
{
	if (!d->nsmoke) {
		deploy_say(o, "%s; no smoke tests to run", why);
		return 0;
	}
	r->smoke_skipped = 1;
	if (o->require_smoke && !going_back) {
		deploy_why(r, "%s: the smoke tests could not run, and they are "
			   "required", why);
		return -1;
	}
	deploy_say(o, "%s: smoke tests not run, the revision is unverified",
		   why);
	return 0;
}

/* current -> digest, the server told, its answer awaited, the smoke
 * tests of d run. 0, or -1 with r->why. */
static int activate_local(const struct environment *e, const char *root,
			  const char *digest, const struct descriptor *d,
			  int going_back, const struct deploy_opts *o,
			  struct deploy_result *r)
{
	char seen[96], why[512];

	if (local_switch(root, digest) < 0) {
		deploy_why(r, "%s", mlops_error_last()->message);
		return -1;
	}
	deploy_say(o, "current -> releases/%s", digest + 7);
	deploy_test_point("switched");
	if (!local_signal_server(root)) {
		/* Nothing serves the environment yet: the release is in
		 * place for the server that starts next. */
		snprintf(why, sizeof(why), "no server runs for %s (start `mlops "
			 "serve --root %s`)", e->name, root);
		return smoke_skipped(d, going_back, o, r, why);
	}
	deploy_say(o, "told the server (serve.pid) to reload");
	deploy_test_point("signalled");
	if (!e->url) {
		snprintf(why, sizeof(why), "no url for environment %s: not "
			 "waiting for the server", e->name);
		return smoke_skipped(d, going_back, o, r, why);
	}
	if (wait_for_digest(e->url, digest, o, seen, sizeof(seen)) < 0) {
		deploy_why(r, "%s did not serve %s within %.0f s (it serves %s)",
			e->url, digest, o->timeout_s > 0 ? o->timeout_s : 30,
			seen[0] ? seen : "nothing");
		return -1;
	}
	deploy_say(o, "%s serves %s", e->url, digest);
	smoke_results_free(r->smoke, r->nsmoke);
	r->nsmoke = d->nsmoke;
	if (smoke_run(e->url, d, &o->smoke, &r->smoke)) {
		size_t i;

		for (i = 0; i < r->nsmoke; i++)
			if (!r->smoke[i].passed) {
				deploy_why(r, "smoke test '%s' failed: %s",
					r->smoke[i].name, r->smoke[i].why);
				break;
			}
		return -1;
	}
	if (d->nsmoke)
		deploy_say(o, "%zu smoke test%s passed", d->nsmoke,
			   plural(d->nsmoke));
	deploy_test_point("smoked");
	return 0;
}

/* digest goes live in e: local, or a fleet rollout (its strategy for a
 * deploy; all at once to go back). */
static int activate(const struct environment *e, const char *root,
		    const char *digest, const struct descriptor *d,
		    int going_back, const struct deploy_opts *o,
		    struct deploy_result *r)
{
	char *bundle;
	int rc;

	if (e->kind == ENV_LOCAL)
		return activate_local(e, root, digest, d, going_back, o, r);
	bundle = local_release_bundle(root, digest);
	rc = fleet_rollout(e, digest, bundle, d,
			   going_back ? STRATEGY_ALL_AT_ONCE : e->strategy, o, r);
	free(bundle);
	if (!rc)
		deploy_test_point("smoked");
	return rc;
}

/* The GTO assignment tag NAME#ENV#N on the commit the live bundle was
 * built from. A failure here is reported; the deploy stays live. */
static void tag_live(const struct deploy_opts *o, const struct environment *e,
		     const struct bundle *b, struct deploy_result *r)
{
	const char *commit = bundle_commit(b);
	char *tag = NULL;

	if (o->no_tag || !o->dir)
		return;
	if (!commit) {
		deploy_say(o, "not tagged: the bundle was not built from a git commit");
	} else if (assign_tag(o->dir, bundle_name(b), e->name,
			      bundle_version(b), commit, b->manifest_digest,
			      &tag) < 0) {
		deploy_say(o, "not tagged: %s", mlops_error_last()->message);
		mlops_error_clear();
	} else {
		deploy_say(o, "tagged %s", tag);
		if (o->push_tags && gitrepo_tag_push(o->dir, "origin", tag) < 0) {
			deploy_say(o, "not pushed: %s", mlops_error_last()->message);
			mlops_error_clear();
		} else if (o->push_tags) {
			deploy_say(o, "pushed %s to origin", tag);
			r->tag_pushed = 1;
		}
		free(r->tag);
		r->tag = tag;
	}
}

/* tag_live for a release already installed (a rollback's). */
static void tag_release(const struct deploy_opts *o,
			const struct environment *e, const char *root,
			const char *digest, struct deploy_result *r)
{
	char *path = local_release_bundle(root, digest);
	struct bundle *b = NULL;

	if (o->no_tag || !o->dir) {
		free(path);
		return;
	}
	if (bundle_open(&b, path, NULL) < 0) {
		deploy_say(o, "not tagged: %s", mlops_error_last()->message);
		mlops_error_clear();
	} else {
		tag_live(o, e, b, r);
	}
	bundle_free(b);
	free(path);
}

static int append_flagged(const char *root, struct ledger *l, long number,
			  const char *status, const char *digest,
			  const char *name, const char *version,
			  const char *desc, int unverified)
{
	struct revision rev = { 0 };

	rev.number = number;
	rev.unverified = unverified;
	snprintf(rev.status, sizeof(rev.status), "%s", status);
	snprintf(rev.digest, sizeof(rev.digest), "%s", digest);
	snprintf(rev.name, sizeof(rev.name), "%s", name);
	snprintf(rev.version, sizeof(rev.version), "%s", version);
	snprintf(rev.description, sizeof(rev.description), "%s", desc);
	if (ledger_append(root, &rev) < 0)
		return -1;
	if ((size_t)number > l->n) {
		l->revs = xrealloc(l->revs, sizeof(*l->revs) * (size_t)number);
		l->n = (size_t)number;
	}
	l->revs[number - 1] = rev;
	return 0;
}

static int append(const char *root, struct ledger *l, long number,
		  const char *status, const char *digest, const char *name,
		  const char *version, const char *desc)
{
	return append_flagged(root, l, number, status, digest, name, version,
			      desc, 0);
}

/* A pending revision whose deploy is gone (killed, crashed) is marked
 * failed, and current goes back to the last deployed revision. */
static int recover(const struct environment *e, const char *root,
		   struct ledger *l, const struct deploy_opts *o)
{
	const struct revision *dep;
	char cur[96];
	size_t i, left = 0;

	for (i = 0; i < l->n; i++) {
		struct revision *r = &l->revs[i];

		if (strcmp(r->status, "pending"))
			continue;
		deploy_say(o, "revision %ld was left pending by pid %ld on %s (%s): "
		    "marking it failed", r->number, r->pid, r->host, r->updated);
		if (append(root, l, r->number, "failed", r->digest, r->name,
			   r->version, "interrupted before it finished") < 0)
			return -1;
		left++;
	}
	dep = ledger_last(l, "deployed");
	if (e->kind == ENV_FLEET) {
		struct deploy_result again = { 0 };
		struct descriptor *d = NULL;
		char *path;
		int rc = 0;

		/* The instances may be anywhere between the two versions. */
		if (!left || !dep)
			return 0;
		deploy_say(o, "putting every instance back on revision %ld",
			   dep->number);
		path = local_release_bundle(root, dep->digest);
		rc = bundle_or_file_descriptor(path, NULL, &d);
		free(path);
		if (!rc && activate(e, root, dep->digest, d, 1, o, &again) < 0)
			rc = mlops_error_set(MLOPS_EIO, "restoring revision %ld: "
					     "%s", dep->number, again.why);
		deploy_result_free(&again);
		descriptor_free(d);
		return rc;
	}
	local_current(root, cur, sizeof(cur));
	if (dep && strcmp(cur, dep->digest)) {
		deploy_say(o, "current pointed at %s, not the deployed revision %ld: "
		    "restoring it", cur[0] ? cur : "nothing", dep->number);
		if (local_switch(root, dep->digest) < 0)
			return -1;
		local_signal_server(root);
	}
	return 0;
}

/* The revision `target` (a new number) goes live with digest
 * (unverified: its smoke tests did not run); the one deployed before, if
 * any, becomes superseded. */
static int go_live(const char *root, struct ledger *l, long target,
		   const char *digest, const char *name, const char *version,
		   const char *desc, int unverified)
{
	const struct revision *prev = ledger_last(l, "deployed");
	struct revision keep;

	if (prev) {
		keep = *prev;
		if (append_flagged(root, l, keep.number, "superseded",
				   keep.digest, keep.name, keep.version,
				   keep.description, keep.unverified) < 0)
			return -1;
	}
	return append_flagged(root, l, target, "deployed", digest, name,
			      version, desc, unverified);
}

struct session {
	char *root;
	struct env_lock lock;
	struct ledger ledger;
};

/* A revision whose run failed (an error, not a finding) is marked failed
 * before the error is reported, so that no run leaves it pending. The
 * error that made it fail is kept for the caller. */
static void settle_failed(struct session *s, long number,
			  const char *digest, const char *name,
			  const char *version)
{
	const struct mlops_error *e = mlops_error_last();
	int code = e->code;
	char *msg = xstrdup(e->message), *hint = e->hint ? xstrdup(e->hint) : NULL;
	char desc[256];

	snprintf(desc, sizeof(desc), "failed: %s", msg);
	/* When not even this can be written, the next run resolves it. */
	(void)append(s->root, &s->ledger, number, "failed", digest, name,
		     version, desc);
	mlops_error_set(code ? code : MLOPS_EINTERNAL, "%s", msg);
	if (hint)
		mlops_error_hint("%s", hint);
	free(msg);
	free(hint);
}

/* Keeps the releases of the last keep_releases bundles that went live
 * (newest first, current among them); removes the others. */
static void prune(const struct session *s, const struct environment *e,
		  const struct deploy_opts *o)
{
	const char **keep = xcalloc((size_t)e->keep_releases, sizeof(char *));
	size_t n = 0, i, j, removed = 0;

	for (i = s->ledger.n; i > 0 && n < (size_t)e->keep_releases; i--) {
		const struct revision *r = &s->ledger.revs[i - 1];

		if (strcmp(r->status, "deployed") && strcmp(r->status, "superseded"))
			continue;
		for (j = 0; j < n && strcmp(keep[j], r->digest); j++)
			;
		if (j == n)
			keep[n++] = r->digest;
	}
	if (n)
		local_prune(s->root, keep, n, &removed);
	if (removed)
		deploy_say(o, "removed %zu old release%s (keep_releases: %lld)",
			   removed, plural(removed), e->keep_releases);
	free(keep);
}

static int session_open(struct session *s, const struct environment *e,
			const char *dir, const struct deploy_opts *o)
{
	memset(s, 0, sizeof(*s));
	if (e->kind == ENV_KUBERNETES)
		return mlops_error_set(MLOPS_EUSAGE, "environment %s is "
				       "kubernetes: write its manifests with "
				       "--render DIR and apply them with your "
				       "cluster's tools", e->name);
	s->root = environment_root(e, dir);
	if (fs_mkdir_p(s->root, 0755) < 0 ||
	    env_lock_acquire(&s->lock, s->root, o->force_unlock) < 0)
		return -1;
	if (s->lock.stale[0])
		deploy_say(o, "%s", s->lock.stale);
	if (ledger_read(s->root, &s->ledger) < 0)
		return -1;
	{
		char why[1024];

		if (ledger_damage(&s->ledger, s->root, why, sizeof(why)))
			deploy_say(o, "%s", why);
	}
	{
		uint64_t bytes = 0;
		size_t files = local_clean_leftovers(s->root, &bytes);

		if (files)
			deploy_say(o, "removed %zu temporary file%s (%llu bytes) "
				   "that a deploy which did not finish left",
				   files, plural(files),
				   (unsigned long long)bytes);
	}
	if (recover(e, s->root, &s->ledger, o) < 0)
		return -1;
	return 0;
}

static void session_close(struct session *s)
{
	env_lock_release(&s->lock);
	ledger_free(&s->ledger);
	free(s->root);
}

int deploy_recover(const struct environment *e, const struct deploy_opts *o)
{
	struct session s;
	struct ledger l;
	char *root = environment_root(e, o->dir);
	size_t i, pending = 0;
	int rc;

	if (!root)
		return 0;
	rc = ledger_read(root, &l);
	if (rc) {
		free(root);
		return rc;
	}
	for (i = 0; i < l.n; i++)
		pending += !strcmp(l.revs[i].status, "pending");
	/* What a dead deploy left is cleaned under the lock too. */
	pending += local_has_leftovers(root);
	free(root);
	ledger_free(&l);
	if (!pending)
		return 0;
	/* The lock tells a deploy under way from one that is gone. */
	rc = session_open(&s, e, o->dir, o);
	session_close(&s);
	return rc && s.lock.busy ? 1 : rc;
}

/* After a failed activation: back to the last deployed revision. */
static int roll_back_after(struct session *s, const struct environment *e,
			   const struct deploy_opts *o, struct deploy_result *r)
{
	const struct revision *last = ledger_last(&s->ledger, "deployed");
	struct revision keep, *dep = last ? &keep : NULL;
	struct descriptor *pd = NULL;
	struct deploy_result again = { 0 };
	char *path, desc[64];
	long n;
	int rc;

	/* A copy: appending to the ledger moves its revisions. */
	if (last)
		keep = *last;
	if (o->no_rollback || !dep) {
		deploy_say(o, o->no_rollback ? "--no-rollback: leaving it as it is"
				      : "nothing deployed before: nothing to "
					"roll back to");
		return 0;
	}
	n = (long)s->ledger.n + 1;
	snprintf(desc, sizeof(desc), "Rollback to %ld", dep->number);
	path = local_release_bundle(s->root, dep->digest);
	rc = bundle_or_file_descriptor(path, NULL, &pd);
	free(path);
	if (!rc)
		rc = append(s->root, &s->ledger, n, "pending", dep->digest,
			    dep->name, dep->version, desc);
	if (!rc && activate(e, s->root, dep->digest, pd, 1, o, &again) < 0)
		rc = mlops_error_set(MLOPS_EIO, "the rollback to revision %ld "
				     "failed too: %s", dep->number, again.why);
	if (!rc) {
		rc = go_live(s->root, &s->ledger, n, keep.digest, keep.name,
			     keep.version, desc, again.smoke_skipped);
		r->rollback_revision = n;
		if (!rc)
			tag_release(o, e, s->root, keep.digest, r);
		deploy_say(o, "rolled back: revision %ld serves %s %s", n, keep.name,
		    keep.version);
	} else if (s->ledger.n >= (size_t)n) {
		append(s->root, &s->ledger, n, "failed", dep->digest, dep->name,
		       dep->version, desc);
	}
	deploy_result_free(&again);
	descriptor_free(pd);
	return rc;
}

/* Required smoke tests that cannot run fail the deploy before anything
 * changes. A server that stops after this check is caught later, by
 * smoke_skipped. */
static int smoke_can_run(const struct environment *e, const char *root,
			 const struct descriptor *d)
{
	if (!d->nsmoke)
		return mlops_error_set(MLOPS_EINPUT, "%s %s declares no smoke "
				       "tests, and they are required", d->name,
				       d->version);
	if (e->kind != ENV_LOCAL)
		return 0;
	if (!e->url)
		return mlops_error_set(MLOPS_EUSAGE, "environment %s has no url: "
				       "its smoke tests cannot run, and they are "
				       "required", e->name);
	if (!local_server_running(root)) {
		mlops_error_set(MLOPS_ENET, "no server runs for %s: its smoke "
				"tests cannot run, and they are required",
				e->name);
		mlops_error_hint("start `mlops serve --root %s`, then deploy "
				 "again", root);
		return MLOPS_ENET;
	}
	return 0;
}

int deploy_run(const struct environment *e, const char *bundle,
		 const struct deploy_opts *o, struct deploy_result *r)
{
	struct session s;
	struct bundle *b = NULL;
	const struct descriptor *d = NULL; /* b's */
	char desc[256];
	size_t i;
	int rc, pending = 0;

	memset(r, 0, sizeof(*r));
	rc = bundle_open(&b, bundle, NULL);
	for (i = 0; !rc && i < 2; i++)
		if (o->require_signature[i])
			rc = sig_verify_bundle(b, o->require_signature[i]);
	if (!rc)
		rc = bundle_descriptor(b, &d);
	if (rc) {
		bundle_free(b);
		return rc;
	}
	rc = session_open(&s, e, o->dir, o);
	if (!rc && o->require_smoke)
		rc = smoke_can_run(e, s.root, d);
	if (rc)
		goto done;
	snprintf(desc, sizeof(desc), "%s", o->reason ? o->reason : "");
	if (!desc[0])
		snprintf(desc, sizeof(desc), "Deploy %s %s", d->name, d->version);
	r->revision = (long)s.ledger.n + 1;
	if (o->dry_run) {
		deploy_say(o, "would deploy %s %s (%s) to %s as revision %ld", d->name,
		    d->version, b->manifest_digest, e->name, r->revision);
		goto done;
	}
	rc = append(s.root, &s.ledger, r->revision, "pending",
		    b->manifest_digest, d->name, d->version, desc);
	if (rc)
		goto done;
	pending = 1;
	deploy_test_point("pending");
	rc = local_install(s.root, bundle, b->manifest_digest);
	if (rc)
		goto done;
	deploy_say(o, "revision %ld pending: %s %s in releases/%s", r->revision,
	    d->name, d->version, b->manifest_digest + 7);
	deploy_test_point("installed");
	if (activate(e, s.root, b->manifest_digest, d, 0, o, r) == 0) {
		rc = go_live(s.root, &s.ledger, r->revision, b->manifest_digest,
			     d->name, d->version, desc, r->smoke_skipped);
		r->deployed = !rc;
		if (!rc)
			tag_live(o, e, b, r);
		if (!rc)
			prune(&s, e, o);
		goto done;
	}
	deploy_say(o, "revision %ld failed: %s", r->revision, r->why);
	rc = append(s.root, &s.ledger, r->revision, "failed", b->manifest_digest,
		    d->name, d->version, desc);
	pending = 0;
	if (!rc)
		rc = roll_back_after(&s, e, o, r);
	if (!rc)
		rc = 1;
done:
	if (rc < 0 && pending && !r->deployed)
		settle_failed(&s, r->revision, b->manifest_digest, d->name,
			      d->version);
	session_close(&s);
	bundle_free(b);
	return rc;
}

int rollback_run(const struct environment *e, long to,
		   const struct deploy_opts *o, struct deploy_result *r)
{
	struct session s;
	struct descriptor *d = NULL;
	const struct revision *cur, *target = NULL;
	struct revision keep;
	char desc[64], *path;
	size_t i;
	int rc;

	memset(r, 0, sizeof(*r));
	rc = session_open(&s, e, o->dir, o);
	if (rc)
		goto done;
	cur = ledger_last(&s.ledger, "deployed");
	if (to > 0) {
		if ((size_t)to > s.ledger.n)
			rc = mlops_error_set(MLOPS_EUSAGE, "no revision %ld (the "
					     "last is %zu)", to, s.ledger.n);
		else if (!s.ledger.revs[to - 1].number)
			rc = mlops_error_set(MLOPS_EINPUT, "revision %ld: its "
					     "ledger lines are damaged; roll "
					     "back to another", to);
		else
			target = &s.ledger.revs[to - 1];
	} else {
		/* The newest revision that was live before the current one,
		 * with a different digest. */
		for (i = s.ledger.n; !rc && i > 0; i--) {
			const struct revision *v = &s.ledger.revs[i - 1];

			if (!strcmp(v->status, "superseded") &&
			    (!cur || strcmp(v->digest, cur->digest))) {
				target = v;
				break;
			}
		}
		if (!rc && !target)
			rc = mlops_error_set(MLOPS_EUSAGE, "no earlier deployed "
					     "revision to roll back to");
	}
	if (!rc && (!strcmp(target->status, "failed") ||
		    !strcmp(target->status, "pending")))
		rc = mlops_error_set(MLOPS_EUSAGE, "revision %ld %s: roll back "
				     "to one that was deployed", target->number,
				     target->status);
	if (rc)
		goto done;
	keep = *target;
	path = local_release_bundle(s.root, keep.digest);
	rc = bundle_or_file_descriptor(path, NULL, &d);
	free(path);
	if (rc)
		goto done;
	snprintf(desc, sizeof(desc), "Rollback to %ld", keep.number);
	r->revision = (long)s.ledger.n + 1;
	if (o->dry_run) {
		deploy_say(o, "would roll %s back to revision %ld (%s %s)", e->name,
		    keep.number, keep.name, keep.version);
		goto done;
	}
	rc = append(s.root, &s.ledger, r->revision, "pending", keep.digest,
		    keep.name, keep.version, desc);
	if (rc)
		goto done;
	if (activate(e, s.root, keep.digest, d, 1, o, r) == 0) {
		rc = go_live(s.root, &s.ledger, r->revision, keep.digest,
			     keep.name, keep.version, desc, r->smoke_skipped);
		r->deployed = !rc;
		if (rc < 0)
			settle_failed(&s, r->revision, keep.digest, keep.name,
				      keep.version);
		if (!rc) {
			tag_release(o, e, s.root, keep.digest, r);
			prune(&s, e, o);
		}
		goto done;
	}
	rc = append(s.root, &s.ledger, r->revision, "failed", keep.digest,
		    keep.name, keep.version, desc);
	/* Put back what ran before. */
	if (!rc && cur) {
		struct revision c = *cur;

		if (local_switch(s.root, c.digest) == 0)
			local_signal_server(s.root);
	}
	if (!rc)
		rc = 1;
done:
	session_close(&s);
	descriptor_free(d);
	return rc;
}

void deploy_result_free(struct deploy_result *r)
{
	free(r->tag);
	r->tag = NULL;
	smoke_results_free(r->smoke, r->nsmoke);
	r->smoke = NULL;
	r->nsmoke = 0;
}
