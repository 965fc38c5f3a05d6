/* Path-dependent TreeSHAP, as XGBoost's RegTree::CalculateContributions
 * and LightGBM's Tree::PredictContrib compute it (in double), with one
 * difference: a branch that no training data reached (cover 0) on the
 * cold side is skipped, where both libraries divide 0 by 0; everything
 * in it would be multiplied by 0. */
#include "treeshap.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../core/error.h"
#include "../core/strbuf.h"
#include "parallel.h"

#define CHUNK 256

struct shap_forest *shap_forest_new(size_t ngroups, size_t nfeatures)
{
	struct shap_forest *f = xcalloc(1, sizeof(*f));

	f->ngroups = ngroups;
	f->nfeatures = nfeatures;
	f->base = xcalloc(ngroups + 1, sizeof(double));
	return f;
}

struct shap_tree *shap_forest_add(struct shap_forest *f, uint32_t nnodes)
{
	struct shap_tree *t;

	ARRAY_GROW(f->trees, f->ntrees + 1, f->alloc);
	t = &f->trees[f->ntrees++];
	memset(t, 0, sizeof(*t));
	t->nnodes = nnodes;
	t->kids = xcalloc(2 * (size_t)nnodes + 1, sizeof(uint32_t));
	t->feature = xcalloc((size_t)nnodes + 1, sizeof(uint32_t));
	t->cover = xcalloc((size_t)nnodes + 1, sizeof(double));
	t->value = xcalloc((size_t)nnodes + 1, sizeof(double));
	t->weight = 1;
	return t;
}

void shap_forest_free(struct shap_forest *f)
{
	size_t i;

	if (!f)
		return;
	for (i = 0; i < f->ntrees; i++) {
		free(f->trees[i].kids);
		free(f->trees[i].feature);
		free(f->trees[i].cover);
		free(f->trees[i].value);
	}
	free(f->trees);
	free(f->base);
	free(f);
}

static int leaf(const struct shap_tree *t, uint32_t n)
{
	return t->kids[2 * n] == SHAP_LEAF;
}

static int bad_tree(const char *what, size_t tree, uint32_t node,
		    const char *why)
{
	return mlops_error_set(MLOPS_EINPUT, "%s: tree %zu, node %u: %s",
			       what, tree, node, why);
}

/* Preorder from the root (each node reached once), depths, then the
 * expected values bottom-up: a node's mean is its children's, weighted
 * by their covers over its own (XGBoost's FillNodeMeanValue). */
static int check_tree(struct shap_forest *f, size_t ti, const char *what)
{
	struct shap_tree *t = &f->trees[ti];
	uint32_t *order = xcalloc((size_t)t->nnodes + 1, sizeof(uint32_t));
	uint32_t *depth = xcalloc((size_t)t->nnodes + 1, sizeof(uint32_t));
	double *mean = xcalloc((size_t)t->nnodes + 1, sizeof(double));
	unsigned char *seen = xcalloc((size_t)t->nnodes + 1, 1);
	size_t n = 0, i;
	int rc = 0;

	if (!t->nnodes || t->group >= f->ngroups || !isfinite(t->weight)) {
		rc = bad_tree(what, ti, 0, "an empty tree, or one for an "
			      "output the model lacks");
		goto done;
	}
	order[n++] = 0;
	seen[0] = 1;
	for (i = 0; i < n && !rc; i++) {
		uint32_t a = order[i], k;

		if (!isfinite(t->cover[a]) || t->cover[a] < 0) {
			rc = bad_tree(what, ti, a, "its cover is negative or "
				      "not a number");
			break;
		}
		if (leaf(t, a)) {
			if (!isfinite(t->value[a]))
				rc = bad_tree(what, ti, a, "a leaf value that is "
					      "not a finite number");
			continue;
		}
		if (t->feature[a] >= f->nfeatures) {
			rc = bad_tree(what, ti, a, "a split on a feature the "
				      "model lacks");
			break;
		}
		for (k = 0; k < 2 && !rc; k++) {
			uint32_t c = t->kids[2 * a + k];

			if (c >= t->nnodes || seen[c]) {
				rc = bad_tree(what, ti, a, "its children do not "
					      "form a tree");
				break;
			}
			seen[c] = 1;
			depth[c] = depth[a] + 1;
			if (depth[c] > SHAP_MAX_DEPTH) {
				rc = mlops_error_set(MLOPS_EINPUT, "%s: tree %zu "
						     "is deeper than %d levels, "
						     "more than explanations "
						     "take", what, ti,
						     SHAP_MAX_DEPTH);
				break;
			}
			if (depth[c] > t->depth)
				t->depth = depth[c];
			order[n++] = c;
		}
	}
	if (!rc && n != t->nnodes)
		rc = bad_tree(what, ti, 0, "some nodes are in no tree");
	for (i = n; !rc && i-- > 0;) {
		uint32_t a = order[i], l, r;

		if (leaf(t, a)) {
			mean[a] = t->value[a];
			continue;
		}
		l = t->kids[2 * a];
		r = t->kids[2 * a + 1];
		mean[a] = t->cover[a] > 0
				  ? (mean[l] * t->cover[l] + mean[r] * t->cover[r]) /
					    t->cover[a]
				  : 0;
	}
	if (!rc) {
		t->expected = mean[0];
		if (t->depth > f->max_depth)
			f->max_depth = t->depth;
	}
done:
	free(order);
	free(depth);
	free(mean);
	free(seen);
	return rc;
}

