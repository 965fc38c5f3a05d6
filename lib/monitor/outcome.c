#include "outcome.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../core/number.h"

/* Nesting skipped values may have: the stored rows are flat. */
#define MAX_DEPTH 32

struct js {
	const char *p;
};

static void ws(struct js *s)
{
	while (*s->p == ' ' || *s->p == '\t' || *s->p == '\n' || *s->p == '\r')
		s->p++;
}

static int eat(struct js *s, char c)
{
	ws(s);
	if (*s->p != c)
		return -1;
	s->p++;
	return 0;
}

static int hex4(const char *p, unsigned *out)
{
	unsigned v = 0;

	for (int i = 0; i < 4; i++) {
		char c = p[i];

		v <<= 4;
		if (c >= '0' && c <= '9')
			v |= (unsigned)(c - '0');
		else if (c >= 'a' && c <= 'f')
			v |= (unsigned)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			v |= (unsigned)(c - 'A' + 10);
		else
			return -1;
	}
	*out = v;
	return 0;
}

static void utf8(struct strbuf *sb, unsigned cp)
{
	if (cp < 0x80) {
		strbuf_addch(sb, (char)cp);
	} else if (cp < 0x800) {
		strbuf_addch(sb, (char)(0xC0 | (cp >> 6)));
		strbuf_addch(sb, (char)(0x80 | (cp & 0x3F)));
	} else if (cp < 0x10000) {
		strbuf_addch(sb, (char)(0xE0 | (cp >> 12)));
		strbuf_addch(sb, (char)(0x80 | ((cp >> 6) & 0x3F)));
		strbuf_addch(sb, (char)(0x80 | (cp & 0x3F)));
	} else {
		strbuf_addch(sb, (char)(0xF0 | (cp >> 18)));
		strbuf_addch(sb, (char)(0x80 | ((cp >> 12) & 0x3F)));
		strbuf_addch(sb, (char)(0x80 | ((cp >> 6) & 0x3F)));
		strbuf_addch(sb, (char)(0x80 | (cp & 0x3F)));
	}
}

static int escape(struct js *s, struct strbuf *sb)
{
	static const char from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";
	const char *e = strchr(from, *s->p);
	unsigned cp, lo;

	if (*s->p && e) {
		strbuf_addch(sb, to[e - from]);
		s->p++;
		return 0;
	}
	if (*s->p != 'u' || hex4(s->p + 1, &cp))
		return -1;
	s->p += 5;
	if (cp >= 0xD800 && cp < 0xDC00) {
		if (s->p[0] != '\\' || s->p[1] != 'u' || hex4(s->p + 2, &lo) ||
		    lo < 0xDC00 || lo > 0xDFFF)
			return -1;
		s->p += 6;
		cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
	} else if ((cp >= 0xDC00 && cp < 0xE000) || cp == 0) {
		return -1; /* a lone low surrogate; NUL ends C strings */
	}
	utf8(sb, cp);
	return 0;
}

static int string_onto(struct js *s, struct strbuf *sb)
{
	if (eat(s, '"'))
		return -1;
	for (;;) {
		const char *run = s->p;

		while (*s->p != '"' && *s->p != '\\' &&
		       (unsigned char)*s->p >= 0x20)
			s->p++;
		strbuf_add(sb, run, (size_t)(s->p - run));
		if (*s->p == '"')
			break;
		if (*s->p != '\\')
			return -1; /* a control character or the end */
		s->p++;
		if (escape(s, sb) < 0)
			return -1;
	}
	s->p++;
	strbuf_add(sb, "", 1);
	return 0;
}

/* A string's bytes, decoded, then a NUL, onto sb; sb NULL: skipped. */
static int string(struct js *s, struct strbuf *sb)
{
	struct strbuf junk = STRBUF_INIT;
	int rc = string_onto(s, sb ? sb : &junk);

	strbuf_release(&junk);
	return rc;
}

static int digits(struct js *s)
{
	const char *p = s->p;

	while (*s->p >= '0' && *s->p <= '9')
		s->p++;
	return s->p > p ? 0 : -1;
}

/* JSON's number grammar, then core/number's reading of it. */
static int number(struct js *s, double *out)
{
	const char *start;

	ws(s);
	start = s->p;
	if (*s->p == '-')
		s->p++;
	if (*s->p == '0')
		s->p++;
	else if (digits(s))
		return -1;
	if (*s->p == '.') {
		s->p++;
		if (digits(s))
			return -1;
	}
	if (*s->p == 'e' || *s->p == 'E') {
		s->p++;
		if (*s->p == '+' || *s->p == '-')
			s->p++;
		if (digits(s))
			return -1;
	}
	return number_parse(start, (size_t)(s->p - start), out) ? -1 : 0;
}

static int literal(struct js *s, const char *word)
{
	size_t n = strlen(word);

	if (strncmp(s->p, word, n))
		return -1;
	s->p += n;
	return 0;
}

