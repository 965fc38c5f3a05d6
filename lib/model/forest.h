/* Native evaluation of XGBoost JSON tree models (see forest.c). */
#ifndef MLOPS_MODEL_FOREST_H
#define MLOPS_MODEL_FOREST_H

#include <stddef.h>

enum forest_transform {
	FOREST_IDENTITY,      /* reg:squarederror and friends: the margin */
	FOREST_SIGMOID,       /* binary:logistic, reg:logistic */
	FOREST_LOGIT_RAW,     /* binary:logitraw: a margin, mlops applies
				 the sigmoid in double */
	FOREST_SOFTMAX,       /* multi:softprob */
	FOREST_SOFTMAX_INDEX, /* multi:softmax, one-hot */
};

#define FOREST_MAX_GROUPS 64

struct forest;

/* 0 and a forest, or 1 when this model is better left to libxgboost
 * (never an error: libxgboost has already loaded the file). */
int forest_load(struct forest **out, const char *path, size_t nfeatures,
		enum forest_transform transform, size_t ngroups);
/* out: nrows * ngroups doubles (1 per row unless multiclass). */
void forest_predict(const struct forest *f, const double *rows, size_t nrows,
		    double *out);
void forest_free(struct forest *f);

/* How trees are walked. AUTO: the fastest the CPU and the trees allow.
 * Tests set the others to check each walk against libxgboost: POINTERS
 * follows child indices (what deep trees take), COMPLETE walks shallow
 * trees laid out complete in portable C, several rows at a time, TREES
 * the same several trees at a time (for a row or a few), AVX2 with
 * gathers (COMPLETE where the CPU lacks AVX2). */
enum forest_path { FOREST_AUTO, FOREST_POINTERS, FOREST_COMPLETE,
		   FOREST_AVX2, FOREST_TREES };
extern enum forest_path forest_path;
/* 1 when this CPU runs the AVX2 walk. */
int forest_avx2_available(void);

#endif
