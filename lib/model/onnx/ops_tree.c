/* ai.onnx.ml TreeEnsembleClassifier and TreeEnsembleRegressor.
 *
 * Trees are rebuilt at load into one compact array in depth-first order
 * (a child always comes after its parent, so a walk ends), with leaves
 * pointing at their weights; the walk itself is ops_tree_walk.c.
 * Numerics follow onnxruntime: thresholds are floats; scores are summed in float for float inputs (in double for
 * double inputs), tree by tree in order; base values, averaging and the
 * post transform likewise; and the two-class special cases (weights for
 * one class only) derive the other column the way onnxruntime does. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../core/error.h"
#include "../../core/strbuf.h"
#include "onnx_rt.h"
#include "trees.h"

static void trees_free(void *p)
{
	struct trees *t = p;

	if (!t)
		return;
	free(t->roots);
	free(t->nodes);
	free(t->fn);
	free(t->depth);
	free(t->fixed);
	free(t->wk);
	free(t->wv);
	free(t->base);
	free(t->hit);
	ox_labels_release(&t->labels);
	free(t->int_labels);
	free(t);
}

struct attrs {
	const int64_t *tree, *node, *feat, *yes, *no, *miss;
	const float *val, *hit;
	size_t n, nmiss, nhit;
	char **modes;
	size_t nmodes;
	const int64_t *wtree, *wnode, *wid;
	const float *wval;
	size_t nw;
};

static int by_id(const void *a, const void *b, void *ctx)
{
	const struct attrs *at = ctx;
	size_t i = *(const size_t *)a, j = *(const size_t *)b;

	if (at->tree[i] != at->tree[j])
		return at->tree[i] < at->tree[j] ? -1 : 1;
	if (at->node[i] != at->node[j])
		return at->node[i] < at->node[j] ? -1 : 1;
	return 0;
}

/* The attribute index of (tree, node), or -1. */
static long find(const struct attrs *at, const size_t *sorted, int64_t tree,
		 int64_t node)
{
	size_t lo = 0, hi = at->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2, i = sorted[mid];

		if (at->tree[i] < tree ||
		    (at->tree[i] == tree && at->node[i] < node))
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < at->n && at->tree[sorted[lo]] == tree &&
	    at->node[sorted[lo]] == node)
		return (long)sorted[lo];
	return -1;
}

static int parse_mode(const char *s)
{
	static const char *const names[] = { "BRANCH_LEQ", "BRANCH_LT",
					     "BRANCH_GTE", "BRANCH_GT",
					     "BRANCH_EQ",  "BRANCH_NEQ",
					     "LEAF" };
	int i;

	for (i = 0; i < 7; i++)
		if (!strcmp(s, names[i]))
			return i;
	return -1;
}

static int read_attrs(const struct ox_node *n, struct attrs *at, int cls)
{
	size_t c[8];
	int rc = 0;
	const char *p = cls ? "class_" : "target_";
	char name[32];

	rc |= ox_attr_ints(n, "nodes_treeids", &at->tree, &at->n);
	rc |= ox_attr_ints(n, "nodes_nodeids", &at->node, &c[0]);
	rc |= ox_attr_ints(n, "nodes_featureids", &at->feat, &c[1]);
	rc |= ox_attr_floats(n, "nodes_values", &at->val, &c[2]);
	rc |= ox_attr_ints(n, "nodes_truenodeids", &at->yes, &c[3]);
	rc |= ox_attr_ints(n, "nodes_falsenodeids", &at->no, &c[4]);
	rc |= ox_attr_ints(n, "nodes_missing_value_tracks_true", &at->miss,
			   &at->nmiss);
	rc |= ox_attr_floats(n, "nodes_hitrates", &at->hit, &at->nhit);
	if (rc)
		return MLOPS_EINPUT;
	rc = ox_attr_strings(n, "nodes_modes", &at->modes, &at->nmodes);
	if (rc)
		return rc;
	snprintf(name, sizeof(name), "%streeids", p);
	rc |= ox_attr_ints(n, name, &at->wtree, &at->nw);
	snprintf(name, sizeof(name), "%snodeids", p);
	rc |= ox_attr_ints(n, name, &at->wnode, &c[5]);
	snprintf(name, sizeof(name), "%sids", p);
	rc |= ox_attr_ints(n, name, &at->wid, &c[6]);
	snprintf(name, sizeof(name), "%sweights", p);
	rc |= ox_attr_floats(n, name, &at->wval, &c[7]);
	if (rc)
		return MLOPS_EINPUT;
	if (!at->n || c[0] != at->n || c[1] != at->n || c[3] != at->n ||
	    c[4] != at->n || at->nmodes != at->n ||
	    (c[2] != at->n) || (at->nmiss && at->nmiss != at->n) ||
	    (at->nhit && at->nhit != at->n))
		return ox_fail(n, "the nodes_* attributes must all have one "
			       "entry per node (%zu nodes)", at->n);
	if (c[5] != at->nw || c[6] != at->nw || c[7] != at->nw)
		return ox_fail(n, "the %s* attributes must all have one entry "
			       "per weight", p);
	return 0;
}

