#include "metrics.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../core/strbuf.h"

/* numpy's reduction buffer and its pairwise block (loops_utils.h). */
#define NP_BUFSIZE 8192
#define NP_PW_BLOCKSIZE 128

static double pairwise(const double *a, size_t n)
{
	double r[8], res;
	size_t i, j;

	if (n < 8) {
		res = 0.;
		for (i = 0; i < n; i++)
			res += a[i];
		return res;
	}
	if (n <= NP_PW_BLOCKSIZE) {
		for (j = 0; j < 8; j++)
			r[j] = a[j];
		for (i = 8; i < n - n % 8; i += 8)
			for (j = 0; j < 8; j++)
				r[j] += a[i + j];
		res = ((r[0] + r[1]) + (r[2] + r[3])) +
		      ((r[4] + r[5]) + (r[6] + r[7]));
		for (; i < n; i++)
			res += a[i];
		return res;
	}
	i = n / 2;
	i -= i % 8;
	return pairwise(a, i) + pairwise(a + i, n - i);
}

double np_sum(const double *a, size_t n)
{
	double total = 0.;
	size_t i;

	for (i = 0; i < n; i += NP_BUFSIZE)
		total += pairwise(a + i, n - i < NP_BUFSIZE ? n - i : NP_BUFSIZE);
	return total;
}

/* np_sum of values given one at a time, in NP_BUFSIZE blocks: the same
 * sum without an array of every value. */
struct np_acc {
	double block[NP_BUFSIZE];
	size_t n;
	double total;
};

static void acc_add(struct np_acc *a, double v)
{
	a->block[a->n++] = v;
	if (a->n == NP_BUFSIZE) {
		a->total += pairwise(a->block, a->n);
		a->n = 0;
	}
}

static double acc_total(struct np_acc *a)
{
	double t = a->total + pairwise(a->block, a->n);

	a->n = 0;
	a->total = 0;
	return t;
}

static double mean_of(struct np_acc *a, size_t n)
{
	double t = acc_total(a);

	return n ? t / (double)n : NAN;
}

struct scored {
	double s;
	int pos;
};

static int by_score_desc(const void *a, const void *b)
{
	double x = ((const struct scored *)a)->s, y = ((const struct scored *)b)->s;

	return x > y ? -1 : x < y;
}

/* The order of a double, highest first, as an unsigned integer's: the
 * sign bit flipped for positives, every bit for negatives, then all of
 * it reversed. -0 comes right after 0; both are one threshold anyway. */
static uint64_t desc_key(double d)
{
	uint64_t u;

	memcpy(&u, &d, sizeof(u));
	u = u >> 63 ? ~u : u | (1ull << 63);
	return ~u;
}

#define RADIX_BITS 16
#define RADIX_MIN 4096

/* Scores highest first: an LSD radix sort over 16-bit digits (digits all
 * rows share are skipped: probabilities share their top bits), qsort for
 * small groups. Ten million scores sort in a fraction of qsort's time. */
static void sort_desc(struct scored *v, size_t n)
{
	struct scored *tmp, *a = v, *b;
	size_t (*count)[1 << RADIX_BITS], i;
	int d;

	if (n < RADIX_MIN) {
		qsort(v, n, sizeof(*v), by_score_desc);
		return;
	}
	count = xcalloc(4, sizeof(*count));
	for (i = 0; i < n; i++) {
		uint64_t k = desc_key(v[i].s);

		for (d = 0; d < 4; d++)
			count[d][(k >> (d * RADIX_BITS)) & 0xFFFF]++;
	}
	b = tmp = xmalloc(n * sizeof(*v));
	for (d = 0; d < 4; d++) {
		size_t sum = 0, j;
		struct scored *t;

		if (count[d][(desc_key(v[0].s) >> (d * RADIX_BITS)) & 0xFFFF] == n)
			continue; /* every row has this digit */
		for (j = 0; j < (1u << RADIX_BITS); j++) {
			size_t c = count[d][j];

			count[d][j] = sum;
			sum += c;
		}
		for (i = 0; i < n; i++)
			b[count[d][(desc_key(a[i].s) >> (d * RADIX_BITS)) &
				   0xFFFF]++] = a[i];
		t = a;
		a = b;
		b = t;
	}
	if (a != v)
		memcpy(v, a, n * sizeof(*v));
	free(tmp);
	free(count);
}

