/* Numbers in outside data: one policy for every reader (CSV, JSON lines,
 * request bodies, profiles, option values). A number is a finite decimal:
 * an optional sign, digits with an optional fraction, an optional decimal
 * exponent, surrounding spaces allowed. Refused: inf, nan and their
 * spellings, hex floats, a magnitude beyond the largest double (1e400), a
 * NUL byte anywhere in the field, and anything else strtod would take
 * beyond that grammar. A value too small for a double rounds to zero (or a
 * subnormal) as IEEE 754 says; -0 is read as 0. Documented in
 * mlops.yaml(5), "Numbers in data". */
#ifndef MLOPS_CORE_NUMBER_H
#define MLOPS_CORE_NUMBER_H

#include <stddef.h>

enum number_status {
	NUMBER_OK = 0,
	NUMBER_EMPTY = -1,     /* nothing but spaces */
	NUMBER_SYNTAX = -2,    /* not a decimal number */
	NUMBER_NONFINITE = -3, /* inf, infinity, nan in any case and sign */
	NUMBER_RANGE = -4,     /* beyond the largest double */
	NUMBER_NUL = -5,       /* a NUL byte inside the field */
};

/* s[0..len) as a number. 0, or a negative enum number_status. */
int number_parse(const char *s, size_t len, double *out);
/* The same for a NUL-terminated string. */
int number_parse_str(const char *s, double *out);
/* "not a number", "not a finite number", ... for a status. */
const char *number_problem(int status);
/* Any non-finite double (a JSON reader's, a computation's) as the same
 * status: 0 when x is finite; -0 becomes 0. */
int number_check(double *x);

/* x as the shortest text that reads back as x: integers plainly (up to
 * 2^53), others with as few significant digits as that takes ("2.5",
 * "1e+21"). What a number sent for a category is compared as. */
void number_shortest(double x, char *buf, size_t size);

/* The most number_format and number_format_float write, with the NUL. */
#define NUMBER_FORMAT_MAX 32

/* x with the fewest significant digits that read back as x (nearest to x
 * among those), laid out as printf's "%.17g" lays out its digits: "0.1"
 * (not "0.10000000000000001"), "760", "1e-07", "1.5e+300", "-0", "inf",
 * "nan". Writes at most NUMBER_FORMAT_MAX bytes; returns the length. */
size_t number_format(double x, char *buf);
/* The same for a float (binary32: a float32 model's outputs): the fewest
 * digits that read back as that float, laid out as "%.9g" would. */
size_t number_format_float(float x, char *buf);

#endif
