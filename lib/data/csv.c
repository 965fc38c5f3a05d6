#include "csv.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "../core/error.h"
#include "../core/strbuf.h"

#define CHUNK (1u << 20)

struct csv_reader {
	int fd;
	char *name;
	char *buf;
	size_t cap, start, end; /* unread bytes are buf[start..end) */
	int eof, first;
	uint64_t line, next_line, consumed;
	struct csv_field *fields;
	size_t nfields, fields_alloc;
};

int csv_open(struct csv_reader **out, int fd, const char *name)
{
	struct csv_reader *r = xcalloc(1, sizeof(*r));

	r->fd = fd;
	r->name = xstrdup(name);
	r->cap = CHUNK + 1;
	r->buf = xmalloc(r->cap);
	r->first = 1;
	r->next_line = 1;
	*out = r;
	return 0;
}

int csv_open_mem(struct csv_reader **out, const void *data, size_t len,
		 const char *name)
{
	struct csv_reader *r;

	csv_open(&r, -1, name);
	free(r->buf);
	r->cap = len + 1;
	r->buf = xmalloc(r->cap);
	memcpy(r->buf, data, len);
	r->end = len;
	r->eof = 1; /* refill never runs: nothing is ever moved */
	r->first = 0;
	if (len >= 3 && !memcmp(r->buf, "\xEF\xBB\xBF", 3)) {
		r->start = 3; /* UTF-8 byte-order mark */
		r->consumed = 3;
	}
	*out = r;
	return 0;
}

void csv_close(struct csv_reader *r)
{
	if (!r)
		return;
	free(r->buf);
	free(r->name);
	free(r->fields);
	free(r);
}

uint64_t csv_line(const struct csv_reader *r)
{
	return r->line;
}

uint64_t csv_offset(const struct csv_reader *r)
{
	return r->consumed;
}

static int csv_err(struct csv_reader *r, uint64_t line, const char *what)
{
	mlops_error_set(MLOPS_EINPUT, "%s:%llu: %s", r->name,
			(unsigned long long)line, what);
	mlops_error_location(r->name, (unsigned)line, 0);
	return MLOPS_EINPUT;
}

/* Moves unread bytes to the front, grows when full, reads more. 0, or 1
 * at the end of the input. */
static int refill(struct csv_reader *r)
{
	size_t left = r->end - r->start;
	ssize_t n;

	if (r->eof)
		return 1;
	if (r->start) {
		memmove(r->buf, r->buf + r->start, left);
		r->start = 0;
		r->end = left;
	}
	if (r->cap - 1 - r->end < CHUNK / 2) {
		if (r->cap > CSV_MAX_RECORD + CHUNK)
			return csv_err(r, r->next_line, "a record is longer "
				       "than 64 MiB");
		r->cap = r->cap * 2;
		r->buf = xrealloc(r->buf, r->cap);
	}
	do
		n = read(r->fd, r->buf + r->end, r->cap - 1 - r->end);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return mlops_error_errno(MLOPS_EIO, errno, "cannot read '%s'",
					 r->name);
	if (n == 0) {
		r->eof = 1;
		return 1;
	}
	r->end += (size_t)n;
	if (r->first && r->end >= 3 && !memcmp(r->buf, "\xEF\xBB\xBF", 3)) {
		r->start = 3; /* UTF-8 byte-order mark */
		r->consumed += 3;
	}
	if (r->end >= 3 || r->eof)
		r->first = 0;
	return 0;
}

/* Finds the end of the record at buf[start]: the index of its newline,
 * or `end` when the input ends first. *lines counts newlines inside. */
static size_t record_end(struct csv_reader *r, int *complete,
			 uint64_t *lines, int *has_quote)
{
	char *p = r->buf + r->start, *e = r->buf + r->end;
	char *nl = memchr(p, '\n', (size_t)(e - p));
	int inq = 0;

	*lines = 0;
	*complete = 0;
	*has_quote = 0;
	/* The common case: no quote before the newline. */
	if (!memchr(p, '"', (size_t)((nl ? nl : e) - p))) {
		if (!nl)
			return r->end;
		*complete = 1;
		return (size_t)(nl - r->buf);
	}
	*has_quote = 1;
	for (; p < e; p++) {
		if (*p == '"')
			inq = !inq;
		else if (*p == '\n') {
			if (!inq) {
				*complete = 1;
				return (size_t)(p - r->buf);
			}
			(*lines)++;
		}
	}
	return r->end;
}

static void push_field(struct csv_reader *r, char *p, size_t len, int quoted)
{
	ARRAY_GROW(r->fields, r->nfields + 1, r->fields_alloc);
	r->fields[r->nfields].p = p;
	r->fields[r->nfields].len = len;
	r->fields[r->nfields].quoted = quoted;
	r->nfields++;
}

