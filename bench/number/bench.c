/* bench/number: core/number.h against libc on one column of N numbers,
 * in one process (see run). Parsing: the credit-risk example's cells
 * ("69658.5", "0.3124", "728", ...: what a CSV holds) and random doubles
 * as %.17g wrote them, number_parse vs strtod. Formatting: random
 * doubles (uniform in [0, 1e6) and in [0, 1): values and probabilities)
 * number_format vs snprintf "%.17g" and vs the shortest-by-search that
 * number_shortest was (%.1g, %.2g, ... until strtod reads it back); a
 * float32 model's outputs, number_format_float vs "%.9g". Each figure is
 * the best of RUNS passes (default 3).
 * Built with -DPARSE_ONLY against an older libmlops.a (run's BASE_LIB) it
 * times that library's number_parse alone. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lib/core/number.h"

/* CPU time of this thread: on a shared machine wall time measures the
 * neighbours too. */
static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int runs = 3;

static uint64_t state = 88172645463325252u;

static uint64_t next(void)
{
	state ^= state << 13;
	state ^= state >> 7;
	state ^= state << 17;
	return state;
}

static double uniform(void)
{
	return (double)(next() >> 11) / 9007199254740992.0;
}

struct column {
	char *text; /* values, each ending in '\n' */
	size_t len, n;
};

static void add(struct column *c, const char *s, size_t len)
{
	memcpy(c->text + c->len, s, len);
	c->len += len;
	c->text[c->len++] = '\n';
	c->n++;
}

/* The non-empty cells of a CSV file, header aside, cycled to n. */
static void from_csv(struct column *c, const char *path, size_t n)
{
	FILE *f = fopen(path, "rb");
	char line[4096];
	size_t cells = 0, cap = 1 << 20;
	char *all = malloc(cap), *p, *q;

	if (!f || !all)
		exit(2);
	if (!fgets(line, sizeof(line), f))
		exit(2);
	while (fgets(line, sizeof(line), f))
		for (p = line; *p && *p != '\n'; p = *q ? q + 1 : q) {
			q = p + strcspn(p, ",\n");
			if (q == p) /* missing: no number to parse */
				continue;
			if (cells + (size_t)(q - p) + 1 > cap)
				exit(2);
			memcpy(all + cells, p, (size_t)(q - p));
			cells += (size_t)(q - p);
			all[cells++] = '\n';
		}
	fclose(f);
	c->text = malloc(n * 24 + 1);
	for (p = all; c->n < n; p = q + 1) {
		if (p >= all + cells)
			p = all;
		q = memchr(p, '\n', (size_t)(all + cells - p));
		add(c, p, (size_t)(q - p));
	}
	free(all);
}

static void random_17g(struct column *c, size_t n)
{
	char buf[32];

	c->text = malloc(n * 26 + 1);
	while (c->n < n) {
		int len = snprintf(buf, sizeof(buf), "%.17g",
				   uniform() * (c->n & 1 ? 1e6 : 1));

		add(c, buf, (size_t)len);
	}
}

/* ns per value, and a sum so that nothing is optimised away */
static double time_parse_once(const struct column *c, int libc, double *sum)
{
	const char *p = c->text, *end = c->text + c->len;
	double t0 = now(), s = 0, x;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));

		if (libc) {
			x = strtod(p, NULL);
		} else if (number_parse(p, (size_t)(nl - p), &x)) {
			exit(3);
		}
		s += x;
		p = nl + 1;
	}
	*sum = s;
	return (now() - t0) * 1e9 / (double)c->n;
}

/* The best of runs: what the code costs, not what the neighbours did. */
static double time_parse(const struct column *c, int libc, double *sum)
{
	double best = time_parse_once(c, libc, sum);

	for (int i = 1; i < runs; i++) {
		double t = time_parse_once(c, libc, sum);

		best = t < best ? t : best;
	}
	return best;
}

