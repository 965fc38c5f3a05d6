/* A minimal TAP producer for C unit tests, run under prove. */
#ifndef MLOPS_TEST_TAP_H
#define MLOPS_TEST_TAP_H

#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int tap_count, tap_failed;

static int ok(int cond, const char *fmt, ...)
	__attribute__((format(printf, 2, 3), unused));
static int ok(int cond, const char *fmt, ...)
{
	va_list ap;

	printf("%s %d - ", cond ? "ok" : "not ok", ++tap_count);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	if (!cond)
		tap_failed++;
	return cond;
}

#define is_int(got, want, name)                                              \
	do {                                                                 \
		long long g_ = (long long)(got), w_ = (long long)(want);     \
		if (!ok(g_ == w_, "%s", name))                               \
			printf("#   got %lld, want %lld\n", g_, w_);         \
	} while (0)

#define is_str(got, want, name)                                              \
	do {                                                                 \
		const char *g_ = (got), *w_ = (want);                        \
		int same_ = (g_ && w_) ? !strcmp(g_, w_) : g_ == w_;         \
		if (!ok(same_, "%s", name))                                  \
			printf("#   got '%s', want '%s'\n", g_ ? g_ : "(null)", \
			       w_ ? w_ : "(null)");                          \
	} while (0)

#define is_num(got, want, tol, name)                                         \
	do {                                                                 \
		double g_ = (got), w_ = (want);                              \
		if (!ok(fabs(g_ - w_) <= (tol), "%s", name))                 \
			printf("#   got %.17g, want %.17g\n", g_, w_);       \
	} while (0)

#define like(got, needle, name)                                              \
	do {                                                                 \
		const char *g_ = (got);                                      \
		if (!ok(g_ && strstr(g_, needle), "%s", name))               \
			printf("#   '%s' does not contain '%s'\n",           \
			       g_ ? g_ : "(null)", needle);                  \
	} while (0)

/* splitmix64: every bit pattern equally likely, a seed a sequence; for
 * tests that draw many random cases reproducibly. */
static inline uint64_t tap_splitmix64(uint64_t *state)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15u);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
	return z ^ (z >> 31);
}

static int done_testing(void) __attribute__((unused));
static int done_testing(void)
{
	printf("1..%d\n", tap_count);
	return tap_failed ? 1 : 0;
}

#endif
