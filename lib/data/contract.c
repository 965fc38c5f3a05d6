#include "contract.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "../core/jsonutil.h"
#include "../core/number.h"

#define SHOWN_MAX 40

/* An excerpt of a value safe to print: at most SHOWN_MAX bytes, anything
 * unprintable escaped. */
static void show(struct strbuf *sb, const char *s, size_t len)
{
	size_t i;

	strbuf_reset(sb);
	for (i = 0; i < len && sb->len < SHOWN_MAX; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c >= 0x20 && c < 0x7f)
			strbuf_addch(sb, (char)c);
		else
			strbuf_addf(sb, "\\x%02x", c);
	}
	if (i < len)
		strbuf_addstr(sb, "...");
}

int contract_cell_number(const struct cell *c, double *out)
{
	if (c->kind == CELL_NUMBER) {
		*out = c->num;
		return number_check(out);
	}
	if (c->kind == CELL_TEXT)
		return number_parse(c->text, c->len, out);
	return NUMBER_SYNTAX;
}

static int parse_bool(const char *s, double *out)
{
	static const char *const yes[] = { "true", "1", "yes", "t", "y", NULL };
	static const char *const no[] = { "false", "0", "no", "f", "n", NULL };
	int i;

	if ((s[0] == '0' || s[0] == '1') && !s[1]) {
		*out = s[0] - '0';
		return 0;
	}
	for (i = 0; yes[i]; i++)
		if (!strcasecmp(s, yes[i])) {
			*out = 1;
			return 0;
		}
	for (i = 0; no[i]; i++)
		if (!strcasecmp(s, no[i])) {
			*out = 0;
			return 0;
		}
	return -1;
}

static int check_range(const struct field *f, double v, struct strbuf *problem)
{
	if (f->has_min && v < f->min) {
		strbuf_addf(problem, "below minimum %g", f->min);
		return 1;
	}
	if (f->has_max && v > f->max) {
		strbuf_addf(problem, "above maximum %g", f->max);
		return 1;
	}
	return 0;
}

int contract_convert(const struct field *f, const struct cell *c, double *out,
		     struct strbuf *problem, struct strbuf *shown)
{
	char num[64];
	double v;
	size_t i;
	int st;

	strbuf_reset(problem);
	strbuf_reset(shown);
	*out = NAN;
	switch (c->kind) {
	case CELL_ABSENT:
		if (f->required) {
			strbuf_addstr(problem, "missing");
			return 1;
		}
		return 0;
	case CELL_NULL:
		if (!f->nullable) {
			strbuf_addstr(problem, "null or empty, and not nullable");
			return 1;
		}
		return 0;
	case CELL_INVALID:
		strbuf_addstr(problem, "not a scalar value");
		return 1;
	default:
		break;
	}
	/* Numbers: number_parse finds a NUL itself, only in a field it
	 * refuses (not a look through every field read). */
	if (c->kind == CELL_TEXT && f->type != VT_FLOAT && f->type != VT_INT &&
	    memchr(c->text, '\0', c->len)) {
		strbuf_addstr(problem, number_problem(NUMBER_NUL));
		goto shown;
	}
	switch (f->type) {
	case VT_STRING:
		if (c->kind != CELL_TEXT) {
			strbuf_addstr(problem, "not a string");
			return 1;
		}
		return 0;
	case VT_BOOL:
		if (c->kind == CELL_BOOL)
			v = c->b;
		else if (c->kind == CELL_NUMBER && (c->num == 0 || c->num == 1))
			v = c->num;
		else if (c->kind != CELL_TEXT || parse_bool(c->text, &v)) {
			strbuf_addstr(problem, "not a boolean");
			goto shown;
		}
		*out = v;
		return 0;
	case VT_CATEGORY: {
		const char *s = c->text;

		if (c->kind == CELL_NUMBER) {
			number_shortest(c->num, num, sizeof(num));
			s = num;
		} else if (c->kind != CELL_TEXT) {
			strbuf_addstr(problem, "not a category");
			return 1;
		}
		for (i = 0; i < f->nvalues; i++)
			if (!strcmp(f->values[i], s)) {
				*out = (double)i;
				return 0;
			}
		if (f->unknown_missing) {
			*out = NAN;
			return 0;
		}
		strbuf_addstr(problem, "not one of the allowed values");
		if (c->kind == CELL_NUMBER)
			show(shown, num, strlen(num));
		else
			show(shown, c->text, c->len);
		return 1;
	}
	case VT_FLOAT:
	case VT_INT:
		st = contract_cell_number(c, &v);
		if (st == NUMBER_SYNTAX || st == NUMBER_EMPTY) {
			strbuf_addf(problem, "not %s",
				    f->type == VT_INT ? "an integer" : "a number");
			goto shown;
		}
		if (st) {
			strbuf_addstr(problem, number_problem(st));
			goto shown;
		}
		if (f->type == VT_INT && v != floor(v)) {
			strbuf_addstr(problem, "not an integer");
			goto shown;
		}
		if (check_range(f, v, problem))
			goto shown;
		*out = v;
		return 0;
	}
	return 0;
shown:
	if (c->kind == CELL_TEXT)
		show(shown, c->text, c->len);
	else if (c->kind == CELL_NUMBER) {
		show(shown, num, number_format(c->num, num));
	} else if (c->kind == CELL_BOOL)
		strbuf_addstr(shown, c->b ? "true" : "false");
	return 1;
}

