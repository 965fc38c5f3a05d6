/* core/number.h in bulk: number_parse bit for bit as strtod on millions
 * of random and adversarial decimals (every digit count 1..25, every
 * exponent, subnormals, exact halfway points and their neighbours, 19 and
 * 20 digit mantissas, leading and trailing zeros), and number_format /
 * number_format_float read back bit for bit, with no shorter decimal that
 * would, nearest among those of their length, laid out as %g lays out.
 * Fewer cases under the sanitizers (MLOPS_SANITIZE), never none. */
#include <errno.h>
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lib/core/number.h"
#include "tap.h"

static uint64_t rng = 0x9e3779b97f4a7c15u;

/* splitmix64: every bit pattern equally likely */
static uint64_t next(void)
{
	return tap_splitmix64(&rng);
}

static int below(int n)
{
	return (int)(next() % (uint64_t)n);
}

static long scale = 1;

static long cases(long n)
{
	return n / scale ? n / scale : 1;
}

static double random_double(void)
{
	uint64_t b;
	double x;

	do {
		b = next();
		memcpy(&x, &b, sizeof(x));
	} while (!isfinite(x));
	return x;
}

/* What number_parse must give for s: strtod's double, -0 as 0, and
 * NUMBER_RANGE where strtod overflows. */
static int want_parse(const char *s, double *want)
{
	errno = 0;
	*want = strtod(s, NULL);
	if (*want == 0)
		*want = 0;
	return errno == ERANGE && isinf(*want) ? NUMBER_RANGE : NUMBER_OK;
}

static long parse_bad;

static void check_parse(const char *s)
{
	double got = 0, want;
	int st = number_parse_str(s, &got), wst = want_parse(s, &want);

	if (st != wst || (!st && memcmp(&got, &want, sizeof(got)))) {
		if (parse_bad++ < 5)
			printf("#   '%.40s%s': %d %.17g, want %d %.17g\n", s,
			       strlen(s) > 40 ? "..." : "", st, got, wst, want);
	}
}

static void random_digits(char *o, int n)
{
	for (int i = 0; i < n; i++)
		o[i] = (char)('0' + below(10));
	o[n] = '\0';
}

static void test_parse_random(void)
{
	char buf[160], digits[40];
	long i, n;

	parse_bad = 0;
	for (i = 0, n = cases(1000000); i < n; i++) {
		snprintf(buf, sizeof(buf), "%.17g", random_double());
		check_parse(buf);
	}
	is_int(parse_bad, 0, "random bit patterns as %.17g: as strtod");

	/* 1..25 digits, the point anywhere, exponents over every double */
	parse_bad = 0;
	for (i = 0, n = cases(1000000); i < n; i++) {
		int nd = 1 + below(25), dot = below(nd + 1);
		int e = below(660) - 345;

		random_digits(digits, nd);
		if (below(4))
			digits[0] = (char)('1' + below(9));
		snprintf(buf, sizeof(buf), "%s%.*s%s%s%se%d",
			 below(2) ? "-" : "", dot, digits, dot < nd ? "." : "",
			 digits + dot, below(8) ? "" : "000", e);
		check_parse(buf);
	}
	is_int(parse_bad, 0, "1..25 random digits, exponents -345..314: "
	       "as strtod");

	/* 19 and 20 digit mantissas: the last that fit in 64 bits, the
	 * first that do not */
	parse_bad = 0;
	for (i = 0, n = cases(400000); i < n; i++) {
		int nd = 19 + below(2), e = below(40) - 20;

		random_digits(digits, nd);
		digits[0] = (char)('1' + below(9));
		if (below(4) == 0) /* near 2^64 = 18446744073709551616 */
			memcpy(digits, "1844674407370955", 16);
		snprintf(buf, sizeof(buf), "%se%d", digits,
			 below(3) ? e - nd : below(660) - 345);
		check_parse(buf);
	}
	is_int(parse_bad, 0, "19 and 20 digit mantissas: as strtod");

	/* leading and trailing zeros: "0.000...001e+330" and kin */
	parse_bad = 0;
	for (i = 0, n = cases(300000); i < n; i++) {
		int nd = 1 + below(18), lead = below(40), trail = below(30);
		int e = below(700) - 350;
		char z1[48], z2[40];

		random_digits(digits, nd);
		digits[0] = (char)('1' + below(9));
		memset(z1, '0', (size_t)lead);
		z1[lead] = '\0';
		memset(z2, '0', (size_t)trail);
		z2[trail] = '\0';
		if (below(2))
			snprintf(buf, sizeof(buf), "0.%s%s%se%+d", z1, digits,
				 z2, e);
		else
			snprintf(buf, sizeof(buf), "%s%s%s.%se%d", z1, digits,
				 z2, z2, e);
		check_parse(buf);
	}
	is_int(parse_bad, 0, "leading and trailing zeros: as strtod");
}

