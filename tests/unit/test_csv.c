/* data/csv.h: the 16-bytes-at-a-time scanner (SSE2) and the portable one
 * split every input alike, and both give back the fields a generator
 * wrote: quoted fields with commas, quotes and newlines inside, CRLF,
 * empty fields, records longer than the read buffer, records across
 * 16-byte and buffer boundaries; random bytes too (the same records or
 * the same error from both). From memory and from a file descriptor
 * (the buffer refilled and moved). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/core/error.h"
#include "lib/core/strbuf.h"
#include "lib/data/csv.h"
#include "tap.h"

static uint64_t rng = 0x853c49e6748fea9bu;

static uint64_t next(void)
{
	return tap_splitmix64(&rng);
}

static size_t below(size_t n)
{
	return (size_t)(next() % n);
}

/* Everything a reader returns, as text: each record's fields (length,
 * bytes, quoted) and line, then the end or the error. */
static void read_all(struct csv_reader *r, struct strbuf *out)
{
	struct csv_field *f;
	size_t n, i;
	int rc;

	while ((rc = csv_next(r, &f, &n)) == 0) {
		strbuf_addf(out, "@%llu:", (unsigned long long)csv_line(r));
		for (i = 0; i < n; i++) {
			strbuf_addf(out, "[%zu%c", f[i].len, f[i].quoted ? 'q' : 'u');
			strbuf_add(out, f[i].p, f[i].len);
			strbuf_addch(out, ']');
		}
		strbuf_addch(out, '\n');
	}
	strbuf_addf(out, "rc %d %s\n", rc,
		    rc < 0 ? mlops_error_last()->message : "");
	mlops_error_clear();
}

static void parse_mem(const char *data, size_t len, int portable,
		      struct strbuf *out)
{
	struct csv_reader *r;

	csv_portable = portable;
	if (csv_open_mem(&r, data, len, "t.csv") == 0)
		read_all(r, out);
	csv_close(r);
	csv_portable = 0;
}

static void parse_fd(const char *data, size_t len, int portable,
		     struct strbuf *out)
{
	char path[] = "/tmp/test_csv.XXXXXX";
	int fd = mkstemp(path);
	struct csv_reader *r;

	if (fd < 0 || write(fd, data, len) != (ssize_t)len ||
	    lseek(fd, 0, SEEK_SET) != 0) {
		strbuf_addstr(out, "cannot write a temporary file");
		return;
	}
	unlink(path);
	csv_portable = portable;
	if (csv_open(&r, fd, "t.csv") == 0)
		read_all(r, out);
	csv_close(r);
	csv_portable = 0;
	close(fd);
}

/* A field for the generator: plain, empty, or quoted with what only
 * quoting allows. Appends its CSV text to csv and its value to want. */
static void gen_field(struct strbuf *csv, struct strbuf *want, int *quoted)
{
	static const char plain[] = "abcxyz0123456789.-+ e";
	static const char special[] = "ab,\"\n\r 9";
	size_t n = below(40), i;

	*quoted = below(4) == 0;
	if (below(5) == 0)
		n = 0;
	if (below(50) == 0)
		n = 16 + below(3000); /* long: across blocks */
	if (*quoted)
		strbuf_addch(csv, '"');
	for (i = 0; i < n; i++) {
		char c = *quoted ? special[below(sizeof(special) - 1)]
				 : plain[below(sizeof(plain) - 1)];

		strbuf_addch(want, c);
		if (c == '"')
			strbuf_addch(csv, '"');
		strbuf_addch(csv, c);
	}
	if (*quoted)
		strbuf_addch(csv, '"');
}

