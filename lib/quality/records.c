#include "records.h"

#include <stdlib.h>

#include "../bundle/collect.h"
#include "../core/error.h"
#include "../core/strbuf.h"
#include "../drift/profile.h"
#include "../drift/profile_predict.h"
#include "evaluate.h"

/* The current error as a warning, "what: message"; cleared, since the
 * bundle goes on without what failed. */
static void warn_error(void (*warn)(void *ctx, const char *msg), void *ctx,
		       const char *what)
{
	struct strbuf m = STRBUF_INIT;

	strbuf_addf(&m, "%s not recorded: %s", what,
		    mlops_error_last()->message);
	if (warn)
		warn(ctx, m.buf);
	strbuf_release(&m);
	mlops_error_clear();
}

static json_t *reference_profile(struct descriptor *d,
				 struct bundled_model *bm,
				 void (*warn)(void *ctx, const char *msg),
				 void *ctx)
{
	struct drift_opts o = { 0 };
	struct profile *p = NULL;
	json_t *out = NULL;
	char *ref = NULL;

	if (project_file(&ref, d->dir, d->datasets.reference_path,
			 "datasets.reference") < 0 ||
	    profile_build(ref, d, &o, BUNDLE_PROFILE_SAMPLE, NULL, &p) < 0 ||
	    profile_add_predictions(p, bm, ref, BUNDLE_PROFILE_SAMPLE) < 0)
		warn_error(warn, ctx, "reference profile");
	else
		out = profile_to_json(p);
	profile_free(p);
	free(ref);
	return out;
}

int quality_package_records(json_t **golden, json_t **profile,
			    struct descriptor *d,
			    void (*warn)(void *ctx, const char *msg),
			    void *warn_ctx)
{
	struct bundled_model bm;
	char *path = NULL;
	int rc;

	*golden = *profile = NULL;
	rc = project_model_load(&bm, d, 0);
	if (rc < 0)
		return rc;
	if (d->datasets.golden_path) {
		if (project_file(&path, d->dir, d->datasets.golden_path,
				 "datasets.golden") < 0 ||
		    quality_record_golden(golden, &bm, path) < 0)
			warn_error(warn, warn_ctx, "golden predictions");
		free(path);
	}
	if (d->datasets.reference_path)
		*profile = reference_profile(d, &bm, warn, warn_ctx);
	bundled_model_free(&bm);
	return 0;
}
