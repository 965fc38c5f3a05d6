/* References: Anderson (1962) and Csörgő and Faraway (1996) for the
 * Cramér-von Mises statistic, its moments and its exact distribution by
 * lattice paths; Scholz and Stephens (1987) for the k-sample
 * Anderson-Darling test and its table of critical values. */
#include "edf.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../core/strbuf.h"
#include "stats.h"

#define CVM_EXACT_MAX 20

/* Average ranks of the pooled sorted samples: rx[i] for x's, ry[j] for
 * y's (both in sorted order). */
static void midranks(const double *x, size_t n1, const double *y, size_t n2,
		     double *rx, double *ry)
{
	size_t i = 0, j = 0;

	while (i < n1 || j < n2) {
		double v = (j >= n2 || (i < n1 && x[i] <= y[j])) ? x[i] : y[j];
		size_t si = i, sj = j, k;
		double start = (double)(i + j) + 1, avg;

		while (i < n1 && x[i] == v)
			i++;
		while (j < n2 && y[j] == v)
			j++;
		avg = start + ((double)(i - si + j - sj) - 1) / 2;
		for (k = si; k < i; k++)
			rx[k] = avg;
		for (k = sj; k < j; k++)
			ry[k] = avg;
	}
}

/* e^-q K_{1/4}(q) = integral over t >= 0 of e^{-q (1 + cosh t)}
 * cosh(t / 4): the trapezoidal rule converges geometrically for this
 * smooth, fast-decaying integrand. */
static double scaled_k_quarter(double q)
{
	const double h = 0.01;
	double sum = 0.5 * exp(-2 * q), t;

	for (t = h;; t += h) {
		double e = -q * (1 + cosh(t));
		double f = exp(e) * cosh(t / 4);

		sum += f;
		if (e < -745 || (f < 1e-300 && t > 1))
			break;
	}
	return sum * h;
}

/* The limiting distribution of the statistic: its series, stopped where
 * scipy stops it (a term under 1e-7). */
static double cdf_cvm_inf(double x)
{
	double tot = 0, z;
	int k = 0;

	do {
		double u = exp(lgamma(k + 0.5) - lgamma(k + 1.0)) /
			   (pow(M_PI, 1.5) * sqrt(x));
		double yk = 4.0 * k + 1, q = yk * yk / (16 * x);

		z = u * sqrt(yk) * scaled_k_quarter(q);
		tot += z;
		k++;
	} while (fabs(z) >= 1e-7 && k < 10000);
	return tot;
}

struct entry {
	int64_t value;
	double count;
};

struct table {
	struct entry *e;
	size_t n, cap;
};

static void table_push(struct table *t, int64_t v, double c)
{
	if (t->n && t->e[t->n - 1].value == v) {
		t->e[t->n - 1].count += c;
		return;
	}
	if (t->n == t->cap) {
		t->cap = t->cap ? t->cap * 2 : 16;
		t->e = xrealloc(t->e, sizeof(*t->e) * t->cap);
	}
	t->e[t->n].value = v;
	t->e[t->n++].count = c;
}

/* Merges two sorted tables into out (sorted), adding add to each value. */
static void table_merge(const struct table *a, const struct table *b,
			int64_t add, struct table *out)
{
	size_t i = 0, j = 0;

	out->n = 0;
	while (i < a->n || j < b->n) {
		if (j >= b->n || (i < a->n && a->e[i].value < b->e[j].value)) {
			table_push(out, a->e[i].value + add, a->e[i].count);
			i++;
		} else if (i >= a->n || b->e[j].value < a->e[i].value) {
			table_push(out, b->e[j].value + add, b->e[j].count);
			j++;
		} else {
			table_push(out, a->e[i].value + add,
				   a->e[i].count + b->e[j].count);
			i++;
			j++;
		}
	}
}

/* P(U >= u) over the C(m + n, m) equally likely arrangements: lattice
 * paths from (0, 0) to (n, m), each point (i, j) adding (a j - b i)^2,
 * counted by value. */
