#include "label.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "../core/jsonutil.h"
#include "../core/number.h"
#include "../core/strbuf.h"

/* A label's JSON: an integer's digits as a number, else a string. */
static char *class_json(const char *label)
{
	size_t i = label[0] == '-';
	int integer = label[i] && strlen(label) <= 18 &&
		      !(label[i] == '0' && (label[i + 1] || i));
	json_t *v;
	char *out;

	for (; integer && label[i]; i++)
		integer = label[i] >= '0' && label[i] <= '9';
	v = integer ? json_integer(strtoll(label, NULL, 10))
		    : json_string(label);
	if (!v)
		return NULL; /* not UTF-8 */
	out = json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT);
	json_decref(v);
	return out;
}

static char *number_json(double x)
{
	json_t *v = json_number(x);
	struct strbuf sb = STRBUF_INIT;

	json_dump_strbuf(v, JSON_DUMP_COMPACT | JSON_ENCODE_ANY, &sb);
	json_decref(v);
	return strbuf_detach(&sb);
}

/* The class a boolean's text names (true or false in any case: JSON's,
 * pandas' "True"): a class of that name, in its case first; else, for
 * a model whose two classes are 0 and 1, 1 or 0. */
static const char *find_boolean_class(const struct label_rules *r,
				      const char *text)
{
	double a, b;
	int t = tolower((unsigned char)text[0]) == 't';

	for (size_t i = 0; i < r->nclasses; i++)
		if (!strcmp(r->classes[i], text))
			return r->classes[i];
	for (size_t i = 0; i < r->nclasses; i++)
		if (!strcasecmp(r->classes[i], text))
			return r->classes[i];
	if (r->nclasses != 2 || number_parse_str(r->classes[0], &a) ||
	    number_parse_str(r->classes[1], &b) ||
	    !((a == 0 && b == 1) || (a == 1 && b == 0)))
		return NULL;
	return r->classes[(a == 1) == t ? 0 : 1];
}

/* The class text names: itself, or a class equal as a number ("1.0"
 * for the class 1); a boolean as above. */
static const char *find_class(const struct label_rules *r, const char *text)
{
	double x, y;

	if (!strcasecmp(text, "true") || !strcasecmp(text, "false"))
		return find_boolean_class(r, text);
	for (size_t i = 0; i < r->nclasses; i++)
		if (!strcmp(r->classes[i], text))
			return r->classes[i];
	if (number_parse_str(text, &x))
		return NULL;
	for (size_t i = 0; i < r->nclasses; i++)
		if (!number_parse_str(r->classes[i], &y) && x == y)
			return r->classes[i];
	return NULL;
}

int label_from_text(const struct label_rules *r, const char *text,
		    char **json, const char **why)
{
	const char *c;
	double x;

	*json = NULL;
	if (!*text) {
		*why = "the label is empty";
		return -1;
	}
	if (!r->known) {
		if (!number_parse_str(text, &x) && isfinite(x))
			*json = number_json(x);
		else
			*json = class_json(text);
		if (!*json) {
			*why = "the label is not valid UTF-8";
			return -1;
		}
		return 0;
	}
	if (r->regression) {
		if (number_parse_str(text, &x) || !isfinite(x)) {
			*why = "a regressor's label must be a finite number";
			return -1;
		}
		*json = number_json(x);
		return 0;
	}
	c = find_class(r, text);
	if (!c) {
		*why = "not one of the model's class labels";
		return -1;
	}
	*json = class_json(c);
	return 0;
}

int label_from_json(const struct label_rules *r, const json_t *v,
		    char **json, const char **why)
{
	char buf[40];
	double x;

	*json = NULL;
	if (json_is_string(v)) {
		/* A string a regressor gets must still read as a number. */
		return label_from_text(r, json_string_value(v), json, why);
	}
	if (json_is_number(v)) {
		x = json_number_value(v);
		if (!isfinite(x)) {
			*why = "the label must be finite";
			return -1;
		}
		if (r->known && r->regression) {
			*json = number_json(x);
			return 0;
		}
		if (x == floor(x) && fabs(x) < 1e15)
			snprintf(buf, sizeof(buf), "%lld", (long long)x);
		else
			snprintf(buf, sizeof(buf), "%.17g", x);
		return label_from_text(r, buf, json, why);
	}
	if (json_is_boolean(v) && !(r->known && r->regression)) {
		return label_from_text(r, json_is_true(v) ? "true" : "false",
				       json, why);
	}
	*why = v ? "the label must be a number or a string"
		 : "no \"label\"";
	return -1;
}

int feedback_id_check(const char *id, size_t len, const char **why)
{
	json_t *utf8;

	if (!len) {
		*why = "the id is empty";
		return -1;
	}
	if (len > FEEDBACK_ID_MAX) {
		*why = "the id is longer than 256 bytes";
		return -1;
	}
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)id[i] < 0x20 || id[i] == 0x7f) {
			*why = "the id holds a control character";
			return -1;
		}
	utf8 = json_stringn(id, len);
	if (!utf8) {
		*why = "the id is not valid UTF-8";
		return -1;
	}
	json_decref(utf8);
	return 0;
}
