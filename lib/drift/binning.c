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

size_t bin_edges_equal(enum bin_rule rule, const double *a, size_t na,
		       const double *b, size_t nb, double **edges)
{
	double lo, hi, first, last, width = 0, step, n = (double)(na + nb);
	size_t nbins = 1, i;

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
	if (rule == BIN_DOANE) {
		if (n > 2) {
			double sg1 = sqrt(6.0 * (n - 2) / ((n + 1.0) * (n + 3)));
			double mean = 0, var = 0, g1 = 0, sd;

			for (i = 0; i < na; i++)
				mean += a[i];
			for (i = 0; i < nb; i++)
				mean += b[i];
			mean /= n;
			for (i = 0; i < na; i++)
				var += (a[i] - mean) * (a[i] - mean);
			for (i = 0; i < nb; i++)
				var += (b[i] - mean) * (b[i] - mean);
			sd = sqrt(var / n);
			if (sd > 0) {
				for (i = 0; i < na; i++)
					g1 += pow((a[i] - mean) / sd, 3);
				for (i = 0; i < nb; i++)
					g1 += pow((b[i] - mean) / sd, 3);
				g1 /= n;
				width = (hi - lo) /
					(1.0 + log2(n) + log2(1.0 + fabs(g1) / sg1));
			}
		}
	} else {
		width = (hi - lo) / (log2(n) + 1.0);
	}
	if (width > 0)
		nbins = (size_t)ceil((last - first) / width);
	if (nbins < 1)
		nbins = 1;
	*edges = xmalloc(sizeof(double) * (nbins + 1));
	step = (last - first) / (double)nbins;
	for (i = 0; i <= nbins; i++)
		(*edges)[i] = (double)i * step + first;
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

		e = lo + 1 < n ? v[lo] + (v[lo + 1] - v[lo]) * (pos - (double)lo)
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