/* Depth-first from each root into t->nodes. */
static int build(const struct ox_node *n, struct trees *t,
		 const struct attrs *at)
{
	size_t *sorted = xcalloc(at->n, sizeof(size_t));
	long *compact = xcalloc(at->n, sizeof(long));
	size_t *stack = xcalloc(at->n + 1, sizeof(size_t));
	uint32_t *wcount = xcalloc(at->n + 1, sizeof(uint32_t));
	uint32_t *wstart = xcalloc(at->n + 1, sizeof(uint32_t));
	size_t i, sp, next = 0;
	int rc = 0;

	for (i = 0; i < at->n; i++) {
		sorted[i] = i;
		compact[i] = -1;
	}
	qsort_r(sorted, at->n, sizeof(size_t), by_id, (void *)at);
	for (i = 1; i < at->n; i++)
		if (!by_id(&sorted[i - 1], &sorted[i], (void *)at)) {
			rc = ox_fail(n, "tree %lld has node %lld twice",
				     (long long)at->tree[sorted[i]],
				     (long long)at->node[sorted[i]]);
			goto done;
		}
	/* Weights per leaf, kept in attribute order. */
	for (i = 0; i < at->nw; i++) {
		long j = find(at, sorted, at->wtree[i], at->wnode[i]);

		if (j < 0 || parse_mode(at->modes[j]) != M_LEAF) {
			rc = ox_fail(n, "weight %zu names tree %lld node %lld, "
				     "which is not a leaf", i,
				     (long long)at->wtree[i],
				     (long long)at->wnode[i]);
			goto done;
		}
		if (at->wid[i] < 0 || (size_t)at->wid[i] >= t->k) {
			rc = ox_fail(n, "weight %zu is for %s %lld of %zu", i,
				     t->classifier ? "class" : "target",
				     (long long)at->wid[i], t->k);
			goto done;
		}
		wcount[j]++;
	}
	for (i = 0; i < at->n; i++)
		wstart[i + 1] = wstart[i] + wcount[i];
	t->nweights = at->nw;
	t->wk = xcalloc(at->nw + 1, sizeof(uint32_t));
	t->wv = xcalloc(at->nw + 1, sizeof(float));
	memset(wcount, 0, (at->n + 1) * sizeof(uint32_t));
	for (i = 0; i < at->nw; i++) {
		long j = find(at, sorted, at->wtree[i], at->wnode[i]);
		uint32_t w = wstart[j] + wcount[j]++;

		t->wk[w] = (uint32_t)at->wid[i];
		t->wv[w] = at->wval[i];
	}
	t->nodes = xcalloc(at->n, sizeof(struct tnode));
	t->roots = xcalloc(at->n, sizeof(uint32_t));
	if (at->nhit)
		t->hit = xcalloc(at->n, sizeof(float));
	for (i = 0; i < at->n && !rc; i++) {
		if (i && at->tree[i] == at->tree[i - 1])
			continue;
		if (compact[i] >= 0)
			continue; /* a tree id seen before: same tree */
		t->roots[t->ntrees++] = (uint32_t)next;
		sp = 0;
		stack[sp++] = i;
		compact[i] = (long)next++;
		while (sp && !rc) {
			size_t a = stack[--sp];
			struct tnode *tn = &t->nodes[compact[a]];
			int mode = parse_mode(at->modes[a]);
			long kid[2];
			int c;

			if (mode < 0) {
				rc = ox_fail(n, "nodes_modes '%s' is not a node "
					     "mode", at->modes[a]);
				break;
			}
			tn->mode = (uint8_t)mode;
			if (t->hit)
				t->hit[compact[a]] = at->hit[a];
			if (mode == M_LEAF) {
				tn->yes = wstart[a];
				tn->no = wcount[a];
				continue;
			}
			if (at->feat[a] < 0 || at->feat[a] >= (1 << 30)) {
				rc = ox_fail(n, "node %lld reads feature %lld",
					     (long long)at->node[a],
					     (long long)at->feat[a]);
				break;
			}
			tn->feature = (uint32_t)at->feat[a];
			if (tn->feature + 1 > t->nfeatures)
				t->nfeatures = tn->feature + 1;
			tn->thr = at->val[a];
			tn->missing_yes = at->nmiss && at->miss[a];
			kid[0] = find(at, sorted, at->tree[a], at->yes[a]);
			kid[1] = find(at, sorted, at->tree[a], at->no[a]);
			for (c = 0; c < 2; c++) {
				if (kid[c] < 0 || compact[kid[c]] >= 0) {
					rc = ox_fail(n, "tree %lld is not a "
						     "tree: node %lld has a "
						     "missing or shared child",
						     (long long)at->tree[a],
						     (long long)at->node[a]);
					break;
				}
				compact[kid[c]] = (long)next++;
				stack[sp++] = (size_t)kid[c];
			}
			if (!rc) {
				tn->yes = (uint32_t)compact[kid[0]];
				tn->no = (uint32_t)compact[kid[1]];
			}
		}
	}
	t->nnodes = next;
	t->all_leq = 1;
	for (i = 0; i < next; i++)
		if (t->nodes[i].mode != M_LEAF && t->nodes[i].mode != M_LEQ)
			t->all_leq = 0;
	if (!rc && next != at->n)
		rc = ox_fail(n, "%zu nodes are in no tree", at->n - next);
done:
	free(sorted);
	free(compact);
	free(stack);
	free(wcount);
	free(wstart);
	return rc;
}

