#include "number.h"

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "strbuf.h"

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
static int fast_path(uint64_t m, int digits, int e10, int neg, double *out)
{
	static const double p10[] = {
		1e0,  1e1,  1e2,  1e3,	1e4,  1e5,  1e6,  1e7,
		1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
		1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
	};

	if (digits > 15 || e10 < -22 || e10 > 22)
		return -1;
	*out = e10 < 0 ? (double)m / p10[-e10] : (double)m * p10[e10];
	if (neg && *out != 0)
		*out = -*out;
	return 0;
}

int number_parse(const char *s, size_t len, double *out)
{
	const char *p, *end = s + len, *start;
	char small[64], *copy;
	uint64_t m = 0;
	int neg = 0, digits = 0, any = 0, e10 = 0, rc = 0;
	long e = 0;

	if (memchr(s, '\0', len))
		return NUMBER_NUL;
	while (s < end && *s == ' ')
		s++;
	while (end > s && end[-1] == ' ')
		end--;
	if (s == end)
		return NUMBER_EMPTY;
	p = start = s;
	if (*p == '-' || *p == '+')
		neg = *p++ == '-';
	for (; p < end && is_digit(*p); p++, any = 1) {
		if (m || *p != '0')
			digits++;
		if (digits <= 19)
			m = m * 10 + (uint64_t)(*p - '0');
		else
			e10++;
	}
	if (p < end && *p == '.')
		for (p++; p < end && is_digit(*p); p++, any = 1) {
			if (m || *p != '0')
				digits++;
			if (digits <= 19) {
				m = m * 10 + (uint64_t)(*p - '0');
				e10--;
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
			if (e < 100000)
				e = e * 10 + (*p - '0');
		if (eneg)
			e = -e;
	}
	if (p != end)
		return NUMBER_SYNTAX;
	if (!fast_path(m, digits, e10 + (int)e, neg, out))
		return NUMBER_OK;
	/* The grammar is checked: strtod sees only a plain decimal. */
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

void number_shortest(double x, char *buf, size_t size)
{
	if (x == floor(x) && fabs(x) <= 9007199254740992.0) {
		snprintf(buf, size, "%.0f", x == 0 ? 0.0 : x);
		return;
	}
	for (int prec = 1; prec <= 17; prec++) {
		snprintf(buf, size, "%.*g", prec, x);
		if (strtod(buf, NULL) == x)
			return;
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
