/* XGBoost's trees for TreeSHAP, read from the JSON form libxgboost writes
 * of any model it loads (.json, .ubj, the legacy binary): each node's
 * sum of hessians is its cover, a leaf's split_condition its value. A
 * row goes down a tree as libxgboost 1.7's predictor sends it: the value
 * as float32, missing (NaN) to the default child, `x < threshold` left;
 * a categorical split sends the categories it lists right, and any
 * other value (negative, 2^24 and beyond, not listed) left. The bias of
 * each output is the base score on the margin scale (logit for
 * binary:logistic and reg:logistic, log for poisson, gamma, tweedie,
 * cox and aft) plus
 * each tree's cover-weighted mean; dart trees carry their weights. */
#include "xgb_shap.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <xgboost/c_api.h>

#include "../core/error.h"
#include "../core/jsonutil.h"
#include "../core/number.h"
#include "../core/strbuf.h"
#include "treeshap.h"

#define MAX_CATEGORY 16777216 /* 2^24: float holds every code below */

struct xnode {
	float thr;
	uint8_t default_left, categorical;
	uint32_t cat_from, cat_words; /* the categories' bitset in cats */
};

struct xgb_shap {
	struct shap_forest *f;
	struct xnode *nodes;
	size_t *first;   /* per tree: its first node in nodes */
	uint32_t *cats;
	size_t ncats, nnodes;
};

static int decide(const void *ctx, size_t tree, uint32_t node,
		  const double *row)
{
	const struct xgb_shap *x = ctx;
	const struct xnode *n = &x->nodes[x->first[tree] + node];
	double v = row[x->f->trees[tree].feature[node]];
	float fv;
	uint32_t c;

	if (isnan(v))
		return !n->default_left;
	fv = (float)v;
	if (!n->categorical)
		return !(fv < n->thr);
	if (fv < 0 || fv >= (float)MAX_CATEGORY)
		return 0;
	c = (uint32_t)fv;
	if (c / 32 >= n->cat_words)
		return 0;
	return (x->cats[n->cat_from + c / 32] >> (c % 32)) & 1;
}

static int refuse(const char *why)
{
	return mlops_error_set(MLOPS_EINPUT, "%s", why);
}

static const json_t *array_of(const json_t *t, const char *key, size_t n)
{
	const json_t *a = json_object_get(t, key);

	return json_is_array(a) && json_array_size(a) == n ? a : NULL;
}

static long long int_at(const json_t *a, size_t i)
{
	const json_t *v = json_array_get(a, i);

	if (json_is_boolean(v))
		return json_is_true(v);
	return json_is_integer(v) ? json_integer_value(v)
				  : (long long)json_number_value(v);
}

/* A categorical node's categories (a segment of `categories`) into a
 * bitset of its own in x->cats. */
static int categories(struct xgb_shap *x, struct xnode *n, const json_t *t,
		      size_t k, size_t *alloc)
{
	const json_t *all = json_object_get(t, "categories");
	const json_t *seg = json_object_get(t, "categories_segments");
	const json_t *sz = json_object_get(t, "categories_sizes");
	long long from = int_at(seg, k), cnt = int_at(sz, k), i, max = -1;

	if (!json_is_array(all) || from < 0 || cnt < 0 ||
	    (size_t)(from + cnt) > json_array_size(all))
		return refuse("a categorical split whose categories are not "
			      "in the model");
	for (i = 0; i < cnt; i++) {
		long long c = int_at(all, (size_t)(from + i));

		if (c < 0 || c >= MAX_CATEGORY)
			return refuse("a categorical split on a category "
				      "outside 0 to 2^24");
		if (c > max)
			max = c;
	}
	n->categorical = 1;
	n->cat_from = (uint32_t)x->ncats;
	n->cat_words = (uint32_t)(max / 32 + 1);
	ARRAY_GROW(x->cats, x->ncats + n->cat_words, *alloc);
	memset(x->cats + x->ncats, 0, n->cat_words * sizeof(uint32_t));
	for (i = 0; i < cnt; i++) {
		long long c = int_at(all, (size_t)(from + i));

		x->cats[x->ncats + (size_t)c / 32] |= 1u << (c % 32);
	}
	x->ncats += n->cat_words;
	return 0;
}

