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

struct lgbm_tree;

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
void lgbm_free(struct lgbm *g);

#endif