static int check_common(struct ox_graph *g, struct ox_node *n,
			struct trees *t, int cls)
{
	struct attrs at = { 0 };
	const struct ox_type *x = ox_in_type(g, n, 0);
	const float *base;
	size_t i;
	int rc;

	rc = ox_need_inputs(n, 1, 1);
	if (!rc)
		rc = ox_need_elem(n, x, "input X", OX_NUMERIC);
	if (!rc && x->rank != 1 && x->rank != 2)
		rc = ox_fail(n, "input X must be [N, features]");
	if (!rc)
		rc = ox_attr_refuse(n, "nodes_values_as_tensor", "double "
				    "thresholds are not supported");
	if (!rc)
		rc = ox_attr_refuse(n, "base_values_as_tensor", "use "
				    "base_values");
	if (!rc)
		rc = ox_attr_refuse(n, cls ? "class_weights_as_tensor"
				    : "target_weights_as_tensor",
				    "double weights are not supported");
	if (!rc)
		rc = ox_post_parse(n, &t->post);
	if (!rc)
		rc = read_attrs(n, &at, cls);
	if (!rc)
		rc = ox_attr_floats(n, "base_values", &base, &t->nbase);
	if (!rc && t->nbase && t->nbase != t->k && !(t->nbase == 1 && cls))
		rc = ox_fail(n, "base_values has %zu values for %zu %s",
			     t->nbase, t->k, cls ? "classes" : "targets");
	if (!rc) {
		t->base = xcalloc(t->nbase + 1, sizeof(float));
		if (t->nbase)
			memcpy(t->base, base, t->nbase * sizeof(float));
		rc = build(n, t, &at);
		if (!rc)
			trees_prepare_walk(t);
	}
	if (!rc && x->rank == 2 && x->dims[1] >= 0 &&
	    t->nfeatures > x->dims[1])
		rc = ox_fail(n, "reads feature %u of an input with %lld",
			     t->nfeatures - 1, (long long)x->dims[1]);
	for (i = 0; !rc && i < at.nw; i++)
		if (at.wval[i] < 0)
			t->all_positive = 0;
	ox_strings_free(at.modes, at.nmodes);
	return rc;
}

static int check_regressor(struct ox_graph *g, struct ox_node *n)
{
	struct trees *t = xcalloc(1, sizeof(*t));
	char *agg = NULL;
	int64_t k;
	int rc;

	n->state = t;
	rc = ox_attr_int(n, "n_targets", 1, &k);
	if (!rc && (k < 1 || k > 100000))
		rc = ox_fail(n, "n_targets must be 1 or more");
	t->k = (size_t)k;
	if (!rc)
		rc = ox_attr_string(n, "aggregate_function", "SUM", &agg);
	if (!rc) {
		if (!strcmp(agg, "SUM"))
			t->agg = AGG_SUM;
		else if (!strcmp(agg, "AVERAGE"))
			t->agg = AGG_AVERAGE;
		else if (!strcmp(agg, "MIN"))
			t->agg = AGG_MIN;
		else if (!strcmp(agg, "MAX"))
			t->agg = AGG_MAX;
		else
			rc = ox_fail(n, "aggregate_function '%s' is not SUM, "
				     "AVERAGE, MIN or MAX", agg);
	}
	free(agg);
	if (!rc)
		rc = check_common(g, n, t, 0);
	if (!rc) {
		struct ox_type *y = ox_out_type(g, n, 0);

		y->elem = OX_FLOAT;
		y->rank = 2;
		y->dims[0] = ox_in_type(g, n, 0)->rank == 2
			? ox_in_type(g, n, 0)->dims[0] : 1;
		y->dims[1] = (int64_t)t->k;
	}
	return rc;
}