/* s with the last digit of its mantissa moved by d (no carries: a 9
 * stays a 9, a 0 a 0). */
static void nudge_last(char *s, int d)
{
	char *e = strchr(s, 'e'), *p = (e ? e : s + strlen(s)) - 1;

	while (p > s && (*p < '0' || *p > '9'))
		p--;
	if (d > 0 && *p < '9')
		(*p)++;
	else if (d < 0 && *p > '0')
		(*p)--;
}

/* Exact halfway points between neighbouring doubles (long double holds
 * them exactly), printed in full, cut short and nudged by one unit in
 * the last place; and integer midpoints above 2^53, which fit the
 * 19-digit path and so need its ties-to-even. */
static void test_parse_halfway(void)
{
	static char buf[1100], cut[64];
	long i, n;

	parse_bad = 0;
	for (i = 0, n = cases(25000); i < n; i++) {
		double x = fabs(random_double()), y = nextafter(x, INFINITY);
		long double mid;
		int len;

		if (below(4) == 0) { /* subnormals and their edge */
			uint64_t b = next() >> (12 + below(52));

			memcpy(&x, &b, sizeof(x));
			y = nextafter(x, INFINITY);
		}
		if (!isfinite(y))
			continue;
		mid = ((long double)x + (long double)y) / 2;
		len = snprintf(buf, sizeof(buf), "%.770Le", mid);
		if (len <= 0 || (size_t)len >= sizeof(buf))
			continue;
		check_parse(buf);
		nudge_last(buf, 1);
		check_parse(buf);
		nudge_last(buf, -1);
		nudge_last(buf, -1);
		check_parse(buf);
		/* the first 17..25 digits of the midpoint, then e+XX */
		snprintf(cut, sizeof(cut), "%.*Le", 16 + below(9), mid);
		check_parse(cut);
		nudge_last(cut, below(2) ? 1 : -1);
		check_parse(cut);
	}
	is_int(parse_bad, 0, "halfway points, in full and cut, +-1 ulp of "
	       "the decimal: as strtod");

	parse_bad = 0;
	for (i = 0, n = cases(500000); i < n; i++) {
		/* a double in [2^53, 2^64): its midpoint with the next one is
		 * an integer of 16..20 digits */
		uint64_t lo = (next() | 1ull << 63) >> below(11);
		double x = (double)lo, y = nextafter(x, INFINITY);
		unsigned long long mid;

		lo = (uint64_t)x;
		if (y >= 18446744073709551616.0)
			continue;
		mid = (unsigned long long)lo + ((uint64_t)y - lo) / 2;
		snprintf(buf, sizeof(buf), "%llu", mid);
		check_parse(buf);
		snprintf(buf, sizeof(buf), "%llu", mid + 1);
		check_parse(buf);
		snprintf(buf, sizeof(buf), "%llu", mid - 1);
		check_parse(buf);
		/* the same with a point and an exponent */
		snprintf(buf, sizeof(buf), "%llu.0e-%d", mid, below(3));
		check_parse(buf);
	}
	is_int(parse_bad, 0, "integer ties above 2^53 (19-digit path): "
	       "as strtod, ties to even");
}

