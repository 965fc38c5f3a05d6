/* lib/quality/metrics.c against scikit-learn 1.2.1: each case of
 * tests/fixtures/metrics.txt (made by tests/fixtures/make-metrics.py) is
 * generated again here, row for row, and every metric must equal
 * sklearn's bit for bit (the same operations in the same order on the
 * same glibc); nan where sklearn raises. */
#include <inttypes.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/quality/metrics.h"
#include "tap.h"

#define REL_TOL 0

static uint64_t rng_state;

static uint64_t rng_next(void)
{
	uint64_t z;

	rng_state += 0x9E3779B97F4A7C15ull;
	z = rng_state;
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
	return z ^ (z >> 31);
}

static double uniform(void)
{
	return (double)(rng_next() >> 11) * 0x1p-53;
}

struct rows {
	size_t n, k;
	int32_t *y, *pred;
	double *p;          /* classification: probabilities */
	double *yr, *predr; /* regression */
	double checksum;
};

/* The fixture's checksum: each list summed left to right, then the
 * sums added, as the Python script does. */
static void add_list_i(double *sum, const int32_t *v, size_t n)
{
	double s = 0;

	for (size_t i = 0; i < n; i++)
		s += v[i];
	*sum += s;
}

static void add_list(double *sum, const double *v, size_t n)
{
	double s = 0;

	for (size_t i = 0; i < n; i++)
		s += v[i];
	*sum += s;
}

static void binary_rows(struct rows *r, const char *flavour)
{
	size_t i;

	for (i = 0; i < r->n; i++) {
		double u = uniform(), v = uniform();

		if (!strcmp(flavour, "ties"))
			u = floor(u * 10) / 10;
		else if (!strcmp(flavour, "extreme"))
			u = u < 0.2 ? 0.0 : u > 0.8 ? 1.0 : u;
		r->y[i] = v < u ? 1 : 0;
		if (!strcmp(flavour, "one-class"))
			r->y[i] = 1;
		r->pred[i] = u >= 0.5 ? 1 : 0;
		if (!strcmp(flavour, "no-positive-predictions"))
			r->pred[i] = 0;
		r->p[i] = u;
	}
	add_list_i(&r->checksum, r->y, r->n);
	add_list_i(&r->checksum, r->pred, r->n);
	add_list(&r->checksum, r->p, r->n);
}

static void multiclass_rows(struct rows *r, const char *flavour)
{
	size_t i, j, k = r->k;
	double *w = calloc(k, sizeof(double));

	for (i = 0; i < r->n; i++) {
		double s = 0, v, c, *row = r->p + i * k;
		size_t best = 0;

		for (j = 0; j < k; j++) {
			double u = uniform();

			if (!strcmp(flavour, "ties"))
				u = floor(u * 4) / 4;
			else if (!strcmp(flavour, "extreme"))
				u = u < 0.3 ? 0.0 : u;
			w[j] = u + (!strcmp(flavour, "ties") ? 0.25 : 0.0);
		}
		for (j = 0; j < k; j++)
			s += w[j];
		if (s == 0.0)
			w[0] = s = 1.0;
		for (j = 0; j < k; j++)
			row[j] = !strcmp(flavour, "unnormalised") ? w[j] : w[j] / s;
		for (j = 1; j < k; j++)
			if (row[j] > row[best])
				best = j;
		v = uniform();
		c = uniform();
		r->y[i] = v < 0.6 ? (int32_t)best : (int32_t)floor(c * (double)k);
		if (!strcmp(flavour, "absent-class")) {
			if (r->y[i] == (int32_t)k - 1)
				r->y[i] = 0;
			if (best == k - 1)
				best = 0;
		}
		r->pred[i] = (int32_t)best;
	}
	free(w);
	add_list_i(&r->checksum, r->y, r->n);
	add_list_i(&r->checksum, r->pred, r->n);
	add_list(&r->checksum, r->p, r->n * k);
}

static void regression_rows(struct rows *r, const char *flavour)
{
	size_t i;

	for (i = 0; i < r->n; i++) {
		double u = uniform(), v = uniform(), t, e;

		t = !strcmp(flavour, "offset") ? 1e6 + 100 * u : 100 * u - 50;
		if (!strncmp(flavour, "constant", 8))
			t = 42.5;
		e = (v - 0.5) * 10;
		if (!strcmp(flavour, "constant-exact"))
			e = 0.0;
		r->yr[i] = t;
		r->predr[i] = t + e;
	}
	add_list(&r->checksum, r->yr, r->n);
	add_list(&r->checksum, r->predr, r->n);
}