static int check_classifier(struct ox_graph *g, struct ox_node *n)
{
	struct trees *t = xcalloc(1, sizeof(*t));
	const int64_t *ids;
	size_t nids, i;
	int64_t first = -1;
	int rc;

	n->state = t;
	t->classifier = 1;
	t->all_positive = 1;
	rc = ox_class_labels(n, &t->labels, &t->string_labels,
			     &t->int_labels);
	if (rc)
		return rc;
	t->k = t->labels.n;
	rc = check_common(g, n, t, 1);
	if (rc)
		return rc;
	/* One class id among the weights, two labels: onnxruntime's
	 * binary case. */
	ox_attr_ints(n, "class_ids", &ids, &nids);
	t->binary_case = t->k == 2;
	for (i = 0; i < nids; i++) {
		if (first < 0)
			first = ids[i];
		else if (ids[i] != first)
			t->binary_case = 0;
	}
	if (!nids)
		t->binary_case = 0;
	ox_classifier_outputs(g, n, t->string_labels, t->k, &t->labels);
	return 0;
}

#define RND(v) (in_float ? (double)(float)(v) : (v))

static void transform(enum ox_post post, double *s, size_t k)
{
	float buf[64], *f = k <= 64 ? buf : xcalloc(k, sizeof(float));
	size_t i;

	if (post == POST_NONE)
		goto done;
	for (i = 0; i < k; i++)
		f[i] = (float)s[i];
	ox_post_apply(post, f, k);
	for (i = 0; i < k; i++)
		s[i] = f[i];
done:
	if (f != buf)
		free(f);
}

static void finish_regressor(const struct trees *t, double *s,
			     unsigned char *has, float *z, int in_float)
{
	size_t c;
	double origin = t->nbase == 1 ? t->base[0] : 0;

	if (t->k == 1) {
		if (t->agg == AGG_AVERAGE)
			s[0] = RND(s[0] / (double)(float)t->ntrees);
		s[0] = has[0] || t->agg == AGG_SUM || t->agg == AGG_AVERAGE
			? RND(s[0] + origin) : origin;
		z[0] = t->post == POST_PROBIT ? ox_probit((float)s[0])
					      : (float)s[0];
		return;
	}
	for (c = 0; c < t->k; c++) {
		double b = t->nbase == t->k ? t->base[c] : 0;

		if (t->agg == AGG_AVERAGE)
			s[c] = RND(s[c] / (double)(float)t->ntrees);
		s[c] = RND(b + (has[c] || t->agg <= AGG_AVERAGE ? s[c] : 0));
	}
	transform(t->post, s, t->k);
	for (c = 0; c < t->k; c++)
		z[c] = (float)s[c];
}

/* Returns the label index. */
static size_t finish_classifier(const struct trees *t, double *s,
				unsigned char *has, float *z, int in_float)
{
	size_t c, best = 0, k = t->k;
	int add = -1, found = 0;
	double pos;

	if (k > 2) {
		for (c = 0; c < t->nbase && c < k; c++) {
			s[c] = has[c] ? RND(s[c] + t->base[c]) : t->base[c];
			has[c] = 1;
		}
		for (c = 0; c < k; c++)
			if (has[c] && (!found || s[c] > s[best])) {
				best = c;
				found = 1;
			}
		transform(t->post, s, k);
		for (c = 0; c < k; c++)
			z[c] = (float)s[c];
		return best;
	}
	if (t->nbase == 2) {
		if (has[1]) {
			s[1] = RND(t->base[1] + s[0]);
			s[0] = -s[1];
		} else {
			s[1] = RND(s[1] + t->base[1]);
			s[0] = RND(s[0] + t->base[0]);
		}
	} else if (t->nbase == 1) {
		s[0] = RND(s[0] + t->base[0]);
		if (!has[1])
			k = 1;
	} else {
		add = 3;
		if (!has[1])
			k = 1;
	}
	pos = k == 2 && has[1] ? s[1] : has[0] ? s[0] : 0;
	if (t->binary_case) {
		if (t->all_positive)
			add = pos > 0.5 ? 0 : 1;
		else
			add = pos > 0 ? 2 : 3;
		best = add == 0 || add == 2;
	} else {
		best = pos > 0;
	}
	if (k == 2) {
		/* a class nothing scored is written as 0 (onnxruntime) */
		for (c = 0; c < 2 && t->post == POST_NONE; c++)
			s[c] = has[c] ? s[c] : 0;
		transform(t->post, s, 2);
		z[0] = (float)s[0];
		z[1] = (float)s[1];
		return best;
	}
	if (t->post == POST_PROBIT) {
		z[0] = ox_probit((float)s[0]);
		z[1] = 0;
		return best;
	}
	switch (add) {
	case 0:
	case 1:
		z[0] = 1.f - (float)s[0];
		z[1] = (float)s[0];
		break;
	case 2:
	case 3:
		if (t->post == POST_LOGISTIC) {
			z[0] = ox_logistic(-(float)s[0]);
			z[1] = ox_logistic((float)s[0]);
		} else {
			z[0] = -(float)s[0];
			z[1] = (float)s[0];
		}
		break;
	default:
		z[0] = (float)s[0];
		z[1] = 0;
	}
	return best;
}

