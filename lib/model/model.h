/* One runtime interface for every model backend: load from a file,
 * describe, predict a batch of rows into a caller-owned buffer, free.
 * Callers never know which backend they hold; a new one (ONNX, an
 * external worker) plugs in through struct model_backend alone.
 *
 * Rows are dense doubles in signature order; NaN is a missing value.
 * Outputs per row: 1 (binary: probability of the positive class;
 * regression: the value) or K (multiclass: class probabilities).
 * model_predict() is safe to call from several threads at once. */
#ifndef MLOPS_MODEL_H
#define MLOPS_MODEL_H

#include <stddef.h>

#include "../descriptor/descriptor.h"

struct model_spec {
	const char *path;             /* the model file */
	enum model_runtime runtime;
	enum model_task task;
	int nclasses;                 /* multiclass; 0 = from the model */
	const char *const *features;  /* names in signature order */
	const struct field *fields;   /* the same inputs, typed (categories'
				       * values: a row holds a value's index) */
	size_t nfeatures;
	int nthread;                  /* threads per predict call; 0 = all */
	int no_native;                /* xgboost: always through libxgboost */
	/* Each feature's mean in the reference data (NaN: not known), the
	 * point linear models explain from; NULL when there is none. */
	const double *reference_means;
};

struct model;

/* What a model file says about itself, with no signature to go by:
 * what `mlops init --model` writes into mlops.yaml. */
struct model_feature {
	char *name;
	enum value_type type;  /* VT_FLOAT, VT_INT, VT_CATEGORY */
	char **values;         /* a category's values, in the model's codes */
	size_t nvalues;
	int nullable;          /* the model takes missing values */
};

struct model_info {
	enum model_runtime runtime;
	enum model_task task;
	size_t nclasses;       /* classifiers */
	char **labels;         /* the model's class labels; NULL if none */
	size_t nlabels;
	struct model_feature *features;
	size_t nfeatures;
};

struct model_backend {
	const char *name;
	/* Fills info (runtime set by the caller); EINPUT when the file is
	 * not such a model. */
	int (*inspect)(const char *path, struct model_info *info);
	int (*load)(struct model *m, const struct model_spec *spec);
	int (*predict)(struct model *m, const double *rows, size_t nrows,
		       double *out);
	void (*free)(struct model *m);
	/* Explanations (model_explain); NULL when the backend has none.
	 * explain_prepare runs once, under a lock, before the first
	 * explain: EINPUT when this model cannot be explained, and why. */
	int (*explain_prepare)(struct model *m);
	int (*explain)(const struct model *m, const double *rows,
		       size_t nrows, double *out);
};

struct model_explainer;

struct model {
	const struct model_backend *backend;
	enum model_task task;
	size_t nfeatures;
	size_t noutputs;     /* per row */
	char *description;   /* "binary:logistic, 50 trees", for humans */
	int digits;          /* significant digits the outputs carry */
	char **labels;       /* classifiers: the class labels the model
			      * carries, in output order (NULL when it has
			      * none); the backend sets, model_free frees */
	size_t nlabels;
	void *impl;
	struct model_explainer *explainer; /* model_explain's state */
};

/* The backend of a runtime, or NULL. */
const struct model_backend *model_backend_for(enum model_runtime r);
int model_load(struct model **out, const struct model_spec *spec);
/* Reads what a model file says about itself; runtime < 0: the runtime
 * is told from the file's name and first bytes. */
int model_inspect(struct model_info *out, const char *path, int runtime);
void model_info_free(struct model_info *info);
/* out holds nrows * m->noutputs doubles. EINPUT when the model's output
 * for some row is inf or NaN (model_nonfinite tells which). */
int model_predict(struct model *m, const double *rows, size_t nrows,
		  double *out);
#define MODEL_NONFINITE_HINT "extreme inputs can overflow a model: bound " \
	"them with min and max in the signature"
/* The first row whose outputs are not all finite, or nrows. */
size_t model_nonfinite(const struct model *m, const double *out,
		       size_t nrows);
void model_free(struct model *m);

/* Per-feature contributions to each row's raw margin, the model's
 * output before its link function (logit, softmax, log). out holds
 * nrows * model_explain_width(m) doubles: for each output (one, or one
 * per class) the features' contributions in signature order, then the
 * bias; contributions plus bias sum to that output's margin. Trees:
 * path-dependent TreeSHAP; GLMs: coefficient times (value - reference
 * mean). Safe from several threads; EINPUT when the model cannot be
 * explained (the same answer every call). */
int model_explain(struct model *m, const double *rows, size_t nrows,
		  double *out);
size_t model_explain_width(const struct model *m);
/* Whether model_explain can work: 0, or the error it would give. */
int model_explain_ready(struct model *m);
/* The n largest contributions by size among one output's nfeatures
 * (phi), as feature indices into idx (room for nfeatures), largest
 * first, ties in feature order; returns how many (n at most). */
size_t model_explain_top(const double *phi, size_t nfeatures, size_t n,
			 size_t *idx);
/* model.c's: the explainer every loaded model has. */
struct model_explainer *model_explainer_new(void);
void model_explainer_free(struct model_explainer *e);

/* Settles a classifier's labels: `labels` (the descriptor's, n of them;
 * NULL when it has none) must be the model's own when the model carries
 * some; with neither, the labels are the class indices "0", "1", ...
 * EINPUT, showing both lists, when they differ. */
int model_set_labels(struct model *m, char *const *labels, size_t n);
/* The number of classes (2 for binary), 0 for regression. */
size_t model_nclasses(const struct model *m);
/* Whether a label is written as a JSON number (an integer literal). */
int label_is_integer(const char *label);
/* Whether the labels are the class indices "0", "1", ... */
int model_labels_are_indices(const struct model *m);
/* The class of that label, or -1. */
int model_label_index(const struct model *m, const char *label);

/* y[0..k) through softmax in double, the largest subtracted first (as
 * LightGBM and mlops's GLM compute it). */
void model_softmax(double *y, size_t k);

/* What one row's outputs mean: the predicted class (or value) and, for
 * classifiers, its probability. */
struct decision {
	double prediction;
	double probability; /* NaN for regression */
};
void model_decide(const struct model *m, const double *outputs,
		  double threshold, struct decision *d);

#endif
