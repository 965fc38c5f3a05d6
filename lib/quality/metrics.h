/* Evaluation metrics of quality gates (golden set) and of live
 * performance (mlops monitor, serve's /performance), computed as
 * scikit-learn 1.2.1 computes them: the same operations in the same
 * order, sums in numpy 1.24's order, so that a value equals sklearn's on
 * the same rows (tests/fixtures/make-metrics.py checks it).
 *
 * Classification: accuracy, precision, recall, f1 (binary: of class 1,
 * average='binary'; multiclass: average='macro' over the classes present
 * in labels or predictions, sklearn's default), auc (roc_auc_score;
 * multiclass: multi_class='ovr', average='macro'), log_loss (labels: all
 * the model's classes; eps 'auto', the float64 epsilon, then rows
 * renormalised). Regression: rmse, mae, r2 (force_finite: constant labels
 * give 1 when predicted exactly, else 0).
 *
 * Where sklearn raises or returns nan the value is NaN ("null" in JSON):
 * no rows; auc when a class is absent from the labels (binary: only one
 * class present; multiclass: any class absent) or, multiclass, when a
 * row's probabilities do not sum to 1 (np.allclose); r2 with fewer than
 * 2 rows. Where sklearn warns and answers 0 (precision with no predicted
 * positives, recall with no positive labels, zero_division="warn"), the
 * value is 0 as well. */
#ifndef MLOPS_QUALITY_METRICS_H
#define MLOPS_QUALITY_METRICS_H

#include <stddef.h>
#include <stdint.h>

struct metric_value {
	const char *name;
	double value;
};

#define METRICS_MAX 6

/* n classified rows: label and pred are class indices in [0, k); prob is
 * P(class 1) per row when binary (k == 2), else n * k probabilities in
 * the model's class order. */
struct class_rows {
	size_t n, k;
	int binary;
	const int32_t *label, *pred;
	const double *prob;
};

/* accuracy, precision, recall, f1, auc, log_loss into out (METRICS_MAX);
 * returns the count. */
size_t metrics_classification(const struct class_rows *r,
			      struct metric_value *out);
/* rmse, mae, r2 into out; returns the count. */
size_t metrics_regression(const double *pred, const double *label, size_t n,
			  struct metric_value *out);

/* ROC AUC of scores (every stride-th double) for the rows whose label is
 * c against the rest, as sklearn's roc_curve + auc (trapezoids over the
 * thresholds kept by drop_intermediate). NaN when either side is empty. */
double metric_roc_auc(const double *score, size_t stride,
		      const int32_t *label, int32_t c, size_t n);

/* The sum of a[0..n) as numpy 1.24's add.reduce adds a contiguous float64
 * array: blocks of 8192, each summed pairwise (eight accumulators up to
 * 128 values). A mean here is bit for bit numpy's. */
double np_sum(const double *a, size_t n);

/* The q-quantile (0..1) of v (sorted in place), linear interpolation. */
double quantile(double *v, size_t n, double q);

#endif
