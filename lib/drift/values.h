/* A numeric column's sample, held compactly where that loses nothing:
 * while every value is a decimal m / 10^scale with m a 32-bit integer
 * (what CSV files of measurements mostly hold: "123.4567", "42"), 4
 * bytes a value instead of 8; the first value that is not turns the
 * column into doubles. The doubles given back are exactly the ones
 * parsing the text gives: m and 10^scale (scale <= 9) are exact
 * doubles, and IEEE 754 rounds their quotient correctly, as
 * number_parse rounds the decimal. Internal to lib/drift. */
#ifndef MLOPS_DRIFT_VALUES_H
#define MLOPS_DRIFT_VALUES_H

#include <stddef.h>
#include <stdint.h>

struct dbuf {
	double *v;   /* the values as doubles (wide, or after values_doubles) */
	int32_t *m;  /* compact: value i is m[i] / 10^scale */
	size_t n, cap;
	int scale;
	int wide;    /* 0: compact (the zeroed start) */
};

/* The largest scale held compact: 10^9 keeps m * 10 within int64 when
 * rescaling, and every power an exact double. */
#define VALUES_MAX_SCALE 9

/* Appends the decimal mant / 10^scale (0 <= scale <= VALUES_MAX_SCALE,
 * |mant| < 10^15). */
void values_push_decimal(struct dbuf *b, int64_t mant, int scale);
/* Appends a double (finite; -0 already made 0). */
void values_push(struct dbuf *b, double x);
/* The values as doubles, in b->v (the compact form is freed). With
 * sorted: compact values are sorted first (4-byte keys sort faster than
 * 8-byte ones, and the map to doubles keeps their order), and *sorted
 * says whether they were. */
double *values_doubles(struct dbuf *b, int *sorted);
void values_free(struct dbuf *b);

/* s[0..len) when it is a plain decimal: an optional '-' or '+', digits,
 * optionally a '.' and more digits, at most 15 digits in all (so that mant is an exact double) and at most
 * VALUES_MAX_SCALE after the point. 1 and *mant, *scale; 0 otherwise
 * (the caller parses it the general way). */
int values_decimal(const char *s, size_t len, int64_t *mant, int *scale);

#endif
