/* LightGBM trees evaluated as LightGBM 4's Tree::Predict does it (see
 * lgbm.h): the split decisions, linear leaves, the sum over trees. */
#include <math.h>
#include <stdint.h>

#include "lgbm.h"

/* LightGBM reads any value within kZeroThreshold of 0 as 0 before it
 * predicts; thresholds can sit exactly at +-kZeroThreshold. */
static double zeroed(double x)
{
	return x >= -LGBM_ZERO_THRESHOLD && x <= LGBM_ZERO_THRESHOLD ? 0.0 : x;
}

static int numerical(const struct lgbm_tree *t, uint32_t node, double x)
{
	uint8_t dt = t->dtype[node];
	int missing = (dt >> LGBM_MISSING_SHIFT) & 3;

	x = zeroed(x);
	if (isnan(x) && missing != LGBM_MISSING_NAN)
		x = 0.0;
	if ((missing == LGBM_MISSING_ZERO && x >= -LGBM_ZERO_THRESHOLD &&
	     x <= LGBM_ZERO_THRESHOLD) ||
	    (missing == LGBM_MISSING_NAN && isnan(x)))
		return (dt & LGBM_DEFAULT_LEFT) ? t->left[node] : t->right[node];
	return x <= t->threshold[node] ? t->left[node] : t->right[node];
}

/* static_cast<int>(x) as x86-64 does it: out of range is INT_MIN,
 * which is negative and goes right like every negative code. */
static int categorical(const struct lgbm_tree *t, uint32_t node, double x)
{
	uint32_t k, from, n;
	int code;

	if (isnan(x) || !(x > -2147483649.0 && x < 2147483648.0))
		return t->right[node];
	code = (int)x;
	if (code < 0)
		return t->right[node];
	k = (uint32_t)t->threshold[node];
	from = t->cat_bounds[k];
	n = t->cat_bounds[k + 1] - from;
	if ((uint32_t)code / 32 >= n)
		return t->right[node];
	return (t->cat_bits[from + (uint32_t)code / 32] >> (code % 32)) & 1
		       ? t->left[node]
		       : t->right[node];
}

int32_t lgbm_next(const struct lgbm_tree *t, uint32_t node, double x)
{
	return (t->dtype[node] & LGBM_CATEGORICAL) ? categorical(t, node, x)
						   : numerical(t, node, x);
}

static double tree_predict(const struct lgbm_tree *t, const double *row)
{
	uint32_t leaf = 0;

	if (t->nleaves > 1) {
		int32_t node = 0;

		while (node >= 0)
			node = lgbm_next(t, (uint32_t)node,
					 row[t->feature[node]]);
		leaf = (uint32_t)~node;
	}
	if (t->linear) {
		double y = t->leaf_const[leaf];

		for (uint32_t i = t->lstart[leaf]; i < t->lstart[leaf + 1]; i++) {
			double x = row[t->lfeature[i]];

			if (isnan(x))
				return t->leaf[leaf];
			y += t->lcoeff[i] * zeroed(x);
		}
		return y;
	}
	return t->leaf[leaf];
}

void lgbm_raw(const struct lgbm *g, const double *row, double *out)
{
	size_t i, k;

	for (k = 0; k < g->per_iter; k++)
		out[k] = 0;
	for (i = 0; i < g->ntrees; i++)
		out[i % g->per_iter] += tree_predict(&g->trees[i], row);
	if (g->average_output && g->ntrees)
		for (k = 0; k < g->per_iter; k++)
			out[k] /= (double)(g->ntrees / g->per_iter);
}
