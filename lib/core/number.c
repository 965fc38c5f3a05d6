#include "number.h"

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "number_log.h"
#include "number_tables.h" /* generated: scripts/gen-number-tables.c */
#include "strbuf.h"

__extension__ typedef unsigned __int128 u128;

static int is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* The spellings strtod would turn into an infinity or a NaN. */
static int nonfinite_word(const char *s, size_t len)
{
	if (len && (*s == '+' || *s == '-')) {
		s++;
		len--;
	}
	return (len == 3 && (!strncasecmp(s, "inf", 3) ||
			     !strncasecmp(s, "nan", 3))) ||
	       (len == 8 && !strncasecmp(s, "infinity", 8)) ||
	       (len > 4 && !strncasecmp(s, "nan(", 4) && s[len - 1] == ')');
}

/* Digits that fit in 2^53 and a power of ten of at most 22 convert with
 * one exact operation (Clinger's fast path): the correctly rounded
 * result, as strtod's. */
static int fast_path(uint64_t m, int e10, int neg, double *out)
{
	static const double p10[] = {
		1e0,  1e1,  1e2,  1e3,	1e4,  1e5,  1e6,  1e7,
		1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
		1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
	};

	if (m > (1ull << 53) || e10 < -22 || e10 > 22)
		return -1;
	*out = e10 < 0 ? (double)m / p10[-e10] : (double)m * p10[e10];
	if (neg && *out != 0)
		*out = -*out;
	return 0;
}

/* w * 10^q correctly rounded, by Eisel and Lemire's method: w scaled to
 * 64 significant bits times 5^q to 128 bits (number_pow5, truncated)
 * gives the top of the exact product; 54 of its bits are the double's
 * 53 and the rounding bit. The truncation errs low by less than 2^64 in
 * the 192-bit product, so the bits kept are right unless every bit
 * between the kept ones and that error is one (a carry could reach
 * them): then nothing is decided here and 1 is returned, for the exact
 * path. Otherwise 0 (or NUMBER_RANGE for an infinity) and *out. For
 * 0 <= q <= NUMBER_POW5_EXACT_MAX the power is exact, the product too,
 * and a tie rounds to even; for other q the product is never exact, so
 * there are no ties to break. */
static int eisel_lemire(uint64_t w, int q, int neg, double *out)
{
	const uint64_t *t;
	uint64_t p0, p1, p2, m, below, bits;
	u128 lo, hi, mid;
	int lz, shift, e, exact = q >= 0 && q <= NUMBER_POW5_EXACT_MAX;

	if (w == 0 || q < NUMBER_POW5_MIN) {
		*out = 0; /* below half the smallest subnormal, or zero */
		return 0;
	}
	if (q > NUMBER_POW5_MAX) {
		*out = neg ? -HUGE_VAL : HUGE_VAL;
		return NUMBER_RANGE;
	}
	t = number_pow5[q - NUMBER_POW5_MIN];
	lz = __builtin_clzll(w);
	w <<= lz;
	lo = (u128)w * t[1];
	hi = (u128)w * t[0];
	mid = (lo >> 64) + (uint64_t)hi;
	p0 = (uint64_t)lo;
	p1 = (uint64_t)mid;
	p2 = (uint64_t)(hi >> 64) + (uint64_t)(mid >> 64);
	/* p2 has its top bit at 63 or 62: keep 54 bits of it */
	shift = 9 + (int)(p2 >> 63);
	m = p2 >> shift;
	below = p2 & ((1ull << shift) - 1);
	if (!exact && p1 == UINT64_MAX && below == (1ull << shift) - 1)
		return 1;
	/* w 10^q = p 2^(q - s - lz) where 5^q 2^s is in [2^127, 2^128):
	 * the biased exponent of m 2^(128 + shift + q - s - lz) */
	e = 1 + shift + number_flog2_pow10(q) - lz + 1076;
	if (e <= 0) {
		/* subnormal: round at a coarser bit; never a tie (above) */
		int drop = 1 - e;

		m = drop < 64 ? m >> drop : 0;
		bits = (m + (m & 1)) >> 1; /* 2^52 is the smallest normal */
	} else {
		if (exact && !p0 && !p1 && !below && (m & 3) == 1)
			m--; /* a tie, to even */
		m = (m + (m & 1)) >> 1;
		if (m >> 53) {
			m >>= 1;
			e++;
		}
		if (e >= 2047) {
			*out = neg ? -HUGE_VAL : HUGE_VAL;
			return NUMBER_RANGE;
		}
		bits = (uint64_t)e << 52 | (m & ((1ull << 52) - 1));
	}
	memcpy(out, &bits, sizeof(bits));
	if (neg && bits)
		*out = -*out;
	return 0;
}

