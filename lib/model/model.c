#include "model.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/error.h"
#include "../core/strbuf.h"

extern const struct model_backend model_backend_xgboost;
extern const struct model_backend model_backend_glm;
extern const struct model_backend model_backend_onnx;
extern const struct model_backend model_backend_lightgbm;

const struct model_backend *model_backend_for(enum model_runtime r)
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

static void free_labels(struct model *m)
{
	for (size_t i = 0; i < m->nlabels; i++)
		free(m->labels[i]);
	free(m->labels);
}

int model_load(struct model **out, const struct model_spec *spec)
{
	struct model *m = xcalloc(1, sizeof(*m));
	int rc;

	*out = NULL;
	m->backend = model_backend_for(spec->runtime);
	m->task = spec->task;
	m->nfeatures = spec->nfeatures;
	if (!m->backend) {
		free(m);
		return mlops_error_set(MLOPS_EINTERNAL, "no backend for this "
				       "runtime");
	}
	m->explainer = model_explainer_new();
	rc = m->backend->load(m, spec);
	if (rc) {
		model_explainer_free(m->explainer);
		/* The backend has released its own state. */
		free_labels(m);
		free(m->description);
		free(m);
		return rc;
	}
	*out = m;
	return 0;
}

size_t model_nonfinite(const struct model *m, const double *out,
		       size_t nrows)
{
	size_t r, k;

	for (r = 0; r < nrows; r++)
		for (k = 0; k < m->noutputs; k++)
			if (!isfinite(out[r * m->noutputs + k]))
				return r;
	return nrows;
}

int model_predict(struct model *m, const double *rows, size_t nrows,
		  double *out)
{
	size_t bad;
	int rc;

	if (!nrows)
		return 0;
	rc = m->backend->predict(m, rows, nrows, out);
	if (rc)
		return rc;
	/* Whatever the backend: no inf or NaN reaches an answer. */
	bad = model_nonfinite(m, out, nrows);
	if (bad == nrows)
		return 0;
	mlops_error_set(MLOPS_EINPUT, "the model's output for row %zu of %zu "
			"is not a finite number", bad + 1, nrows);
	mlops_error_hint(MODEL_NONFINITE_HINT);
	return MLOPS_EINPUT;
}

void model_free(struct model *m)
{
	if (!m)
		return;
	m->backend->free(m);
	model_explainer_free(m->explainer);
	free_labels(m);
	free(m->description);
	free(m);
}

void model_softmax(double *y, size_t k)
{
	double max = y[0], sum = 0;
	size_t c;

	for (c = 1; c < k; c++)
		if (y[c] > max)
			max = y[c];
	for (c = 0; c < k; c++)
		sum += (y[c] = exp(y[c] - max));
	for (c = 0; c < k; c++)
		y[c] /= sum;
}

size_t model_nclasses(const struct model *m)
{
	switch (m->task) {
	case TASK_BINARY:
		return 2;
	case TASK_MULTICLASS:
		return m->noutputs;
	case TASK_REGRESSION:
		break;
	}
	return 0;
}

int model_set_labels(struct model *m, char *const *labels, size_t n)
{
	size_t i, k = model_nclasses(m);
	struct strbuf a = STRBUF_INIT, b = STRBUF_INIT;
	int same = 1;

	if (!k)
		return 0;
	if (n && n != k)
		return mlops_error_set(MLOPS_EINPUT, "model.labels lists %zu "
				       "labels, and the model has %zu classes",
				       n, k);
	if (m->nlabels && m->nlabels != k)
		return mlops_error_set(MLOPS_EINPUT, "the model carries %zu "
				       "class labels for %zu classes",
				       m->nlabels, k);
	/* A model's own labels name its classes: each once, none empty. */
	for (i = 0; i < m->nlabels; i++) {
		if (!m->labels[i][0])
			return mlops_error_set(MLOPS_EINPUT, "the model's class "
					       "label %zu is empty", i + 1);
		for (size_t j = 0; j < i; j++)
			if (!strcmp(m->labels[i], m->labels[j]))
				return mlops_error_set(MLOPS_EINPUT, "the model "
						       "names two classes "
						       "'%s'", m->labels[i]);
	}
	for (i = 0; n && m->nlabels && i < k; i++)
		same &= !strcmp(labels[i], m->labels[i]);
	if (!same) {
		strbuf_addlist(&a, labels, n);
		strbuf_addlist(&b, m->labels, m->nlabels);
		mlops_error_set(MLOPS_EINPUT, "model.labels %s are not the "
				"model's class labels %s", a.buf, b.buf);
		mlops_error_hint("list the labels in the model's output "
				 "order, or leave model.labels out to take "
				 "the model's");
		strbuf_release(&a);
		strbuf_release(&b);
		return MLOPS_EINPUT;
	}
	if (m->nlabels)
		return 0;
	m->labels = xcalloc(k, sizeof(char *));
	m->nlabels = k;
	for (i = 0; i < k; i++) {
		if (n)
			m->labels[i] = xstrdup(labels[i]);
		else {
			strbuf_addf(&a, "%zu", i);
			m->labels[i] = strbuf_detach(&a);
		}
	}
	return 0;
}

int label_is_integer(const char *s)
{
	size_t i = s[0] == '-';

	if (!s[i] || (s[i] == '0' && (s[i + 1] || i)) || strlen(s) > 18)
		return 0;
	for (; s[i]; i++)
		if (s[i] < '0' || s[i] > '9')
			return 0;
	return 1;
}

int model_labels_are_indices(const struct model *m)
{
	char buf[32];

	for (size_t i = 0; i < m->nlabels; i++) {
		snprintf(buf, sizeof(buf), "%zu", i);
		if (strcmp(m->labels[i], buf))
			return 0;
	}
	return 1;
}

int model_label_index(const struct model *m, const char *label)
{
	for (size_t i = 0; i < m->nlabels; i++)
		if (!strcmp(m->labels[i], label))
			return (int)i;
	return -1;
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