int shap_forest_check(struct shap_forest *f, const char *what)
{
	size_t i;
	int rc = 0;

	f->max_depth = 0;
	for (i = 0; i < f->ntrees && !rc; i++)
		rc = check_tree(f, i, what);
	return rc;
}

/* One element of the path from the root: the feature split on, the
 * fraction of the path's data that goes this way when the feature is
 * left out (zero) or in (one), and the permutation weight. */
struct path {
	uint32_t feature;
	double zero, one, pweight;
};

static void extend(struct path *p, unsigned d, double zero, double one,
		   uint32_t feature)
{
	int i;

	p[d].feature = feature;
	p[d].zero = zero;
	p[d].one = one;
	p[d].pweight = d == 0 ? 1 : 0;
	for (i = (int)d - 1; i >= 0; i--) {
		p[i + 1].pweight += one * p[i].pweight * (i + 1) / (double)(d + 1);
		p[i].pweight = zero * p[i].pweight * (d - i) / (double)(d + 1);
	}
}

static void unwind(struct path *p, unsigned d, unsigned at)
{
	double one = p[at].one, zero = p[at].zero, next = p[d].pweight;
	int i;

	for (i = (int)d - 1; i >= 0; i--) {
		if (one != 0) {
			double tmp = p[i].pweight;

			p[i].pweight = next * (d + 1) / ((i + 1) * one);
			next = tmp - p[i].pweight * zero * (d - i) / (double)(d + 1);
		} else {
			p[i].pweight = p[i].pweight * (d + 1) / (zero * (d - i));
		}
	}
	for (i = (int)at; i < (int)d; i++) {
		p[i].feature = p[i + 1].feature;
		p[i].zero = p[i + 1].zero;
		p[i].one = p[i + 1].one;
	}
}

/* The sum of the permutation weights with element `at` unwound: the
 * inner loop of every leaf, so divisions by the small integers are
 * multiplications by their reciprocals (inv). */
static double unwound_sum(const struct path *p, unsigned d, unsigned at,
			  const double *inv)
{
	double one = p[at].one, zero = p[at].zero, next = p[d].pweight;
	double total = 0;
	int i;

	if (one != 0) {
		double scale = (d + 1) / one;

		for (i = (int)d - 1; i >= 0; i--) {
			double tmp = next * scale * inv[i + 1];

			total += tmp;
			next = p[i].pweight -
			       tmp * zero * ((d - i) * inv[d + 1]);
		}
		return total;
	}
	for (i = (int)d - 1; i >= 0; i--)
		total += (p[i].pweight / zero) / ((d - i) * inv[d + 1]);
	return total;
}