static void parse_row(const char *what, const struct column *c)
{
	double a, b, sa, sb;

#ifdef PARSE_ONLY
	a = time_parse(c, 0, &sa);
	printf("parse %-22s base number_parse %6.1f ns/value\n", what, a);
	(void)b;
	(void)sb;
#else
	b = time_parse(c, 1, &sb);
	a = time_parse(c, 0, &sa);
	if (sa != sb) {
		fprintf(stderr, "bench/number: %s: sums differ\n", what);
		exit(3);
	}
	printf("parse %-22s number_parse %6.1f ns/value  strtod %6.1f "
	       "ns/value  %5.2fx\n", what, a, b, b / a);
#endif
}

#ifndef PARSE_ONLY
/* number_shortest before number_format: the fewest %g digits that
 * strtod reads back, found by trying each. */
static void shortest_by_search(double x, char *buf, size_t size)
{
	for (int prec = 1; prec <= 17; prec++) {
		snprintf(buf, size, "%.*g", prec, x);
		if (strtod(buf, NULL) == x)
			return;
	}
}

enum how { OURS, OURS_FLOAT, PRINTF17, PRINTF9, SEARCH };

static double time_format_once(const double *v, size_t n, enum how how,
			       size_t *bytes)
{
	char buf[40];
	size_t total = 0;
	double t0 = now();

	for (size_t i = 0; i < n; i++) {
		switch (how) {
		case OURS:
			total += number_format(v[i], buf);
			break;
		case OURS_FLOAT:
			total += number_format_float((float)v[i], buf);
			break;
		case PRINTF17:
			total += (size_t)snprintf(buf, sizeof(buf), "%.17g",
						  v[i]);
			break;
		case PRINTF9:
			total += (size_t)snprintf(buf, sizeof(buf), "%.9g",
						  v[i]);
			break;
		case SEARCH:
			shortest_by_search(v[i], buf, sizeof(buf));
			total += strlen(buf);
			break;
		}
	}
	*bytes = total;
	return (now() - t0) * 1e9 / (double)n;
}

static double time_format(const double *v, size_t n, enum how how,
			  size_t *bytes)
{
	double best = time_format_once(v, n, how, bytes);

	for (int i = 1; i < runs; i++) {
		double t = time_format_once(v, n, how, bytes);

		best = t < best ? t : best;
	}
	return best;
}

static void format_rows(size_t n)
{
	double *v = malloc(n * sizeof(double)), a, b, c;
	size_t ba, bb, bc, m = n / 10 ? n / 10 : 1;

	for (size_t i = 0; i < n; i++)
		v[i] = uniform() * (i & 1 ? 1e6 : 1);
	a = time_format(v, n, OURS, &ba);
	b = time_format(v, n, PRINTF17, &bb);
	c = time_format(v, m, SEARCH, &bc);
	printf("format doubles          number_format %6.1f ns/value  "
	       "%%.17g %6.1f ns/value  %5.2fx  (%.1f vs %.1f bytes/value)\n",
	       a, b, b / a, (double)ba / (double)n, (double)bb / (double)n);
	printf("format doubles          number_format %6.1f ns/value  "
	       "search (old number_shortest, %zu values) %6.1f ns/value  "
	       "%5.2fx\n", a, m, c, c / a);
	for (size_t i = 0; i < n; i++)
		v[i] = (float)uniform();
	a = time_format(v, n, OURS_FLOAT, &ba);
	b = time_format(v, n, PRINTF9, &bb);
	printf("format float32 outputs  number_format_float %6.1f ns/value  "
	       "%%.9g %6.1f ns/value  %5.2fx  (%.1f vs %.1f bytes/value)\n",
	       a, b, b / a, (double)ba / (double)n, (double)bb / (double)n);
	free(v);
}
#endif

int main(int argc, char **argv)
{
	size_t n = argc > 2 ? strtoul(argv[2], NULL, 10) : 10000000;

	if (argc > 3)
		runs = atoi(argv[3]) > 0 ? atoi(argv[3]) : 1;
	struct column typical = { 0 }, g17 = { 0 };

	if (argc < 2) {
		fprintf(stderr, "usage: bench CSV [N [RUNS]]\n");
		return 2;
	}
	from_csv(&typical, argv[1], n);
	random_17g(&g17, n);
	parse_row("CSV cells (credit-risk)", &typical);
	parse_row("random doubles %.17g", &g17);
#ifndef PARSE_ONLY
	format_rows(n);
#endif
	free(typical.text);
	free(g17.text);
	return 0;
}
