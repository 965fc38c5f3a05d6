/* Histogram bins for the distance tests (PSI, KL, Jensen-Shannon,
 * Hellinger), as numpy computes them: edges from np.histogram_bin_edges,
 * counts as np.histogram with those edges ([a, b), the last bin closed). */
#ifndef MLOPS_DRIFT_BINNING_H
#define MLOPS_DRIFT_BINNING_H

#include <stddef.h>

enum bin_rule {
	BIN_AUTO,     /* Sturges over both samples when the reference has more
		       * than 20 distinct values, else one bin per value */
	BIN_STURGES,  /* equal width, Sturges' count, over both samples */
	BIN_DOANE,    /* equal width, Doane's count, over both samples */
	BIN_QUANTILE, /* N reference quantiles; open-ended outer bins */
	BIN_FIXED,    /* edges given; values outside fall in the outer bins */
	BIN_VALUES,   /* one bin per distinct value */
};

/* a + (b - a) * t, also when b - a is beyond the largest double. */
double bin_lerp(double a, double b, double t);
/* Edge i of nbins equal-width bins from first to last (numpy's
 * i * step + first, also when last - first overflows). */
double bin_edge(double first, double last, size_t i, size_t nbins);
/* Equal-width edges (n + 1 of them) over the sorted pooled values a, b by
 * Sturges' or Doane's rule. */
size_t bin_edges_equal(enum bin_rule rule, const double *a, size_t na,
		       const double *b, size_t nb, double **edges);
/* Reference quantiles 0, 1/q, ..., 1 (linear interpolation), repeated
 * edges dropped; the outer edges become -inf and +inf. */
size_t bin_edges_quantile(const double *sorted, size_t n, int q,
			  double **edges);
/* counts[i] for i < nedges - 1: values in [e_i, e_i+1), the last bin
 * closed. Values outside [e_0, e_last] are not counted. */
void bin_count(const double *sorted, size_t n, const double *edges,
	       size_t nedges, double *counts);
/* Distinct values of two sorted samples, pooled, and their counts. */
size_t bin_values(const double *a, size_t na, const double *b, size_t nb,
		  double **values, double **ca, double **cb);
/* counts / n, zero shares replaced as Evidently does: 1e-4, or the
 * smallest non-zero share / 1e6 when that is <= 1e-4. */
void bin_shares(const double *counts, size_t k, double n, int smooth,
		double *shares);
/* Distinct values in a sorted sample. */
size_t count_distinct(const double *sorted, size_t n);

#endif