static void test_parse_edges(void)
{
	static const char *const edge[] = {
		"0e999999", "0.0e-999999", "1e-400", "1e400",
		"2.4703282292062327e-324", "2.4703282292062328e-324",
		"4.9406564584124654e-324", "2.2250738585072011e-308",
		"2.2250738585072012e-308", "2.2250738585072014e-308",
		"1.7976931348623157e308", "1.7976931348623158e308",
		"1.7976931348623159e308", "-1.7976931348623159e308",
		"9007199254740993", "9007199254740992.5",
		"18446744073709551615",
		"18446744073709551616", "18446744073709551617",
		"9999999999999999999", "99999999999999999999",
		"1e-342", "1e-343", "9e-343", "1e308", "1e309", "1e23",
		"8.988465674311579e307", "7.2057594037927933e16",
		"0.000000000000000000000000000000000000000001e+330",
		"1000000000000000000000000000000e-330",
		"1448997445238699", "5e-324", "3e-324", "2e-324",
		"4.4501477170144023e-308",
		/* 1 + 2^-53 exactly (a tie), and just below it */
		"1.00000000000000011102230246251565404236316680908203125",
		"1.00000000000000011102230246251565404236316680908203124",
	};
	char buf[64];

	parse_bad = 0;
	for (size_t i = 0; i < sizeof(edge) / sizeof(edge[0]); i++) {
		check_parse(edge[i]);
		snprintf(buf, sizeof(buf), "-%s", edge[i]);
		if (edge[i][0] != '-' && strlen(edge[i]) < 60)
			check_parse(buf);
	}
	/* every power of ten a double holds, and past both ends */
	for (int e = -345; e <= 310; e++) {
		snprintf(buf, sizeof(buf), "1e%d", e);
		check_parse(buf);
		snprintf(buf, sizeof(buf), "9.999999999999999999e%d", e);
		check_parse(buf);
	}
	/* more zeros than an exponent was once read to: "0.000...1e2000005"
	 * with 2000000 zeros is 10^4, not 0 */
	{
		size_t nz = 2000000;
		char *z = malloc(nz + 32);

		if (z) {
			memcpy(z, "0.", 2);
			memset(z + 2, '0', nz);
			snprintf(z + 2 + nz, 30, "1e%zu", nz + 5);
			check_parse(z);
			snprintf(z + 2 + nz, 30, "1e%zu", nz + 400);
			check_parse(z);
			free(z);
		}
	}
	is_int(parse_bad, 0, "edges: the range's ends, 2^64, powers of ten, "
	       "2000000 leading zeros");
}

/* The significant digits of a decimal (any layout) and the exponent of
 * its leading digit. */
static void digits_of(const char *s, char *d, int *x)
{
	int n = 0, point = -1, lead = -1;
	const char *p;

	for (p = s; *p && *p != 'e'; p++) {
		if (*p == '.') {
			point = (int)(p - s);
			continue;
		}
		if (*p < '0' || *p > '9' || (n == 0 && *p == '0'))
			continue;
		if (lead < 0)
			lead = (int)(p - s);
		d[n++] = *p;
	}
	while (n > 1 && d[n - 1] == '0')
		n--;
	d[n] = '\0';
	if (point < 0)
		point = (int)(p - s);
	*x = lead < 0 ? 0 : (lead < point ? point - lead - 1 : point - lead);
	if (*p == 'e')
		*x += atoi(p + 1);
}

/* What %g's layout with precision prec says of s: 'e' exactly when the
 * leading digit's exponent is below -4 or at least prec, an exponent of
 * at least two digits, no trailing zero after a point, no bare point. */