static double cvm_exact_p(double u, int64_t m, int64_t n)
{
	int64_t lcm = m / (int64_t)gcd_u64((uint64_t)m, (uint64_t)n) * n, a = lcm / m, b = lcm / n, mn = m * n;
	double zeta = floor((double)(lcm * lcm * (m + n)) *
			    (6 * u - (double)mn * (4 * (double)mn - 1)) /
			    (6 * (double)mn * (double)mn));
	struct table *row = xcalloc((size_t)m + 1, sizeof(struct table));
	struct table *next = xcalloc((size_t)m + 1, sizeof(struct table));
	struct table empty = { 0 }, *t;
	double total = 0, tail = 0;
	int64_t i, j;
	size_t k;

	table_push(&row[0], 0, 1);
	for (i = 0; i <= n; i++) {
		for (j = 0; j <= m; j++) {
			int64_t d = a * j - b * i;
			/* From below (i - 1, j): row[j]; from the left
			 * (i, j - 1): next[j - 1]. */
			const struct table *below = &row[j];
			const struct table *left = j ? &next[j - 1] : &empty;

			if (i == 0 && j == 0) {
				next[0].n = 0;
				table_push(&next[0], 0, 1);
				continue;
			}
			table_merge(i ? below : &empty, left, d * d, &next[j]);
		}
		t = row;
		row = next;
		next = t;
	}
	for (k = 0; k < row[m].n; k++) {
		total += row[m].e[k].count;
		if ((double)row[m].e[k].value >= zeta)
			tail += row[m].e[k].count;
	}
	for (j = 0; j <= m; j++) {
		free(row[j].e);
		free(next[j].e);
	}
	free(row);
	free(next);
	return tail / total;
}

int cramer_von_mises(const double *x, size_t n1, const double *y, size_t n2,
		     double *t, double *p, int *exact)
{
	double *rx, *ry, u = 0, k, N, et, vt, tn;
	size_t i;

	*t = *p = NAN;
	*exact = 0;
	if (!n1 || !n2)
		return -1;
	rx = xmalloc(sizeof(double) * n1);
	ry = xmalloc(sizeof(double) * n2);
	midranks(x, n1, y, n2, rx, ry);
	{
		double sx = 0, sy = 0;

		for (i = 0; i < n1; i++)
			sx += (rx[i] - (double)(i + 1)) * (rx[i] - (double)(i + 1));
		for (i = 0; i < n2; i++)
			sy += (ry[i] - (double)(i + 1)) * (ry[i] - (double)(i + 1));
		u = (double)n1 * sx + (double)n2 * sy;
	}
	free(rx);
	free(ry);
	k = (double)n1 * (double)n2;
	N = (double)(n1 + n2);
	*t = u / (k * N) - (4 * k - 1) / (6 * N);
	if ((n1 > n2 ? n1 : n2) <= CVM_EXACT_MAX) {
		*exact = 1;
		*p = cvm_exact_p(u, (int64_t)n1, (int64_t)n2);
		return 0;
	}
	et = (1 + 1 / N) / 6;
	vt = (N + 1) * (4 * k * N - 3 * ((double)n1 * n1 + (double)n2 * n2) -
			2 * k);
	vt = vt / (45 * N * N * 4 * k);
	tn = 1.0 / 6 + (*t - et) / sqrt(45 * vt);
	*p = tn < 0.003 ? 1.0 : fmax(0, 1 - cdf_cvm_inf(tn));
	return 0;
}

/* Least squares c0 + c1 x + c2 x^2 through the points (np.polyfit). */
static void quadratic_fit(const double *x, const double *y, int n, double c[3])
{
	long double s[5] = { 0 }, t[3] = { 0 }, m[3][4];
	int i, j, r;

	for (i = 0; i < n; i++) {
		long double p = 1;

		for (j = 0; j < 5; j++) {
			s[j] += p;
			if (j < 3)
				t[j] += p * y[i];
			p *= x[i];
		}
	}
	for (r = 0; r < 3; r++) {
		for (j = 0; j < 3; j++)
			m[r][j] = s[r + j];
		m[r][3] = t[r];
	}
	for (r = 0; r < 3; r++) { /* Gauss-Jordan, pivoting on the column */
		int best = r;
		long double f;

		for (i = r + 1; i < 3; i++)
			if (fabsl(m[i][r]) > fabsl(m[best][r]))
				best = i;
		for (j = 0; j < 4; j++) {
			long double tmp = m[r][j];

			m[r][j] = m[best][j];
			m[best][j] = tmp;
		}
		for (i = 0; i < 3; i++) {
			if (i == r)
				continue;
			f = m[i][r] / m[r][r];
			for (j = r; j < 4; j++)
				m[i][j] -= f * m[r][j];
		}
	}
	for (r = 0; r < 3; r++)
		c[r] = (double)(m[r][3] / m[r][r]);
}