/* sklearn's _binary_clf_curve, roc_curve(drop_intermediate=True) and
 * auc (np.trapz). The counts are integers, exact in doubles. */
double metric_roc_auc(const double *score, size_t stride,
		      const int32_t *label, int32_t c, size_t n)
{
	struct scored *v = xcalloc(n + 1, sizeof(*v));
	double *fps = xcalloc(n + 2, sizeof(double));
	double *tps = xcalloc(n + 2, sizeof(double));
	double npos = 0, tp = 0, area = NAN;
	size_t i, m = 0, kept;
	struct np_acc *acc = NULL;

	for (i = 0; i < n; i++) {
		v[i].s = score[i * stride];
		v[i].pos = label[i] == c;
		npos += v[i].pos;
	}
	if (npos == 0 || npos == (double)n)
		goto done;
	sort_desc(v, n);
	/* One point per distinct score, at the last row holding it; the
	 * first point (0, 0) is prepended, so points start at 1. */
	for (i = 0; i < n; i++) {
		tp += v[i].pos;
		if (i + 1 < n && v[i + 1].s == v[i].s)
			continue;
		m++;
		tps[m] = tp;
		fps[m] = 1 + (double)i - tp;
	}
	/* drop_intermediate: a point collinear with both neighbours goes
	 * (np.diff(fps, 2) and np.diff(tps, 2) both 0). */
	kept = 1;
	for (i = 1; i <= m; i++) {
		if (m > 2 && i > 1 && i < m &&
		    (fps[i + 1] - fps[i]) - (fps[i] - fps[i - 1]) == 0 &&
		    (tps[i + 1] - tps[i]) - (tps[i] - tps[i - 1]) == 0)
			continue;
		/* In place: the kept point i moves to kept, never ahead of
		 * a point still to be read (kept <= i). */
		fps[kept] = fps[i];
		tps[kept] = tps[i];
		kept++;
	}
	acc = xcalloc(1, sizeof(*acc));
	{
		double fl = fps[kept - 1], tl = tps[kept - 1];
		double x0 = fps[0] / fl, y0 = tps[0] / tl;

		for (i = 1; i < kept; i++) {
			double x1 = fps[i] / fl, y1 = tps[i] / tl;

			acc_add(acc, (x1 - x0) * (y1 + y0) / 2.0);
			x0 = x1;
			y0 = y1;
		}
	}
	area = acc_total(acc);
done:
	free(acc);
	free(v);
	free(fps);
	free(tps);
	return area;
}

/* precision, recall and F1 of class c (sklearn's _prf_divide with
 * zero_division "warn": 0 where a denominator is 0). */
static void prf_of_class(const struct class_rows *r, int32_t c, double *p,
			 double *rec, double *f)
{
	uint64_t tp = 0, pred_sum = 0, true_sum = 0;
	double denom;
	size_t i;

	for (i = 0; i < r->n; i++) {
		int pc = r->pred[i] == c, tc = r->label[i] == c;

		tp += pc && tc;
		pred_sum += (uint64_t)pc;
		true_sum += (uint64_t)tc;
	}
	*p = pred_sum ? (double)tp / (double)pred_sum : 0.;
	*rec = true_sum ? (double)tp / (double)true_sum : 0.;
	denom = 1. * *p + *rec;
	if (denom == 0.)
		denom = 1;
	*f = (1. + 1.) * *p * *rec / denom;
}

static void prf(const struct class_rows *r, double *p, double *rec,
		double *f)
{
	unsigned char *present;
	double *ps, *rs, *fs;
	size_t i, c, nl = 0;

	if (r->binary) {
		prf_of_class(r, 1, p, rec, f);
		return;
	}
	/* Macro over the classes in labels or predictions. */
	present = xcalloc(r->k + 1, 1);
	for (i = 0; i < r->n; i++) {
		if ((size_t)r->label[i] < r->k)
			present[r->label[i]] = 1;
		if ((size_t)r->pred[i] < r->k)
			present[r->pred[i]] = 1;
	}
	ps = xcalloc(3 * (r->k + 1), sizeof(double));
	rs = ps + r->k + 1;
	fs = rs + r->k + 1;
	for (c = 0; c < r->k; c++)
		if (present[c]) {
			prf_of_class(r, (int32_t)c, &ps[nl], &rs[nl], &fs[nl]);
			nl++;
		}
	*p = nl ? np_sum(ps, nl) / (double)nl : NAN;
	*rec = nl ? np_sum(rs, nl) / (double)nl : NAN;
	*f = nl ? np_sum(fs, nl) / (double)nl : NAN;
	free(ps);
	free(present);
}

