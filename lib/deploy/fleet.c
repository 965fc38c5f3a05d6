#include "fleet.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../core/fsutil.h"
#include "../core/error.h"
#include "../core/jsonutil.h"
#include "../core/strbuf.h"
#include "../core/timeutil.h"
#include "canary.h"
#include "instance.h"

struct fleet {
	const struct environment *e;
	const struct deploy_opts *o;
	const char *admin_key;
	CURL *curl;
	struct http_resp resp;
};

/* The answer's "error", or its first 200 bytes. */
static const char *answer_text(struct fleet *f, char *buf, size_t len)
{
	json_t *j = json_loadb(f->resp.body.buf, f->resp.body.len, 0, NULL);
	const char *m = json_string_value(json_object_get(j, "error"));

	snprintf(buf, len, "%.200s", m ? m : strbuf_str(&f->resp.body));
	json_decref(j);
	return buf;
}

static long admin(struct fleet *f, size_t i, const char *method,
		  const char *path, const char *json, int fd, uint64_t size,
		  long timeout_ms)
{
	struct instance_call c = { 0 };

	c.method = method;
	c.base = f->e->admins[i];
	c.path = path;
	c.key = f->admin_key;
	c.cainfo = f->o->smoke.cainfo;
	c.json = json;
	c.fd = fd;
	c.size = size;
	c.timeout_ms = timeout_ms;
	return instance_call(f->curl, &c, &f->resp);
}

/* The bundle onto instance i unless it has it already. */
static int ship(struct fleet *f, size_t i, const char *digest,
		const char *bundle, struct deploy_result *r)
{
	char path[128], buf[256];
	struct stat st;
	long status;
	int fd;

	snprintf(path, sizeof(path), "/admin/bundles/%s", digest);
	status = admin(f, i, "GET", path, NULL, -1, 0, 0);
	if (status == 200) {
		deploy_say(f->o, "%s has %s already", f->e->admins[i], digest);
		return 0;
	}
	if (status != 404) {
		deploy_why(r, "instance %s: %s", f->e->admins[i],
			   status ? answer_text(f, buf, sizeof(buf))
				  : "no answer");
		return -1;
	}
	fd = fs_open_regular(bundle, &st);
	if (fd < 0) {
		deploy_why(r, "%s", mlops_error_last()->message);
		mlops_error_clear();
		return -1;
	}
	/* A minute, plus a second per 10 MB. */
	status = admin(f, i, "PUT", path, NULL, fd, (uint64_t)st.st_size,
		       60000 + (long)(st.st_size / 10000));
	close(fd);
	if (status != 201 && status != 200) {
		deploy_why(r, "uploading to %s: %s", f->e->admins[i],
			   status ? answer_text(f, buf, sizeof(buf))
				  : "no answer");
		return -1;
	}
	deploy_say(f->o, "uploaded %s to %s", digest, f->e->admins[i]);
	return 0;
}

/* Instance i gives weight percent of its predictions to digest (100: the
 * stable version; 0: no canary). */
static int set_weight(struct fleet *f, size_t i, const char *digest,
		      int weight, struct deploy_result *r)
{
	char body[160], buf[256];
	long status;

	snprintf(body, sizeof(body), "{\"digest\":\"%s\",\"weight\":%d}",
		 digest, weight);
	/* Loading and warming a model can take a while. */
	status = admin(f, i, "POST", "/admin/activate", body, -1, 0, 120000);
	if (status != 200) {
		deploy_why(r, "activating on %s: %s", f->e->admins[i],
			   status ? answer_text(f, buf, sizeof(buf))
				  : "no answer");
		return -1;
	}
	return 0;
}

static int smoke(struct fleet *f, size_t i, const struct descriptor *d,
		 struct deploy_result *r)
{
	size_t k;

	smoke_results_free(r->smoke, r->nsmoke);
	r->nsmoke = d->nsmoke;
	if (!smoke_run(f->e->instances[i], d, &f->o->smoke, &r->smoke)) {
		if (d->nsmoke)
			deploy_say(f->o, "%s: %zu smoke test%s passed",
				   f->e->instances[i], d->nsmoke,
				   plural(d->nsmoke));
		return 0;
	}
	for (k = 0; k < r->nsmoke; k++)
		if (!r->smoke[k].passed) {
			deploy_why(r, "%s: smoke test '%s' failed: %s",
				   f->e->instances[i], r->smoke[k].name,
				   r->smoke[k].why);
			break;
		}
	return -1;
}

