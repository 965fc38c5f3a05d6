/* Two-sample tests on the empirical distribution functions, as scipy
 * 1.10 computes them: Cramér-von Mises (cramervonmises_2samp) and
 * Anderson-Darling k-sample with k = 2 (anderson_ksamp, midranks).
 * Samples sorted ascending, NaN-free. */
#ifndef MLOPS_DRIFT_EDF_H
#define MLOPS_DRIFT_EDF_H

#include <stddef.h>

/* Exact p-value when both samples have at most 20 values, else the
 * limiting distribution (scipy's method 'auto'). */
int cramer_von_mises(const double *x, size_t n1, const double *y, size_t n2,
		     double *t, double *p, int *exact);
/* The normalised statistic, and the p-value interpolated in Scholz and
 * Stephens' table (capped to [0.001, 0.25], as scipy). */
int anderson_2samp(const double *x, size_t n1, const double *y, size_t n2,
		   double *a2, double *p);

#endif
