/* The XGBoost backend: libxgboost's C API. Loads .json, .ubj and legacy
 * binary models; maps the objective to what the descriptor's task needs.
 * Prediction goes through XGBoosterPredictFromDense, which is thread-safe
 * for tree models; its output lives in thread-local storage and is copied
 * out at once. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xgboost/c_api.h>

#include "../core/error.h"
#include "../core/jsonutil.h"
#include "../core/strbuf.h"
#include "forest.h"
#include "parallel.h"
#include "model.h"
#include "xgb_shap.h"

enum xgb_output {
	XO_PROBABILITY, /* one probability per row */
	XO_MARGIN,      /* a logit: sigmoid gives the probability */
	XO_CLASS_PROBS, /* K probabilities per row */
	XO_CLASS_INDEX, /* softmax: the class index */
	XO_VALUE,       /* regression */
};

struct xgb {
	BoosterHandle h;
	struct forest *forest; /* native evaluation, when the model allows */
	struct xgb_shap *shap; /* explanations, made on first use */
	char *path;
	enum xgb_output kind;
	size_t nclasses;
	size_t nthread;  /* native trees: threads a call; 0 = one per core */
	char config[256];
};

static int xgb_fail(const char *what)
{
	return mlops_error_set(MLOPS_EINPUT, "%s: %s", what, XGBGetLastError());
}

/* The objective's name, from the booster's JSON configuration. */
static int objective(BoosterHandle h, struct strbuf *name, size_t *nclass)
{
	const char *cfg = NULL;
	bst_ulong len = 0;
	json_t *j, *learner;
	int rc;

	if (XGBoosterSaveJsonConfig(h, &len, &cfg) != 0)
		return xgb_fail("cannot read the model's configuration");
	rc = json_parse_buf(&j, cfg, (size_t)len, "the model's configuration");
	if (rc)
		return rc;
	learner = json_object_get(j, "learner");
	strbuf_addstr(name, json_str(json_object_get(learner, "objective"),
				     "name")
				    ? json_str(json_object_get(learner,
							       "objective"),
					       "name")
				    : "");
	*nclass = (size_t)atol(json_str(json_object_get(learner,
							"learner_model_param"),
					"num_class")
				       ? json_str(json_object_get(
							  learner,
							  "learner_model_param"),
						  "num_class")
				       : "0");
	json_decref(j);
	return 0;
}

static int map_objective(struct xgb *x, const char *obj, size_t nclass,
			 const struct model_spec *spec)
{
	int is_multi = !strncmp(obj, "multi:", 6);

	switch (spec->task) {
	case TASK_BINARY:
		if (!strcmp(obj, "binary:logistic") ||
		    !strcmp(obj, "reg:logistic") || !strcmp(obj, "binary:hinge"))
			x->kind = XO_PROBABILITY;
		else if (!strcmp(obj, "binary:logitraw"))
			x->kind = XO_MARGIN;
		else
			goto mismatch;
		x->nclasses = 2;
		return 0;
	case TASK_MULTICLASS:
		if (!is_multi || nclass < 2)
			goto mismatch;
		x->kind = !strcmp(obj, "multi:softmax") ? XO_CLASS_INDEX
							: XO_CLASS_PROBS;
		x->nclasses = nclass;
		if (spec->nclasses && (size_t)spec->nclasses != nclass)
			return mlops_error_set(MLOPS_EINPUT, "the model has %zu "
					       "classes, the descriptor says %d",
					       nclass, spec->nclasses);
		return 0;
	case TASK_REGRESSION:
		if (is_multi || !strncmp(obj, "binary:", 7))
			goto mismatch;
		x->kind = XO_VALUE;
		return 0;
	}
mismatch:
	mlops_error_set(MLOPS_EINPUT, "the model's objective '%s' does not "
			"fit the task %s", obj[0] ? obj : "(unknown)",
			task_name(spec->task));
	mlops_error_hint("set model.task in the descriptor to what the model "
			 "was trained for");
	return MLOPS_EINPUT;
}

