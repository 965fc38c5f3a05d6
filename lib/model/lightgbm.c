/* The LightGBM backend: text models (lgbm.c) evaluated natively, the
 * objective's output transform applied as LightGBM's ConvertOutput does,
 * the signature checked against the model's feature names and its
 * pandas categories. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/error.h"
#include "../core/fsutil.h"
#include "../core/strbuf.h"
#include "lgbm.h"
#include "model.h"
#include "parallel.h"
#include "treeshap.h"

#define MODEL_MAX_BYTES (1u << 30)

enum transform {
	T_IDENTITY,
	T_SQUARE,     /* regression sqrt: sign(x) x^2 */
	T_SIGMOID,    /* binary, multiclassova: per output */
	T_SOFTMAX,    /* multiclass */
	T_EXP,        /* poisson, gamma, tweedie */
	T_LOG1P_EXP,  /* cross_entropy_lambda */
};

struct lgb {
	struct lgbm *g;
	enum transform t;
	double sigmoid;   /* the objective's sigmoid: parameter */
	size_t nthread;   /* threads per predict call; 0 = one per core */
	struct shap_forest *shap; /* explanations, made on first use */
};

#define CHUNK 2048

/* The objective's first word and its "key:value" parameters. */
static double objective_param(const char *obj, const char *key, double dflt)
{
	const char *s = strstr(obj, key);

	return s && s[strlen(key)] == ':' ? strtod(s + strlen(key) + 1, NULL)
					  : dflt;
}

static int objective_is(const char *obj, const char *name)
{
	size_t n = strlen(name);

	return !strncmp(obj, name, n) && (obj[n] == ' ' || !obj[n]);
}

static int map_objective(struct lgb *x, const struct model_spec *spec)
{
	const char *obj = x->g->objective;
	size_t k = x->g->per_iter;
	static const char *const regression[] = {
		"regression", "regression_l1", "huber", "fair", "quantile",
		"mape", "lambdarank", "rank_xendcg", NULL,
	};
	int i;

	x->sigmoid = objective_param(obj, "sigmoid", 1.0);
	switch (spec->task) {
	case TASK_BINARY:
		if (k != 1)
			break;
		if (objective_is(obj, "binary")) {
			x->t = T_SIGMOID;
			return 0;
		}
		if (objective_is(obj, "cross_entropy") ||
		    objective_is(obj, "xentropy")) {
			x->t = T_SIGMOID;
			x->sigmoid = 1.0;
			return 0;
		}
		break;
	case TASK_MULTICLASS:
		if (k < 2)
			break;
		if (spec->nclasses && (size_t)spec->nclasses != k)
			return mlops_error_set(MLOPS_EINPUT, "the model has %zu "
					       "classes, the descriptor says %d",
					       k, spec->nclasses);
		if (objective_is(obj, "multiclass")) {
			x->t = T_SOFTMAX;
			return 0;
		}
		if (objective_is(obj, "multiclassova")) {
			x->t = T_SIGMOID;
			return 0;
		}
		break;
	case TASK_REGRESSION:
		if (k != 1)
			break;
		for (i = 0; regression[i]; i++)
			if (objective_is(obj, regression[i])) {
				x->t = strstr(obj, " sqrt") ? T_SQUARE
							    : T_IDENTITY;
				return 0;
			}
		if (objective_is(obj, "poisson") || objective_is(obj, "gamma") ||
		    objective_is(obj, "tweedie")) {
			x->t = T_EXP;
			return 0;
		}
		if (objective_is(obj, "cross_entropy_lambda") ||
		    objective_is(obj, "xentlambda")) {
			x->t = T_LOG1P_EXP;
			return 0;
		}
		if (objective_is(obj, "custom") || !obj[0]) {
			x->t = T_IDENTITY;
			return 0;
		}
		break;
	}
	mlops_error_set(MLOPS_EINPUT, "the model's objective '%s' (%zu "
			"output%s) does not fit the task %s",
			obj[0] ? obj : "(none)", k, plural(k),
			task_name(spec->task));
	mlops_error_hint("set model.task in the descriptor to what the model "
			 "was trained for");
	return MLOPS_EINPUT;
}

