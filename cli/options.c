#include "options.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "lib/core/suggest.h"

char **split_list(const char *s)
{
	size_t n = 1, i = 0;
	const char *p;
	char **v, *copy;

	for (p = s; *p; p++)
		n += *p == ',';
	v = xcalloc(n + 1, sizeof(char *));
	copy = xstrdup(s); /* v[0] owns the strings */
	v[i++] = copy;
	for (; *copy; copy++)
		if (*copy == ',') {
			*copy = '\0';
			v[i++] = copy + 1;
		}
	return v;
}

void free_list(char **v)
{
	if (!v)
		return;
	free(v[0]);
	free(v);
}

void strv_push(struct strv *sv, const char *s)
{
	ARRAY_GROW(sv->v, sv->n + 2, sv->alloc);
	sv->v[sv->n++] = s;
	sv->v[sv->n] = NULL;
}

void strv_clear(struct strv *sv)
{
	free(sv->v);
	sv->v = NULL;
	sv->n = sv->alloc = 0;
}

static const struct opt *find_long(const struct opt *opts, const char *name,
				   size_t len)
{
	for (; opts && opts->type; opts++)
		if (opts->long_name && strlen(opts->long_name) == len &&
		    !strncmp(opts->long_name, name, len))
			return opts;
	return NULL;
}

static const struct opt *find_short(const struct opt *opts, char c)
{
	for (; opts && opts->type; opts++)
		if (opts->short_name == c)
			return opts;
	return NULL;
}

static void opt_name(struct strbuf *sb, const struct opt *o)
{
	if (o->long_name)
		strbuf_addf(sb, "--%s", o->long_name);
	else
		strbuf_addf(sb, "-%c", o->short_name);
}

static int set_value(const struct opt *o, const char *arg, struct strbuf *err)
{
	switch (o->type) {
	case OPT_STRING:
		*(const char **)o->value = arg;
		return 0;
	case OPT_LIST:
		strv_push(o->value, arg);
		return 0;
	case OPT_INT: {
		char *end;
		long v;

		errno = 0;
		v = strtol(arg, &end, 10);
		if (!*arg || *end || errno) {
			strbuf_addstr(err, "option '");
			opt_name(err, o);
			strbuf_addf(err, "' expects a whole number, not '%s'", arg);
			return PARSE_ERROR;
		}
		if (o->min < o->max && (v < o->min || v > o->max)) {
			strbuf_addstr(err, "option '");
			opt_name(err, o);
			strbuf_addf(err, "' takes %ld to %ld, not '%s'", o->min,
				    o->max, arg);
			return PARSE_ERROR;
		}
		*(long *)o->value = v;
		return 0;
	}
	case OPT_CHOICE: {
		const char *const *c;

		for (c = o->choices; *c; c++)
			if (!strcmp(*c, arg)) {
				*(const char **)o->value = *c;
				return 0;
			}
		strbuf_addf(err, "invalid value '%s' for '", arg);
		opt_name(err, o);
		strbuf_addstr(err, "' (expected ");
		for (c = o->choices; *c; c++)
			strbuf_addf(err, "%s%s", c == o->choices ? "" : ", ", *c);
		strbuf_addch(err, ')');
		return PARSE_ERROR;
	}
	default:
		return PARSE_ERROR;
	}
}

static void suggest_long(const char *name, size_t len, const struct opt *opts,
			 const struct opt *common, struct strbuf *err)
{
	const char *names[256];
	size_t n = 0;
	char *word = xstrndup(name, len);
	const struct opt *lists[2] = { opts, common };
	const char *near;
	int l;

	for (l = 0; l < 2; l++)
		for (opts = lists[l]; opts && opts->type && n < 255; opts++)
			if (opts->long_name && !(opts->flags & OPT_HIDDEN))
				names[n++] = opts->long_name;
	names[n] = NULL;
	near = suggest_closest(word, names);
	if (near)
		strbuf_addf(err, "\nhint: did you mean '--%s'?", near);
	free(word);
}

static int parse_long(const char *arg, int *i, int argc, const char **argv,
		      const struct opt *opts, const struct opt *common,
		      struct strbuf *err)
{
	const char *name = arg + 2, *eq = strchr(name, '=');
	size_t len = eq ? (size_t)(eq - name) : strlen(name);
	const struct opt *o;
	int negated = 0;

