/* drift/values.h: a numeric sample held as 32-bit decimals gives back,
 * bit for bit, the doubles strtod reads from the same text, in any mix
 * of scales, integers, values too wide for 32 bits (the column turns
 * into doubles) and values pushed as doubles; sorted compact values are
 * in the order the doubles sort in. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/drift/values.h"
#include "tap.h"

static uint64_t rng = 0x2545f4914f6cdd1du;

static uint64_t next(void)
{
	return tap_splitmix64(&rng);
}

static int below(int n)
{
	return (int)(next() % (uint64_t)n);
}

/* A random decimal text: up to `digits` digits, up to `frac` of them
 * after the point, a sign sometimes. */
static void decimal(char *buf, int digits, int frac)
{
	int n = 1 + below(digits), f = below(frac + 1), i, k = 0;

	if (f > n)
		f = n;
	if (!below(4))
		buf[k++] = below(2) ? '-' : '+';
	if (f == n)
		buf[k++] = '0'; /* "0.25", not ".25" */
	for (i = 0; i < n; i++) {
		if (f && i == n - f)
			buf[k++] = '.';
		buf[k++] = (char)('0' + below(10));
	}
	buf[k] = '\0';
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* Pushes n random values (text decimals of the given shape, and now and
 * then a double) and checks what comes back, unsorted and sorted. */
static void run(const char *name, int n, int digits, int frac, int doubles,
		int want_wide)
{
	struct dbuf a = { 0 }, b = { 0 };
	double *want = malloc(sizeof(double) * (size_t)n), *got;
	int i, bad = 0, sorted = -1, accepted = 0;
	char buf[64];

	for (i = 0; i < n; i++) {
		int64_t mant;
		int scale;

		decimal(buf, digits, frac);
		want[i] = strtod(buf, NULL);
		if (want[i] == 0)
			want[i] = 0; /* -0 is read as 0 */
		if (doubles && !below(doubles)) {
			values_push(&a, want[i]);
			values_push(&b, want[i]);
		} else if (values_decimal(buf, strlen(buf), &mant, &scale)) {
			accepted++;
			values_push_decimal(&a, mant, scale);
			values_push_decimal(&b, mant, scale);
		} else {
			ok(0, "%s: '%s' refused", name, buf);
			bad++;
			values_push(&a, want[i]);
			values_push(&b, want[i]);
		}
	}
	ok(a.wide == want_wide, "%s: held %s", name,
	   want_wide ? "as doubles" : "compact");
	got = values_doubles(&a, NULL);
	for (i = 0; i < n && !bad; i++)
		if (memcmp(&got[i], &want[i], sizeof(double))) {
			ok(0, "%s: value %d: %.17g, want %.17g", name, i, got[i],
			   want[i]);
			bad++;
		}
	ok(!bad && a.n == (size_t)n, "%s: %d values back bit for bit (%d as "
	   "decimals)", name, n, accepted);
	got = values_doubles(&b, &sorted);
	ok(sorted == !want_wide, "%s: %s", name,
	   want_wide ? "left to sort as doubles" : "sorted compact");
	if (!sorted)
		qsort(got, (size_t)n, sizeof(double), cmp);
	qsort(want, (size_t)n, sizeof(double), cmp);
	ok(!memcmp(got, want, sizeof(double) * (size_t)n), "%s: in order",
	   name);
	values_free(&a);
	values_free(&b);
	free(want);
}

int main(void)
{
	static const char *const refused[] = {
		"", "-", "+", ".5", "5.", "1e3", " 1", "1 ", "0x10", "1.2.3",
		"1234567890123456", "0.1234567891", "--1", "nan", NULL
	};
	int64_t m;
	int s, i;

	for (i = 0; refused[i]; i++)
		ok(!values_decimal(refused[i], strlen(refused[i]), &m, &s),
		   "'%s' is left to the general parser", refused[i]);
	ok(values_decimal("-0.000", 6, &m, &s) && m == 0 && s == 3,
	   "-0.000: 0 at scale 3");
	ok(values_decimal("123456789012345", 15, &m, &s) &&
	   m == 123456789012345 && s == 0, "15 digits");
	ok(values_decimal("+0.123456789", 12, &m, &s) && m == 123456789 &&
	   s == 9, "scale 9");

	run("measurements", 200000, 5, 4, 0, 0);
	run("integers", 100000, 9, 0, 0, 0);
	/* a range under n: sorted by counting, negatives too */
	run("few distinct values", 100000, 3, 1, 0, 0);
	run("a few values, few rows", 50, 1, 0, 0, 0);
	run("mixed scales", 100000, 3, 6, 0, 0);
	run("integers and doubles", 100000, 6, 0, 50, 0);
	run("wide", 50000, 15, 9, 0, 1);
	run("decimals and doubles", 50000, 6, 3, 3, 1);
	return done_testing();
}