static int same(double got, double want)
{
	if (isnan(want))
		return isnan(got);
	if (got == want)
		return 1;
	return fabs(got - want) <= REL_TOL * fabs(want);
}

static double worst_rel;
static size_t exact, compared;

static void check_case(const char *name, const char *kind, size_t n, size_t k,
		       uint64_t seed, const char *flavour, FILE *f)
{
	struct rows r = { n, k, NULL, NULL, NULL, NULL, NULL, 0 };
	struct metric_value m[METRICS_MAX];
	size_t nm, i;
	char metric[64];
	double want, checksum;

	rng_state = seed;
	r.y = calloc(n + 1, sizeof(int32_t));
	r.pred = calloc(n + 1, sizeof(int32_t));
	r.p = calloc(n * k + 1, sizeof(double));
	r.yr = calloc(n + 1, sizeof(double));
	r.predr = calloc(n + 1, sizeof(double));
	if (!strcmp(kind, "binary"))
		binary_rows(&r, flavour);
	else if (!strcmp(kind, "multiclass"))
		multiclass_rows(&r, flavour);
	else
		regression_rows(&r, flavour);
	if (fscanf(f, " checksum %lf", &checksum) != 1)
		checksum = NAN;
	if (!ok(r.checksum == checksum, "%s: the rows are sklearn's rows",
		name))
		printf("#   checksum %.17g, fixture %.17g\n", r.checksum,
		       checksum);
	if (!strcmp(kind, "regression")) {
		nm = metrics_regression(r.predr, r.yr, n, m);
	} else {
		struct class_rows cr = { n, k, !strcmp(kind, "binary"), r.y,
					 r.pred, r.p };

		nm = metrics_classification(&cr, m);
	}
	for (i = 0; i < nm; i++) {
		if (fscanf(f, " %63s %lf", metric, &want) != 2) {
			ok(0, "%s: the fixture lists %s", name, m[i].name);
			break;
		}
		if (!ok(!strcmp(metric, m[i].name) && same(m[i].value, want),
			"%s: %s equals sklearn's", name, metric))
			printf("#   got %.17g, sklearn %.17g\n", m[i].value, want);
		if (!isnan(want) && want != 0) {
			double rel = fabs(m[i].value - want) / fabs(want);

			if (rel > worst_rel)
				worst_rel = rel;
		}
		exact += m[i].value == want || (isnan(want) && isnan(m[i].value));
		compared++;
	}
	free(r.y);
	free(r.pred);
	free(r.p);
	free(r.yr);
	free(r.predr);
}

/* numpy's summation order, by hand: blocks of 8192, pairwise inside. */
static void test_np_sum(void)
{
	double a[20000];
	size_t i;

	for (i = 0; i < 20000; i++)
		a[i] = i % 3 ? 1e-16 : 1.0;
	is_num(np_sum(a, 0), 0, 0, "the sum of nothing is 0");
	/* 1 + 1e-16 rounds to 1 left to right; eight accumulators keep
	 * the small ones together a while longer. */
	is_num(np_sum(a, 7), 3.0, 0, "under 8: left to right");
	for (i = 0; i < 16; i++)
		a[i] = i ? 1.0 : 1e16;
	is_num(np_sum(a, 16), 1e16 + 14, 0, "from 8: eight accumulators");
}

int main(void)
{
	const char *src = getenv("MLOPS_SRC");
	char path[4096], line[512], name[128], kind[32], flavour[64];
	size_t n, k, cases = 0;
	unsigned long long seed;
	FILE *f;

	test_np_sum();
	snprintf(path, sizeof(path), "%s/tests/fixtures/metrics.txt",
		 src ? src : ".");
	f = fopen(path, "r");
	if (!ok(f != NULL, "the fixture %s opens", path))
		return done_testing();
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "case %127s %31s %zu %zu %llu %63s", name, kind,
			   &n, &k, &seed, flavour) != 6)
			continue;
		check_case(name, kind, n, k, (uint64_t)seed, flavour, f);
		cases++;
	}
	fclose(f);
	ok(cases >= 20, "%zu cases read", cases);
	printf("# %zu of %zu values bit for bit sklearn's; largest relative "
	       "difference %.3g\n", exact, compared, worst_rel);
	return done_testing();
}
