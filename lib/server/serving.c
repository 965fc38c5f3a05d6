#include "serving.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "../bundle/signature.h"
#include "../core/error.h"
#include "../core/fsutil.h"
#include "../core/strbuf.h"
#include "../core/timeutil.h"
#include "livedrift.h"

#define RELEASE_BUNDLE "bundle.mlpkg"

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
	    json_object_get(s->bundle->mlops, "reference_profile")) {
		struct profile *p = NULL;

		if (profile_from_json(json_object_get(s->bundle->mlops,
						      "reference_profile"),
				      &p) < 0) {
			serving_put(s);
			return -1;
		}
		s->drift = live_drift_new(p, s->bm->d, o->drift_window,
					  s->bm->d->model.task,
					  s->bm->m->noutputs);
		s->profile = p;
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
