/* Two-sample statistics (see stats.h). References: Simard and L'Ecuyer
 * (2011) for the Kolmogorov distribution, Marsaglia, Tsang and Wang
 * (2003) for the Durbin matrix, Pelz and Good (1976), Hodges (1958) and
 * Viehmann (2021) for the exact two-sample p-value, Birnbaum and Tingey
 * (1951) for the one-sided Smirnov tail. */
#include "stats.h"

#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../core/strbuf.h"

#define KS_EXACT_MAX 10000
#define SCALE_EXP 128

static double clip01(double p)
{
	return p < 0 ? 0 : p > 1 ? 1 : p;
}

/* ---- Normal, gamma, beta tails ---- */

/* Lentz's continued fractions step around zero denominators. */
static double nonzero(double v)
{
	return fabs(v) < DBL_MIN ? DBL_MIN : v;
}

double norm_sf(double z)
{
	return 0.5 * erfc(z / M_SQRT2);
}

double gamma_q(double a, double x)
{
	double lead, sum, term, b, c, d, h;
	int i;

	if (!(x > 0))
		return 1.0;
	lead = exp(-x + a * log(x) - lgamma(a));
	if (x < a + 1) {
		/* 1 - P, P by its series. */
		sum = term = 1.0 / a;
		for (i = 1; i < 100000; i++) {
			term *= x / (a + i);
			sum += term;
			if (fabs(term) < fabs(sum) * DBL_EPSILON)
				break;
		}
		return 1.0 - sum * lead;
	}
	/* Continued fraction (modified Lentz). */
	b = x + 1 - a;
	c = 1 / DBL_MIN;
	d = 1 / b;
	h = d;
	for (i = 1; i < 100000; i++) {
		double an = -i * (i - a), del;

		b += 2;
		d = nonzero(an * d + b);
		c = nonzero(b + an / c);
		d = 1 / d;
		del = d * c;
		h *= del;
		if (fabs(del - 1) < DBL_EPSILON)
			break;
	}
	return lead * h;
}

double chi2_sf(double x, double dof)
{
	return gamma_q(dof / 2, x / 2);
}

/* The continued fraction of I_x(a, b), good for x < (a + 1) / (a + b + 2). */
static double beta_cf(double a, double b, double x)
{
	double c = 1, d = nonzero(1 - (a + b) * x / (a + 1)), h;
	int m;

	d = 1 / d;
	h = d;
	for (m = 1; m < 100000; m++) {
		double m2 = 2 * m, aa, del;

		aa = m * (b - m) * x / ((a - 1 + m2) * (a + m2));
		d = 1 / nonzero(1 + aa * d);
		c = nonzero(1 + aa / c);
		h *= d * c;
		aa = -(a + m) * (a + b + m) * x / ((a + m2) * (a + 1 + m2));
		d = 1 / nonzero(1 + aa * d);
		c = nonzero(1 + aa / c);
		del = d * c;
		h *= del;
		if (fabs(del - 1) < DBL_EPSILON)
			break;
	}
	return h;
}

double beta_inc(double a, double b, double x)
{
	double lead;

	if (x <= 0)
		return 0;
	if (x >= 1)
		return 1;
	lead = exp(lgamma(a + b) - lgamma(a) - lgamma(b) + a * log(x) +
		   b * log1p(-x));
	if (x < (a + 1) / (a + b + 2))
		return lead * beta_cf(a, b, x) / a;
	return 1 - lead * beta_cf(b, a, 1 - x) / b;
}

double student_t_sf(double t, double df)
{
	double tail;

	if (isnan(t))
		return NAN;
	if (isinf(t))
		return t > 0 ? 0 : 1;
	tail = 0.5 * beta_inc(df / 2, 0.5, df / (df + t * t));
	return t > 0 ? tail : 1 - tail;
}

/* ---- Kolmogorov-Smirnov ---- */