/* Row r's sums into its outputs. */
void trees_finish_row(const struct trees *t, struct ox_tensor *out, size_t r,
		       double *s, unsigned char *has, int in_float)
{
	float *z = (float *)out[t->classifier ? 1 : 0].data + r * t->k;
	size_t i;

	if (!t->classifier) {
		finish_regressor(t, s, has, z, in_float);
		return;
	}
	i = finish_classifier(t, s, has, z, in_float);
	if (t->k == 2 && !t->binary_case && !t->string_labels)
		/* onnxruntime answers 1 or 0 here, not the labels */
		((int64_t *)out[0].data)[r] = (int64_t)i;
	else if (t->string_labels)
		((const char **)out[0].data)[r] = t->labels.names[i];
	else
		((int64_t *)out[0].data)[r] = t->int_labels[i];
}

static int run_trees(const struct ox_node *n, const struct ox_tensor *const *in,
		     struct ox_tensor *out)
{
	const struct trees *t = n->state;
	const struct ox_tensor *x = in[0];
	size_t rows = x->rank == 2 ? (size_t)x->dims[0] : 1;
	size_t f = x->rank == 2 ? (size_t)x->dims[1] : (size_t)x->dims[0];
	int in_float = x->elem != OX_DOUBLE;
	int64_t zd[2];
	double *row, *s;
	unsigned char *has;
	size_t r, i;
	int rc;

	if (f < t->nfeatures)
		return ox_fail(n, "reads feature %u of an input with %zu",
			       t->nfeatures - 1, f);
	zd[0] = (int64_t)rows;
	zd[1] = (int64_t)t->k;
	rc = ox_tensor_alloc(&out[t->classifier ? 1 : 0], OX_FLOAT, 2, zd);
	if (!rc && t->classifier)
		rc = ox_tensor_alloc(&out[0], t->string_labels ? OX_STRING
				     : OX_INT64, 1, zd);
	if (rc)
		return rc;
	if (t->fn && f > 0 && rows > 0) {
		trees_run_blocked(t, x, rows, f, out);
		return 0;
	}
	row = xcalloc(f + 1, sizeof(double));
	s = xcalloc(t->k + 1, sizeof(double));
	has = xcalloc(t->k + 1, 1);
	for (r = 0; r < rows; r++) {
		if (x->elem == OX_FLOAT)
			for (i = 0; i < f; i++)
				row[i] = ((const float *)x->data)[r * f + i];
		else if (x->elem == OX_DOUBLE)
			for (i = 0; i < f; i++)
				row[i] = ((const double *)x->data)[r * f + i];
		else /* onnxruntime compares integers as floats */
			for (i = 0; i < f; i++)
				row[i] = (float)ox_get(x, r * f + i);
		memset(s, 0, t->k * sizeof(double));
		memset(has, 0, t->k);
		trees_walk_row(t, row, s, has, in_float);
		trees_finish_row(t, out, r, s, has, in_float);
	}
	free(row);
	free(s);
	free(has);
	return 0;
}

const struct ox_op ox_ops_tree[] = {
	{ "ai.onnx.ml", "TreeEnsembleClassifier", check_classifier, run_trees,
	  trees_free },
	{ "ai.onnx.ml", "TreeEnsembleRegressor", check_regressor, run_trees,
	  trees_free },
	{ NULL, NULL, NULL, NULL, NULL },
};
