#include "binning.h"

#include <math.h>
#include <stdlib.h>

#include "../core/strbuf.h"

static size_t lower_bound(const double *v, size_t n, double x)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (v[mid] < x)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static size_t upper_bound(const double *v, size_t n, double x)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (v[mid] <= x)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* At most this many equal-width bins, whatever the floating point says. */
#define NBINS_MAX 100000

/* Numbers are finite here (core/number.h), but the span between two of
 * them may not be (-1e308 .. 1e308): statistics over such a span are
 * taken on values scaled down, which changes nothing for ordinary data
 * (the scale is then 1) and keeps numpy's bin count and edges exact. */
static double span_scale(double lo, double hi)
{
	double m = fmax(fabs(lo), fabs(hi));

	return isfinite(hi - lo) ? 1.0 : m;
}

static size_t doane_or_sturges(enum bin_rule rule, const double *a, size_t na,
			       const double *b, size_t nb, double lo, double hi,
			       double first, double last, double sc)
{
	double width = 0, n = (double)(na + nb), nbins;
	size_t i;

	if (rule == BIN_DOANE) {
		if (n > 2) {
			double sg1 = sqrt(6.0 * (n - 2) / ((n + 1.0) * (n + 3)));
			double mean = 0, var = 0, g1 = 0, sd;

			for (i = 0; i < na; i++)
				mean += a[i] / sc;
			for (i = 0; i < nb; i++)
				mean += b[i] / sc;
			mean /= n;
			for (i = 0; i < na; i++)
				var += (a[i] / sc - mean) * (a[i] / sc - mean);
			for (i = 0; i < nb; i++)
				var += (b[i] / sc - mean) * (b[i] / sc - mean);
			sd = sqrt(var / n);
			if (sd > 0) {
				for (i = 0; i < na; i++)
					g1 += pow((a[i] / sc - mean) / sd, 3);
				for (i = 0; i < nb; i++)
					g1 += pow((b[i] / sc - mean) / sd, 3);
				g1 /= n;
				width = (hi / sc - lo / sc) /
					(1.0 + log2(n) + log2(1.0 + fabs(g1) / sg1));
			}
		}
	} else {
		width = (hi / sc - lo / sc) / (log2(n) + 1.0);
	}
	if (!(width > 0))
		return 1;
	nbins = ceil((last / sc - first / sc) / width);
	if (!(nbins >= 1))
		return 1;
	return nbins > NBINS_MAX ? NBINS_MAX : (size_t)nbins;
}

double bin_lerp(double a, double b, double t)
{
	double d = b - a;

	return isfinite(d) ? a + d * t : a * (1 - t) + b * t;
}

double bin_edge(double first, double last, size_t i, size_t nbins)
{
	double step = (last - first) / (double)nbins, t;

	if (isfinite(step))
		return (double)i * step + first;
	t = (double)i / (double)nbins;
	return first * (1 - t) + last * t;
}

size_t bin_edges_equal(enum bin_rule rule, const double *a, size_t na,
		       const double *b, size_t nb, double **edges)
{
	double lo, hi, first, last;
	size_t nbins, i;

	lo = na ? a[0] : b[0];
	hi = na ? a[na - 1] : b[nb - 1];
	if (nb && b[0] < lo)
		lo = b[0];
	if (nb && b[nb - 1] > hi)
		hi = b[nb - 1];
	first = lo;
	last = hi;
	if (first == last) {
		first -= 0.5;
		last += 0.5;
	}
	nbins = doane_or_sturges(rule, a, na, b, nb, lo, hi, first, last,
				 span_scale(first, last));
	*edges = xmalloc(sizeof(double) * (nbins + 1));
	for (i = 0; i <= nbins; i++)
		(*edges)[i] = bin_edge(first, last, i, nbins);
	(*edges)[nbins] = last;
	return nbins + 1;
}

size_t bin_edges_quantile(const double *v, size_t n, int q, double **edges)
{
	size_t k = 0, i;

	*edges = xmalloc(sizeof(double) * ((size_t)q + 1));
	for (i = 0; i <= (size_t)q; i++) {
		double pos = (double)(n - 1) * (double)i / q, e;
		size_t lo = (size_t)floor(pos);

		e = lo + 1 < n ? bin_lerp(v[lo], v[lo + 1], pos - (double)lo)
			       : v[n - 1];
		if (k && e <= (*edges)[k - 1])
			continue;
		(*edges)[k++] = e;
	}
	if (k < 2) {
		(*edges)[0] = -INFINITY;
		(*edges)[1] = INFINITY;
		return 2;
	}
	(*edges)[0] = -INFINITY;
	(*edges)[k - 1] = INFINITY;
	return k;
}

void bin_count(const double *v, size_t n, const double *e, size_t ne,
	       double *counts)
{
	size_t i, prev;

	if (ne < 2)
		return;
	prev = lower_bound(v, n, e[0]);
	for (i = 0; i + 1 < ne; i++) {
		size_t at = i + 2 == ne ? upper_bound(v, n, e[i + 1])
					: lower_bound(v, n, e[i + 1]);

		counts[i] = (double)(at - prev);
		prev = at;
	}
}

size_t bin_values(const double *a, size_t na, const double *b, size_t nb,
		  double **values, double **ca, double **cb)
{
	size_t i = 0, j = 0, k = 0, cap = 16;

	*values = xmalloc(sizeof(double) * cap);
	*ca = xmalloc(sizeof(double) * cap);
	*cb = xmalloc(sizeof(double) * cap);
	while (i < na || j < nb) {
		double v = (j >= nb || (i < na && a[i] <= b[j])) ? a[i] : b[j];
		size_t si = i, sj = j;

		while (i < na && a[i] == v)
			i++;
		while (j < nb && b[j] == v)
			j++;
		if (k == cap) {
			cap *= 2;
			*values = xrealloc(*values, sizeof(double) * cap);
			*ca = xrealloc(*ca, sizeof(double) * cap);
			*cb = xrealloc(*cb, sizeof(double) * cap);
		}
		(*values)[k] = v;
		(*ca)[k] = (double)(i - si);
		(*cb)[k] = (double)(j - sj);
		k++;
	}
	return k;
}

void bin_shares(const double *counts, size_t k, double n, int smooth,
		double *s)
{
	double minnz = INFINITY, fill;
	size_t i;

	for (i = 0; i < k; i++) {
		s[i] = n > 0 ? counts[i] / n : 0;
		if (s[i] > 0 && s[i] < minnz)
			minnz = s[i];
	}
	if (!smooth || isinf(minnz))
		return;
	fill = minnz <= 0.0001 ? minnz / 1e6 : 0.0001;
	for (i = 0; i < k; i++)
		if (s[i] == 0)
			s[i] = fill;
}

size_t count_distinct(const double *v, size_t n)
{
	size_t i, k = n ? 1 : 0;

	for (i = 1; i < n; i++)
		k += v[i] != v[i - 1];
	return k;
}