/* Feature names stored in the model must be the signature's, in order. */
static int check_features(BoosterHandle h, const struct model_spec *spec)
{
	bst_ulong n = 0, nnames = 0, i;
	const char **names = NULL;

	if (XGBoosterGetNumFeature(h, &n) != 0)
		return xgb_fail("cannot read the model's feature count");
	if ((size_t)n != spec->nfeatures) {
		mlops_error_set(MLOPS_EINPUT, "the model takes %llu feature%s, "
				"the signature declares %zu input%s",
				(unsigned long long)n, plural(n),
				spec->nfeatures, plural(spec->nfeatures));
		mlops_error_hint("signature.inputs must list the model's "
				 "features, in training order");
		return MLOPS_EINPUT;
	}
	if (XGBoosterGetStrFeatureInfo(h, "feature_name", &nnames, &names) != 0)
		return 0; /* no names stored: the count is all we can check */
	for (i = 0; i < nnames && i < n; i++)
		if (strcmp(names[i], spec->features[i])) {
			mlops_error_set(MLOPS_EINPUT, "the model's feature %llu is "
					"'%s', the signature's input %llu is "
					"'%s'", (unsigned long long)i + 1,
					names[i], (unsigned long long)i + 1,
					spec->features[i]);
			mlops_error_hint("signature.inputs must list the model's "
					 "features, in training order");
			return MLOPS_EINPUT;
		}
	return 0;
}

/* JSON gbtree models are evaluated natively (forest.c) when their
 * objective's output is one forest.c computes; the rest (poisson,
 * gamma, tweedie, hinge, ...), and anything forest.c declines, by
 * libxgboost. */
static void native(struct xgb *x, const struct model_spec *spec,
		   const char *obj)
{
	static const char *const objectives[] = {
		"reg:squarederror", "reg:squaredlogerror",
		"reg:pseudohubererror", "reg:absoluteerror", "reg:linear",
		"binary:logistic", "reg:logistic", "binary:logitraw",
		"multi:softprob", "multi:softmax", NULL,
	};
	enum forest_transform t;
	size_t n = strlen(spec->path), i;

	for (i = 0; objectives[i] && strcmp(objectives[i], obj); i++)
		;
	if (!objectives[i] || n < 5 || strcmp(spec->path + n - 5, ".json"))
		return;
	switch (x->kind) {
	case XO_PROBABILITY:
		t = FOREST_SIGMOID;
		break;
	case XO_MARGIN:
		t = FOREST_LOGIT_RAW;
		break;
	case XO_CLASS_PROBS:
		t = FOREST_SOFTMAX;
		break;
	case XO_CLASS_INDEX:
		t = FOREST_SOFTMAX_INDEX;
		break;
	default:
		t = FOREST_IDENTITY;
		break;
	}
	forest_load(&x->forest, spec->path, spec->nfeatures, t,
		    x->kind == XO_CLASS_PROBS || x->kind == XO_CLASS_INDEX
			    ? x->nclasses
			    : 1);
}

/* Feature names and types as the booster stores them ("c": categorical,
 * "int"/"i": integers); f0, f1, ... when it has none. */
static void inspect_features(BoosterHandle h, bst_ulong n,
			     struct model_info *info)
{
	const char **names = NULL, **types = NULL;
	bst_ulong nnames = 0, ntypes = 0, i;
	struct strbuf sb = STRBUF_INIT;