	if (len == 4 && !strncmp(name, "help", 4))
		return PARSE_HELP;
	o = find_long(opts, name, len);
	if (!o)
		o = find_long(common, name, len);
	if (!o && len > 3 && !strncmp(name, "no-", 3)) {
		o = find_long(opts, name + 3, len - 3);
		if (!o)
			o = find_long(common, name + 3, len - 3);
		if (o && o->type != OPT_BOOL)
			o = NULL;
		negated = 1;
	}
	if (!o) {
		strbuf_addf(err, "unknown option '--%.*s'", (int)len, name);
		suggest_long(name, len, opts, common, err);
		return PARSE_ERROR;
	}
	if (o->type == OPT_BOOL) {
		if (eq) {
			strbuf_addf(err, "option '--%.*s' takes no value",
				    (int)len, name);
			return PARSE_ERROR;
		}
		*(int *)o->value = !negated;
		return PARSE_OK;
	}
	if (eq)
		return set_value(o, eq + 1, err);
	if (*i + 1 >= argc) {
		strbuf_addf(err, "option '--%s' needs a value (%s)", o->long_name,
			    o->argh ? o->argh : "VALUE");
		return PARSE_ERROR;
	}
	return set_value(o, argv[++*i], err);
}

static int parse_short(const char *arg, int *i, int argc, const char **argv,
		       const struct opt *opts, const struct opt *common,
		       struct strbuf *err)
{
	const char *p;

	for (p = arg + 1; *p; p++) {
		const struct opt *o;

		if (*p == 'h')
			return PARSE_HELP;
		o = find_short(opts, *p);
		if (!o)
			o = find_short(common, *p);
		if (!o) {
			strbuf_addf(err, "unknown option '-%c'", *p);
			return PARSE_ERROR;
		}
		if (o->type == OPT_BOOL) {
			*(int *)o->value = 1;
			continue;
		}
		if (p[1])
			return set_value(o, p + 1, err);
		if (*i + 1 >= argc) {
			strbuf_addf(err, "option '-%c' needs a value (%s)", *p,
				    o->argh ? o->argh : "VALUE");
			return PARSE_ERROR;
		}
		return set_value(o, argv[++*i], err);
	}
	return PARSE_OK;
}

int options_parse(int *argc, const char **argv, const struct opt *opts,
		  const struct opt *common, unsigned flags, struct strbuf *err)
{
	int i, npos = 0, n = *argc, rc = PARSE_OK;

	for (i = 0; i < n; i++) {
		const char *arg = argv[i];

		if (!strcmp(arg, "--")) {
			for (i++; i < n; i++)
				argv[npos++] = argv[i];
			break;
		}
		if (arg[0] != '-' || !arg[1]) {
			if (flags & PARSE_STOP_AT_NON_OPTION) {
				for (; i < n; i++)
					argv[npos++] = argv[i];
				break;
			}
			argv[npos++] = arg;
			continue;
		}
		if (arg[1] == '-')
			rc = parse_long(arg, &i, n, argv, opts, common, err);
		else
			rc = parse_short(arg, &i, n, argv, opts, common, err);
		if (rc != PARSE_OK)
			return rc;
	}
	*argc = npos;
	argv[npos] = NULL;
	return PARSE_OK;
}

static void help_options(FILE *out, const char *title, const struct opt *o)
{
	int shown = 0;

	for (; o && o->type; o++) {
		struct strbuf left = STRBUF_INIT;

		if (o->flags & OPT_HIDDEN)
			continue;
		if (!shown++)
			fprintf(out, "\n%s:\n", title);
		if (o->short_name)
			strbuf_addf(&left, "  -%c%s", o->short_name,
				    o->long_name ? ", " : "");
		else
			strbuf_addstr(&left, "      ");
		if (o->long_name)
			strbuf_addf(&left, "--%s", o->long_name);
		if (o->type == OPT_CHOICE)
			strbuf_addf(&left, "=%s", o->argh ? o->argh : "WHEN");
		else if (o->type != OPT_BOOL)
			strbuf_addf(&left, " %s", o->argh ? o->argh : "VALUE");
		if (left.len < 28)
			fprintf(out, "%-28s%s\n", left.buf, o->help);
		else
			fprintf(out, "%s\n%28s%s\n", left.buf, "", o->help);
		strbuf_release(&left);
	}
}

void options_usage(FILE *out, const struct cmd_spec *spec)
{
	fprintf(out, "usage: mlops %s%s%s\n", spec->name,
		spec->synopsis && *spec->synopsis ? " " : "",
		spec->synopsis ? spec->synopsis : "");
}

void options_help(FILE *out, const struct cmd_spec *spec,
		  const struct opt *common)
{
	options_usage(out, spec);
	fprintf(out, "\n%s\n", spec->description ? spec->description
						 : spec->summary);
	help_options(out, "Options", spec->opts);
	help_options(out, "Common options", common);
	fprintf(out, "\nSee 'mlops help %s' for details and exit statuses.\n",
		spec->name);
}