static int layout_ok(const char *s, int x, int prec)
{
	const char *e = strchr(s, 'e'), *dot = strchr(s, '.');
	const char *end = e ? e : s + strlen(s);

	if (!!e != (x < -4 || x >= prec))
		return 0;
	if (e && (strlen(e) < 4 || (e[1] != '+' && e[1] != '-')))
		return 0;
	if (dot && (end[-1] == '0' || end[-1] == '.'))
		return 0;
	return 1;
}

static long fmt_bad;

/* What is wrong with s as the text of x (a double, or a float when
 * is_float), or NULL. */
static const char *format_problem(const char *s, size_t len, double x,
				  int is_float)
{
	char ref[64], d[32], rd[32];
	int xs, xr, n;

#define READS_BACK(t) (is_float ? strtof(t, NULL) == (float)x \
				 : strtod(t, NULL) == x)
	if (len != strlen(s) || len >= NUMBER_FORMAT_MAX)
		return "has the wrong length";
	if (is_float ? memcmp(&(float){ strtof(s, NULL) }, &(float){ (float)x },
			      sizeof(float))
		     : memcmp(&(double){ strtod(s, NULL) }, &x, sizeof(x)))
		return "does not read back bit for bit";
	if (x == 0)
		return NULL;
	digits_of(s, d, &xs);
	n = (int)strlen(d);
	if (!layout_ok(s, xs, is_float ? 9 : 17))
		return "is not laid out as %g lays out";
	snprintf(ref, sizeof(ref), "%.*e", n - 1, x);
	if (READS_BACK(ref)) {
		digits_of(ref, rd, &xr);
		if (strcmp(d, rd) || xs != xr)
			return "is not the nearest of its length";
	}
	if (n > 1) {
		snprintf(ref, sizeof(ref), "%.*e", n - 2, x);
		if (READS_BACK(ref))
			return "has a shorter form that reads back";
	}
#undef READS_BACK
	return NULL;
}

static void check_double(double x)
{
	char s[NUMBER_FORMAT_MAX];
	size_t len = number_format(x, s);
	const char *why = format_problem(s, len, x, 0);

	if (why && fmt_bad++ < 5)
		printf("#   %a: '%s' %s\n", x, s, why);
}

static void check_float(float x)
{
	char s[NUMBER_FORMAT_MAX];
	size_t len = number_format_float(x, s);
	const char *why = format_problem(s, len, x, 1);

	if (why && fmt_bad++ < 5)
		printf("#   %a (float): '%s' %s\n", (double)x, s, why);
}

