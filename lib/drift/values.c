/* Numeric samples held compactly (see values.h). */
#include "values.h"

#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "../core/strbuf.h"

static const double pow10d[VALUES_MAX_SCALE + 1] = {
	1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9,
};

#define HUGE_PAGE (2u << 20)

/* Room for n values of `size` bytes. Past 2 MiB the buffer is aligned
 * for transparent huge pages: columns of a million values fault in a
 * page every 512 values otherwise. */
static void *grow(void *p, size_t n, size_t cap, size_t size, size_t *newcap)
{
	size_t want = cap ? cap * 2 : 1024, bytes = want * size;
	void *q;

	if (bytes < HUGE_PAGE) {
		*newcap = want;
		return xrealloc(p, bytes);
	}
	bytes = (bytes + HUGE_PAGE - 1) / HUGE_PAGE * HUGE_PAGE;
	q = aligned_alloc(HUGE_PAGE, bytes);
	if (!q) {
		*newcap = want;
		return xrealloc(p, want * size);
	}
	madvise(q, bytes, MADV_HUGEPAGE);
	if (n)
		memcpy(q, p, n * size);
	free(p);
	*newcap = bytes / size;
	return q;
}

/* The compact values become doubles; later values are pushed as such.
 * Sorted, equal values come in runs: each run is divided once. */
static void widen_runs(struct dbuf *b, int sorted)
{
	size_t i, cap = b->n ? b->n : 0;
	double *v = NULL;

	if (b->wide)
		return;
	if (b->n) {
		/* Room to grow as the compact buffer had. */
		cap = b->cap;
		v = xmalloc(cap * sizeof(double));
		if (!b->scale)
			for (i = 0; i < b->n; i++)
				v[i] = (double)b->m[i];
		else if (sorted)
			for (i = 0; i < b->n; i++)
				v[i] = i && b->m[i] == b->m[i - 1]
					       ? v[i - 1]
					       : (double)b->m[i] / pow10d[b->scale];
		else
			for (i = 0; i < b->n; i++)
				v[i] = (double)b->m[i] / pow10d[b->scale];
	}
	free(b->m);
	b->m = NULL;
	b->v = v;
	b->cap = cap;
	b->wide = 1;
}

static void widen(struct dbuf *b)
{
	widen_runs(b, 0);
}

/* Compact values at a larger scale: 0, or -1 when one no longer fits
 * in 32 bits (nothing changed then). */
static int rescale(struct dbuf *b, int scale)
{
	int64_t f = 1;
	size_t i;
	int k;

	for (k = b->scale; k < scale; k++)
		f *= 10;
	for (i = 0; i < b->n; i++) {
		int64_t x = (int64_t)b->m[i] * f;

		if (x > INT32_MAX || x < INT32_MIN)
			return -1;
	}
	for (i = 0; i < b->n; i++)
		b->m[i] = (int32_t)((int64_t)b->m[i] * f);
	b->scale = scale;
	return 0;
}

static void push_wide(struct dbuf *b, double x)
{
	if (b->n == b->cap)
		b->v = grow(b->v, b->n, b->cap, sizeof(double), &b->cap);
	b->v[b->n++] = x;
}

static void push_m(struct dbuf *b, int32_t m)
{
	if (b->n == b->cap)
		b->m = grow(b->m, b->n, b->cap, sizeof(int32_t), &b->cap);
	b->m[b->n++] = m;
}

void values_push_decimal(struct dbuf *b, int64_t mant, int scale)
{
	if (!b->wide && scale > b->scale && rescale(b, scale) < 0)
		widen(b);
	if (!b->wide) {
		int64_t m = mant;
		int k;

		for (k = scale; k < b->scale && m <= INT32_MAX &&
				m >= INT32_MIN; k++)
			m *= 10;
		if (m <= INT32_MAX && m >= INT32_MIN) {
			push_m(b, (int32_t)m);
			return;
		}
		widen(b);
	}
	push_wide(b, (double)mant / pow10d[scale]);
}

