/* The LightGBM backend (placeholder until the evaluator lands). */
#include "../core/error.h"
#include "model.h"

static int lgb_load(struct model *m, const struct model_spec *spec)
{
	(void)m;
	(void)spec;
	return mlops_error_set(MLOPS_EINPUT, "the lightgbm runtime is not "
			       "built yet");
}

static int lgb_predict(struct model *m, const double *rows, size_t nrows,
		       double *out)
{
	(void)m, (void)rows, (void)nrows, (void)out;
	return 0;
}

static void lgb_free(struct model *m) { (void)m; }

const struct model_backend model_backend_lightgbm = {
	"lightgbm", lgb_load, lgb_predict, lgb_free,
};
