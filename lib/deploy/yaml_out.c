#include "yaml_out.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

static void scalar(struct strbuf *o, const json_t *j)
{
	char *t;

	if (json_is_object(j)) {
		strbuf_addstr(o, "{}");
		return;
	}
	if (json_is_array(j)) {
		strbuf_addstr(o, "[]");
		return;
	}
	t = json_dumps(j, JSON_ENCODE_ANY | JSON_COMPACT);
	strbuf_addstr(o, t ? t : "null");
	free(t);
}

/* A key YAML reads back as that string: a letter first, then letters,
 * digits, '.', '_', '/' and '-', and none of YAML 1.1's booleans. */
static int plain_key(const char *k)
{
	static const char *const words[] = { "y", "n", "yes", "no", "on",
					     "off", "true", "false", "null",
					     NULL };
	size_t i;

	if (!((*k >= 'a' && *k <= 'z') || (*k >= 'A' && *k <= 'Z')))
		return 0;
	for (i = 0; words[i]; i++)
		if (!strcasecmp(k, words[i]))
			return 0;
	for (; *k; k++)
		if (!((*k >= 'a' && *k <= 'z') || (*k >= 'A' && *k <= 'Z') ||
		      (*k >= '0' && *k <= '9') || strchr("._/-", *k)))
			return 0;
	return 1;
}

static int nested(const json_t *v)
{
	return (json_is_object(v) && json_object_size(v)) ||
	       (json_is_array(v) && json_array_size(v));
}

static void value(struct strbuf *o, const json_t *v, int indent);

/* The first key follows whatever is on the line already ("- "). */
static void map(struct strbuf *o, const json_t *j, int indent, int inline_first)
{
	const char *k;
	const json_t *v;

	json_object_foreach((json_t *)j, k, v) {
		json_t *key = json_string(k);

		if (!inline_first)
			strbuf_addf(o, "%*s", indent, "");
		inline_first = 0;
		if (plain_key(k))
			strbuf_addstr(o, k);
		else
			scalar(o, key);
		json_decref(key);
		strbuf_addch(o, ':');
		if (nested(v)) {
			strbuf_addch(o, '\n');
			value(o, v, indent + 2);
		} else {
			strbuf_addch(o, ' ');
			scalar(o, v);
			strbuf_addch(o, '\n');
		}
	}
}

static void value(struct strbuf *o, const json_t *v, int indent)
{
	size_t i;
	const json_t *it;

	if (json_is_object(v)) {
		map(o, v, indent, 0);
		return;
	}
	json_array_foreach(v, i, it) {
		strbuf_addf(o, "%*s- ", indent, "");
		if (json_is_object(it) && json_object_size(it)) {
			map(o, it, indent + 2, 1);
		} else if (nested(it)) {
			strbuf_addch(o, '\n');
			value(o, it, indent + 2);
		} else {
			scalar(o, it);
			strbuf_addch(o, '\n');
		}
	}
}

void yaml_out(struct strbuf *out, const json_t *j)
{
	if (nested(j))
		value(out, j, 0);
	else
		scalar(out, j);
}