static int parse(const char *s, size_t len, double *out)
{
	const char *p, *end = s + len, *start;
	char small[64], *copy;
	uint64_t m = 0;
	int neg = 0, digits = 0, any = 0, rc = 0, q;
	long long e10 = 0, e = 0;

	while (s < end && *s == ' ')
		s++;
	while (end > s && end[-1] == ' ')
		end--;
	if (s == end)
		return NUMBER_EMPTY;
	p = start = s;
	if (*p == '-' || *p == '+')
		neg = *p++ == '-';
	{
		/* The common case in one pass: at most 19 digits, so that m
		 * holds them all exactly (more wrap m around, and are read
		 * again below). */
		const char *d0 = p, *f0 = NULL;
		size_t nd;

		for (; p < end && is_digit(*p); p++)
			m = m * 10 + (uint64_t)(*p - '0');
		nd = (size_t)(p - d0);
		if (p < end && *p == '.')
			for (f0 = ++p; p < end && is_digit(*p); p++)
				m = m * 10 + (uint64_t)(*p - '0');
		nd += f0 ? (size_t)(p - f0) : 0;
		any = nd > 0;
		if (nd <= 19) {
			digits = (int)nd; /* significant ones: no more */
			e10 = f0 ? -(long long)(p - f0) : 0;
		} else {
			p = d0;
			m = 0;
			for (; p < end && is_digit(*p); p++) {
				if (m || *p != '0')
					digits++;
				if (digits <= 19)
					m = m * 10 + (uint64_t)(*p - '0');
				else
					e10++;
			}
			if (p < end && *p == '.')
				for (p++; p < end && is_digit(*p); p++) {
					if (m || *p != '0')
						digits++;
					if (digits <= 19) {
						m = m * 10 + (uint64_t)(*p - '0');
						e10--;
					}
				}
		}
	}
	if (!any)
		return nonfinite_word(s, (size_t)(end - s)) ? NUMBER_NONFINITE
							    : NUMBER_SYNTAX;
	if (p < end && (*p == 'e' || *p == 'E')) {
		int eneg = 0;

		p++;
		if (p < end && (*p == '-' || *p == '+'))
			eneg = *p++ == '-';
		if (p == end || !is_digit(*p))
			return NUMBER_SYNTAX;
		for (; p < end && is_digit(*p); p++)
			if (e < 100000000000000) /* past any field's length */
				e = e * 10 + (*p - '0');
		if (eneg)
			e = -e;
	}
	if (p != end)
		return NUMBER_SYNTAX;
	/* w 10^q: a q this far out is zero or infinity whatever w is */
	e += e10;
	q = e < -100000 ? -100000 : e > 100000 ? 100000 : (int)e;
	if (!fast_path(m, q, neg, out))
		return NUMBER_OK;
	if (digits <= 19 && (rc = eisel_lemire(m, q, neg, out)) <= 0)
		return rc;
	/* Digits beyond 19, or too close to call: strtod, exact, sees only
	 * a plain decimal (the grammar is checked). */
	rc = 0;
	len = (size_t)(end - start);
	copy = len < sizeof(small) ? small : xmalloc(len + 1);
	memcpy(copy, start, len);
	copy[len] = '\0';
	errno = 0;
	*out = strtod(copy, NULL);
	if (errno == ERANGE && isinf(*out))
		rc = NUMBER_RANGE;
	if (*out == 0)
		*out = 0; /* -0 and an underflow's sign */
	if (copy != small)
		free(copy);
	return rc;
}

/* A NUL byte is outside the grammar, so only a refused field can hold
 * one: look for it then, not in every field read. */
int number_parse(const char *s, size_t len, double *out)
{
	int rc = parse(s, len, out);

	if ((rc == NUMBER_SYNTAX || rc == NUMBER_NONFINITE) &&
	    memchr(s, '\0', len))
		return NUMBER_NUL;
	return rc;
}

int number_parse_str(const char *s, double *out)
{
	return number_parse(s, strlen(s), out);
}

const char *number_problem(int status)
{
	switch (status) {
	case NUMBER_OK:
		return "a number";
	case NUMBER_EMPTY:
		return "empty";
	case NUMBER_NONFINITE:
		return "not a finite number";
	case NUMBER_RANGE:
		return "out of range for a double";
	case NUMBER_NUL:
		return "contains a NUL byte";
	default:
		return "not a number";
	}
}

int number_check(double *x)
{
	if (!isfinite(*x))
		return NUMBER_NONFINITE;
	if (*x == 0)
		*x = 0;
	return NUMBER_OK;
}