/* Names LightGBM makes up when it was given none. */
static int generated_names(const struct lgbm *g)
{
	char buf[32];

	for (size_t i = 0; i < g->nfeatures; i++) {
		snprintf(buf, sizeof(buf), "Column_%zu", i);
		if (strcmp(g->feature_names[i], buf))
			return 0;
	}
	return 1;
}

static int same_names(const struct lgbm *g, const struct model_spec *spec)
{
	for (size_t i = 0; i < g->nfeatures; i++)
		if (strcmp(g->feature_names[i], spec->features[i]))
			return 0;
	return 1;
}

/* The signature is the model's: the same features in the same order,
 * and a categorical feature's values are the model's categories. */
static int check_signature(const struct lgbm *g, const struct model_spec *spec)
{
	struct strbuf a = STRBUF_INIT, b = STRBUF_INIT;
	size_t i;
	int rc = 0;

	if (g->nfeatures != spec->nfeatures ||
	    (!generated_names(g) && !same_names(g, spec))) {
		strbuf_addlist(&a, g->feature_names, g->nfeatures);
		strbuf_addlist(&b, (char *const *)spec->features, spec->nfeatures);
		rc = mlops_error_set(MLOPS_EINPUT, "the model's features %s "
				     "are not the signature's inputs %s",
				     a.buf, b.buf);
		mlops_error_hint("signature.inputs must list the model's "
				 "features, in training order ('mlops init "
				 "--model FILE' writes them)");
	}
	for (i = 0; !rc && spec->fields && g->categories && i < g->nfeatures;
	     i++) {
		const struct field *f = &spec->fields[i];
		size_t k, n = g->ncategories[i];
		int same;

		if (!g->categories[i])
			continue;
		same = f->type == VT_CATEGORY && f->nvalues == n;
		for (k = 0; same && k < n; k++)
			same = !strcmp(f->values[k], g->categories[i][k]);
		if (same)
			continue;
		strbuf_addlist(&a, g->categories[i], n);
		if (f->type == VT_CATEGORY) {
			strbuf_addlist(&b, f->values, f->nvalues);
			rc = mlops_error_set(MLOPS_EINPUT, "input '%s': the "
					     "model's categories are %s, the "
					     "signature's values are %s",
					     f->name, a.buf, b.buf);
		} else
			rc = mlops_error_set(MLOPS_EINPUT, "input '%s' is "
					     "categorical in the model, with "
					     "the categories %s; the signature "
					     "declares it %s", f->name, a.buf,
					     value_type_name(f->type));
		mlops_error_hint("declare it 'type: category' with 'values: "
				 "%s', in that order: a row's category is "
				 "sent to the model as its position in the "
				 "list", a.buf);
	}
	strbuf_release(&a);
	strbuf_release(&b);
	return rc;
}

static void lgb_free_impl(struct lgb *x)
{
	if (!x)
		return;
	shap_forest_free(x->shap);
	lgbm_free(x->g);
	free(x);
}

static int lgb_read(struct lgbm **g, const char *path)
{
	struct strbuf text = STRBUF_INIT;
	int rc = fs_read_file(path, MODEL_MAX_BYTES, &text);

	if (!rc)
		rc = lgbm_parse(g, text.buf, text.len, path);
	strbuf_release(&text);
	return rc;
}

