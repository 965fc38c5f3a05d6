/* Writes the power tables of lib/core/number.c to stdout as C, computed
 * with exact big-integer arithmetic, so that no table of magic numbers is
 * kept in the tree (the Makefile runs it into $(B)/gen/number_tables.h):
 *
 * number_pow5[q]: 5^q scaled by a power of two into [2^127, 2^128) and
 *   truncated, for q in [-342, 308], as reading a decimal needs
 *   (Eisel-Lemire: w * 10^q for a 64-bit w).
 * number_g[k]: floor(10^-k scaled into [2^125, 2^126)) + 1, split as
 *   g1 = g >> 63 and g0 = the low 63 bits, for k in [-324, 292], as
 *   writing the shortest decimal needs (Schubfach).
 *
 * It also checks number_log.h's approximations over their whole ranges
 * and exits non-zero (failing the build) when one is off. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/core/number_log.h"

#define LIMBS 96 /* 3072 bits: 10^420 times 2^1200 fits */

struct big {
	uint32_t d[LIMBS]; /* little-endian limbs */
};

static void fail(const char *what, int at)
{
	fprintf(stderr, "gen-number-tables: %s (at %d)\n", what, at);
	exit(1);
}

static void big_set(struct big *b, uint64_t v)
{
	memset(b, 0, sizeof(*b));
	b->d[0] = (uint32_t)v;
	b->d[1] = (uint32_t)(v >> 32);
}

static void big_mul_small(struct big *b, uint32_t m)
{
	uint64_t carry = 0;

	for (int i = 0; i < LIMBS; i++) {
		uint64_t x = (uint64_t)b->d[i] * m + carry;

		b->d[i] = (uint32_t)x;
		carry = x >> 32;
	}
	if (carry)
		fail("overflow in a multiplication", (int)m);
}

static int big_bitlen(const struct big *b)
{
	for (int i = LIMBS - 1; i >= 0; i--)
		if (b->d[i])
			for (int j = 31; j >= 0; j--)
				if (b->d[i] >> j & 1)
					return i * 32 + j + 1;
	return 0;
}

static int big_bit(const struct big *b, int i)
{
	return i >= 0 && i < LIMBS * 32 && (b->d[i / 32] >> (i % 32) & 1);
}

/* b shifted by n bits: left when n > 0, right when n < 0 (truncating). */
static void big_shift(struct big *b, int n)
{
	struct big r;

	if (n > 0 && big_bitlen(b) + n > LIMBS * 32)
		fail("overflow in a shift", n);
	memset(&r, 0, sizeof(r));
	for (int i = 0; i < LIMBS * 32; i++)
		if (big_bit(b, i - n))
			r.d[i / 32] |= 1u << (i % 32);
	*b = r;
}

static int big_cmp(const struct big *a, const struct big *b)
{
	for (int i = LIMBS - 1; i >= 0; i--)
		if (a->d[i] != b->d[i])
			return a->d[i] < b->d[i] ? -1 : 1;
	return 0;
}

static void big_sub(struct big *a, const struct big *b)
{
	int64_t borrow = 0;

	for (int i = 0; i < LIMBS; i++) {
		int64_t x = (int64_t)a->d[i] - b->d[i] - borrow;

		borrow = x < 0;
		a->d[i] = (uint32_t)(x + (borrow ? (int64_t)1 << 32 : 0));
	}
}

static void big_shl1(struct big *b)
{
	if (b->d[LIMBS - 1] >> 31)
		fail("overflow in a doubling", 0);
	for (int i = LIMBS - 1; i > 0; i--)
		b->d[i] = b->d[i] << 1 | b->d[i - 1] >> 31;
	b->d[0] <<= 1;
}

/* q = floor(a / d), by binary long division. */
static void big_div(struct big *q, const struct big *a, const struct big *d)
{
	struct big r;

	memset(q, 0, sizeof(*q));
	memset(&r, 0, sizeof(r));
	for (int i = big_bitlen(a) - 1; i >= 0; i--) {
		big_shl1(&r);
		r.d[0] |= (uint32_t)big_bit(a, i);
		if (big_cmp(&r, d) >= 0) {
			big_sub(&r, d);
			q->d[i / 32] |= 1u << (i % 32);
		}
	}
}

static uint64_t big_u64(const struct big *b, int bit)
{
	uint64_t v = 0;

	for (int i = 63; i >= 0; i--)
		v = v << 1 | (uint64_t)big_bit(b, bit + i);
	return v;
}

static void big_pow(struct big *b, uint32_t base, int e)
{
	big_set(b, 1);
	while (e-- > 0)
		big_mul_small(b, base);
}

static void big_add1(struct big *b)
{
	for (int i = 0; i < LIMBS && ++b->d[i] == 0; i++)
		;
}

