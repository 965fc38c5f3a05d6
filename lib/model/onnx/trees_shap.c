/* An ONNX tree ensemble (ops_tree.c) as a TreeSHAP forest. ONNX has no
 * cover statistics of its own: nodes_hitrates, when a converter fills
 * it with each node's share of the training data (every split's the sum
 * of its children's), serves; skl2onnx and onnxmltools write 1 for
 * every node, which is no cover, and such models are refused.
 *
 * What is explained is the ensemble's score before its post_transform:
 * per class for multiclass; for two classes, the score behind the
 * positive class's probability (the one class scored, class 1's score,
 * or class 1's minus class 0's under SOFTMAX); the value for regression.
 * The trees must read the graph's input directly (through Cast or
 * Identity at most): with pre-processing in between, a split's feature
 * is no input the signature knows. A row goes down as the walk sends
 * it (float inputs compared as floats, missing_value_tracks_true). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../../core/error.h"
#include "../../core/strbuf.h"
#include "../treeshap.h"
#include "onnx_rt.h"
#include "trees.h"
#include "trees_shap.h"

struct ox_shap {
	struct shap_forest *f;
	const struct trees *t;
	uint32_t *src;   /* per forest tree: the ensemble's tree */
	int in_float;
};

static int decide(const void *ctx, size_t tree, uint32_t node,
		  const double *row)
{
	const struct ox_shap *x = ctx;
	const struct tnode *nd = &x->t->nodes[x->t->roots[x->src[tree]] +
					      node];
	double v = row[nd->feature];

	if (x->in_float && !isnan(v))
		v = (float)v;
	return !tnode_yes(nd, v);
}

static int refuse(const char *why)
{
	mlops_error_set(MLOPS_EINPUT, "%s", why);
	return MLOPS_EINPUT;
}

/* The one tree ensemble, reading input `input` through Cast and
 * Identity only. */
static int find_trees(const struct ox_graph *g, int input,
		      const struct ox_node **out)
{
	const struct ox_node *found = NULL;
	size_t i;
	int v;

	for (i = 0; i < g->nnodes; i++) {
		const struct ox_node *n = &g->nodes[i];

		if (!n->live || strncmp(n->op->name, "TreeEnsemble", 12))
			continue;
		if (found)
			return refuse("the graph has several tree ensembles");
		found = n;
	}
	if (!found)
		return refuse("the graph has no tree ensemble");
	for (v = found->in[0]; g->values[v].producer >= 0;) {
		const struct ox_node *p = &g->nodes[g->values[v].producer];
		int elem = g->values[v].type.elem;

		if ((strcmp(p->op->name, "Cast") &&
		     strcmp(p->op->name, "Identity")) ||
		    (elem != OX_FLOAT && elem != OX_DOUBLE)) {
			mlops_error_set(MLOPS_EINPUT, "the tree ensemble reads "
					"the output of %s, not the inputs: its "
					"splits are on features the signature "
					"does not have", p->op->name);
			return MLOPS_EINPUT;
		}
		v = p->in[0];
	}
	if (v != input)
		return refuse("the tree ensemble does not read the graph's "
			      "input");
	*out = found;
	return 0;
}

/* nodes_hitrates as covers: positive, each split's its children's sum
 * (to float precision). */
static int check_hitrates(const struct trees *t)
{
	size_t i;

	for (i = 0; t->hit && i < t->nnodes; i++) {
		const struct tnode *nd = &t->nodes[i];
		double h = t->hit[i];

		if (!(h >= 0) || !isfinite(h))
			break;
		if (nd->mode == M_LEAF)
			continue;
		if (!(h > 0) || fabs(t->hit[nd->yes] + t->hit[nd->no] - h) >
					1e-5 * h)
			break;
	}
	if (t->hit && i == t->nnodes)
		return 0;
	mlops_error_set(MLOPS_EINPUT, "the tree ensemble has no cover "
			"statistics: its nodes_hitrates are %s, and TreeSHAP "
			"needs each node's share of the training data (a "
			"split's the sum of its children's)",
			t->hit ? "not node covers" : "absent");
	mlops_error_hint("converters such as skl2onnx write 1 for every node; "
			 "set nodes_hitrates to each node's training weight "
			 "(scikit-learn: tree_.weighted_n_node_samples)");
	return MLOPS_EINPUT;
}

/* A leaf's value for group g: its class's weights (regression: the
 * first weight, as the walk takes it); for "diff", class 1's minus
 * class 0's; for "all", every weight. */
enum pick { PICK_CLASS, PICK_ALL, PICK_DIFF };

static double leaf_value(const struct trees *t, const struct tnode *nd,
			 enum pick pick, uint32_t cls)
{
	uint32_t w, end = nd->yes + nd->no;
	double v = 0;

	if (!t->classifier && t->k == 1 && nd->no)
		end = nd->yes + 1;
	for (w = nd->yes; w < end; w++)
		if (pick == PICK_ALL || t->wk[w] == cls)
			v += t->wv[w];
		else if (pick == PICK_DIFF)
			v -= t->wv[w];
	return v;
}