/* Splits buf[s..e) (no newline) into fields, in place, unquoting. */
static int split(struct csv_reader *r, char *s, char *e)
{
	r->nfields = 0;
	if (e > s && e[-1] == '\r')
		e--; /* CRLF */
	*e = '\0';
	for (;;) {
		if (*s == '"') {
			char *w = s, *p = s + 1;

			for (;;) {
				if (p >= e)
					return csv_err(r, r->line,
						       "a quoted field is not "
						       "closed");
				if (*p == '"') {
					if (p + 1 < e && p[1] == '"') {
						*w++ = '"';
						p += 2;
						continue;
					}
					p++;
					break;
				}
				*w++ = *p++;
			}
			if (p < e && *p != ',')
				return csv_err(r, r->line, "unexpected text "
					       "after a closing quote");
			*w = '\0';
			push_field(r, s, (size_t)(w - s), 1);
			if (p >= e)
				break;
			s = p + 1;
		} else {
			char *c = memchr(s, ',', (size_t)(e - s));

			if (!c) {
				push_field(r, s, (size_t)(e - s), 0);
				break;
			}
			*c = '\0';
			push_field(r, s, (size_t)(c - s), 0);
			s = c + 1;
		}
		if (r->nfields >= CSV_MAX_FIELDS)
			return csv_err(r, r->line, "too many fields");
	}
	return 0;
}

int csv_portable;

/* Bit i set when p[i] is a comma, a newline or a quote, for len <= 16
 * bytes: a byte at a time. */
static unsigned specials_portable(const char *p, size_t len)
{
	unsigned m = 0;
	size_t i;

	for (i = 0; i < len; i++)
		if (p[i] == ',' || p[i] == '\n' || p[i] == '"')
			m |= 1u << i;
	return m;
}

#ifdef __SSE2__
/* The same for 16 bytes in three compares (SSE2 is part of x86-64). */
static inline unsigned specials16(const char *p)
{
	__m128i v = _mm_loadu_si128((const __m128i *)(const void *)p);
	__m128i m = _mm_or_si128(
		_mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8(',')),
			     _mm_cmpeq_epi8(v, _mm_set1_epi8('\n'))),
		_mm_cmpeq_epi8(v, _mm_set1_epi8('"')));

	return (unsigned)_mm_movemask_epi8(m);
}
#else
#define specials16(p) specials_portable((p), 16)
#endif

static inline unsigned specials(const char *p, size_t len)
{
	if (len >= 16 && !csv_portable)
		return specials16(p);
	return specials_portable(p, len < 16 ? len : 16);
}

/* The common case in one pass: a record without quotes, split at commas
 * as they are found, 16 bytes at a time. 1: done; 0: it has a quote or
 * is cut off by the end of the buffer (every comma restored, for the
 * general path). */
static int fast_record(struct csv_reader *r)
{
	char *s = r->buf + r->start, *p, *e = r->buf + r->end, *f = s;
	size_t i;

	r->nfields = 0;
	for (p = s; p < e; p += 16) {
		unsigned m = specials(p, (size_t)(e - p));

		for (; m; m &= m - 1) {
			char *q = p + __builtin_ctz(m);

			if (*q == ',') {
				*q = '\0';
				push_field(r, f, (size_t)(q - f), 0);
				f = q + 1;
				if (r->nfields >= CSV_MAX_FIELDS)
					goto general;
			} else if (*q == '\n') {
				char *fe = q > f && q[-1] == '\r' ? q - 1 : q;

				*fe = '\0';
				push_field(r, f, (size_t)(fe - f), 0);
				r->line = r->next_line++;
				r->consumed += (uint64_t)(q - s) + 1;
				r->start = (size_t)(q - r->buf) + 1;
				return 1;
			} else {
				goto general; /* a quote */
			}
		}
	}
general:
	for (i = 0; i < r->nfields; i++)
		r->fields[i].p[r->fields[i].len] = ',';
	r->nfields = 0;
	return 0;
}

int csv_next(struct csv_reader *r, struct csv_field **fields, size_t *n)
{
	size_t end;
	uint64_t lines;
	int complete, has_quote, rc;

	if (r->start < r->end && fast_record(r)) {
		*fields = r->fields;
		*n = r->nfields;
		return 0;
	}
	for (;;) {
		if (r->start >= r->end) {
			rc = refill(r);
			if (rc)
				return rc;
			continue;
		}
		end = record_end(r, &complete, &lines, &has_quote);
		if (!complete && !r->eof) {
			rc = refill(r);
			if (rc < 0)
				return rc;
			continue;
		}
		break;
	}
	r->line = r->next_line;
	r->next_line += lines + (complete ? 1 : 0);
	r->consumed += end - r->start + (complete ? 1 : 0);
	/* buf has a spare byte past `end` for the terminating NUL. */
	rc = split(r, r->buf + r->start, r->buf + end);
	r->start = complete ? end + 1 : end;
	if (rc)
		return rc;
	*fields = r->fields;
	*n = r->nfields;
	return 0;
}