static int load_tree(struct xgb_shap *x, const json_t *t, size_t *nalloc,
		     size_t *calloc_)
{
	const json_t *param = json_object_get(t, "tree_param");
	const char *nn = json_str(param, "num_nodes");
	const json_t *left, *right, *idx, *cond, *dl, *hess, *types, *cn;
	struct shap_tree *st;
	long long n = nn ? atoll(nn) : 0, i;
	size_t k;

	if (n < 1 || n > (1 << 30))
		return refuse("a tree without a valid num_nodes");
	left = array_of(t, "left_children", (size_t)n);
	right = array_of(t, "right_children", (size_t)n);
	idx = array_of(t, "split_indices", (size_t)n);
	cond = array_of(t, "split_conditions", (size_t)n);
	dl = array_of(t, "default_left", (size_t)n);
	hess = array_of(t, "sum_hessian", (size_t)n);
	types = json_object_get(t, "split_type");
	if (!left || !right || !idx || !cond || !dl)
		return refuse("a tree whose node arrays are missing or of "
			      "different lengths");
	if (!hess)
		return refuse("a tree without sum_hessian, the cover "
			      "TreeSHAP weighs its branches by");
	st = shap_forest_add(x->f, (uint32_t)n);
	ARRAY_GROW(x->nodes, x->nnodes + (size_t)n, *nalloc);
	memset(x->nodes + x->nnodes, 0, (size_t)n * sizeof(*x->nodes));
	x->first[x->f->ntrees - 1] = x->nnodes;
	for (i = 0; i < n; i++) {
		struct xnode *d = &x->nodes[x->nnodes + (size_t)i];
		long long l = int_at(left, (size_t)i);
		long long r = int_at(right, (size_t)i);
		long long fi = int_at(idx, (size_t)i);

		const json_t *c = json_array_get(cond, (size_t)i);

		if (!json_is_number(json_array_get(hess, (size_t)i)))
			return refuse("a node whose sum_hessian is not a "
				      "number");
		st->cover[i] = json_number_value(json_array_get(hess, (size_t)i));
		if (l == -1) {
			if (!json_is_number(c))
				return refuse("a leaf whose value is not a "
					      "number");
			st->kids[2 * i] = st->kids[2 * i + 1] = SHAP_LEAF;
			st->value[i] = (float)json_number_value(c);
			continue;
		}
		if (l < 0 || r < 0 || l >= n || r >= n || fi < 0 ||
		    fi >= (long long)x->f->nfeatures)
			return refuse("a split with children or a feature "
				      "out of range");
		st->kids[2 * i] = (uint32_t)l;
		st->kids[2 * i + 1] = (uint32_t)r;
		st->feature[i] = (uint32_t)fi;
		/* NaN (categorical splits): no value is below it */
		d->thr = json_is_number(c) ? (float)json_number_value(c) : NAN;
		d->default_left = int_at(dl, (size_t)i) != 0;
		if (json_is_array(types) && int_at(types, (size_t)i) != 0 &&
		    int_at(types, (size_t)i) != 1)
			return refuse("a split of a type XGBoost 1.7 does not "
				      "write");
	}
	cn = json_object_get(t, "categories_nodes");
	for (k = 0; k < json_array_size(cn); k++) {
		long long node = int_at(cn, k);
		int rc;

		if (node < 0 || node >= n ||
		    st->kids[2 * node] == SHAP_LEAF)
			return refuse("a categorical split on a node that is "
				      "not a split");
		rc = categories(x, &x->nodes[x->nnodes + (size_t)node], t, k,
				calloc_);
		if (rc)
			return rc;
	}
	x->nnodes += (size_t)n;
	return 0;
}

/* libxgboost writes non-finite numbers as NaN, Infinity, -Infinity,
 * which JSON lacks: they become null (outside strings). */
static void nan_to_null(const char *s, size_t len, struct strbuf *out)
{
	size_t i = 0;

	strbuf_grow(out, len);
	while (i < len) {
		if (s[i] == '"') {
			size_t j = i + 1;

			while (j < len && s[j] != '"')
				j += s[j] == '\\' ? 2 : 1;
			j = j < len ? j + 1 : len;
			strbuf_add(out, s + i, j - i);
			i = j;
		} else if (len - i >= 3 && !memcmp(s + i, "NaN", 3)) {
			strbuf_addstr(out, "null");
			i += 3;
		} else if (len - i >= 8 && !memcmp(s + i, "Infinity", 8)) {
			strbuf_addstr(out, "null");
			i += 8;
		} else if (s[i] == '-' && len - i >= 9 &&
			   !memcmp(s + i + 1, "Infinity", 8)) {
			strbuf_addstr(out, "null");
			i += 9;
		} else {
			strbuf_addch(out, s[i++]);
		}
	}
}

/* The base score, on the margin scale as the objective's ProbToMargin
 * puts it (in float, as libxgboost 1.7). */
