/* Drift statistics against the scipy 1.10.1 vectors of
 * shared/reference/drift-statistics.md (random cases against scipy at
 * test time are in tests/cli/t1110-drift-scipy.sh). */
#include "tap.h"

#include "lib/drift/edf.h"
#include "lib/drift/stats.h"

static const double X[] = { 0.61, 0.29, 0.06, 0.59, -1.73, -0.74, 0.51, -0.56, 0.39,
			    1.64, 0.05, -0.06, 0.64, -0.82, 0.37, 1.77, 1.09, -1.28,
			    2.36, 1.31, 1.05, -0.32, -0.4, 1.06, -2.47 };
static const double Y[] = { 2.20, 0.66, 1.29, -0.32, -0.17, 0.36, 2.15, 1.21, 0.87, 0.03,
			    0.35, 1.42, 0.58, 0.86, -0.54, 1.66, 0.50, 0.10, 0.28, 2.01 };
#define NX (sizeof(X) / sizeof(X[0]))
#define NY (sizeof(Y) / sizeof(Y[0]))

int main(void)
{
	double x[NX], y[NY], d, p, t, u, stat;
	int exact, dof;

	memcpy(x, X, sizeof(x));
	memcpy(y, Y, sizeof(y));
	stats_sort(x, NX);
	stats_sort(y, NY);

	ks_2samp(x, NX, y, NY, &d, &p, &exact);
	is_num(d, 0.24, 1e-12, "ks D");
	is_num(p, 0.4743341655515452, 1e-12, "ks exact p");
	is_int(exact, 1, "25 vs 20: exact");
	is_num(kolmogn_sf(11, 0.24), 0.47829906309839576, 1e-12,
	       "ks asymptotic p: kstwo.sf(0.24, round(25*20/45))");
	is_num(kolmogn_sf(1000, 0.1), 3.703687096817711e-09, 1e-18,
	       "kstwo.sf(0.1, 1000)");

	is_num(wasserstein(x, NX, y, NY), 0.5713999999999999, 1e-12, "wasserstein");
	t_test(X, NX, Y, NY, &t, &p);
	is_num(p, 0.06734533567167364, 1e-12, "ttest_ind p");
	mann_whitney(x, NX, y, NY, ALT_LESS, &u, &p);
	is_num(p, 0.06017805434511521, 1e-12, "mannwhitneyu less p");

	{
		static const double a[] = { 10, 20, 30, 40 }, b[] = { 15, 25, 25, 35 };

		is_num(jensenshannon(a, b, 4), 0.07668497816148621, 1e-14, "jensenshannon");
		is_num(kl_div(a, b, 4), 0.022933803014337104, 1e-14, "entropy (KL)");
	}
	{
		/* The reference lists this value under [[12,18,30,40],[10,20,30,
		 * 40]]; scipy gives it for this table (that one is 0.287). */
		static const double a[] = { 10, 20, 30, 40 }, b[] = { 15, 25, 25, 35 };

		chi2_contingency(a, b, 4, &stat, &p, &dof);
		is_num(stat, 2.3434343434343434, 1e-12, "chi2_contingency 2x4 statistic");
		is_num(p, 0.5042511431936056, 1e-12, "chi2_contingency 2x4 p");
		is_int(dof, 3, "dof 3");
	}
	{
		static const double a[] = { 10, 20 }, b[] = { 15, 25 };

		chi2_contingency(a, b, 2, &stat, &p, &dof);
		is_num(stat, 0.011666666666666653, 1e-12, "2x2: Yates");
		is_num(p, 0.9139858996305869, 1e-12, "2x2 p");
	}
	{
		static const double a[] = { 12, 18, 30, 40 }, b[] = { 10, 20, 30, 40 };

		chi2_contingency(a, b, 4, &stat, &p, &dof);
		is_num(stat, 0.28708133971291866, 1e-12, "chi2_contingency [[12,18,30,40],[10,20,30,40]]");
		is_num(p, 0.9624395345732693, 1e-12, "its p");
	}
	{
		double a2;

		anderson_2samp(x, NX, y, NY, &a2, &p);
		is_num(a2, 0.8425719635486306, 1e-12, "anderson_ksamp statistic");
		is_num(p, 0.14743698896872737, 1e-12, "anderson_ksamp p");
		cramer_von_mises(x, NX, y, NY, &t, &p, &exact);
		is_num(p, 0.18538282028412945, 1e-12, "cramervonmises_2samp p (asymptotic)");
		is_int(exact, 0, "25 values: asymptotic");
	}
	is_num(chi2_sf(0.6, 3), 0.8964323733419114, 1e-12, "chi2.sf (chisquare vector)");
	return done_testing();
}