double smirnov(double n, double e)
{
	long double lc = 0, logmax = -INFINITY, sum = 0;
	long v, nn;

	if (!(n > 0 && e >= 0 && e <= 1))
		return NAN;
	if (e == 0)
		return 1;
	nn = (long)floor(n * (1 - e));
	/* e * sum_v C(n, v) (e + v/n)^(v-1) (1 - e - v/n)^(n-v), in logs;
	 * the terms rise then fall: stop once they no longer count. */
	for (v = 0; v <= nn; v++) {
		long double evn = (long double)e + (long double)v / n;
		long double om = 1 - evn, lt;

		if (v > 0)
			lc += logl((long double)(n - v + 1)) - logl((long double)v);
		if (om <= 0)
			break;
		lt = lc + (v - 1) * logl(evn) + (n - v) * logl(om);
		if (lt > logmax)
			logmax = lt;
		else if (lt < logmax - 50)
			break;
		sum += expl(lt);
	}
	return clip01((double)(sum * e));
}

/* log(n! / n^n), Stirling with the n log n removed up front. */
static double log_nfact_div_npow(double n)
{
	static const double c[] = {
		-2.955065359477124183e-2, 6.4102564102564102564e-3,
		-1.9175269175269175269e-3, 8.4175084175084175084e-4,
		-5.952380952380952381e-4, 7.9365079365079365079e-4,
		-2.7777777777777777778e-3, 8.3333333333333333333e-2,
	};
	double rn = 1.0 / n, r2 = rn / n, poly = 0;
	size_t i;

	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++)
		poly = poly * r2 + c[i];
	return log(n) / 2 - n + log(2 * M_PI) / 2 + rn * poly;
}

static void matmul(const double *a, const double *b, double *out, int m)
{
	int i, j, k;

	for (i = 0; i < m; i++) {
		double *row = out + (size_t)i * m;

		memset(row, 0, sizeof(double) * (size_t)m);
		for (k = 0; k < m; k++) {
			double aik = a[(size_t)i * m + k];

			if (aik == 0)
				continue;
			for (j = 0; j < m; j++)
				row[j] += aik * b[(size_t)k * m + j];
		}
	}
}

/* P(D_n <= d) by the Durbin matrix (Marsaglia, Tsang and Wang). */
static double kolmogn_durbin_cdf(long n, double d)
{
	double nd = n * d, hh, fac, p, tt;
	int k, m, i, j, expnt = 0, hexp = 0;
	double *H, *P, *T, *v, *w;
	long nn;

	if (d >= 1)
		return 1;
	if (nd <= 0.5)
		return 0;
	k = (int)ceil(nd);
	hh = k - nd;
	m = 2 * k - 1;
	H = xcalloc((size_t)m * m, sizeof(double));
	P = xcalloc((size_t)m * m, sizeof(double));
	T = xcalloc((size_t)m * m, sizeof(double));
	v = xcalloc((size_t)m, sizeof(double));
	w = xcalloc((size_t)m, sizeof(double));
	fac = 1;
	for (j = 1; j <= m; j++) {
		w[j - 1] = fac;
		fac /= j;
		v[j - 1] = (1 - pow(hh, j)) * fac;
	}
	tt = pow(fmax(2 * hh - 1, 0), m) - 2 * pow(hh, m);
	v[m - 1] = (1 + tt) * fac;
	for (i = 1; i < m; i++)
		for (j = i - 1; j < m; j++)
			H[(size_t)j * m + i] = w[j - (i - 1)];
	for (i = 0; i < m; i++) {
		H[(size_t)i * m] = v[i];
		H[(size_t)(m - 1) * m + i] = v[m - 1 - i];
	}
	for (i = 0; i < m; i++)
		P[(size_t)i * m + i] = 1;
	for (nn = n; nn > 0; nn /= 2) {
		if (nn % 2) {
			matmul(P, H, T, m);
			memcpy(P, T, sizeof(double) * (size_t)m * m);
			expnt += hexp;
		}
		matmul(H, H, T, m);
		memcpy(H, T, sizeof(double) * (size_t)m * m);
		hexp *= 2;
		if (fabs(H[(size_t)(k - 1) * m + k - 1]) > ldexp(1, SCALE_EXP)) {
			for (i = 0; i < m * m; i++)
				H[i] = ldexp(H[i], -SCALE_EXP);
			hexp += SCALE_EXP;
		}
	}
	p = P[(size_t)(k - 1) * m + k - 1];
	for (i = 1; i <= n; i++) {
		p = i * p / n;
		if (fabs(p) < ldexp(1, -SCALE_EXP)) {
			p = ldexp(p, SCALE_EXP);
			expnt -= SCALE_EXP;
		}
	}
	if (expnt)
		p = ldexp(p, expnt);
	free(H);
	free(P);
	free(T);
	free(v);
	free(w);
	return clip01(p);
}