static int skip_value(struct js *s, int depth)
{
	double x;
	char close;

	ws(s);
	switch (*s->p) {
	case '"':
		return string(s, NULL);
	case 't':
		return literal(s, "true");
	case 'f':
		return literal(s, "false");
	case 'n':
		return literal(s, "null");
	case '{':
	case '[':
		break;
	default:
		return number(s, &x);
	}
	if (depth >= MAX_DEPTH)
		return -1;
	close = *s->p == '{' ? '}' : ']';
	s->p++;
	if (!eat(s, close))
		return 0;
	do {
		if (close == '}' && (string(s, NULL) || eat(s, ':')))
			return -1;
		if (skip_value(s, depth + 1))
			return -1;
	} while (!eat(s, ','));
	return eat(s, close);
}

/* A scalar's text onto sb (NUL-terminated); *off where it starts. */
static int scalar(struct js *s, struct strbuf *sb, struct scalar *out,
		  size_t *off)
{
	char buf[40];

	ws(s);
	*off = sb->len;
	out->is_number = 0;
	if (*s->p == '"')
		return string(s, sb);
	if (!literal(s, "true") || !literal(s, "false")) {
		/* The word just read: "true" or "false". */
		strbuf_addstr(sb, s->p[-4] == 't' ? "true" : "false");
		strbuf_add(sb, "", 1);
		return 0;
	}
	if (number(s, &out->num))
		return -1;
	out->is_number = 1;
	number_shortest(out->num, buf, sizeof(buf));
	strbuf_add(sb, buf, strlen(buf) + 1);
	return 0;
}

static void grow(struct outcome_reader *r, size_t need)
{
	if (need <= r->alloc)
		return;
	r->alloc = need * 2;
	r->offsets = xrealloc(r->offsets, r->alloc * sizeof(*r->offsets));
	r->classes = xrealloc(r->classes, r->alloc * sizeof(*r->classes));
	r->probs = xrealloc(r->probs, r->alloc * sizeof(*r->probs));
}

static int probabilities(struct js *s, struct outcome_reader *r,
			 struct outcome_output *o)
{
	o->nclasses = 0;
	if (eat(s, '{'))
		return -1;
	if (!eat(s, '}'))
		return 0;
	do {
		if (o->nclasses == OUTCOME_MAX_CLASSES)
			return -1;
		grow(r, o->nclasses + 1);
		r->offsets[o->nclasses] = r->text.len;
		if (string(s, &r->text) || eat(s, ':') ||
		    number(s, &r->probs[o->nclasses]))
			return -1;
		o->nclasses++;
	} while (!eat(s, ','));
	return eat(s, '}');
}

int outcome_read_output(struct outcome_reader *r, const char *json,
			struct outcome_output *out)
{
	struct js s = { json };
	size_t pred_off = 0, i;
	int have_pred = 0;

	memset(out, 0, sizeof(*out));
	strbuf_reset(&r->text);
	if (eat(&s, '{'))
		return -1;
	if (!eat(&s, '}'))
		return -1;
	do {
		int rc;

		strbuf_reset(&r->key);
		if (string(&s, &r->key) || eat(&s, ':'))
			return -1;
		if (!strcmp(r->key.buf, "prediction")) {
			rc = scalar(&s, &r->text, &out->prediction, &pred_off);
			have_pred = 1;
		} else if (!strcmp(r->key.buf, "probability")) {
			rc = number(&s, &out->probability);
			out->has_probability = 1;
		} else if (!strcmp(r->key.buf, "probabilities")) {
			rc = probabilities(&s, r, out);
			out->has_probabilities = 1;
		} else {
			rc = skip_value(&s, 1);
		}
		if (rc)
			return -1;
	} while (!eat(&s, ','));
	if (eat(&s, '}') || !have_pred)
		return -1;
	ws(&s);
	if (*s.p)
		return -1;
	/* The buffer has stopped moving: pointers now. */
	out->prediction.text = r->text.buf + pred_off;
	for (i = 0; i < out->nclasses; i++)
		r->classes[i] = r->text.buf + r->offsets[i];
	out->classes = r->classes;
	out->probabilities = r->probs;
	return 0;
}

int outcome_read_label(struct outcome_reader *r, const char *json,
		       struct scalar *out)
{
	struct js s = { json };
	size_t off;

	strbuf_reset(&r->label);
	if (scalar(&s, &r->label, out, &off))
		return -1;
	ws(&s);
	if (*s.p)
		return -1;
	out->text = r->label.buf + off;
	return 0;
}

void outcome_reader_release(struct outcome_reader *r)
{
	strbuf_release(&r->text);
	strbuf_release(&r->label);
	strbuf_release(&r->key);
	free(r->offsets);
	free(r->classes);
	free(r->probs);
	memset(r, 0, sizeof(*r));
}
