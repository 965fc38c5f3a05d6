/* LightGBM text models as TreeSHAP forests (treeshap.h), as LightGBM's
 * Tree::PredictContrib sees them: each node's cover is the count of
 * training rows that reached it (internal_count, leaf_count), a row
 * goes down as Tree::Decision sends it (lgbm_next: missing types, the
 * zero threshold, categorical bitsets). Averaged models (boosting=rf)
 * weigh every tree by one over the iterations, so that contributions
 * sum to the raw score LightGBM predicts; LightGBM's own pred_contrib
 * sums them unweighted. */
#include "lgbm.h"

#include <stdlib.h>

#include "../core/error.h"
#include "treeshap.h"

static int decide(const void *ctx, size_t tree, uint32_t node,
		  const double *row)
{
	const struct lgbm_tree *t = &((const struct lgbm *)ctx)->trees[tree];

	return lgbm_next(t, node, row[t->feature[node]]) != t->left[node];
}

static uint32_t node_id(const struct lgbm_tree *t, int32_t child)
{
	return child >= 0 ? (uint32_t)child
			  : t->nleaves - 1 + (uint32_t)~child;
}

int lgbm_shap(struct shap_forest **out, const struct lgbm *g)
{
	struct shap_forest *f = shap_forest_new(g->per_iter, g->nfeatures);
	size_t i, iters = g->ntrees / g->per_iter;
	int rc;

	*out = NULL;
	f->decide = decide;
	f->ctx = g;
	for (i = 0; i < g->ntrees; i++) {
		const struct lgbm_tree *t = &g->trees[i];
		uint32_t n = t->nleaves - 1, j;
		struct shap_tree *st;

		if (t->linear) {
			shap_forest_free(f);
			return mlops_error_set(MLOPS_EINPUT, "tree %zu has linear "
					       "leaves: TreeSHAP explains "
					       "constant leaves only", i);
		}
		if (n && (!t->internal_count || !t->leaf_count)) {
			shap_forest_free(f);
			return mlops_error_set(MLOPS_EINPUT, "tree %zu has no "
					       "internal_count and leaf_count, "
					       "the covers TreeSHAP needs", i);
		}
		st = shap_forest_add(f, 2 * n + 1);
		st->group = (uint32_t)(i % g->per_iter);
		st->weight = g->average_output && iters ? 1.0 / (double)iters
							: 1.0;
		for (j = 0; j < n; j++) {
			st->kids[2 * j] = node_id(t, t->left[j]);
			st->kids[2 * j + 1] = node_id(t, t->right[j]);
			st->feature[j] = t->feature[j];
			st->cover[j] = t->internal_count[j];
		}
		for (j = 0; j <= n; j++) {
			st->kids[2 * (n + j)] = st->kids[2 * (n + j) + 1] =
				SHAP_LEAF;
			st->value[n + j] = t->leaf[j];
			st->cover[n + j] = n ? t->leaf_count[j] : 1;
		}
	}
	rc = shap_forest_check(f, "the LightGBM model");
	if (rc) {
		shap_forest_free(f);
		return rc;
	}
	*out = f;
	return 0;
}
