/* Helpers for walking a YAML tree into typed structs, with errors at
 * file:line:col. */
#include "walk.h"

#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "../core/error.h"
#include "../core/strbuf.h"
#include "../core/suggest.h"

int walk_err_node(struct walker *w, const struct ynode *n, const char *fmt,
		    ...)
{
	struct strbuf msg = STRBUF_INIT;
	va_list ap;

	va_start(ap, fmt);
	strbuf_vaddf(&msg, fmt, ap);
	va_end(ap);
	mlops_error_set(MLOPS_EINPUT, "%s:%u:%u: %s", w->file, n->line, n->col,
			msg.buf);
	mlops_error_location(w->file, n->line, n->col);
	strbuf_release(&msg);
	return MLOPS_EINPUT;
}

void walk_hint_choices(const char *word, const char *const *choices)
{
	const char *near = suggest_closest(word, choices);
	struct strbuf sb = STRBUF_INIT;

	if (near) {
		mlops_error_hint("did you mean '%s'?", near);
		return;
	}
	for (; *choices; choices++)
		strbuf_addf(&sb, "%s%s", sb.len ? ", " : "", *choices);
	mlops_error_hint("expected one of: %s", sb.buf);
	strbuf_release(&sb);
}

int walk_want_kind(struct walker *w, const struct ynode *n,
		     enum ynode_kind kind, const char *what)
{
	static const char *const names[] = { "a scalar", "a list",
					     "a mapping" };

	if (n->kind == kind && !(kind == YNODE_SCALAR && ynode_is_null(n)))
		return 0;
	return walk_err_node(w, n, "%s must be %s, not %s", what, names[kind],
			ynode_kind_name(n));
}

int walk_check_keys(struct walker *w, const struct ynode *map,
		      const char *what, const char *const *known)
{
	size_t i;

	for (i = 0; i < map->n; i++) {
		const char *key = map->keys[i]->text;
		const char *const *k;

		for (k = known; *k; k++)
			if (!strcmp(*k, key))
				break;
		if (*k)
			continue;
		walk_err_node(w, map->keys[i], "unknown key '%s' in %s", key, what);
		walk_hint_choices(key, known);
		return MLOPS_EINPUT;
	}
	return 0;
}

int walk_require_key(struct walker *w, const struct ynode *map,
		       const char *key, const char *what,
		       const struct ynode **out)
{
	*out = ynode_map_get(map, key);
	if (*out)
		return 0;
	return walk_err_node(w, map, "%s: missing required key '%s'", what, key);
}

/* A non-null scalar, as written. */
int walk_get_str(struct walker *w, const struct ynode *map, const char *key,
		   int required, const char *what, char **out)
{
	const struct ynode *n = ynode_map_get(map, key);
	struct strbuf sb = STRBUF_INIT;
	int rc;

	*out = NULL;
	if (!n) {
		if (!required)
			return 0;
		return walk_err_node(w, map, "%s: missing required key '%s'", what,
				key);
	}
	strbuf_addf(&sb, "%s.%s", what, key);
	rc = walk_want_kind(w, n, YNODE_SCALAR, sb.buf);
	strbuf_release(&sb);
	if (rc)
		return rc;
	if (!n->text[0] || strlen(n->text) != n->text_len)
		return walk_err_node(w, n, "%s.%s must not be empty or hold NUL bytes",
				what, key);
	*out = xstrdup(n->text);
	return 0;
}

int walk_get_number(struct walker *w, const struct ynode *n,
		      const char *what, double *out)
{
	if (!ynode_number(n, out))
		return walk_err_node(w, n, "%s must be a number, not '%s'", what,
				n->kind == YNODE_SCALAR ? n->text : "...");
	return 0;
}

int walk_get_bool(struct walker *w, const struct ynode *map,
		    const char *key, int def, const char *what, int *out)
{
	const struct ynode *n = ynode_map_get(map, key);

	*out = def;
	if (!n)
		return 0;
	if (!ynode_bool(n, out))
		return walk_err_node(w, n, "%s.%s must be true or false, not '%s'",
				what, key,
				n->kind == YNODE_SCALAR ? n->text : "...");
	return 0;
}