static void test_format(void)
{
	static const struct {
		double x;
		const char *s;
	} known[] = {
		{ 0.1, "0.1" }, { 760, "760" }, { 85000, "85000" },
		{ 12.5, "12.5" }, { -0.0, "-0" }, { 0, "0" }, { 1e-7, "1e-07" },
		{ 1e-4, "0.0001" }, { 1.5e300, "1.5e+300" },
		{ 1e16, "10000000000000000" }, { 1e17, "1e+17" },
		{ 5e-324, "5e-324" }, { 1e-323, "1e-323" },
		{ 1.7976931348623157e308, "1.7976931348623157e+308" },
		{ 2.2250738585072014e-308, "2.2250738585072014e-308" },
		{ 0.30000000000000004, "0.30000000000000004" },
		{ 4.139937718785167e-08, "4.139937718785167e-08" },
		{ 9007199254740993.0, "9007199254740992" },
		{ 123456.789, "123456.789" }, { -2.5, "-2.5" },
	};
	char s[NUMBER_FORMAT_MAX];
	long i, n;
	int bad = 0;

	for (i = 0; i < (long)(sizeof(known) / sizeof(known[0])); i++) {
		number_format(known[i].x, s);
		if (strcmp(s, known[i].s) && bad++ < 5)
			printf("#   got '%s', want '%s'\n", s, known[i].s);
	}
	number_format(INFINITY, s);
	bad += !!strcmp(s, "inf");
	number_format(-INFINITY, s);
	bad += !!strcmp(s, "-inf");
	number_format(NAN, s);
	bad += !!strcmp(s, "nan");
	is_int(bad, 0, "number_format: known values, %g's layout");

	bad = 0;
	number_format_float(0.1f, s);
	bad += !!strcmp(s, "0.1");
	number_format_float(0.123456789f, s);
	bad += !!strcmp(s, "0.12345679");
	number_format_float(16777216.0f, s);
	bad += !!strcmp(s, "16777216");
	number_format_float(1e9f, s);
	bad += !!strcmp(s, "1e+09");
	number_format_float(1e-45f, s);
	bad += !!strcmp(s, "1e-45");
	number_format_float(FLT_MAX, s);
	bad += !!strcmp(s, "3.4028235e+38");
	is_int(bad, 0, "number_format_float: known values");

	fmt_bad = 0;
	for (i = 0, n = cases(800000); i < n; i++)
		check_double(random_double());
	for (i = 1; i < 4096; i++) { /* subnormals, powers of two */
		uint64_t b = (uint64_t)i;
		double x;

		memcpy(&x, &b, sizeof(x));
		check_double(x);
		check_double(ldexp(1, (int)i % 2098 - 1074));
		check_double(nextafter(ldexp(1, (int)i % 2098 - 1074), 0));
	}
	for (i = 0, n = cases(300000); i < n; i++) /* short decimals */
		check_double((double)(next() % 1000000) /
			     pow(10, below(12)) * (below(2) ? 1 : -1));
	is_int(fmt_bad, 0, "random doubles: read back, nothing shorter does");

	fmt_bad = 0;
	for (i = 0, n = cases(800000); i < n; i++) {
		uint32_t b = (uint32_t)next();
		float x;

		memcpy(&x, &b, sizeof(x));
		if (isfinite(x))
			check_float(x);
	}
	for (i = 1; i < 4096; i++) {
		uint32_t b = (uint32_t)i;
		float x;

		memcpy(&x, &b, sizeof(x));
		check_float(x);
		check_float(ldexpf(1, (int)i % 277 - 149));
	}
	is_int(fmt_bad, 0, "random floats: read back as the float, nothing "
	       "shorter does");
}

/* number_shortest keeps what it always wrote (a category's text). */
static void test_shortest(void)
{
	static const struct {
		double x;
		const char *s;
	} known[] = {
		{ 1000002, "1000002" }, { 2.5, "2.5" }, { 1e21, "1e+21" },
		{ 1000001.0, "1000001" }, { -0.0, "0" }, { 0.1, "0.1" },
		{ 1e-5, "1e-05" }, { 9007199254740992.0, "9007199254740992" },
		{ 1e16, "1e+16" }, { 1.5e-3, "0.0015" }, { 100, "100" },
		{ 123456.75, "123456.75" }, { 18014398509481984.0,
					      "18014398509481984" },
	};
	char s[64];
	int bad = 0;

	for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++) {
		number_shortest(known[i].x, s, sizeof(s));
		if (strcmp(s, known[i].s) && bad++ < 5)
			printf("#   got '%s', want '%s'\n", s, known[i].s);
	}
	number_shortest(0.125, s, 4);
	bad += !!strcmp(s, "0.1");
	is_int(bad, 0, "number_shortest: integers plainly, others shortest");
}

/* How long each part took, as a TAP comment: the budget is seconds. */
static void lap(const char *what)
{
	static clock_t last;
	clock_t now = clock();

	printf("# %s: %.2f s CPU\n", what,
	       (double)(now - last) / CLOCKS_PER_SEC);
	last = now;
}

int main(void)
{
	const char *san = getenv("MLOPS_SANITIZE");

	if (san && *san)
		scale = 10;
	lap("start");
	test_parse_edges();
	test_parse_random();
	lap("random decimals");
	test_parse_halfway();
	lap("halfway points");
	test_format();
	test_shortest();
	lap("formatting");
	return done_testing();
}