/* The version instance i serves as stable ("" when it cannot say). */
static void stable_version(struct fleet *f, size_t i, char *out, size_t len)
{
	out[0] = '\0';
	if (admin(f, i, "GET", "/admin/state", NULL, -1, 0, 0) == 200) {
		json_t *j = json_loadb(f->resp.body.buf, f->resp.body.len, 0,
				       NULL);

		snprintf(out, len, "%s",
			 json_str(json_object_get(j, "stable"), "version"));
		json_decref(j);
	}
}

/* Both versions' counters, summed over the instances; stable NULL: the
 * two sides of a shadow's comparison (live, shadow). */
static int scrape(struct fleet *f, const char *stable, const char *canary,
		  struct version_stats *s, struct version_stats *c,
		  struct deploy_result *r)
{
	size_t i;

	memset(s, 0, sizeof(*s));
	memset(c, 0, sizeof(*c));
	for (i = 0; i < f->e->ninstances; i++) {
		long status = instance_get(f->curl, f->e->instances[i],
					   "/metrics", f->o->smoke.api_key,
					   f->o->smoke.cainfo, &f->resp);

		if (status != 200) {
			deploy_why(r, "canary analysis: %s/metrics answered %ld",
				   f->e->instances[i], status);
			return -1;
		}
		const char *text = f->resp.body.buf;
		size_t len = f->resp.body.len;

		if (stable ? canary_scrape(text, len, stable, s) < 0 ||
				     canary_scrape(text, len, canary, c) < 0
			   : shadow_scrape(text, len, "live", s) < 0 ||
				     shadow_scrape(text, len, "shadow", c) < 0) {
			deploy_why(r, "canary analysis: %s/metrics: %s",
				   f->e->instances[i], mlops_error_last()->message);
			mlops_error_clear();
			return -1;
		}
	}
	return 0;
}

/* What both versions' counters (stable NULL: a shadow's two sides)
 * counted during one interval. */
static int observe(struct fleet *f, const char *stable, const char *canary,
		   struct version_stats *s, struct version_stats *c,
		   struct deploy_result *r)
{
	struct version_stats s0, c0;

	if (scrape(f, stable, canary, &s0, &c0, r) < 0)
		return -1;
	sleep_ms(f->e->interval_s * 1e3);
	if (scrape(f, stable, canary, s, c, r) < 0)
		return -1;
	canary_delta(s, &s0);
	canary_delta(c, &c0);
	return 0;
}

/* weight: the canary's, or -1 for a shadow. */
static void say_verdict(struct fleet *f, int weight,
			const struct canary_verdict *v)
{
	struct strbuf sb = STRBUF_INIT;

	if (weight >= 0)
		strbuf_addf(&sb, "canary at %d%%: ", weight);
	else
		strbuf_addstr(&sb, "shadow: ");
	strbuf_addf(&sb, "%.0f requests (stable %.0f), errors "
		    "%.2f%% (stable %.2f%%)", v->requests[1],
		    v->requests[0], v->error_rate[1] * 100,
		    v->error_rate[0] * 100);
	if (weight < 0 && !isnan(v->agreement))
		strbuf_addf(&sb, ", agreement %.2f%%", v->agreement * 100);
	if (!isnan(v->p99_ms[1]))
		strbuf_addf(&sb, ", p99 %.2f ms (stable %.2f ms)", v->p99_ms[1],
			    v->p99_ms[0]);
	if (!isnan(v->psi))
		strbuf_addf(&sb, ", prediction PSI %.4f", v->psi);
	strbuf_addstr(&sb, v->passed ? ": passed" : ": FAILED");
	deploy_say(f->o, "%s", sb.buf);
	strbuf_release(&sb);
}

/* Every instance back to its stable version only (no canary, no
 * shadow). */
static void abort_canary(struct fleet *f, const char *digest,
			 struct deploy_result *r, int shadow)
{
	struct deploy_result ignored = { 0 };
	size_t i;

	/* A canary taken off is an event of its own (alerts). */
	r->canary_aborted = !shadow;
	for (i = 0; i < f->e->ninstances; i++)
		if (set_weight(f, i, digest, 0, &ignored) < 0)
			deploy_say(f->o, "could not go back to the stable version "
				   "alone on %s: %s",
				   f->e->admins[i], ignored.why);
	deploy_say(f->o, "%s: weight 0 on every instance",
		   shadow ? "shadow stopped" : "canary aborted");
}

/* digest stable on every instance, then its smoke tests against each. */
static int promote(struct fleet *f, const char *digest,
		   const struct descriptor *d, const char *how,
		   struct deploy_result *r)
{
	size_t i, n = f->e->ninstances;

