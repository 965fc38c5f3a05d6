/* LightGBM's text model format (model.txt, versions v3 and v4), read
 * and evaluated the way LightGBM 4's Tree::Predict does it: features and
 * thresholds in double, `x <= threshold` goes left, missing types None /
 * Zero / NaN with the default direction, categorical splits by bitset,
 * linear leaves. Raw scores only: the objective's transform is the
 * backend's (lightgbm.c). */
#ifndef MLOPS_MODEL_LGBM_H
#define MLOPS_MODEL_LGBM_H

#include <stddef.h>
#include <stdint.h>

/* decision_type bits (LightGBM's tree.h). */
#define LGBM_CATEGORICAL 1
#define LGBM_DEFAULT_LEFT 2
#define LGBM_MISSING_SHIFT 2
enum { LGBM_MISSING_NONE, LGBM_MISSING_ZERO, LGBM_MISSING_NAN };
#define LGBM_ZERO_THRESHOLD 1e-35f /* kZeroThreshold */

struct lgbm_tree {
	uint32_t nleaves, ncat;
	int32_t *left, *right;  /* >= 0 a node, < 0 ~leaf */
	uint32_t *feature;
	double *threshold;
	uint8_t *dtype;
	double *leaf;
	uint32_t *cat_bounds;   /* ncat + 1 */
	uint32_t *cat_bits;
	/* the training rows that reached each node (NULL when the file
	 * has no internal_count, leaf_count): TreeSHAP's covers */
	double *internal_count, *leaf_count;
	/* linear leaves */
	int linear;
	double *leaf_const;
	uint32_t *lstart;       /* nleaves + 1: each leaf's coefficients */
	uint32_t *lfeature;
	double *lcoeff;
};

struct lgbm {
	int version;            /* 3 or 4 */
	char *objective;        /* the objective= line, e.g. "binary sigmoid:1" */
	size_t nclass;          /* num_class */
	size_t per_iter;        /* num_tree_per_iteration */
	size_t nfeatures;       /* max_feature_idx + 1 */
	int average_output;     /* random forest: the mean, not the sum */
	int linear;             /* some tree has linear leaves */
	char **feature_names;   /* nfeatures */
	char **feature_infos;   /* nfeatures: "[min:max]", "none", or the
				 * categorical feature's codes "0:3:1" */
	struct lgbm_tree *trees;
	size_t ntrees;
	/* Categories the Python package recorded (pandas_categorical), one
	 * list per categorical feature in feature order; NULL when none. */
	int *categorical;       /* nfeatures: 1 when the feature is */
	char ***categories;     /* nfeatures: NULL-terminated, or NULL */
	size_t *ncategories;
};

/* Parses the model text (len bytes, NUL-terminated); EINPUT naming
 * `what` and the line on any inconsistency. */
int lgbm_parse(struct lgbm **out, const char *text, size_t len,
	       const char *what);
/* Sums the trees for one row: out[per_iter] raw scores (averaged for
 * average_output models). */
void lgbm_raw(const struct lgbm *g, const double *row, double *out);
/* The child (>= 0 a node, < 0 ~leaf) the value x of the node's feature
 * goes to, as LightGBM's Tree::Decision sends it. */
int32_t lgbm_next(const struct lgbm_tree *t, uint32_t node, double x);
void lgbm_free(struct lgbm *g);

struct shap_forest;
/* g's trees for TreeSHAP (g must outlive the forest); EINPUT when they
 * have linear leaves or no counts. */
int lgbm_shap(struct shap_forest **out, const struct lgbm *g);

#endif
