/* Evaluation metrics for quality gates. Classification: accuracy,
 * precision, recall, f1 (binary: of class 1; multiclass: macro averages),
 * auc (binary; multiclass: macro one-vs-rest), log_loss. Regression:
 * rmse, mae, r2. */
#ifndef MLOPS_QUALITY_METRICS_H
#define MLOPS_QUALITY_METRICS_H

#include <stddef.h>

struct metric_value {
	const char *name;
	double value;
};

/* probs: n * k (k = 1 for binary: P(class 1)); labels: class indices;
 * predicted: class indices. Fills out (up to 6) and returns the count. */
size_t metrics_classification(const double *probs, const double *predicted,
			      const double *labels, size_t n, size_t k,
			      struct metric_value *out);
size_t metrics_regression(const double *pred, const double *labels, size_t n,
			  struct metric_value *out);
/* ROC AUC of scores for the positive labels (1) against the rest, with
 * ties given half credit (Mann-Whitney). NaN when one class is absent. */
double metric_auc(const double *scores, const double *positive, size_t n);
/* The q-quantile (0..1) of v (sorted in place), linear interpolation. */
double quantile(double *v, size_t n, double q);

#endif
