/* The GLM backend: a linear, logistic or softmax model read from a small
 * JSON file, so a model can be served with no ML library at all
 * (mlops-glm(5)):
 *
 *   {"mlops_glm": 1, "link": "logit", "intercept": -1.5,
 *    "coefficients": {"income": -0.00002, "debt_ratio": 3.1},
 *    "impute": {"income": 50000}}
 *
 * Links: identity and log (regression), logit (binary), softmax
 * (multiclass: "classes": K, intercept and each coefficient a list of K).
 * A missing input takes its "impute" value, else 0. Inputs without a
 * coefficient do not count; coefficients for unknown inputs are errors.
 *
 * Explanations: input f's contribution to output c is beta[f][c] times
 * (its value, imputed when missing, minus its mean in the bundle's
 * reference profile); the bias is the intercept plus beta . means, the
 * linear predictor at the reference means. They sum to the linear
 * predictor, the model's output before its link. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../core/error.h"
#include "../core/fsutil.h"
#include "../core/jsonutil.h"
#include "model.h"
#include "parallel.h"

#define GLM_MAX_BYTES (64u << 20)
#define GLM_MAX_CLASSES 10000

enum glm_link { LINK_IDENTITY, LINK_LOG, LINK_LOGIT, LINK_SOFTMAX };

struct glm {
	enum glm_link link;
	size_t k;         /* outputs: 1, or the number of classes */
	double *beta;     /* nfeatures * k, feature-major */
	double *intercept;/* k */
	double *impute;   /* nfeatures */
	double *means;    /* nfeatures: the reference means; NULL: none */
	size_t nthread;
};

static int bad(const char *path, const char *what)
{
	return mlops_error_set(MLOPS_EINPUT, "'%s' is not a valid GLM model: "
			       "%s", path, what);
}

/* A number, or a list of k numbers, into out[0..k). */
static int read_vector(const json_t *v, size_t k, double *out)
{
	size_t i;

	if (k == 1 && json_is_number(v)) {
		out[0] = json_number_value(v);
		return isfinite(out[0]) ? 0 : -1;
	}
	if (!json_is_array(v) || json_array_size(v) != k)
		return -1;
	for (i = 0; i < k; i++) {
		const json_t *x = json_array_get(v, i);

		if (!json_is_number(x) || !isfinite(json_number_value(x)))
			return -1;
		out[i] = json_number_value(x);
	}
	return 0;
}

static int feature_index(const struct model_spec *spec, const char *name)
{
	size_t i;

	for (i = 0; i < spec->nfeatures; i++)
		if (!strcmp(spec->features[i], name))
			return (int)i;
	return -1;
}