/* np.allclose(1, y_score.sum(axis=1)): multiclass roc_auc_score's check
 * that the scores are probabilities. */
static int rows_sum_to_one(const struct class_rows *r)
{
	size_t i;

	for (i = 0; i < r->n; i++) {
		double s = np_sum(r->prob + i * r->k, r->k);

		if (!(fabs(1. - s) <= 1e-8 + 1e-5 * fabs(s)))
			return 0;
	}
	return 1;
}

static double auc(const struct class_rows *r)
{
	double *per_class, a;
	size_t c;

	if (r->binary)
		return metric_roc_auc(r->prob, 1, r->label, 1, r->n);
	if (!rows_sum_to_one(r))
		return NAN;
	per_class = xcalloc(r->k + 1, sizeof(double));
	for (c = 0; c < r->k; c++) {
		per_class[c] = metric_roc_auc(r->prob + c, r->k, r->label,
					      (int32_t)c, r->n);
		if (isnan(per_class[c]))
			break;
	}
	a = c < r->k ? NAN : np_sum(per_class, r->k) / (double)r->k;
	free(per_class);
	return a;
}

static double clip(double p)
{
	const double eps = DBL_EPSILON; /* eps="auto": float64's */

	return p < eps ? eps : p > 1 - eps ? 1 - eps : p;
}

/* log_loss(labels=range(k)): clipped, each row renormalised to sum 1,
 * -log of the true class's share, averaged. */
static double log_loss(const struct class_rows *r)
{
	struct np_acc *acc = xcalloc(1, sizeof(*acc));
	double *row = xcalloc(r->k + 1, sizeof(double)), m;
	size_t i, j;

	for (i = 0; i < r->n; i++) {
		double py;

		if (r->binary) {
			row[1] = clip(r->prob[i]);
			row[0] = 1 - row[1];
		} else {
			for (j = 0; j < r->k; j++)
				row[j] = clip(r->prob[i * r->k + j]);
		}
		py = row[r->label[i]] / np_sum(row, r->k);
		acc_add(acc, -log(py));
	}
	m = mean_of(acc, r->n);
	free(row);
	free(acc);
	return m;
}

size_t metrics_classification(const struct class_rows *r,
			      struct metric_value *out)
{
	double correct = 0, p, rec, f;
	size_t i;

	for (i = 0; i < r->n; i++)
		correct += r->pred[i] == r->label[i];
	if (r->n) {
		prf(r, &p, &rec, &f);
	} else {
		p = rec = f = NAN;
	}
	out[0] = (struct metric_value){ "accuracy",
					r->n ? correct / (double)r->n : NAN };
	out[1] = (struct metric_value){ "precision", p };
	out[2] = (struct metric_value){ "recall", rec };
	out[3] = (struct metric_value){ "f1", f };
	out[4] = (struct metric_value){ "auc", r->n ? auc(r) : NAN };
	out[5] = (struct metric_value){ "log_loss", r->n ? log_loss(r) : NAN };
	return 6;
}

size_t metrics_regression(const double *pred, const double *label, size_t n,
			  struct metric_value *out)
{
	struct np_acc *acc = xcalloc(1, sizeof(*acc));
	double mse, mae, mean, num, den, r2;
	size_t i;

	for (i = 0; i < n; i++) {
		double e = label[i] - pred[i];

		acc_add(acc, e * e);
	}
	num = acc_total(acc);
	mse = n ? num / (double)n : NAN;
	for (i = 0; i < n; i++)
		acc_add(acc, fabs(pred[i] - label[i]));
	mae = mean_of(acc, n);
	for (i = 0; i < n; i++)
		acc_add(acc, label[i]);
	mean = mean_of(acc, n);
	for (i = 0; i < n; i++) {
		double d = label[i] - mean;

		acc_add(acc, d * d);
	}
	den = acc_total(acc);
	/* r2_score(force_finite=True) */
	if (n < 2)
		r2 = NAN;
	else if (num == 0)
		r2 = 1;
	else if (den == 0)
		r2 = 0;
	else
		r2 = 1 - num / den;
	free(acc);
	out[0] = (struct metric_value){ "rmse", sqrt(mse) };
	out[1] = (struct metric_value){ "mae", mae };
	out[2] = (struct metric_value){ "r2", r2 };
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
