/* Two-sample statistics for drift detection, computed as scipy 1.10 does
 * (the same algorithms where the answer is an approximation, so p-values
 * agree to 1e-9). Samples passed as "sorted" must be ascending, without
 * NaN. Nothing here allocates more than O(n1 + n2). */
#ifndef MLOPS_DRIFT_STATS_H
#define MLOPS_DRIFT_STATS_H

#include <stddef.h>
#include <stdint.h>

enum alternative { ALT_TWO_SIDED, ALT_LESS, ALT_GREATER };

/* scipy.stats.ks_2samp(x, y), method 'auto': exact when max(n1, n2) <=
 * 10000, else kstwo.sf(D, round(n1 n2 / (n1 + n2))). */
int ks_2samp(const double *x, size_t n1, const double *y, size_t n2,
	     double *d, double *p, int *exact);
/* kstwo.sf(x, n): P(D_n > x) for the one-sample two-sided statistic
 * (Simard and L'Ecuyer's choice of method, as scipy). */
double kolmogn_sf(double n, double x);
/* scipy.special.smirnov(n, e): P(D_n+ >= e), exact. */
double smirnov(double n, double e);

/* Distribution tails. */
double norm_sf(double z);
double chi2_sf(double x, double dof);
double student_t_sf(double t, double df);
double gamma_q(double a, double x); /* regularized upper incomplete gamma */
double beta_inc(double a, double b, double x); /* regularized I_x(a, b) */

/* chi2_contingency on the 2 x k table [a; b] (Yates when k == 2). k
 * columns with a[i] + b[i] > 0. */
void chi2_contingency(const double *a, const double *b, size_t k,
		      double *stat, double *p, int *dof);
/* Two-proportion z test: s1 successes of n1 against s2 of n2; p =
 * 2 (1 - Phi(|z|)). */
void z_test(double s1, double n1, double s2, double n2, double *z,
	    double *p);
uint64_t gcd_u64(uint64_t a, uint64_t b);
/* The mean and the sum of squared deviations from it. */
void sample_moments(const double *x, size_t n, double *mean, double *ss);
/* scipy.stats.ttest_ind(x, y) (equal variances). */
void t_test(const double *x, size_t n1, const double *y, size_t n2,
	    double *t, double *p);
/* scipy.stats.mannwhitneyu(x, y, alternative=alt), method 'auto' (exact
 * when either sample has at most 8 values and there are no ties). */
int mann_whitney(const double *x, size_t n1, const double *y, size_t n2,
		 enum alternative alt, double *u1, double *p);
/* scipy.stats.wasserstein_distance(x, y). */
double wasserstein(const double *x, size_t n1, const double *y, size_t n2);

/* Distances between two histograms of shares (each summing to about 1,
 * zeros already smoothed where the statistic needs it). */
double psi(const double *r, const double *c, size_t k);
double kl_div(const double *r, const double *c, size_t k);       /* entropy(r, c) */
double jensenshannon(const double *r, const double *c, size_t k); /* base e */
double hellinger(const double *r, const double *c, size_t k);

#include "sort.h"

#endif