/* Pelz and Good's approximation of P(D_n <= x), for small x. */
static double kolmogn_pelz_good_cdf(double n, double x)
{
	const double pi2 = M_PI * M_PI, pi4 = pi2 * pi2, pi6 = pi4 * pi2;
	const double sqrt2pi = sqrt(2 * M_PI);
	double z, z2, z3, z4, z6, qlog, q, K[4] = { 0 }, k2x = 0, k3x = 0;
	double k1a, k1b, k2a, k2b, k2c, k3a, k3b, k3c, k3d, sqrt3z;
	long k, maxk;
	int i;

	if (x <= 0)
		return 0;
	if (x >= 1)
		return 1;
	z = sqrt(n) * x;
	z2 = z * z;
	z3 = z2 * z;
	z4 = z2 * z2;
	z6 = z4 * z2;
	qlog = -pi2 / 8 / z2;
	if (qlog < -708)
		return 0;
	q = exp(qlog);
	k1a = -z2;
	k1b = pi2 / 4;
	k2a = 6 * z6 + 2 * z4;
	k2b = (2 * z4 - 5 * z2) * pi2 / 4;
	k2c = pi4 * (1 - 2 * z2) / 16;
	k3d = pi6 * (5 - 30 * z2) / 64;
	k3c = pi4 * (-60 * z2 + 212 * z4) / 16;
	k3b = pi2 * (135 * z4 - 96 * z6) / 4;
	k3a = -30 * z6 - 90 * z4 * z4;
	maxk = (long)ceil(16 * z / M_PI);
	/* Horner over q^(8k): the sums over odd m = 2k - 1. */
	for (k = maxk; k > 0; k--) {
		double m = 2.0 * k - 1, m2 = m * m, m4 = m2 * m2, m6 = m4 * m2;
		double qp = pow(q, 8.0 * k);
		double c[4] = { 1.0, k1a + k1b * m2, k2a + k2b * m2 + k2c * m4,
				k3a + k3b * m2 + k3c * m4 + k3d * m6 };

		for (i = 0; i < 4; i++)
			K[i] = K[i] * qp + c[i];
	}
	for (i = 0; i < 4; i++)
		K[i] *= q * sqrt2pi;
	K[0] /= z;
	K[1] /= 6 * z4;
	K[2] /= 72 * z4 * z3;
	K[3] /= 6480 * z6 * z4;
	/* The sums over all integers k. */
	q = exp(-pi2 / 2 / z2);
	sqrt3z = sqrt(3.0) * z;
	for (k = maxk; k > 0; k--) {
		double ks = (double)k * k, qp = pow(q, ks), kp = M_PI * k;

		k2x += ks * qp;
		k3x += (sqrt3z + kp) * (sqrt3z - kp) * ks * qp;
	}
	K[2] += k2x * pi2 * sqrt2pi / (-36 * z3);
	K[3] += k3x * pi2 * sqrt2pi / (216 * z6);
	return K[0] + K[1] / sqrt(n) + K[2] / n + K[3] / (n * sqrt(n));
}

double kolmogn_sf(double n, double x)
{
	double t, nx2, cdf;

	if (isnan(n) || isnan(x) || n <= 0 || n != floor(n))
		return NAN;
	if (x >= 1)
		return 0;
	if (x <= 0)
		return 1;
	t = n * x;
	if (t <= 1) { /* Ruben and Gambino */
		double prob = 1;
		long i;

		if (t <= 0.5)
			return 1;
		if (n <= 140)
			for (i = 1; i <= (long)n; i++)
				prob *= i * (1.0 / n) * (2 * t - 1);
		else
			prob = exp(log_nfact_div_npow(n) + n * log(2 * t - 1));
		return clip01(1 - prob);
	}
	if (t >= n - 1)
		return clip01(2 * pow(1 - x, n));
	if (x >= 0.5)
		return clip01(2 * smirnov(n, x));
	nx2 = t * x;
	if (n <= 140) {
		if (nx2 <= 4) /* Durbin; scipy uses Pomeranz past 0.754693, both exact */
			return clip01(1 - kolmogn_durbin_cdf((long)n, x));
		return clip01(2 * smirnov(n, x));
	}
	if (nx2 >= 370)
		return 0;
	if (nx2 >= 2.2)
		return clip01(2 * smirnov(n, x));
	if (n <= 100000 && n * pow(x, 1.5) <= 1.4)
		cdf = kolmogn_durbin_cdf((long)n, x);
	else
		cdf = kolmogn_pelz_good_cdf(n, x);
	return clip01(1 - cdf);
}