/* What a two-class ensemble's positive probability comes from. */
static int binary_pick(const struct trees *t, enum pick *pick, double *base)
{
	*base = 0;
	if (t->post != POST_NONE && t->post != POST_LOGISTIC &&
	    !(t->post == POST_SOFTMAX && !t->binary_case))
		return refuse("a two-class ensemble with this post_transform "
			      "is not explained");
	if (t->binary_case && t->nbase <= 1) {
		*pick = PICK_ALL;
		/* a base value adds to class 0's score, the one scored when
		 * the weights are class 0's */
		if (t->nbase == 1 && t->nweights && t->wk[0] == 0)
			*base = t->base[0];
		return 0;
	}
	if (!t->binary_case && t->nbase == 0) {
		*pick = t->post == POST_SOFTMAX ? PICK_DIFF : PICK_CLASS;
		return 0;
	}
	return refuse("a two-class ensemble with base_values is not explained");
}

static int build(struct ox_shap *x, const struct trees *t, size_t groups)
{
	enum pick pick = PICK_CLASS;
	double base = 0, weight = 1;
	size_t tr, g;
	int rc = 0;

	if (t->agg != AGG_SUM && t->agg != AGG_AVERAGE)
		return refuse("a MIN or MAX ensemble is no sum to explain");
	if (t->agg == AGG_AVERAGE)
		weight = 1.0 / (double)(float)t->ntrees;
	if (!t->classifier && t->k != 1)
		return refuse("regressors with several targets are not "
			      "explained");
	if (t->classifier && groups == 1)
		rc = binary_pick(t, &pick, &base);
	else if (t->classifier && (groups != t->k || t->k < 3))
		rc = refuse("the ensemble's classes are not the model's "
			    "outputs");
	if (rc)
		return rc;
	for (g = 0; g < groups; g++)
		x->f->base[g] = groups > 1 ? (g < t->nbase ? t->base[g] : 0)
			: !t->classifier ? (t->nbase == 1 ? t->base[0] : 0)
					 : base;
	x->src = xcalloc(t->ntrees * groups + 1, sizeof(uint32_t));
	for (tr = 0; tr < t->ntrees; tr++) {
		uint32_t root = t->roots[tr];
		uint32_t end = tr + 1 < t->ntrees ? t->roots[tr + 1]
						  : (uint32_t)t->nnodes;

		for (g = 0; g < groups; g++) {
			struct shap_tree *st = shap_forest_add(x->f, end - root);
			uint32_t i;

			x->src[x->f->ntrees - 1] = (uint32_t)tr;
			st->group = (uint32_t)g;
			st->weight = weight;
			for (i = 0; i < end - root; i++) {
				const struct tnode *nd = &t->nodes[root + i];

				st->cover[i] = t->hit[root + i];
				if (nd->mode == M_LEAF) {
					st->kids[2 * i] = SHAP_LEAF;
					st->kids[2 * i + 1] = SHAP_LEAF;
					st->value[i] = leaf_value(
						t, nd, groups > 1 ? PICK_CLASS
								  : pick,
						groups > 1	 ? (uint32_t)g
						: t->classifier ? 1
								 : 0);
					continue;
				}
				if (nd->yes < root || nd->no < root)
					return refuse("a tree whose nodes are "
						      "not together");
				st->kids[2 * i] = nd->yes - root;
				st->kids[2 * i + 1] = nd->no - root;
				st->feature[i] = nd->feature;
			}
		}
	}
	return 0;
}

int ox_shap_load(struct ox_shap **out, const struct ox_graph *g, int input,
		 size_t nfeatures, size_t groups)
{
	struct ox_shap *x = xcalloc(1, sizeof(*x));
	const struct ox_node *n = NULL;
	int rc;

	*out = NULL;
	x->f = shap_forest_new(groups, nfeatures);
	x->f->decide = decide;
	x->f->ctx = x;
	rc = find_trees(g, input, &n);
	if (!rc) {
		x->t = n->state;
		x->in_float = g->values[n->in[0]].type.elem != OX_DOUBLE;
		rc = check_hitrates(x->t);
	}
	if (!rc && x->t->nfeatures > nfeatures)
		rc = refuse("the trees split on more features than the "
			    "signature has");
	if (!rc)
		rc = build(x, x->t, groups);
	if (!rc)
		rc = shap_forest_check(x->f, "the ONNX tree ensemble");
	if (rc) {
		ox_shap_free(x);
		return rc;
	}
	*out = x;
	return 0;
}

int ox_shap_explain(const struct ox_shap *x, const double *rows, size_t nrows,
		    double *out, size_t nthread)
{
	return shap_forest_explain(x->f, rows, nrows, out, nthread);
}

void ox_shap_free(struct ox_shap *x)
{
	if (!x)
		return;
	shap_forest_free(x->f);
	free(x->src);
	free(x);
}
