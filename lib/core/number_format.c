/* Numbers written out: the shortest decimal that reads back as the same
 * double (or float), by Giulietti's Schubfach method ("The Schubfach way
 * to render doubles", 2020), then laid out as printf's %g lays out.
 *
 * The method: v = c 2^q lies in a rounding interval R (every real that
 * reads back as v: halfway to each neighbour, the ends included when c
 * is even). Pick k with 10^k no wider than R; then R holds at most one
 * multiple of 10^(k+1), and when it holds one that has the fewest digits;
 * otherwise the answer is one of s 10^k, (s+1) 10^k with s = floor(v /
 * 10^k), whichever lies in R, the nearer to v when both do. v 10^-k and
 * the ends of R are computed as 4 v 10^-k times a 126-bit approximation
 * g of a power of ten (number_g, generated), rounded to odd, which the
 * paper shows tells every comparison exactly. */
#include "number.h"

#include <math.h>
#include <stdint.h>
#include <string.h>

#include "number_log.h"
#include "number_tables.h" /* generated: scripts/gen-number-tables.c */

__extension__ typedef unsigned __int128 u128;

#define MASK63 ((1ull << 63) - 1)
#define MASK32 ((1ull << 32) - 1)

/* floor(g cp / 2^127), its lowest bit set when that drops a fraction */
static uint64_t rop(const uint64_t *g, uint64_t cp)
{
	u128 x = (u128)g[1] * cp, y = (u128)g[0] * cp;
	uint64_t z = ((uint64_t)y >> 1) + (uint64_t)(x >> 64);
	uint64_t whole = (uint64_t)(y >> 64) + (z >> 63);

	return whole | ((z & MASK63) + MASK63) >> 63;
}

/* The float's version: a 64-bit g (rounded up) is enough. */
static uint64_t rop32(uint64_t g, uint64_t cp)
{
	uint64_t x = (uint64_t)(((u128)g * cp) >> 64);

	return x >> 31 | ((x & MASK32) + MASK32) >> 32;
}

/* The choice among the candidates once vb, vbl, vbr (4 v 10^-k and the
 * ends of R, rounded to odd) are known. out: whether R is open. */
static uint64_t choose(uint64_t vb, uint64_t vbl, uint64_t vbr, int out)
{
	uint64_t s = vb >> 2, t;

	if (s >= 10) { /* one digit fewer: a multiple of 10^(k+1) */
		uint64_t u = s / 10 * 10, w = u + 10;
		int uin = vbl + (uint64_t)out <= u << 2;
		int win = (w << 2) + (uint64_t)out <= vbr;

		if (uin != win)
			return uin ? u : w;
	}
	t = s + 1;
	{
		int uin = vbl + (uint64_t)out <= s << 2;
		int win = (t << 2) + (uint64_t)out <= vbr;
		uint64_t mid = (s + t) << 1;

		if (uin != win)
			return uin ? s : t;
		return vb < mid || (vb == mid && !(s & 1)) ? s : t;
	}
}

/* v = c 2^q (a double's significand and exponent) as f 10^k. */
static uint64_t decimal_double(uint64_t c, int q, int *k)
{
	uint64_t cb = c << 2, cbl;
	const uint64_t *g;
	int h;

	if (c != 1ull << 52 || q == -1074) {
		cbl = cb - 2;
		*k = number_flog10_pow2(q);
	} else {
		/* at a power of two the lower neighbour is nearer */
		cbl = cb - 1;
		*k = number_flog10_three_quarters_pow2(q);
	}
	h = q + number_flog2_pow10(-*k) + 2;
	g = number_g[*k - NUMBER_G_MIN];
	return choose(rop(g, cb << h), rop(g, cbl << h), rop(g, (cb + 2) << h),
		      (int)(c & 1));
}

static uint64_t decimal_float(uint64_t c, int q, int *k)
{
	uint64_t cb = c << 2, cbl, g;
	int h;

	if (c != 1u << 23 || q == -149) {
		cbl = cb - 2;
		*k = number_flog10_pow2(q);
	} else {
		cbl = cb - 1;
		*k = number_flog10_three_quarters_pow2(q);
	}
	h = q + number_flog2_pow10(-*k) + 33;
	g = number_g[*k - NUMBER_G_MIN][0] + 1;
	return choose(rop32(g, cb << h), rop32(g, cbl << h),
		      rop32(g, (cb + 2) << h), (int)(c & 1));
}

/* printf's spellings of what has no digits; 0 when x has digits. */
static size_t special(double x, char *buf)
{
	const char *s = NULL;

	if (isnan(x))
		s = signbit(x) ? "-nan" : "nan";
	else if (isinf(x))
		s = x < 0 ? "-inf" : "inf";
	else if (x == 0)
		s = signbit(x) ? "-0" : "0";
	if (!s)
		return 0;
	memcpy(buf, s, strlen(s) + 1);
	return strlen(s);
}

