#include "metrics.h"

#include <math.h>
#include <stdlib.h>

#include "../core/strbuf.h"

struct scored {
	double s;
	int pos;
};

static int by_score(const void *a, const void *b)
{
	double x = ((const struct scored *)a)->s, y = ((const struct scored *)b)->s;

	return x < y ? -1 : x > y;
}

double metric_auc(const double *scores, const double *positive, size_t n)
{
	struct scored *v = xcalloc(n + 1, sizeof(*v));
	double npos = 0, nneg = 0, rank_sum = 0;
	size_t i = 0, j;

	for (i = 0; i < n; i++) {
		v[i].s = scores[i];
		v[i].pos = positive[i] > 0.5;
		if (v[i].pos)
			npos++;
		else
			nneg++;
	}
	qsort(v, n, sizeof(*v), by_score);
	/* Average ranks over ties. */
	for (i = 0; i < n; i = j) {
		double avg;

		for (j = i + 1; j < n && v[j].s == v[i].s; j++)
			;
		avg = ((double)i + 1 + (double)j) / 2.0;
		for (size_t k = i; k < j; k++)
			if (v[k].pos)
				rank_sum += avg;
	}
	free(v);
	if (!npos || !nneg)
		return NAN;
	return (rank_sum - npos * (npos + 1) / 2) / (npos * nneg);
}

size_t metrics_classification(const double *probs, const double *predicted,
			      const double *labels, size_t n, size_t k,
			      struct metric_value *out)
{
	size_t classes = k == 1 ? 2 : k, c, i, m = 0;
	double correct = 0, loss = 0, p_sum = 0, r_sum = 0, f_sum = 0;
	double auc_sum = 0, auc_n = 0;
	double *score = xcalloc(n + 1, sizeof(double));
	double *is_c = xcalloc(n + 1, sizeof(double));
	const double eps = 1e-15;

	for (i = 0; i < n; i++) {
		size_t y = (size_t)labels[i];
		double p;

		correct += predicted[i] == labels[i];
		if (k == 1)
			p = y == 1 ? probs[i] : 1 - probs[i];
		else
			p = y < k ? probs[i * k + y] : 0;
		p = p < eps ? eps : p > 1 - eps ? 1 - eps : p;
		loss -= log(p);
	}
	/* Binary: scores of class 1 only; multiclass: macro averages. */
	for (c = (k == 1 ? 1 : 0); c < classes; c++) {
		double tp = 0, fp = 0, fn = 0, prec, rec;

		for (i = 0; i < n; i++) {
			int pred_c = (size_t)predicted[i] == c;
			int true_c = (size_t)labels[i] == c;

			tp += pred_c && true_c;
			fp += pred_c && !true_c;
			fn += !pred_c && true_c;
			score[i] = k == 1 ? probs[i] : probs[i * k + c];
			is_c[i] = true_c;
		}
		prec = tp + fp > 0 ? tp / (tp + fp) : 0;
		rec = tp + fn > 0 ? tp / (tp + fn) : 0;
		p_sum += prec;
		r_sum += rec;
		f_sum += prec + rec > 0 ? 2 * prec * rec / (prec + rec) : 0;
		{
			double a = metric_auc(score, is_c, n);

			if (!isnan(a)) {
				auc_sum += a;
				auc_n++;
			}
		}
	}
	{
		double classes_scored = k == 1 ? 1 : (double)classes;

		out[m++] = (struct metric_value){ "accuracy", n ? correct / (double)n
							       : NAN };
		out[m++] = (struct metric_value){ "precision",
						  p_sum / classes_scored };
		out[m++] = (struct metric_value){ "recall", r_sum / classes_scored };
		out[m++] = (struct metric_value){ "f1", f_sum / classes_scored };
		out[m++] = (struct metric_value){ "auc", auc_n ? auc_sum / auc_n
							       : NAN };
		out[m++] = (struct metric_value){ "log_loss",
						  n ? loss / (double)n : NAN };
	}
	free(score);
	free(is_c);
	return m;
}

size_t metrics_regression(const double *pred, const double *labels, size_t n,
			  struct metric_value *out)
{
	double se = 0, ae = 0, mean = 0, ss = 0;
	size_t i;

	for (i = 0; i < n; i++)
		mean += labels[i];
	mean = n ? mean / (double)n : 0;
	for (i = 0; i < n; i++) {
		double e = pred[i] - labels[i];

		se += e * e;
		ae += fabs(e);
		ss += (labels[i] - mean) * (labels[i] - mean);
	}
	out[0] = (struct metric_value){ "rmse", n ? sqrt(se / (double)n) : NAN };
	out[1] = (struct metric_value){ "mae", n ? ae / (double)n : NAN };
	out[2] = (struct metric_value){ "r2", ss > 0 ? 1 - se / ss : NAN };
	return 3;
}

static int by_value(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

double quantile(double *v, size_t n, double q)
{
	double pos, frac;
	size_t lo;

	if (!n)
		return NAN;
	qsort(v, n, sizeof(double), by_value);
	pos = q * (double)(n - 1);
	lo = (size_t)pos;
	frac = pos - (double)lo;
	if (lo + 1 >= n)
		return v[n - 1];
	return v[lo] + frac * (v[lo + 1] - v[lo]);
}