	info->features = xcalloc((size_t)n + 1, sizeof(*info->features));
	info->nfeatures = (size_t)n;
	/* Each call reuses the booster's one buffer: copy names first. */
	if (XGBoosterGetStrFeatureInfo(h, "feature_name", &nnames, &names))
		nnames = 0;
	for (i = 0; i < n; i++) {
		struct model_feature *f = &info->features[i];

		f->nullable = 1;
		if (i < nnames)
			f->name = xstrdup(names[i]);
		else {
			strbuf_addf(&sb, "f%llu", (unsigned long long)i);
			f->name = strbuf_detach(&sb);
		}
	}
	if (XGBoosterGetStrFeatureInfo(h, "feature_type", &ntypes, &types))
		ntypes = 0;
	for (i = 0; i < n; i++) {
		struct model_feature *f = &info->features[i];
		const char *t = i < ntypes ? types[i] : "float";

		/* XGBoost 1.7 keeps no category names: codes are ints. */
		f->type = !strcmp(t, "c") || !strcmp(t, "int") ||
					  !strcmp(t, "i")
				  ? VT_INT
				  : VT_FLOAT;
	}
}

static int xgb_inspect(const char *path, struct model_info *info)
{
	struct strbuf obj = STRBUF_INIT;
	BoosterHandle h;
	bst_ulong n = 0;
	size_t nclass = 0;
	int rc = 0;

	if (XGBoosterCreate(NULL, 0, &h) != 0)
		return xgb_fail("cannot create a booster");
	if (XGBoosterLoadModel(h, path) != 0)
		rc = mlops_error_set(MLOPS_EINPUT, "cannot load the XGBoost model "
				     "'%s': %s", path, XGBGetLastError());
	if (!rc)
		rc = objective(h, &obj, &nclass);
	if (!rc && XGBoosterGetNumFeature(h, &n) != 0)
		rc = xgb_fail("cannot read the model's feature count");
	if (!rc) {
		if (!strncmp(obj.buf, "multi:", 6)) {
			info->task = TASK_MULTICLASS;
			info->nclasses = nclass;
		} else if (!strncmp(obj.buf, "binary:", 7) ||
			   !strcmp(obj.buf, "reg:logistic")) {
			info->task = TASK_BINARY;
			info->nclasses = 2;
		} else
			info->task = TASK_REGRESSION;
		inspect_features(h, n, info);
	}
	strbuf_release(&obj);
	XGBoosterFree(h);
	return rc;
}

static int xgb_load(struct model *m, const struct model_spec *spec)
{
	struct xgb *x = xcalloc(1, sizeof(*x));
	struct strbuf obj = STRBUF_INIT;
	char nthread[16];
	size_t nclass = 0;
	int rounds = 0, rc;

	if (XGBoosterCreate(NULL, 0, &x->h) != 0) {
		free(x);
		return xgb_fail("cannot create a booster");
	}
	if (XGBoosterLoadModel(x->h, spec->path) != 0) {
		rc = mlops_error_set(MLOPS_EINPUT, "cannot load the XGBoost model "
				     "'%s': %s", spec->path, XGBGetLastError());
		goto fail;
	}
	x->nthread = spec->nthread > 0 ? (size_t)spec->nthread : 0;
	/* Threads are fixed once, before any concurrent prediction. */
	snprintf(nthread, sizeof(nthread), "%d",
		 spec->nthread > 0 ? spec->nthread : 0);
	if (XGBoosterSetParam(x->h, "nthread", nthread) != 0) {
		rc = xgb_fail("cannot set nthread");
		goto fail;
	}
	rc = objective(x->h, &obj, &nclass);
	if (!rc)
		rc = map_objective(x, obj.buf, nclass, spec);
	if (!rc)
		rc = check_features(x->h, spec);
	if (rc)
		goto fail;
	XGBoosterBoostedRounds(x->h, &rounds);
	if (!spec->no_native)
		native(x, spec, obj.buf);
	snprintf(x->config, sizeof(x->config),
		 "{\"type\": 0, \"training\": false, \"iteration_begin\": 0, "
		 "\"iteration_end\": 0, \"strict_shape\": false, "
		 "\"cache_id\": 0, \"missing\": NaN}");
	m->noutputs = x->kind == XO_CLASS_PROBS || x->kind == XO_CLASS_INDEX
			      ? x->nclasses
			      : 1;
	{
		struct strbuf d = STRBUF_INIT;

		strbuf_addf(&d, "xgboost %s, %d round%s%s", obj.buf, rounds,
			    plural((unsigned long long)rounds),
			    x->forest ? ", native trees" : "");
		m->description = strbuf_detach(&d);
	}
	x->path = xstrdup(spec->path);
	m->impl = x;
	m->digits = 9; /* XGBoost predicts in float32 */
	strbuf_release(&obj);
	return 0;
fail:
	strbuf_release(&obj);
	XGBoosterFree(x->h);
	free(x);
	return rc;
}