static int parse(struct glm *g, const json_t *j, const struct model_spec *spec)
{
	static const char *const links[] = { "identity", "log", "logit",
					     "softmax" };
	static const enum model_task tasks[] = { TASK_REGRESSION,
						 TASK_REGRESSION, TASK_BINARY,
						 TASK_MULTICLASS };
	const char *link = json_str(j, "link"), *key;
	const json_t *coef = json_object_get(j, "coefficients"), *v;
	const json_t *impute = json_object_get(j, "impute");
	size_t i;

	if (!json_is_integer(json_object_get(j, "mlops_glm")) ||
	    json_integer_value(json_object_get(j, "mlops_glm")) != 1)
		return bad(spec->path, "\"mlops_glm\": 1 is missing");
	for (i = 0; i < 4; i++)
		if (link && !strcmp(link, links[i]))
			break;
	if (i == 4)
		return bad(spec->path, "\"link\" must be identity, log, logit "
			   "or softmax");
	g->link = (enum glm_link)i;
	if (tasks[i] != spec->task) {
		mlops_error_set(MLOPS_EINPUT, "the GLM's link '%s' does not fit "
				"the task %s", link, task_name(spec->task));
		return MLOPS_EINPUT;
	}
	g->k = 1;
	if (g->link == LINK_SOFTMAX) {
		const json_t *c = json_object_get(j, "classes");

		if (!json_is_integer(c) || json_integer_value(c) < 2 ||
		    json_integer_value(c) > GLM_MAX_CLASSES)
			return bad(spec->path, "softmax needs \"classes\" (2 or "
				   "more)");
		g->k = (size_t)json_integer_value(c);
		if (spec->nclasses && (size_t)spec->nclasses != g->k)
			return mlops_error_set(MLOPS_EINPUT, "the GLM has %zu "
					       "classes, the descriptor says %d",
					       g->k, spec->nclasses);
	}
	g->beta = xcalloc(spec->nfeatures * g->k + 1, sizeof(double));
	g->intercept = xcalloc(g->k, sizeof(double));
	g->impute = xcalloc(spec->nfeatures + 1, sizeof(double));
	if (read_vector(json_object_get(j, "intercept"), g->k, g->intercept))
		return bad(spec->path, g->k == 1 ? "\"intercept\" must be a "
			   "number" : "\"intercept\" must be a list of one "
			   "number per class");
	if (!json_is_object(coef))
		return bad(spec->path, "\"coefficients\" must be an object");
	json_object_foreach((json_t *)coef, key, v) {
		int f = feature_index(spec, key);

		if (f < 0) {
			mlops_error_set(MLOPS_EINPUT, "the GLM has a coefficient "
					"for '%s', which the signature does not "
					"declare", key);
			return MLOPS_EINPUT;
		}
		if (read_vector(v, g->k, g->beta + (size_t)f * g->k))
			return bad(spec->path, "each coefficient must be a number "
				   "(a list of one per class for softmax)");
	}
	if (impute && !json_is_object(impute))
		return bad(spec->path, "\"impute\" must be an object");
	json_object_foreach((json_t *)impute, key, v) {
		int f = feature_index(spec, key);

		if (f < 0 || !json_is_number(v))
			return bad(spec->path, "\"impute\" names an unknown "
				   "input or is not a number");
		g->impute[f] = json_number_value(v);
	}
	return 0;
}

static void glm_free_impl(struct glm *g)
{
	if (!g)
		return;
	free(g->beta);
	free(g->intercept);
	free(g->impute);
	free(g->means);
	free(g);
}

/* The GLM's inputs are its coefficients' names (and impute's), in the
 * file's order; the link tells the task. */
static int glm_inspect(const char *path, struct model_info *info)
{
	static const char *const links[] = { "identity", "log", "logit",
					     "softmax" };
	static const enum model_task tasks[] = { TASK_REGRESSION,
						 TASK_REGRESSION, TASK_BINARY,
						 TASK_MULTICLASS };
	struct strbuf text = STRBUF_INIT;
	const json_t *coef, *v;
	const char *key, *link;
	json_t *j = NULL;
	size_t i;
	int rc = fs_read_file(path, GLM_MAX_BYTES, &text);

	if (!rc)
		rc = json_parse_buf(&j, text.buf, text.len, path);
	strbuf_release(&text);
	if (rc)
		return rc;
	link = json_str(j, "link");
	coef = json_object_get(j, "coefficients");
	for (i = 0; i < 4 && !(link && !strcmp(link, links[i])); i++)
		;
	if (i == 4 || !json_is_object(coef) ||
	    json_integer_value(json_object_get(j, "mlops_glm")) != 1) {
		json_decref(j);
		return bad(path, "\"mlops_glm\": 1, a \"link\" and "
			   "\"coefficients\" are needed");
	}
	info->task = tasks[i];
	info->nclasses = info->task == TASK_MULTICLASS
				 ? (size_t)json_integer_value(
					   json_object_get(j, "classes"))
				 : info->task == TASK_BINARY ? 2 : 0;
	info->features = xcalloc(json_object_size(coef) + 1,
				 sizeof(*info->features));
	json_object_foreach((json_t *)coef, key, v) {
		info->features[info->nfeatures].name = xstrdup(key);
		info->features[info->nfeatures].nullable = 1;
		info->features[info->nfeatures++].type = VT_FLOAT;
	}
	json_decref(j);
	return 0;
}