uint64_t gcd_u64(uint64_t a, uint64_t b)
{
	while (b) {
		uint64_t t = a % b;

		a = b;
		b = t;
	}
	return a;
}

static int64_t floor_div(int64_t a, int64_t b)
{
	int64_t q = a / b;

	return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
}

/* P(D >= h / lcm(m, n)) exactly: lattice paths that leave the band
 * |x/m - y/n| < h/lcm, counted as a proportion column by column (the
 * recursion for 1 - p that stays within [0, 1]). */
static double ks_exact_p(uint64_t m, uint64_t n, uint64_t g, uint64_t h)
{
	int64_t mg, ng, minj, maxj, curlen, lenA, i, jj;
	double *A, p;

	if (m < n) {
		uint64_t t = m;

		m = n;
		n = t;
	}
	mg = (int64_t)(m / g);
	ng = (int64_t)(n / g);
	minj = 0;
	maxj = ((int64_t)h + mg - 1) / mg;
	if (maxj > (int64_t)n + 1)
		maxj = (int64_t)n + 1;
	curlen = maxj - minj;
	lenA = 2 * maxj + 2 < (int64_t)n + 1 ? 2 * maxj + 2 : (int64_t)n + 1;
	A = xmalloc(sizeof(double) * (size_t)(lenA + 1));
	for (jj = 0; jj <= lenA; jj++)
		A[jj] = jj < maxj ? 0.0 : 1.0;
	for (i = 1; i <= (int64_t)m; i++) {
		int64_t lastminj = minj, lastlen = curlen;
		double val;

		minj = floor_div(ng * i - (int64_t)h, mg) + 1;
		if (minj < 0)
			minj = 0;
		if (minj > (int64_t)n)
			minj = (int64_t)n;
		maxj = (ng * i + (int64_t)h + mg - 1) / mg;
		if (maxj > (int64_t)n + 1)
			maxj = (int64_t)n + 1;
		if (maxj <= minj) {
			free(A);
			return 1.0;
		}
		val = minj == 0 ? 0.0 : 1.0;
		for (jj = 0; jj < maxj - minj; jj++) {
			int64_t j = jj + minj, src = jj + minj - lastminj;
			double prev = src <= lenA ? A[src] : 1.0;

			val = (prev * (double)i + val * (double)j) /
			      (double)(i + j);
			A[jj] = val;
		}
		curlen = maxj - minj;
		for (jj = curlen; jj < lastlen && jj <= lenA; jj++)
			A[jj] = 1.0;
	}
	p = A[maxj - minj - 1];
	free(A);
	return p;
}

int ks_2samp(const double *x, size_t n1, const double *y, size_t n2,
	     double *d, double *p, int *exact)
{
	uint64_t g, n1g, n2g, lcm, h = 0;
	size_t i = 0, j = 0;

	*d = NAN;
	*p = NAN;
	*exact = 0;
	if (!n1 || !n2)
		return -1;
	g = gcd_u64(n1, n2);
	n1g = n1 / g;
	n2g = n2 / g;
	lcm = n1g * n2;
	/* D = max |F1 - F2| over the pooled values, as an integer over lcm:
	 * F1 - F2 = (i n2g - j n1g) / lcm. */
	while (i < n1 || j < n2) {
		double v = (j >= n2 || (i < n1 && x[i] <= y[j])) ? x[i] : y[j];
		int64_t diff;

		while (i < n1 && x[i] <= v)
			i++;
		while (j < n2 && y[j] <= v)
			j++;
		diff = (int64_t)(i * n2g) - (int64_t)(j * n1g);
		if (diff < 0)
			diff = -diff;
		if ((uint64_t)diff > h)
			h = (uint64_t)diff;
	}
	*d = (double)h / (double)lcm;
	if ((n1 > n2 ? n1 : n2) <= KS_EXACT_MAX) {
		*exact = 1;
		*p = h == 0 ? 1.0 : clip01(ks_exact_p(n1, n2, g, h));
	} else {
		double a = (double)(n1 > n2 ? n1 : n2), b = (double)(n1 > n2 ? n2 : n1);

		*p = clip01(kolmogn_sf(nearbyint(a * b / (a + b)), *d));
	}
	return 0;
}