/* Native trees: rows spread over threads in chunks (parallel.h). */
struct forest_call {
	const struct forest *f;
	const double *rows;
	size_t nfeatures, noutputs;
	double *out;
};

#define FOREST_CHUNK 1024

static int forest_rows(void *ctx, size_t from, size_t n)
{
	const struct forest_call *c = ctx;

	forest_predict(c->f, c->rows + from * c->nfeatures, n,
		       c->out + from * c->noutputs);
	return 0;
}

static int xgb_predict(struct model *m, const double *rows, size_t nrows,
		       double *out)
{
	struct xgb *x = m->impl;
	const bst_ulong *shape = NULL;
	bst_ulong dim = 0, total = 1, i;
	const float *res = NULL;
	char iface[192];
	size_t k, want = nrows * m->noutputs;

	if (x->forest) {
		struct forest_call c = { x->forest, rows, m->nfeatures,
					 m->noutputs, out };

		return parallel_rows(nrows, FOREST_CHUNK, x->nthread,
				     forest_rows, &c);
	}

	snprintf(iface, sizeof(iface),
		 "{\"data\": [%llu, true], \"shape\": [%zu, %zu], "
		 "\"typestr\": \"<f8\", \"version\": 3}",
		 (unsigned long long)(uintptr_t)rows, nrows, m->nfeatures);
	if (XGBoosterPredictFromDense(x->h, iface, x->config, NULL, &shape, &dim,
				      &res) != 0)
		return mlops_error_set(MLOPS_EINTERNAL, "XGBoost prediction "
				       "failed: %s", XGBGetLastError());
	for (i = 0; i < dim; i++)
		total *= shape[i];
	if (x->kind == XO_CLASS_INDEX) {
		if (total != nrows)
			goto shape_error;
		for (i = 0; i < nrows; i++) {
			size_t cls = (size_t)res[i];

			for (k = 0; k < m->noutputs; k++)
				out[i * m->noutputs + k] = k == cls ? 1.0 : 0.0;
		}
		return 0;
	}
	if (total != want)
		goto shape_error;
	for (k = 0; k < want; k++)
		out[k] = x->kind == XO_MARGIN ? 1.0 / (1.0 + exp(-(double)res[k]))
					      : (double)res[k];
	return 0;
shape_error:
	return mlops_error_set(MLOPS_EINTERNAL, "XGBoost returned %llu values "
			       "for %zu rows", (unsigned long long)total, nrows);
}

static void xgb_free(struct model *m)
{
	struct xgb *x = m->impl;

	if (!x)
		return;
	forest_free(x->forest);
	xgb_shap_free(x->shap);
	free(x->path);
	XGBoosterFree(x->h);
	free(x);
}

static int xgb_explain_prepare(struct model *m)
{
	struct xgb *x = m->impl;

	return xgb_shap_load(&x->shap, x->path, m->nfeatures, m->noutputs);
}

static int xgb_explain(const struct model *m, const double *rows,
		       size_t nrows, double *out)
{
	const struct xgb *x = m->impl;

	return xgb_shap_explain(x->shap, rows, nrows, out, x->nthread);
}

const struct model_backend model_backend_xgboost = {
	.name = "xgboost",
	.inspect = xgb_inspect,
	.load = xgb_load,
	.predict = xgb_predict,
	.free = xgb_free,
	.explain_prepare = xgb_explain_prepare,
	.explain = xgb_explain,
};