/* The sign of a / b - 10^n. */
static int cmp_pow10(const struct big *a, const struct big *b, int n)
{
	struct big x = *a, y = *b;

	for (int i = 0; i < (n < 0 ? -n : n); i++)
		big_mul_small(n < 0 ? &x : &y, 10);
	return big_cmp(&x, &y);
}

/* Whether n == floor(log10(a / b)). */
static int is_floor_log10(const struct big *a, const struct big *b, int n)
{
	return cmp_pow10(a, b, n) >= 0 && cmp_pow10(a, b, n + 1) < 0;
}

static void check_logs(void)
{
	struct big a, b, p;

	for (int e = -NUMBER_LOG_RANGE2; e <= NUMBER_LOG_RANGE2; e++) {
		big_set(&a, 1);
		big_set(&b, 1);
		big_shift(e >= 0 ? &a : &b, e >= 0 ? e : -e);
		if (!is_floor_log10(&a, &b, number_flog10_pow2(e)))
			fail("number_flog10_pow2 is off", e);
		big_mul_small(&a, 3);
		big_mul_small(&b, 4);
		if (!is_floor_log10(&a, &b,
				    number_flog10_three_quarters_pow2(e)))
			fail("number_flog10_three_quarters_pow2 is off", e);
	}
	for (int e = -NUMBER_LOG_RANGE10; e <= NUMBER_LOG_RANGE10; e++) {
		int bits;

		big_pow(&p, 10, e < 0 ? -e : e);
		bits = big_bitlen(&p);
		/* 10^e for e < 0 is no power of two: floor = -ceil(log2) */
		if (number_flog2_pow10(e) != (e >= 0 ? bits - 1 : -bits))
			fail("number_flog2_pow10 is off", e);
	}
}

static void pow5_table(void)
{
	struct big p, num, t;
	int exact_max = -1;

	printf("#define NUMBER_POW5_MIN (-342)\n#define NUMBER_POW5_MAX 308\n");
	printf("static const uint64_t number_pow5[][2] = {\n");
	for (int q = -342; q <= 308; q++) {
		int len, log2;

		big_pow(&p, 5, q < 0 ? -q : q);
		len = big_bitlen(&p);
		if (q >= 0) {
			t = p;
			big_shift(&t, 128 - len);
			if (len <= 128 && exact_max == q - 1)
				exact_max = q;
			log2 = len - 1;
		} else {
			big_set(&num, 1);
			big_shift(&num, 127 + len);
			big_div(&t, &num, &p);
			log2 = -len;
		}
		/* number.c finds the scale from number_flog2_pow10 */
		if (number_flog2_pow10(q) - q != log2)
			fail("floor(log2(5^q)) is not flog2_pow10(q) - q", q);
		if (big_bitlen(&t) != 128)
			fail("a power of five is not normalised", q);
		printf("\t{ 0x%016llxu, 0x%016llxu }, /* 5^%d */\n",
		       (unsigned long long)big_u64(&t, 64),
		       (unsigned long long)big_u64(&t, 0), q);
	}
	printf("};\n#define NUMBER_POW5_EXACT_MAX %d\n\n", exact_max);
}

static void g_table(void)
{
	struct big p, num, g;

	printf("#define NUMBER_G_MIN (-324)\n#define NUMBER_G_MAX 292\n");
	printf("static const uint64_t number_g[][2] = {\n");
	for (int k = -324; k <= 292; k++) {
		int e = -k, len, r;

		big_pow(&p, 10, e < 0 ? -e : e);
		len = big_bitlen(&p);
		if (e >= 0) {
			r = len - 1;
			g = p;
			big_shift(&g, 125 - r);
		} else {
			r = -len;
			big_set(&num, 1);
			big_shift(&num, 125 - r);
			big_div(&g, &num, &p);
		}
		if (r != number_flog2_pow10(e))
			fail("floor(log2(10^-k)) is not flog2_pow10(-k)", k);
		big_add1(&g);
		if (big_bitlen(&g) != 126)
			fail("g is not in [2^125, 2^126)", k);
		printf("\t{ 0x%016llxu, 0x%016llxu }, /* 10^%d */\n",
		       (unsigned long long)big_u64(&g, 63),
		       (unsigned long long)(big_u64(&g, 0) & ~(1ull << 63)),
		       e);
	}
	printf("};\n");
}

int main(void)
{
	check_logs();
	printf("/* Generated by scripts/gen-number-tables.c: not committed, "
	       "not edited. */\n#include <stdint.h>\n\n");
	pow5_table();
	g_table();
	if (fflush(stdout) || ferror(stdout))
		fail("cannot write", 0);
	return 0;
}