void values_push(struct dbuf *b, double x)
{
	if (!b->wide) {
		/* An integer within 32 bits at the column's scale: x * 10^k
		 * is then exact (x < 2^31, 10^k = 2^k 5^k, 5^9 < 2^21), and
		 * m / 10^k gives x back. */
		if (x >= INT32_MIN && x <= INT32_MAX && x == (double)(int32_t)x) {
			double m = x * pow10d[b->scale];

			if (m >= INT32_MIN && m <= INT32_MAX) {
				push_m(b, (int32_t)m);
				return;
			}
		}
		widen(b);
	}
	push_wide(b, x);
}

/* Few distinct values (ages, counts, prices in cents over a small
 * range): count each, then write them out in order. 0 when the range is
 * too wide for that. */
#define COUNT_RANGE (1u << 16)

static int sort_counting(int32_t *m, size_t n)
{
	int32_t lo = m[0], hi = m[0];
	uint32_t *count;
	size_t i, j = 0, r;

	for (i = 1; i < n; i++) {
		lo = m[i] < lo ? m[i] : lo;
		hi = m[i] > hi ? m[i] : hi;
	}
	if ((int64_t)hi - lo >= COUNT_RANGE || (uint64_t)hi - lo >= n)
		return 0;
	count = xcalloc((size_t)(hi - lo) + 1, sizeof(uint32_t));
	for (i = 0; i < n; i++)
		count[m[i] - lo]++;
	for (r = 0; r <= (size_t)(hi - lo); r++)
		for (i = 0; i < count[r]; i++)
			m[j++] = lo + (int32_t)r;
	free(count);
	return 1;
}

/* LSD radix sort of 32-bit integers (the sign bit flipped: unsigned
 * order), 11 bits a pass, passes where every key has the same digit
 * skipped. */
static void sort_m(int32_t *m, size_t n)
{
	uint32_t *a = (uint32_t *)m, *b, *t;
	size_t count[3][1u << 11] = { { 0 } }, i;
	int pass;

	if (n > 1 && sort_counting(m, n))
		return;
	b = xmalloc(sizeof(uint32_t) * (n ? n : 1));
	for (i = 0; i < n; i++) {
		uint32_t k = a[i] ^ 0x80000000u;

		a[i] = k;
		for (pass = 0; pass < 3; pass++)
			count[pass][(k >> (pass * 11)) & 2047]++;
	}
	for (pass = 0; pass < 3; pass++) {
		size_t sum = 0, d;
		int shift = pass * 11;

		if (count[pass][(a[0] >> shift) & 2047] == n)
			continue;
		for (d = 0; d < 2048; d++) {
			size_t c = count[pass][d];

			count[pass][d] = sum;
			sum += c;
		}
		for (i = 0; i < n; i++)
			b[count[pass][(a[i] >> shift) & 2047]++] = a[i];
		t = a;
		a = b;
		b = t;
	}
	if (a != (uint32_t *)m) {
		memcpy(m, a, sizeof(uint32_t) * n);
		b = a;
	}
	free(b);
	for (i = 0; i < n; i++)
		m[i] = (int32_t)(((uint32_t *)m)[i] ^ 0x80000000u);
}

double *values_doubles(struct dbuf *b, int *sorted)
{
	if (sorted) {
		*sorted = !b->wide;
		if (!b->wide && b->n)
			sort_m(b->m, b->n);
	}
	widen_runs(b, sorted != NULL);
	return b->v;
}

void values_free(struct dbuf *b)
{
	free(b->v);
	free(b->m);
	memset(b, 0, sizeof(*b));
}

int values_decimal(const char *s, size_t len, int64_t *mant, int *scale)
{
	const char *e = s + len;
	int64_t m = 0;
	int neg = 0, digits = 0, frac = -1;

	if (s < e && (*s == '-' || *s == '+'))
		neg = *s++ == '-';
	for (; s < e; s++) {
		if (*s >= '0' && *s <= '9') {
			if (++digits > 15)
				return 0;
			m = m * 10 + (*s - '0');
			if (frac >= 0 && ++frac > VALUES_MAX_SCALE)
				return 0;
		} else if (*s == '.' && frac < 0 && digits) {
			frac = 0;
		} else {
			return 0;
		}
	}
	if (!digits || frac == 0)
		return 0; /* "", "-", "1.": the general parser's to judge */
	*mant = neg ? -m : m;
	*scale = frac < 0 ? 0 : frac;
	return 1;
}