int walk_get_enum(struct walker *w, const struct ynode *map,
		    const char *key, const char *const *names, int required,
		    const char *what, int *out)
{
	const struct ynode *n = ynode_map_get(map, key);
	int i;

	if (!n) {
		if (!required)
			return 0;
		return walk_err_node(w, map, "%s: missing required key '%s'", what,
				key);
	}
	if (n->kind == YNODE_SCALAR)
		for (i = 0; names[i]; i++)
			if (!strcmp(names[i], n->text)) {
				*out = i;
				return 0;
			}
	walk_err_node(w, n, "%s.%s: unknown value '%s'", what, key,
		 n->kind == YNODE_SCALAR ? n->text : "...");
	walk_hint_choices(n->kind == YNODE_SCALAR ? n->text : "", names);
	return MLOPS_EINPUT;
}

int walk_get_str_list(struct walker *w, const struct ynode *n,
			const char *what, char ***out, size_t *count)
{
	size_t i;
	int rc;

	rc = walk_want_kind(w, n, YNODE_SEQ, what);
	if (rc)
		return rc;
	*out = xcalloc(n->n + 1, sizeof(char *));
	*count = n->n;
	for (i = 0; i < n->n; i++) {
		const struct ynode *it = n->items[i];

		if (it->kind != YNODE_SCALAR || ynode_is_null(it) || !it->text[0])
			return walk_err_node(w, it, "%s[%zu] must be a non-empty "
					"scalar", what, i);
		(*out)[i] = xstrdup(it->text);
	}
	return 0;
}

/* Project-relative paths only; whether they exist is package's business. */
int walk_check_rel_path(struct walker *w, const struct ynode *map,
			  const char *key, const char *path, const char *what)
{
	const struct ynode *n = ynode_map_get(map, key);

	if (path[0] == '/')
		return walk_err_node(w, n ? n : map, "%s.%s: '%s' must be relative to "
				"the project directory", what, key, path);
	return 0;
}

/* YAML scalar -> JSON value by the core-schema typing rules. */
json_t *walk_scalar_to_json(const struct ynode *n)
{
	long long i;
	double x;
	int b;

	if (ynode_is_null(n))
		return json_null();
	if (ynode_bool(n, &b))
		return json_boolean(b);
	if (ynode_integer(n, &i))
		return json_integer(i);
	if (ynode_number(n, &x))
		return json_real(x);
	return json_string(n->text);
}

int walk_scalar_map_to_json(struct walker *w, const struct ynode *n,
			      const char *what, json_t **out)
{
	size_t i;
	int rc;

	rc = walk_want_kind(w, n, YNODE_MAP, what);
	if (rc)
		return rc;
	*out = json_object();
	for (i = 0; i < n->n; i++) {
		json_t *v;

		if (n->items[i]->kind != YNODE_SCALAR)
			return walk_err_node(w, n->items[i], "%s.%s must be a "
					"scalar value", what, n->keys[i]->text);
		v = walk_scalar_to_json(n->items[i]);
		if (!v)
			return walk_err_node(w, n->items[i], "%s.%s is not valid "
					"UTF-8", what, n->keys[i]->text);
		json_object_set_new(*out, n->keys[i]->text, v);
	}
	return 0;
}

/* "30s", "500ms", "2m", "1h" or a plain number of seconds. */
int walk_parse_duration(struct walker *w, const struct ynode *n,
			  const char *what, double *out)
{
	char *end;
	double v;

	if (n->kind != YNODE_SCALAR || !n->text[0] || strpbrk(n->text, "xXnN"))
		goto bad;
	v = strtod(n->text, &end);
	if (end == n->text || !isfinite(v) || v < 0)
		goto bad;
	if (!*end || !strcmp(end, "s"))
		*out = v;
	else if (!strcmp(end, "ms"))
		*out = v / 1000;
	else if (!strcmp(end, "m"))
		*out = v * 60;
	else if (!strcmp(end, "h"))
		*out = v * 3600;
	else
		goto bad;
	return 0;
bad:
	return walk_err_node(w, n, "%s must be a duration such as 30s, 500ms, 2m",
			what);
}