/* ---- Contingency, proportions, means, ranks ---- */

void chi2_contingency(const double *a, const double *b, size_t k,
		      double *stat, double *p, int *dof)
{
	double ta = 0, tb = 0, total, chi = 0;
	size_t i;

	for (i = 0; i < k; i++) {
		ta += a[i];
		tb += b[i];
	}
	total = ta + tb;
	*dof = k > 1 ? (int)k - 1 : 0;
	if (*dof == 0 || !(total > 0)) {
		*stat = 0;
		*p = 1;
		return;
	}
	for (i = 0; i < k; i++) {
		double col = a[i] + b[i], ea = ta * col / total,
		       eb = tb * col / total, oa = a[i], ob = b[i];

		if (*dof == 1) { /* Yates */
			double da = ea - oa, db = eb - ob;

			oa += copysign(fmin(0.5, fabs(da)), da) * (da != 0);
			ob += copysign(fmin(0.5, fabs(db)), db) * (db != 0);
		}
		chi += (oa - ea) * (oa - ea) / ea + (ob - eb) * (ob - eb) / eb;
	}
	*stat = chi;
	*p = chi2_sf(chi, *dof);
}

void z_test(double s1, double n1, double s2, double n2, double *z, double *p)
{
	double p1 = s1 / n1, p2 = s2 / n2, pp = (s1 + s2) / (n1 + n2);
	double den = sqrt(pp * (1 - pp) * (1 / n1 + 1 / n2));

	if (!(den > 0)) {
		/* Both samples all one value: no evidence of a difference. */
		*z = p1 == p2 ? 0 : INFINITY;
		*p = p1 == p2 ? 1 : 0;
		return;
	}
	*z = (p1 - p2) / den;
	*p = 2 * norm_sf(fabs(*z));
}

void sample_moments(const double *x, size_t n, double *mean, double *ss)
{
	double m = 0, s = 0;
	size_t i;

	for (i = 0; i < n; i++)
		m += x[i];
	m /= (double)n;
	for (i = 0; i < n; i++)
		s += (x[i] - m) * (x[i] - m);
	*mean = m;
	*ss = s;
}

void t_test(const double *x, size_t n1, const double *y, size_t n2,
	    double *t, double *p)
{
	double m1, m2, s1, s2, df = (double)(n1 + n2) - 2, sp;

	*t = NAN;
	*p = NAN;
	if (n1 < 1 || n2 < 1 || df < 1)
		return;
	sample_moments(x, n1, &m1, &s1);
	sample_moments(y, n2, &m2, &s2);
	sp = (s1 + s2) / df;
	*t = (m1 - m2) / sqrt(sp * (1.0 / (double)n1 + 1.0 / (double)n2));
	if (isnan(*t))
		return;
	*p = clip01(2 * student_t_sf(fabs(*t), df));
}

/* P(U >= u) when there are no ties: counts of U are the coefficients of
 * the Gaussian binomial [n1 + n2, n1]_q, built by multiplying and
 * dividing polynomials (degree n1 n2). */
static double mwu_exact_sf(size_t n1, size_t n2, double u)
{
	size_t small = n1 < n2 ? n1 : n2, big = n1 < n2 ? n2 : n1;
	size_t deg = small * big, i, j;
	double *c = xcalloc(deg + 1, sizeof(double)), total = 0, tail = 0;

	c[0] = 1;
	for (i = 1; i <= small; i++) {
		size_t up = big + i;

		/* times (1 - q^(big + i)), then over (1 - q^i) */
		for (j = deg; j >= up; j--)
			c[j] -= c[j - up];
		for (j = i; j <= deg; j++)
			c[j] += c[j - i];
	}
	for (j = 0; j <= deg; j++) {
		total += c[j];
		if ((double)j >= u)
			tail += c[j];
	}
	free(c);
	return tail / total;
}