static int glm_load(struct model *m, const struct model_spec *spec)
{
	struct strbuf text = STRBUF_INIT;
	struct glm *g = xcalloc(1, sizeof(*g));
	json_t *j = NULL;
	int rc;

	rc = fs_read_file(spec->path, GLM_MAX_BYTES, &text);
	if (!rc)
		rc = json_parse_buf(&j, text.buf, text.len, spec->path);
	if (!rc)
		rc = parse(g, j, spec);
	json_decref(j);
	strbuf_release(&text);
	if (rc) {
		glm_free_impl(g);
		return rc;
	}
	if (spec->reference_means) {
		g->means = xcalloc(spec->nfeatures + 1, sizeof(double));
		memcpy(g->means, spec->reference_means,
		       spec->nfeatures * sizeof(double));
	}
	g->nthread = spec->nthread > 0 ? (size_t)spec->nthread : 0;
	m->impl = g;
	m->noutputs = g->k;
	m->digits = 17;
	m->description = xstrdup(g->link == LINK_SOFTMAX ? "glm softmax"
				 : g->link == LINK_LOGIT ? "glm logit"
				 : g->link == LINK_LOG	 ? "glm log"
							 : "glm identity");
	return 0;
}

static int glm_predict(struct model *m, const double *rows, size_t nrows,
		       double *out)
{
	struct glm *g = m->impl;
	size_t r, f, c, n = m->nfeatures, k = g->k;

	for (r = 0; r < nrows; r++) {
		const double *x = rows + r * n;
		double *y = out + r * k;

		for (c = 0; c < k; c++)
			y[c] = g->intercept[c];
		for (f = 0; f < n; f++) {
			double v = isnan(x[f]) ? g->impute[f] : x[f];

			for (c = 0; c < k; c++)
				y[c] += g->beta[f * k + c] * v;
		}
		switch (g->link) {
		case LINK_IDENTITY:
			break;
		case LINK_LOG:
			y[0] = exp(y[0]);
			break;
		case LINK_LOGIT:
			y[0] = 1.0 / (1.0 + exp(-y[0]));
			break;
		case LINK_SOFTMAX:
			model_softmax(y, k);
			break;
		}
	}
	return 0;
}

static void glm_free(struct model *m)
{
	glm_free_impl(m->impl);
}

/* Every input with a coefficient needs its reference mean. */
static int glm_explain_prepare(struct model *m)
{
	const struct glm *g = m->impl;
	size_t f, c;

	for (f = 0; f < m->nfeatures; f++) {
		int used = 0;

		for (c = 0; c < g->k; c++)
			used |= g->beta[f * g->k + c] != 0;
		if (used && (!g->means || !isfinite(g->means[f]))) {
			mlops_error_set(MLOPS_EINPUT, "a GLM is explained from "
					"each input's mean in the reference "
					"data, and %s", g->means
					? "the bundle's reference profile has "
					  "no mean for an input with a "
					  "coefficient" : "the bundle has no "
					"reference profile");
			mlops_error_hint("set datasets.reference in mlops.yaml "
					 "and package again: the bundle then "
					 "carries its profile");
			return MLOPS_EINPUT;
		}
	}
	return 0;
}

struct explain_call {
	const struct glm *g;
	const double *rows;
	size_t n;
	double *out;
};

static int explain_rows(void *ctx, size_t from, size_t nrows)
{
	const struct explain_call *e = ctx;
	const struct glm *g = e->g;
	size_t r, f, c, n = e->n, k = g->k;

	for (r = from; r < from + nrows; r++) {
		const double *x = e->rows + r * n;
		double *o = e->out + r * k * (n + 1);

		for (c = 0; c < k; c++) {
			double *phi = o + c * (n + 1);

			phi[n] = g->intercept[c];
			for (f = 0; f < n; f++) {
				double b = g->beta[f * k + c];
				double v = isnan(x[f]) ? g->impute[f] : x[f];

				phi[f] = b != 0 ? b * (v - g->means[f]) : 0;
				phi[n] += b != 0 ? b * g->means[f] : 0;
			}
		}
	}
	return 0;
}

static int glm_explain(const struct model *m, const double *rows,
		       size_t nrows, double *out)
{
	struct explain_call e = { m->impl, rows, m->nfeatures, out };

	return parallel_rows(nrows, 4096, e.g->nthread, explain_rows, &e);
}

const struct model_backend model_backend_glm = {
	.name = "glm",
	.inspect = glm_inspect,
	.load = glm_load,
	.predict = glm_predict,
	.free = glm_free,
	.explain_prepare = glm_explain_prepare,
	.explain = glm_explain,
};