static int lgb_inspect(const char *path, struct model_info *info)
{
	struct lgbm *g;
	size_t i, k;
	int rc = lgb_read(&g, path);

	if (rc)
		return rc;
	if (g->per_iter > 1) {
		info->task = TASK_MULTICLASS;
		info->nclasses = g->per_iter;
	} else if (objective_is(g->objective, "binary") ||
		   objective_is(g->objective, "cross_entropy") ||
		   objective_is(g->objective, "xentropy")) {
		info->task = TASK_BINARY;
		info->nclasses = 2;
	} else
		info->task = TASK_REGRESSION;
	info->features = xcalloc(g->nfeatures, sizeof(*info->features));
	info->nfeatures = g->nfeatures;
	for (i = 0; i < g->nfeatures; i++) {
		struct model_feature *f = &info->features[i];

		f->name = xstrdup(g->feature_names[i]);
		f->nullable = 1;
		f->type = g->categorical[i] ? VT_INT : VT_FLOAT;
		if (!g->categories || !g->categories[i])
			continue;
		f->type = VT_CATEGORY;
		f->nvalues = g->ncategories[i];
		f->values = xcalloc(f->nvalues + 1, sizeof(char *));
		for (k = 0; k < f->nvalues; k++)
			f->values[k] = xstrdup(g->categories[i][k]);
	}
	lgbm_free(g);
	return 0;
}

static int lgb_load(struct model *m, const struct model_spec *spec)
{
	struct strbuf d = STRBUF_INIT;
	struct lgb *x = xcalloc(1, sizeof(*x));
	int rc = lgb_read(&x->g, spec->path);

	if (!rc)
		rc = map_objective(x, spec);
	if (!rc)
		rc = check_signature(x->g, spec);
	if (rc) {
		lgb_free_impl(x);
		return rc;
	}
	x->nthread = spec->nthread > 0 ? (size_t)spec->nthread : 0;
	m->impl = x;
	m->noutputs = spec->task == TASK_MULTICLASS ? x->g->per_iter : 1;
	m->digits = 17;
	strbuf_addf(&d, "lightgbm v%d %s, %zu tree%s%s%s", x->g->version,
		    x->g->objective, x->g->ntrees, plural(x->g->ntrees),
		    x->g->average_output ? ", averaged" : "",
		    x->g->linear ? ", linear leaves" : "");
	m->description = strbuf_detach(&d);
	return 0;
}

static void transform(const struct lgb *x, double *y, size_t k)
{
	size_t c;

	switch (x->t) {
	case T_IDENTITY:
		return;
	case T_SQUARE:
		y[0] = (y[0] < 0 ? -1 : 1) * y[0] * y[0];
		return;
	case T_SIGMOID:
		for (c = 0; c < k; c++)
			y[c] = 1.0 / (1.0 + exp(-x->sigmoid * y[c]));
		return;
	case T_EXP:
		y[0] = exp(y[0]);
		return;
	case T_LOG1P_EXP:
		y[0] = log1p(exp(y[0]));
		return;
	case T_SOFTMAX:
		model_softmax(y, k);
		return;
	}
}

struct call {
	const struct lgb *x;
	const double *rows;
	size_t nfeatures;
	double *out;
};

static int predict_rows(void *ctx, size_t from, size_t n)
{
	const struct call *c = ctx;
	size_t r, k = c->x->g->per_iter;

	for (r = from; r < from + n; r++) {
		lgbm_raw(c->x->g, c->rows + r * c->nfeatures, c->out + r * k);
		transform(c->x, c->out + r * k, k);
	}
	return 0;
}

static int lgb_predict(struct model *m, const double *rows, size_t nrows,
		       double *out)
{
	struct call c = { m->impl, rows, m->nfeatures, out };

	return parallel_rows(nrows, CHUNK, c.x->nthread, predict_rows, &c);
}

static void lgb_free(struct model *m)
{
	lgb_free_impl(m->impl);
}

static int lgb_explain_prepare(struct model *m)
{
	struct lgb *x = m->impl;

	return lgbm_shap(&x->shap, x->g);
}

static int lgb_explain(const struct model *m, const double *rows,
		       size_t nrows, double *out)
{
	const struct lgb *x = m->impl;

	return shap_forest_explain(x->shap, rows, nrows, out, x->nthread);
}

const struct model_backend model_backend_lightgbm = {
	.name = "lightgbm",
	.inspect = lgb_inspect,
	.load = lgb_load,
	.predict = lgb_predict,
	.free = lgb_free,
	.explain_prepare = lgb_explain_prepare,
	.explain = lgb_explain,
};
