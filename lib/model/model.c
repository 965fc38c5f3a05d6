#include "model.h"

#include <math.h>
#include <stdlib.h>

#include "../core/error.h"
#include "../core/strbuf.h"

extern const struct model_backend model_backend_xgboost;
extern const struct model_backend model_backend_glm;
extern const struct model_backend model_backend_onnx;
extern const struct model_backend model_backend_lightgbm;

static const struct model_backend *backend_for(enum model_runtime r)
{
	switch (r) {
	case RUNTIME_XGBOOST:
		return &model_backend_xgboost;
	case RUNTIME_GLM:
		return &model_backend_glm;
	case RUNTIME_ONNX:
		return &model_backend_onnx;
	case RUNTIME_LIGHTGBM:
		return &model_backend_lightgbm;
	}
	return NULL;
}

int model_load(struct model **out, const struct model_spec *spec)
{
	struct model *m = xcalloc(1, sizeof(*m));
	int rc;

	*out = NULL;
	m->backend = backend_for(spec->runtime);
	m->task = spec->task;
	m->nfeatures = spec->nfeatures;
	if (!m->backend) {
		free(m);
		return mlops_error_set(MLOPS_EINTERNAL, "no backend for this "
				       "runtime");
	}
	rc = m->backend->load(m, spec);
	if (rc) {
		/* The backend has released its own state. */
		for (size_t i = 0; i < m->nlabels; i++)
			free(m->labels[i]);
		free(m->labels);
		free(m->description);
		free(m);
		return rc;
	}
	*out = m;
	return 0;
}

int model_predict(struct model *m, const double *rows, size_t nrows,
		  double *out)
{
	if (!nrows)
		return 0;
	return m->backend->predict(m, rows, nrows, out);
}

void model_free(struct model *m)
{
	if (!m)
		return;
	m->backend->free(m);
	for (size_t i = 0; i < m->nlabels; i++)
		free(m->labels[i]);
	free(m->labels);
	free(m->description);
	free(m);
}

void model_decide(const struct model *m, const double *outputs,
		  double threshold, struct decision *d)
{
	size_t k, best = 0;

	switch (m->task) {
	case TASK_REGRESSION:
		d->prediction = outputs[0];
		d->probability = NAN;
		return;
	case TASK_BINARY:
		d->probability = outputs[0];
		d->prediction = outputs[0] >= threshold ? 1 : 0;
		return;
	case TASK_MULTICLASS:
		for (k = 1; k < m->noutputs; k++)
			if (outputs[k] > outputs[best])
				best = k;
		d->prediction = (double)best;
		d->probability = outputs[best];
		return;
	}
}