void contract_report_init(struct contract_report *r, size_t ninputs,
			  size_t max_examples)
{
	memset(r, 0, sizeof(*r));
	r->ninputs = ninputs;
	r->per_input = xcalloc(ninputs + 1, sizeof(uint64_t));
	r->max_examples = max_examples;
	r->examples = xcalloc(max_examples + 1, sizeof(*r->examples));
}

void contract_report_add(struct contract_report *r, uint64_t row,
			 uint64_t line, int input, const char *column,
			 const char *problem, const char *value)
{
	struct violation *v;

	r->total++;
	if (input >= 0 && (size_t)input < r->ninputs)
		r->per_input[input]++;
	if (r->nexamples >= r->max_examples)
		return;
	v = &r->examples[r->nexamples++];
	v->row = row;
	v->line = line;
	v->input = input;
	v->column = xstrdup(column);
	v->problem = xstrdup(problem);
	v->value = value && *value ? xstrdup(value) : NULL;
}

json_t *contract_report_json(const struct contract_report *r,
			     const struct field *inputs)
{
	json_t *o = json_object(), *cols = json_object(), *ex = json_array();
	json_t *missing = json_array(), *unknown = json_array();
	size_t i;

	json_object_set_new(o, "rows", json_integer((json_int_t)r->rows));
	json_object_set_new(o, "invalid_rows",
			    json_integer((json_int_t)r->bad_rows));
	json_object_set_new(o, "violations", json_integer((json_int_t)r->total));
	for (i = 0; i < r->ninputs; i++)
		json_object_set_new(cols, inputs[i].name,
				    json_integer((json_int_t)r->per_input[i]));
	json_object_set_new(o, "by_column", cols);
	for (i = 0; i < r->nmissing; i++)
		json_array_append_new(missing, json_string(r->missing_columns[i]));
	json_object_set_new(o, "missing_columns", missing);
	for (i = 0; i < r->nunknown; i++)
		json_array_append_new(unknown, json_string(r->unknown_columns[i]));
	json_object_set_new(o, "unknown_columns", unknown);
	for (i = 0; i < r->nexamples; i++) {
		const struct violation *v = &r->examples[i];
		json_t *e = json_pack("{s:I, s:I, s:s, s:s}", "row",
				      (json_int_t)v->row, "line",
				      (json_int_t)v->line, "column", v->column,
				      "problem", v->problem);

		if (v->value)
			json_object_set_new(e, "value", json_string(v->value));
		json_array_append_new(ex, e);
	}
	json_object_set_new(o, "examples", ex);
	return o;
}

void contract_report_free(struct contract_report *r)
{
	size_t i;

	for (i = 0; i < r->nexamples; i++) {
		free(r->examples[i].column);
		free(r->examples[i].problem);
		free(r->examples[i].value);
	}
	free(r->examples);
	free(r->per_input);
	for (i = 0; i < r->nmissing; i++)
		free(r->missing_columns[i]);
	free(r->missing_columns);
	for (i = 0; i < r->nunknown; i++)
		free(r->unknown_columns[i]);
	free(r->unknown_columns);
	memset(r, 0, sizeof(*r));
}
