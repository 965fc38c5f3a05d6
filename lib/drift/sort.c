#include "sort.h"

#include <stdlib.h>
#include <string.h>

#include "../core/strbuf.h"

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* LSD radix sort on the doubles' bits made order-preserving (flip the
 * sign bit of positives, every bit of negatives): 11 bits a pass, passes
 * where every key has the same digit skipped. Linear time, one buffer. */
#define RADIX_BITS 11
#define RADIX (1u << RADIX_BITS)
#define RADIX_PASSES 6

static uint64_t sort_key(double d)
{
	uint64_t u;

	memcpy(&u, &d, sizeof(u));
	return (u >> 63) ? ~u : u | (1ULL << 63);
}

static double key_value(uint64_t k)
{
	double d;

	k = (k >> 63) ? k & ~(1ULL << 63) : ~k;
	memcpy(&d, &k, sizeof(d));
	return d;
}

void stats_sort_with(double *v, size_t n, uint64_t *b)
{
	size_t (*count)[RADIX], i;
	uint64_t *a = b + n, *t;
	int pass;

	if (n < 64) {
		qsort(v, n, sizeof(double), cmp_double);
		return;
	}
	count = xcalloc(RADIX_PASSES, sizeof(*count));
	for (i = 0; i < n; i++) {
		uint64_t k = sort_key(v[i]);

		a[i] = k;
		for (pass = 0; pass < RADIX_PASSES; pass++)
			count[pass][(k >> (pass * RADIX_BITS)) & (RADIX - 1)]++;
	}
	for (pass = 0; pass < RADIX_PASSES; pass++) {
		size_t sum = 0, d;
		int shift = pass * RADIX_BITS;

		if (count[pass][(a[0] >> shift) & (RADIX - 1)] == n)
			continue; /* one digit for all: nothing moves */
		for (d = 0; d < RADIX; d++) {
			size_t c = count[pass][d];

			count[pass][d] = sum;
			sum += c;
		}
		for (i = 0; i < n; i++)
			b[count[pass][(a[i] >> shift) & (RADIX - 1)]++] = a[i];
		t = a;
		a = b;
		b = t;
	}
	for (i = 0; i < n; i++)
		v[i] = key_value(a[i]);
	free(count);
}

void stats_sort(double *v, size_t n)
{
	uint64_t *scratch = xmalloc(sizeof(uint64_t) * 2 * (n ? n : 1));

	stats_sort_with(v, n, scratch);
	free(scratch);
}