	for (i = 0; i < n; i++)
		if (set_weight(f, i, digest, 100, r) < 0)
			return -1;
	deploy_say(f->o, "promoted %s%s on %zu instance%s", d->version, how, n,
		   plural(n));
	for (i = 0; i < n; i++)
		if (smoke(f, i, d, r) < 0)
			return -1;
	return 0;
}

static int canary(struct fleet *f, const char *digest,
		  const struct descriptor *d, struct deploy_result *r)
{
	const struct environment *e = f->e;
	char stable[64];
	size_t i, s;

	stable_version(f, 0, stable, sizeof(stable));
	if (!strcmp(stable, d->version)) {
		deploy_why(r, "the canary's version %s is the one the stable "
			   "version has: metrics could not tell them apart (give "
			   "the bundle a new version)", d->version);
		return -1;
	}
	for (s = 0; s < e->nsteps && e->steps[s] < 100; s++) {
		struct version_stats s1, c1;
		struct canary_verdict v;

		for (i = 0; i < e->ninstances; i++)
			if (set_weight(f, i, digest, e->steps[s], r) < 0) {
				abort_canary(f, digest, r, 0);
				return -1;
			}
		deploy_say(f->o, "canary %s at %d%% on %zu instance%s for %.0f s",
			   d->version, e->steps[s], e->ninstances,
			   plural(e->ninstances), e->interval_s);
		deploy_test_point("canary");
		if (observe(f, stable, d->version, &s1, &c1, r) < 0) {
			abort_canary(f, digest, r, 0);
			return -1;
		}
		canary_judge(e, &s1, &c1, &v);
		say_verdict(f, e->steps[s], &v);
		if (!v.passed) {
			deploy_why(r, "canary analysis at %d%%: %s", e->steps[s],
				   v.why);
			abort_canary(f, digest, r, 0);
			return -1;
		}
	}
	return promote(f, digest, d, " to 100%", r);
}

/* Instance i mirrors its prediction requests to digest, compared. */
static int set_shadow(struct fleet *f, size_t i, const char *digest,
		      struct deploy_result *r)
{
	char body[160], buf[256];
	long status;

	snprintf(body, sizeof(body), "{\"digest\":\"%s\",\"weight\":"
		 "\"shadow\"}", digest);
	status = admin(f, i, "POST", "/admin/activate", body, -1, 0, 120000);
	if (status != 200) {
		deploy_why(r, "starting the shadow on %s: %s", f->e->admins[i],
			   status ? answer_text(f, buf, sizeof(buf))
				  : "no answer");
		return -1;
	}
	return 0;
}

/* A shadow answers a copy of every instance's prediction requests for
 * the interval, compared with the live answers by the canary's checks
 * (and min_agreement); then it is promoted, or stopped. */
static int shadow(struct fleet *f, const char *digest,
		  const struct descriptor *d, struct deploy_result *r)
{
	const struct environment *e = f->e;
	struct version_stats s1, c1;
	struct canary_verdict v;
	size_t i;

	for (i = 0; i < e->ninstances; i++)
		if (set_shadow(f, i, digest, r) < 0) {
			abort_canary(f, digest, r, 1);
			return -1;
		}
	deploy_say(f->o, "shadow %s on %zu instance%s for %.0f s: a copy of "
		   "the prediction requests, compared, answered to no client",
		   d->version, e->ninstances, plural(e->ninstances),
		   e->interval_s);
	deploy_test_point("shadow");
	if (observe(f, NULL, NULL, &s1, &c1, r) < 0) {
		abort_canary(f, digest, r, 1);
		return -1;
	}
	shadow_judge(e, &s1, &c1, &v);
	say_verdict(f, -1, &v);
	if (!v.passed) {
		deploy_why(r, "shadow analysis: %s", v.why);
		abort_canary(f, digest, r, 1);
		return -1;
	}
	return promote(f, digest, d, "", r);
}

/* The bundle onto every instance first (stopping at the first that
 * fails): a canary or rolling rollout starts only when all hold it. */
static int ship_all(struct fleet *f, const char *digest, const char *bundle,
		    struct deploy_result *r)
{
	size_t i;
	int rc = 0;

	for (i = 0; i < f->e->ninstances && !rc; i++)
		rc = ship(f, i, digest, bundle, r);
	if (!rc)
		deploy_test_point("shipped");
	return rc;
}

/* Ships to and activates every instance it can, the failures counted
 * (the first one's reason kept); smoke tests when all switched. */
