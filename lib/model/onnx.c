/* The ONNX backend (placeholder until the evaluator lands). */
#include "../core/error.h"
#include "model.h"

static int onnx_b_load(struct model *m, const struct model_spec *spec)
{
	(void)m;
	(void)spec;
	return mlops_error_set(MLOPS_EINPUT, "the onnx runtime is not "
			       "built yet");
}

static int onnx_b_predict(struct model *m, const double *rows, size_t nrows,
		       double *out)
{
	(void)m, (void)rows, (void)nrows, (void)out;
	return 0;
}

static void onnx_b_free(struct model *m) { (void)m; }

const struct model_backend model_backend_onnx = {
	.name = "onnx",
	.load = onnx_b_load,
	.predict = onnx_b_predict,
	.free = onnx_b_free,
};
