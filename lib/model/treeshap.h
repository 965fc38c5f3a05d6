/* Per-feature contributions of tree ensembles: exact path-dependent
 * TreeSHAP (Lundberg, Erion and Lee 2018, "Consistent individualized
 * feature attribution for tree ensembles", Algorithm 2), the algorithm
 * behind XGBoost's pred_contribs and LightGBM's pred_contrib.
 *
 * A backend describes its trees once (struct shap_forest: shape, each
 * node's cover, leaf values) and decides, through its own split rules,
 * which child a row takes at a node; every format's missing values and
 * categorical splits therefore explain as they predict. For each output
 * group, the contributions plus the bias (the base margin and each
 * tree's cover-weighted mean output) sum to the raw margin. */
#ifndef MLOPS_MODEL_TREESHAP_H
#define MLOPS_MODEL_TREESHAP_H

#include <stddef.h>
#include <stdint.h>

#define SHAP_LEAF UINT32_MAX
/* Deeper trees are refused: the path buffer grows with depth squared. */
#define SHAP_MAX_DEPTH 512

struct shap_tree {
	uint32_t nnodes;    /* node 0 is the root */
	uint32_t *kids;     /* 2 per node: left, right; SHAP_LEAF for leaves */
	uint32_t *feature;  /* internal nodes: the feature split on */
	double *cover;      /* every node: the training weight that reached
			     * it (XGBoost's sum of hessians, LightGBM's
			     * count) */
	double *value;      /* leaves: the tree's output */
	uint32_t group;     /* the output the tree adds to */
	double weight;      /* its output times this (1; dart's weights) */
	/* set by shap_forest_check */
	uint32_t depth;
	double expected;    /* mean output, each leaf weighted by cover */
};

/* The child a row takes at an internal node: 0 left, 1 right, decided
 * as the backend's prediction decides. */
typedef int (*shap_decide_fn)(const void *ctx, size_t tree, uint32_t node,
			      const double *row);

struct shap_forest {
	struct shap_tree *trees;
	size_t ntrees, alloc;
	size_t ngroups, nfeatures;
	double *base;       /* ngroups: the margin's constant part */
	shap_decide_fn decide;
	const void *ctx;
	uint32_t max_depth; /* set by shap_forest_check */
};

/* A new forest of ngroups outputs over nfeatures features, base 0. */
struct shap_forest *shap_forest_new(size_t ngroups, size_t nfeatures);
/* A tree of nnodes nodes appended (every array allocated, zeroed; leaves
 * must be marked by the caller), group 0, weight 1. */
struct shap_tree *shap_forest_add(struct shap_forest *f, uint32_t nnodes);
/* Checks what the backend filled in (children form one tree from node
 * 0, features and groups in range, covers finite and not negative,
 * depth at most SHAP_MAX_DEPTH) and computes depths and expected
 * values. EINPUT naming `what`, the tree and the node. */
int shap_forest_check(struct shap_forest *f, const char *what);
/* out: nrows rows of ngroups * (nfeatures + 1) doubles, per group the
 * features' contributions then the bias. Rows over nthread threads
 * (0: one per core). */
int shap_forest_explain(const struct shap_forest *f, const double *rows,
			size_t nrows, double *out, size_t nthread);
void shap_forest_free(struct shap_forest *f);

#endif