/* v as exactly four (eight) digits, leading zeros kept: independent
 * 32-bit steps rather than one long chain of 64-bit divisions by ten. */
static void four_digits(char *o, uint32_t v)
{
	uint32_t a = v / 100, b = v % 100;

	o[0] = (char)('0' + a / 10);
	o[1] = (char)('0' + a % 10);
	o[2] = (char)('0' + b / 10);
	o[3] = (char)('0' + b % 10);
}

static void eight_digits(char *o, uint32_t v)
{
	four_digits(o, v / 10000);
	four_digits(o + 4, v % 10000);
}

/* f 10^k as %g lays out p significant digits: plain when the exponent of
 * the leading digit is at least -4 and below p, else d.ddde+XX; never a
 * trailing zero or point. p = 0: p is f's own digit count. */
static size_t layout(char *buf, int neg, uint64_t f, int k, int p)
{
	char d[24], *o = buf;
	uint64_t hi = f / 100000000;
	int n = 8, i = 0, x;

	/* f < 2^64 < 10^24: up to three groups of eight */
	if (hi >= 100000000) {
		eight_digits(d, (uint32_t)(hi / 100000000));
		eight_digits(d + 8, (uint32_t)(hi % 100000000));
		n = 16;
	} else if (hi) {
		eight_digits(d, (uint32_t)hi);
		n = 8;
	} else {
		n = 0;
	}
	eight_digits(d + n, (uint32_t)(f % 100000000));
	n += 8;
	while (i < n - 1 && d[i] == '0')
		i++;
	n -= i;
	memmove(d, d + i, (size_t)n);
	while (n > 1 && d[n - 1] == '0') {
		n--;
		k++;
	}
	x = k + n - 1;
	if (!p)
		p = n;
	if (neg)
		*o++ = '-';
	if (x < -4 || x >= p) {
		int ax = x < 0 ? -x : x;

		*o++ = d[0];
		if (n > 1) {
			*o++ = '.';
			memcpy(o, d + 1, (size_t)n - 1);
			o += n - 1;
		}
		*o++ = 'e';
		*o++ = x < 0 ? '-' : '+';
		if (ax >= 100)
			*o++ = (char)('0' + ax / 100);
		*o++ = (char)('0' + ax / 10 % 10);
		*o++ = (char)('0' + ax % 10);
	} else if (x < 0) {
		*o++ = '0';
		*o++ = '.';
		for (i = -1; i > x; i--)
			*o++ = '0';
		memcpy(o, d, (size_t)n);
		o += n;
	} else if (n <= x + 1) {
		memcpy(o, d, (size_t)n);
		o += n;
		for (i = n; i <= x; i++)
			*o++ = '0';
	} else {
		memcpy(o, d, (size_t)x + 1);
		o += x + 1;
		*o++ = '.';
		memcpy(o, d + x + 1, (size_t)(n - x - 1));
		o += n - x - 1;
	}
	*o = '\0';
	return (size_t)(o - buf);
}

/* A finite non-zero double's shortest digits: f 10^k. */
static uint64_t shortest_double(double x, int *k)
{
	uint64_t bits, c;
	int be, q;

	memcpy(&bits, &x, sizeof(bits));
	be = (int)(bits >> 52 & 0x7ff);
	c = bits & ((1ull << 52) - 1);
	if (!be)
		return decimal_double(c, -1074, k);
	c |= 1ull << 52;
	q = be - 1075;
	/* an integer below 2^53 is its own shortest form */
	if (q < 0 && q > -53 && !(c & ((1ull << -q) - 1))) {
		*k = 0;
		return c >> -q;
	}
	return decimal_double(c, q, k);
}

size_t number_format(double x, char *buf)
{
	uint64_t f;
	size_t n = special(x, buf);
	int k;

	if (n)
		return n;
	f = shortest_double(x, &k);
	return layout(buf, x < 0, f, k, 17);
}

size_t number_format_float(float x, char *buf)
{
	uint32_t bits;
	uint64_t f, c;
	size_t n = special(x, buf);
	int be, k;

	if (n)
		return n;
	memcpy(&bits, &x, sizeof(bits));
	be = (int)(bits >> 23 & 0xff);
	c = bits & ((1u << 23) - 1);
	if (be)
		f = decimal_float(c | 1u << 23, be - 150, &k);
	else
		f = decimal_float(c, -149, &k);
	return layout(buf, x < 0, f, k, 9);
}

void number_shortest(double x, char *buf, size_t size)
{
	char tmp[NUMBER_FORMAT_MAX];
	size_t n;
	int k;

	if (x == 0)
		x = 0; /* -0 is "0" */
	n = special(x, tmp);
	if (!n) {
		uint64_t f = shortest_double(x, &k);
		int plain = x == floor(x) && fabs(x) <= 9007199254740992.0;

		n = layout(tmp, x < 0, f, k, plain ? 17 : 0);
	}
	if (!size)
		return;
	if (n >= size)
		n = size - 1;
	memcpy(buf, tmp, n);
	buf[n] = '\0';
}