int anderson_2samp(const double *x, size_t n1, const double *y, size_t n2,
		   double *a2, double *p)
{
	static const double b0[] = { 0.675, 1.281, 1.645, 1.96, 2.326, 2.573,
				     3.085 };
	static const double b1[] = { -0.245, 0.25, 0.678, 1.149, 1.822, 2.364,
				     3.615 };
	static const double b2[] = { -0.105, -0.305, -0.362, -0.391, -0.396,
				     -0.345, -0.154 };
	static const double sig[] = { 0.25, 0.1, 0.05, 0.025, 0.01, 0.005,
				      0.001 };
	const double *s[2] = { x, y };
	size_t ns[2] = { n1, n2 }, N = n1 + n2, i = 0, j = 0;
	double akn = 0, inner[2] = { 0, 0 }, H, h = 0, g = 0, cs = 0, a, b, c,
	       d, sigmasq, K = 2, Nd = (double)N, crit[7], logsig[7], fit[3];
	size_t idx[2] = { 0, 0 };
	int q;

	*a2 = *p = NAN;
	if (n1 < 1 || n2 < 1 || N < 4)
		return -1;
	/* Walk the distinct pooled values z_j with the count below each. */
	while (i + j < N) {
		double v = (j >= n2 || (i < n1 && x[i] <= y[j])) ? x[i] : y[j];
		size_t below = i + j, lj, k;
		double Bj, Mij, fij;

		while (i < n1 && x[i] == v)
			i++;
		while (j < n2 && y[j] == v)
			j++;
		lj = i + j - below;
		Bj = (double)below + (double)lj / 2;
		for (k = 0; k < 2; k++) {
			size_t start = idx[k];

			while (idx[k] < ns[k] && s[k][idx[k]] <= v)
				idx[k]++;
			fij = (double)(idx[k] - start);
			Mij = (double)idx[k] - fij / 2;
			inner[k] += (double)lj / Nd *
				    (Nd * Mij - Bj * (double)ns[k]) *
				    (Nd * Mij - Bj * (double)ns[k]) /
				    (Bj * (Nd - Bj) - Nd * (double)lj / 4);
		}
	}
	akn = (inner[0] / (double)n1 + inner[1] / (double)n2) * (Nd - 1) / Nd;
	H = 1.0 / (double)n1 + 1.0 / (double)n2;
	/* h = sum 1/i (i < N); g = sum over j of (sum_{i=j}^{N-1}... ) as
	 * scipy builds it: cumulative sums of 1/(N-1), 1/(N-2), ..., 1/2. */
	for (q = (int)N - 1; q >= 2; q--) {
		cs += 1.0 / q;
		g += cs / (double)(N - (size_t)q + 1);
	}
	h = cs + 1;
	a = (4 * g - 6) * (K - 1) + (10 - 6 * g) * H;
	b = (2 * g - 4) * K * K + 8 * h * K + (2 * g - 14 * h - 4) * H - 8 * h +
	    4 * g - 6;
	c = (6 * h + 2 * g - 2) * K * K + (4 * h - 4 * g + 6) * K +
	    (2 * h - 6) * H + 4 * h;
	d = (2 * h + 6) * K * K - 4 * h * K;
	sigmasq = (a * Nd * Nd * Nd + b * Nd * Nd + c * Nd + d) /
		  ((Nd - 1) * (Nd - 2) * (Nd - 3));
	*a2 = (akn - 1) / sqrt(sigmasq);
	for (q = 0; q < 7; q++) {
		crit[q] = b0[q] + b1[q] / sqrt(1.0) + b2[q] / 1.0;
		logsig[q] = log(sig[q]);
	}
	if (*a2 < crit[0]) {
		*p = 0.25;
	} else if (*a2 > crit[6]) {
		*p = 0.001;
	} else {
		quadratic_fit(crit, logsig, 7, fit);
		*p = exp(fit[0] + fit[1] * *a2 + fit[2] * *a2 * *a2);
	}
	return 0;
}
