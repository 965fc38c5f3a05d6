#include "serving.h"

#include <errno.h>
#include <math.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "../bundle/meta.h"
#include "../bundle/signature.h"
#include "../core/error.h"
#include "../core/fsutil.h"
#include "../core/strbuf.h"
#include "../core/timeutil.h"
#include "../data/dataset.h"
#include "../drift/profile_predict.h"
#include "livedrift.h"

#define RELEASE_BUNDLE "bundle.mlpkg"

void serving_prediction_edges(const struct serving *s, double *edges,
			      size_t *n)
{
	const struct profile_column *c;
	size_t i, k = 0;

	switch (s->bm->d->model.task) {
	case TASK_BINARY:
		for (i = 1; i < PRED_BUCKETS; i++)
			edges[k++] = (double)i / PRED_BUCKETS;
		break;
	case TASK_MULTICLASS:
		for (i = 0; i < s->bm->m->noutputs && k < PRED_BUCKETS; i++)
			edges[k++] = (double)i;
		break;
	case TASK_REGRESSION:
		/* Equal-frequency bins of the reference predictions. */
		c = s->profile ? profile_find(s->profile, PREDICTION_COLUMN)
			       : NULL;
		if (c && c->count)
			for (i = 1; i < PRED_BUCKETS; i++)
				edges[k++] = c->quantiles[i * 100 / PRED_BUCKETS];
		break;
	}
	*n = k;
}

int serving_warm_up(struct bundled_model *bm, size_t *rows)
{
	const struct descriptor *d = bm->d;
	struct dataset_opts o = { 0 };
	struct dataset *ds = NULL;
	double *x, *y;
	size_t n = 0;
	char *golden;
	int rc;

	*rows = 0;
	x = xcalloc(64 * d->ninputs + 1, sizeof(double));
	y = xcalloc(64 * bm->m->noutputs + 1, sizeof(double));
	/* The golden rows when the bundle has them, else one empty row. */
	if (d->datasets.golden_path && bm->dir) {
		golden = fs_join(bm->dir, d->datasets.golden_path);
		o.unknown = UNKNOWN_IGNORE;
		if (dataset_open(&ds, golden, d->inputs, d->ninputs, &o) == 0) {
			while (n < 64 && (rc = dataset_next(ds, x + n * d->ninputs)) != 1 &&
			       rc >= 0)
				if (rc == 0)
					n++;
			dataset_close(ds);
		}
		mlops_error_clear();
		free(golden);
	}
	if (!n) {
		size_t i;

		for (i = 0; i < d->ninputs; i++)
			x[i] = NAN;
		n = 1;
	}
	rc = model_predict(bm->m, x, n, y);
	if (!rc)
		*rows = n;
	free(x);
	free(y);
	return rc;
}

int serving_root_path(const char *root, char **path)
{
	char *link = fs_join(root, "current"), *real;
	struct stat st;

	*path = NULL;
	real = realpath(link, NULL);
	if (!real) {
		int e = errno;

		mlops_error_errno(MLOPS_EIO, e,
				  "cannot resolve '%s' (a --root directory "
				  "serves what its 'current' points to)", link);
		free(link);
		return -1;
	}
	free(link);
	if (stat(real, &st) == 0 && S_ISDIR(st.st_mode)) {
		*path = fs_join(real, RELEASE_BUNDLE);
		free(real);
	} else {
		*path = real;
	}
	return 0;
}

int serving_open(struct serving **out, const char *path,
		 const struct serving_opts *o)
{
	struct serving *s = xcalloc(1, sizeof(*s));
	uint64_t t0 = mono_ns();
	struct stat st;
	char *file;

	*out = NULL;
	if (stat(path, &st) == 0 && S_ISDIR(st.st_mode))
		file = fs_join(path, RELEASE_BUNDLE);
	else
		file = xstrdup(path);
	s->path = file;
	if (bundle_open(&s->bundle, file, NULL) < 0 ||
	    (o->require_signature &&
	     sig_verify_bundle(s->bundle, o->require_signature) < 0) ||
	    bundled_model_load(&s->own, s->bundle, o->nthread) < 0) {
		serving_put(s);
		return -1;
	}
	s->bm = &s->own;
	if (serving_warm_up(s->bm, &s->warm_rows) < 0) {
		serving_put(s);
		return -1;
	}
	s->digest = s->bundle->manifest_digest;
	if (o->drift_window &&
	    bundle_reference_profile(s->bundle)) {
		struct profile *p = NULL;

		if (profile_from_json(bundle_reference_profile(s->bundle),
				      &p) < 0) {
			serving_put(s);
			return -1;
		}
		s->drift = live_drift_new(p, s->bm->d, o->drift_window,
					  s->bm->d->model.task,
					  s->bm->m->noutputs);
		s->profile = p;
	}
	{
		json_t *desc = descriptor_to_json(s->bm->d);

		s->signature = json_incref(json_object_get(desc, "signature"));
		json_decref(desc);
	}
	s->max_batch = 10000;
	s->refs = 1;
	s->load_seconds = (double)(mono_ns() - t0) / 1e9;
	time_iso8601((int64_t)time(NULL), s->loaded_at);
	*out = s;
	return 0;
}

void serving_get(struct serving *s)
{
	__atomic_add_fetch(&s->refs, 1, __ATOMIC_RELAXED);
}

void serving_put(struct serving *s)
{
	if (!s || __atomic_sub_fetch(&s->refs, 1, __ATOMIC_ACQ_REL) > 0)
		return;
	json_decref(s->signature);
	live_drift_free(s->drift);
	profile_free(s->profile);
	bundled_model_free(&s->own);
	bundle_free(s->bundle);
	free(s->path);
	free(s);
}

int serving_has_digest(const struct serving *s, const char *expect)
{
	return !expect || !strcmp(s->digest, expect);
}

char *serving_digest_mismatch(const struct serving *s, const char *expect)
{
	struct strbuf m = STRBUF_INIT;

	if (serving_has_digest(s, expect))
		return NULL;
	strbuf_addf(&m, "the bundle served is %s, not %s (the digest "
		    "expected: --expect-digest, MLOPS_EXPECT_DIGEST)",
		    s->digest, expect);
	return strbuf_detach(&m);
}

json_t *serving_readiness(const struct serving *s, int ready,
			  const char *expect, unsigned *status)
{
	char *why = serving_digest_mismatch(s, expect);
	json_t *j;

	*status = ready && !why ? 200 : 503;
	j = json_pack("{s:b, s:s*, s:s*, s:s*}", "ready", *status == 200,
		      "reason", why, "expected_digest", why ? expect : NULL,
		      "digest", why ? s->digest : NULL);
	free(why);
	return j;
}

json_t *serving_health(const struct serving *s, int ready,
		       const char *expect, unsigned *status)
{
	char *why = serving_digest_mismatch(s, expect);
	json_t *o;

	*status = ready && !why ? 200 : 503;
	o = *status == 200
		    ? json_pack("{s:s}", "status", "ok")
		    : json_pack("{s:s, s:s}", "status", "unavailable", "reason",
				why ? why : "not ready: loading, or draining to "
					    "stop");
	free(why);
	return o;
}