/* Records of random fields: the text, and what a reader must give. */
static void gen_csv(struct strbuf *csv, struct strbuf *want, size_t records)
{
	size_t r, i, line = 1;

	for (r = 0; r < records; r++) {
		size_t n = 1 + below(12);
		size_t start = line;
		struct strbuf rec = STRBUF_INIT;

		for (i = 0; i < n; i++) {
			struct strbuf v = STRBUF_INIT;
			size_t k;
			int q;

			if (i)
				strbuf_addch(csv, ',');
			gen_field(csv, &v, &q);
			/* the reader drops a CR that ends the record */
			if (i == n - 1 && !q && v.len && v.buf[v.len - 1] == '\r')
				v.buf[--v.len] = '\0';
			for (k = 0; k < v.len; k++)
				line += v.buf[k] == '\n';
			strbuf_addf(&rec, "[%zu%c", v.len, q ? 'q' : 'u');
			strbuf_add(&rec, v.buf, v.len);
			strbuf_addch(&rec, ']');
			strbuf_release(&v);
		}
		/* A single empty unquoted field would be an empty line. */
		if (n == 1 && !strncmp(rec.buf, "[0u]", 4)) {
			strbuf_addstr(csv, "x");
			strbuf_reset(&rec);
			strbuf_addstr(&rec, "[1ux]");
		}
		strbuf_addstr(csv, below(3) ? "\n" : "\r\n");
		strbuf_addf(want, "@%zu:%s\n", start, rec.buf);
		line++;
		strbuf_release(&rec);
	}
	strbuf_addstr(want, "rc 1 \n");
}

static int same(const struct strbuf *a, const struct strbuf *b)
{
	return a->len == b->len && !memcmp(a->buf, b->buf, a->len);
}

int main(void)
{
	int round, bad = 0;

	/* Generated CSV: both scanners give the generator's fields. */
	for (round = 0; round < 60; round++) {
		struct strbuf csv = STRBUF_INIT, want = STRBUF_INIT;
		struct strbuf m0 = STRBUF_INIT, m1 = STRBUF_INIT;
		struct strbuf f0 = STRBUF_INIT, f1 = STRBUF_INIT;

		gen_csv(&csv, &want, round < 50 ? 200 : 20000);
		parse_mem(csv.buf, csv.len, 0, &m0);
		parse_mem(csv.buf, csv.len, 1, &m1);
		parse_fd(csv.buf, csv.len, 0, &f0);
		parse_fd(csv.buf, csv.len, 1, &f1);
		if (!same(&m0, &want) || !same(&m1, &want) ||
		    !same(&f0, &want) || !same(&f1, &want)) {
			if (!bad++)
				ok(0, "round %d (%zu bytes): simd mem %d, portable "
				   "mem %d, simd fd %d, portable fd %d", round,
				   csv.len, same(&m0, &want), same(&m1, &want),
				   same(&f0, &want), same(&f1, &want));
		}
		strbuf_release(&csv);
		strbuf_release(&want);
		strbuf_release(&m0);
		strbuf_release(&m1);
		strbuf_release(&f0);
		strbuf_release(&f1);
	}
	ok(!bad, "60 generated files (up to %d records, 2 MB and more): "
	   "every field as written, from both scanners, memory and fd", 20000);

	/* Random bytes: the same records or the same error. */
	bad = 0;
	for (round = 0; round < 3000; round++) {
		static const char alphabet[] = ",,,\n\n\r\"\"a1 .\0";
		size_t len = below(round < 2900 ? 200 : 100000), i;
		char *data = malloc(len + 1);
		struct strbuf a = STRBUF_INIT, b = STRBUF_INIT;

		for (i = 0; i < len; i++)
			data[i] = alphabet[below(sizeof(alphabet) - 1)];
		parse_mem(data, len, 0, &a);
		parse_mem(data, len, 1, &b);
		if (!same(&a, &b) && !bad++)
			ok(0, "random input %d (%zu bytes) splits differently",
			   round, len);
		strbuf_release(&a);
		strbuf_release(&b);
		free(data);
	}
	ok(!bad, "3000 random inputs: both scanners alike");
	return done_testing();
}