static int base_margin(const char *obj, const char *text, double *out)
{
	/* binary:logitraw keeps its base score as it is */
	static const char *const logistic[] = {
		"binary:logistic", "reg:logistic", NULL };
	static const char *const logs[] = {
		"count:poisson", "reg:gamma", "reg:tweedie", "survival:cox",
		"survival:aft", NULL };
	double b;
	float f;
	int i;

	if (!text || number_parse_str(text, &b))
		return refuse("the model has no valid base_score");
	f = (float)b;
	for (i = 0; logistic[i]; i++)
		if (!strcmp(obj, logistic[i])) {
			if (!(f > 0 && f < 1))
				return refuse("a logistic model's base_score "
					      "must lie between 0 and 1");
			*out = -logf(1.0f / f - 1.0f);
			return 0;
		}
	for (i = 0; logs[i]; i++)
		if (!strcmp(obj, logs[i])) {
			if (!(f > 0))
				return refuse("the base_score of a log-link "
					      "model must be positive");
			*out = logf(f);
			return 0;
		}
	*out = f;
	return 0;
}

static int from_json(struct xgb_shap *x, const json_t *j)
{
	const json_t *learner = json_object_get(j, "learner");
	const json_t *gb = json_object_get(learner, "gradient_booster");
	const json_t *param = json_object_get(learner, "learner_model_param");
	const json_t *model, *trees, *info, *weights = NULL;
	const char *name = json_str(gb, "name");
	const char *obj = json_str(json_object_get(learner, "objective"),
				   "name");
	const char *nt = json_str(param, "num_target");
	size_t i, g, n, nalloc = 0, calloc_ = 0;
	double base = 0;
	int rc;

	if (!name || (strcmp(name, "gbtree") && strcmp(name, "dart")))
		return refuse(name && !strcmp(name, "gblinear")
				      ? "a gblinear booster has no trees to "
					"explain"
				      : "the booster is not gbtree or dart");
	if (nt && strcmp(nt, "1"))
		return refuse("models with several targets are not explained");
	model = !strcmp(name, "dart")
			? json_object_get(json_object_get(gb, "gbtree"),
					  "model")
			: json_object_get(gb, "model");
	if (!strcmp(name, "dart"))
		weights = json_object_get(gb, "weight_drop");
	trees = json_object_get(model, "trees");
	info = json_object_get(model, "tree_info");
	n = json_array_size(trees);
	if (!json_is_array(trees) || json_array_size(info) != n ||
	    (weights && json_array_size(weights) != n))
		return refuse("the model's trees, tree_info and weights do "
			      "not match");
	rc = base_margin(obj ? obj : "", json_str(param, "base_score"), &base);
	if (rc)
		return rc;
	for (g = 0; g < x->f->ngroups; g++)
		x->f->base[g] = base;
	x->first = xcalloc(n + 1, sizeof(size_t));
	for (i = 0; i < n; i++) {
		long long grp = int_at(info, i);
		struct shap_tree *t;

		rc = load_tree(x, json_array_get(trees, i), &nalloc, &calloc_);
		if (rc)
			return rc;
		t = &x->f->trees[x->f->ntrees - 1];
		if (grp < 0 || (size_t)grp >= x->f->ngroups)
			return refuse("a tree for an output the model lacks");
		t->group = (uint32_t)grp;
		if (weights)
			t->weight = json_number_value(json_array_get(weights,
								     i));
	}
	return shap_forest_check(x->f, "the XGBoost model");
}

int xgb_shap_load(struct xgb_shap **out, const char *path, size_t nfeatures,
		  size_t ngroups)
{
	struct xgb_shap *x = xcalloc(1, sizeof(*x));
	BoosterHandle h = NULL;
	const char *buf = NULL;
	bst_ulong len = 0;
	json_t *j = NULL;
	int rc = 0;

	*out = NULL;
	x->f = shap_forest_new(ngroups, nfeatures);
	x->f->decide = decide;
	x->f->ctx = x;
	/* A booster of its own: the served one keeps predicting. */
	if (XGBoosterCreate(NULL, 0, &h) != 0 ||
	    XGBoosterLoadModel(h, path) != 0 ||
	    XGBoosterSaveModelToBuffer(h, "{\"format\": \"json\"}", &len,
				       &buf) != 0)
		rc = mlops_error_set(MLOPS_EINPUT, "cannot read the XGBoost "
				     "model's trees: %s", XGBGetLastError());
	if (!rc) {
		struct strbuf text = STRBUF_INIT;

		nan_to_null(buf, (size_t)len, &text);
		rc = json_parse_buf(&j, text.buf, text.len,
				    "the XGBoost model");
		strbuf_release(&text);
	}
	if (h)
		XGBoosterFree(h);
	if (!rc)
		rc = from_json(x, j);
	json_decref(j);
	if (rc) {
		xgb_shap_free(x);
		return rc;
	}
	*out = x;
	return 0;
}

int xgb_shap_explain(const struct xgb_shap *x, const double *rows,
		     size_t nrows, double *out, size_t nthread)
{
	return shap_forest_explain(x->f, rows, nrows, out, nthread);
}

void xgb_shap_free(struct xgb_shap *x)
{
	if (!x)
		return;
	shap_forest_free(x->f);
	free(x->nodes);
	free(x->first);
	free(x->cats);
	free(x);
}