int mann_whitney(const double *x, size_t n1, const double *y, size_t n2,
		 enum alternative alt, double *u1, double *p)
{
	double r1 = 0, ties = 0, n = (double)(n1 + n2), u, mu, s, z;
	size_t i = 0, j = 0;
	int any_ties = 0;

	*u1 = *p = NAN;
	if (!n1 || !n2)
		return -1;
	/* Average ranks over the merged samples; R1 sums x's. */
	while (i < n1 || j < n2) {
		double v = (j >= n2 || (i < n1 && x[i] <= y[j])) ? x[i] : y[j];
		size_t ci = 0, cj = 0;
		double start = (double)(i + j) + 1, cnt, avg;

		while (i < n1 && x[i] == v) {
			i++;
			ci++;
		}
		while (j < n2 && y[j] == v) {
			j++;
			cj++;
		}
		cnt = (double)(ci + cj);
		avg = start + (cnt - 1) / 2;
		r1 += avg * (double)ci;
		if (cnt > 1) {
			ties += cnt * cnt * cnt - cnt;
			any_ties = 1;
		}
	}
	*u1 = r1 - (double)n1 * ((double)n1 + 1) / 2;
	{
		double u2 = (double)n1 * (double)n2 - *u1;
		double f = alt == ALT_TWO_SIDED ? 2 : 1;

		u = alt == ALT_GREATER ? *u1 : alt == ALT_LESS ? u2
							      : fmax(*u1, u2);
		if ((n1 <= 8 || n2 <= 8) && !any_ties) {
			*p = clip01(f * mwu_exact_sf(n1, n2, u));
			return 0;
		}
		mu = (double)n1 * (double)n2 / 2;
		s = sqrt((double)n1 * (double)n2 / 12 *
			 ((n + 1) - ties / (n * (n - 1))));
		z = (u - mu - 0.5) / s;
		*p = clip01(f * norm_sf(z));
	}
	return 0;
}

double wasserstein(const double *x, size_t n1, const double *y, size_t n2)
{
	size_t i = 0, j = 0;
	double sum = 0, prev;

	if (!n1 || !n2)
		return NAN;
	prev = x[0] < y[0] ? x[0] : y[0];
	/* Integral of |F1 - F2| between consecutive pooled values. */
	while (i < n1 || j < n2) {
		double v = (j >= n2 || (i < n1 && x[i] <= y[j])) ? x[i] : y[j];

		sum += fabs((double)i / (double)n1 - (double)j / (double)n2) *
		       (v - prev);
		prev = v;
		while (i < n1 && x[i] <= v)
			i++;
		while (j < n2 && y[j] <= v)
			j++;
	}
	return sum;
}

/* ---- Histogram distances ---- */

double psi(const double *r, const double *c, size_t k)
{
	double s = 0;
	size_t i;

	for (i = 0; i < k; i++)
		s += (c[i] - r[i]) * log(c[i] / r[i]);
	return s;
}

static double total(const double *v, size_t k)
{
	double s = 0;
	size_t i;

	for (i = 0; i < k; i++)
		s += v[i];
	return s;
}

static double rel_entr(double a, double b)
{
	if (a > 0 && b > 0)
		return a * log(a / b);
	if (a == 0 && b >= 0)
		return 0;
	return INFINITY;
}

double kl_div(const double *r, const double *c, size_t k)
{
	double sr = total(r, k), sc = total(c, k), s = 0;
	size_t i;

	for (i = 0; i < k; i++)
		s += rel_entr(r[i] / sr, c[i] / sc);
	return s;
}

double jensenshannon(const double *r, const double *c, size_t k)
{
	double sr = total(r, k), sc = total(c, k), s = 0;
	size_t i;

	for (i = 0; i < k; i++) {
		double a = r[i] / sr, b = c[i] / sc, m = (a + b) / 2;

		s += rel_entr(a, m) + rel_entr(b, m);
	}
	return sqrt(s / 2);
}

double hellinger(const double *r, const double *c, size_t k)
{
	double s = 0;
	size_t i;

	for (i = 0; i < k; i++) {
		double d = sqrt(r[i]) - sqrt(c[i]);

		s += d * d;
	}
	return sqrt(s) / M_SQRT2;
}