static int all_at_once(struct fleet *f, const char *digest,
		       const struct descriptor *d, struct deploy_result *r,
		       const char *bundle)
{
	const struct environment *e = f->e;
	char first[sizeof(r->why)] = "";
	size_t i, failed = 0;

	for (i = 0; i < e->ninstances; i++) {
		if (ship(f, i, digest, bundle, r) < 0 ||
		    set_weight(f, i, digest, 100, r) < 0) {
			if (!failed++)
				snprintf(first, sizeof(first), "%s", r->why);
			deploy_say(f->o, "%s", r->why);
		}
	}
	if (failed) {
		deploy_why(r, "%zu of %zu instance%s not switched; the first: %s",
			   failed, e->ninstances, plural(e->ninstances), first);
		return -1;
	}
	deploy_test_point("shipped");
	deploy_say(f->o, "%zu instance%s serve%s %s %s", e->ninstances,
		   plural(e->ninstances), e->ninstances == 1 ? "s" : "",
		   d->name, d->version);
	for (i = 0; i < e->ninstances; i++)
		if (smoke(f, i, d, r) < 0)
			return -1;
	return 0;
}

int fleet_rollout(const struct environment *e, const char *digest,
		  const char *bundle, const struct descriptor *d,
		  enum env_strategy strategy, const struct deploy_opts *o,
		  struct deploy_result *r)
{
	struct fleet f = { 0 };
	size_t i;
	int rc = 0;

	f.e = e;
	f.o = o;
	f.admin_key = getenv(e->admin_key_env);
	if (!f.admin_key || !*f.admin_key) {
		deploy_why(r, "environment %s: the admin key variable %s is not "
			   "set", e->name, e->admin_key_env);
		return -1;
	}
	f.curl = curl_easy_init();
	switch (strategy) {
	case STRATEGY_ALL_AT_ONCE:
		/* Every instance that can be reached is switched, even when
		 * another cannot: this is also how a fleet goes back. */
		rc = all_at_once(&f, digest, d, r, bundle);
		break;
	case STRATEGY_CANARY:
		rc = ship_all(&f, digest, bundle, r);
		if (!rc)
			rc = canary(&f, digest, d, r);
		break;
	case STRATEGY_SHADOW:
		rc = ship_all(&f, digest, bundle, r);
		if (!rc)
			rc = shadow(&f, digest, d, r);
		break;
	case STRATEGY_ROLLING:
		rc = ship_all(&f, digest, bundle, r);
		for (i = 0; i < e->ninstances && !rc; i++) {
			rc = set_weight(&f, i, digest, 100, r);
			if (!rc)
				deploy_say(o, "%s serves %s %s (%zu of %zu)",
					   e->instances[i], d->name, d->version,
					   i + 1, e->ninstances);
			if (!rc)
				rc = smoke(&f, i, d, r);
			if (!rc && i + 1 < e->ninstances)
				deploy_test_point("rolling");
		}
		break;
	}
	http_resp_release(&f.resp);
	curl_easy_cleanup(f.curl);
	return rc;
}

json_t *fleet_status(const struct environment *e, const struct deploy_opts *o)
{
	struct fleet f = { 0 };
	json_t *out = json_array();
	size_t i;

	f.e = e;
	f.o = o;
	f.admin_key = e->admin_key_env ? getenv(e->admin_key_env) : NULL;
	f.curl = curl_easy_init();
	for (i = 0; i < e->ninstances; i++) {
		json_t *row = json_pack("{s:s, s:s}", "url", e->instances[i],
					"admin", e->admins[i]);
		long st = admin(&f, i, "GET", "/admin/state", NULL, -1, 0, 0);
		char buf[256];

		if (st == 200) {
			json_t *j = json_loadb(f.resp.body.buf, f.resp.body.len, 0,
					       NULL);

			json_object_set(row, "stable", json_object_get(j, "stable"));
			json_object_set(row, "canary", json_object_get(j, "canary"));
			json_object_set(row, "weight", json_object_get(j, "weight"));
			json_object_set(row, "shadow", json_object_get(j, "shadow"));
			json_decref(j);
		} else {
			json_object_set_new(row, "error",
					    json_string(st ? answer_text(&f, buf,
									 sizeof(buf))
						       : "no answer"));
		}
		json_object_set_new(row, "reachable", json_boolean(st == 200));
		st = instance_get(f.curl, e->instances[i], "/health/ready",
				  o->smoke.api_key, o->smoke.cainfo, &f.resp);
		json_object_set_new(row, "ready", json_boolean(st == 200));
		json_array_append_new(out, row);
	}
	http_resp_release(&f.resp);
	curl_easy_cleanup(f.curl);
	return out;
}