struct walk {
	const struct shap_forest *f;
	const struct shap_tree *t;
	size_t tree;
	const double *row;
	double *phi;    /* this tree's group */
	const double *inv; /* inv[k] = 1 / k */
};

static void recurse(const struct walk *w, uint32_t node, unsigned d,
		    struct path *parent, double zero, double one,
		    uint32_t feature)
{
	const struct shap_tree *t = w->t;
	struct path *p = parent + d + 1;
	uint32_t hot, cold, split, at;
	double hz, cz, in_zero = 1, in_one = 1;

	memcpy(p, parent, d * sizeof(*p));
	extend(p, d, zero, one, feature);
	if (leaf(t, node)) {
		double v = t->value[node] * t->weight;

		for (at = 1; at <= d; at++)
			w->phi[p[at].feature] += unwound_sum(p, d, at, w->inv) *
						 (p[at].one - p[at].zero) * v;
		return;
	}
	split = t->feature[node];
	hot = t->kids[2 * node +
		      (w->f->decide(w->f->ctx, w->tree, node, w->row) ? 1 : 0)];
	cold = t->kids[2 * node] == hot ? t->kids[2 * node + 1]
					: t->kids[2 * node];
	hz = t->cover[node] > 0 ? t->cover[hot] / t->cover[node] : 0;
	cz = t->cover[node] > 0 ? t->cover[cold] / t->cover[node] : 0;
	/* A feature split on before: undo that split, redo it here. */
	for (at = 0; at <= d; at++)
		if (p[at].feature == split)
			break;
	if (at != d + 1) {
		in_zero = p[at].zero;
		in_one = p[at].one;
		unwind(p, d, at);
		d--;
	}
	if (hz * in_zero != 0 || in_one != 0)
		recurse(w, hot, d + 1, p, hz * in_zero, in_one, split);
	if (cz * in_zero != 0)
		recurse(w, cold, d + 1, p, cz * in_zero, 0, split);
}

static void explain_row(const struct shap_forest *f, const double *row,
			double *out, struct path *scratch, const double *inv)
{
	size_t g, i, stride = f->nfeatures + 1;
	struct walk w = { f, NULL, 0, row, NULL, inv };

	memset(out, 0, f->ngroups * stride * sizeof(double));
	for (g = 0; g < f->ngroups; g++)
		out[g * stride + f->nfeatures] = f->base[g];
	for (i = 0; i < f->ntrees; i++) {
		const struct shap_tree *t = &f->trees[i];

		w.t = t;
		w.tree = i;
		w.phi = out + t->group * stride;
		w.phi[f->nfeatures] += t->expected * t->weight;
		if (!leaf(t, 0))
			recurse(&w, 0, 0, scratch, 1, 1, SHAP_LEAF);
	}
}

struct call {
	const struct shap_forest *f;
	const double *rows;
	double *out;
};

static int explain_rows(void *ctx, size_t from, size_t n)
{
	const struct call *c = ctx;
	const struct shap_forest *f = c->f;
	size_t maxd = (size_t)f->max_depth + 2, r;
	size_t stride = f->ngroups * (f->nfeatures + 1);
	struct path *scratch = xcalloc(maxd * (maxd + 1) / 2 + 1,
				       sizeof(*scratch));
	double *inv = xcalloc(maxd + 2, sizeof(double));

	for (r = 1; r < maxd + 2; r++)
		inv[r] = 1.0 / (double)r;
	for (r = from; r < from + n; r++)
		explain_row(f, c->rows + r * f->nfeatures, c->out + r * stride,
			    scratch, inv);
	free(scratch);
	free(inv);
	return 0;
}

int shap_forest_explain(const struct shap_forest *f, const double *rows,
			size_t nrows, double *out, size_t nthread)
{
	struct call c = { f, rows, out };

	return parallel_rows(nrows, CHUNK, nthread, explain_rows, &c);
}
