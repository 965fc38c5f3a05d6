#include "lockfile.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "../core/strbuf.h"

/* PEP 503: lowercase, runs of '-', '_', '.' become one '-'. */
static char *normalize_name(const char *s, size_t len)
{
	struct strbuf sb = STRBUF_INIT;
	size_t i;

	for (i = 0; i < len; i++) {
		char c = s[i];

		if (c == '-' || c == '_' || c == '.') {
			if (sb.len && sb.buf[sb.len - 1] != '-')
				strbuf_addch(&sb, '-');
			continue;
		}
		strbuf_addch(&sb, (char)tolower((unsigned char)c));
	}
	return strbuf_detach(&sb);
}

static int is_name_char(char c)
{
	return isalnum((unsigned char)c) || c == '-' || c == '_' || c == '.';
}

/* Percent-encodes what a purl version must not hold raw. */
static void purl_escape(struct strbuf *sb, const char *s)
{
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (isalnum(c) || c == '.' || c == '-' || c == '_' || c == '~' ||
		    c == '+')
			strbuf_addch(sb, (char)c);
		else
			strbuf_addf(sb, "%%%02X", c);
	}
}

static void parse_line(struct dep_list *out, const char *line, size_t len)
{
	const char *p = line, *end = line + len, *name, *ver;
	size_t nlen, vlen;
	struct pinned_dep *d;
	struct strbuf purl = STRBUF_INIT;

	while (p < end && isspace((unsigned char)*p))
		p++;
	/* Options (-r, -e, --hash, --index-url), URLs and paths: not pins. */
	if (p == end || *p == '-' || strchr("./", *p) ||
	    memmem(p, (size_t)(end - p), "://", 3))
		return;
	name = p;
	while (p < end && is_name_char(*p))
		p++;
	nlen = (size_t)(p - name);
	if (!nlen)
		return;
	if (p < end && *p == '[') { /* extras */
		while (p < end && *p != ']')
			p++;
		if (p < end)
			p++;
	}
	while (p < end && isspace((unsigned char)*p))
		p++;
	if (end - p < 3 || p[0] != '=' || p[1] != '=') {
		if (!out->unpinned++)
			out->first_unpinned = xstrndup(name, nlen);
		return;
	}
	p += 2;
	if (p < end && *p == '=') /* "===" arbitrary equality */
		p++;
	while (p < end && isspace((unsigned char)*p))
		p++;
	ver = p;
	while (p < end && !isspace((unsigned char)*p) && *p != ';' && *p != ',' &&
	       *p != '\\')
		p++;
	vlen = (size_t)(p - ver);
	if (!vlen || memchr(ver, '*', vlen)) {
		if (!out->unpinned++)
			out->first_unpinned = xstrndup(name, nlen);
		return;
	}
	ARRAY_GROW(out->v, out->n + 1, out->alloc);
	d = &out->v[out->n++];
	d->name = normalize_name(name, nlen);
	d->version = xstrndup(ver, vlen);
	strbuf_addf(&purl, "pkg:pypi/%s@", d->name);
	purl_escape(&purl, d->version);
	d->purl = strbuf_detach(&purl);
}

void lockfile_parse_requirements(struct dep_list *out, const char *text,
				 size_t len)
{
	const char *p = text, *end = text + len;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *le = nl ? nl : end;
		const char *hash = memchr(p, '#', (size_t)(le - p));

		parse_line(out, p, (size_t)((hash ? hash : le) - p));
		p = nl ? nl + 1 : end;
	}
}

static int dep_order(const void *a, const void *b)
{
	return strcmp(((const struct pinned_dep *)a)->purl,
		      ((const struct pinned_dep *)b)->purl);
}

void dep_list_finish(struct dep_list *l)
{
	size_t i, kept = 0;

	if (!l->n)
		return;
	qsort(l->v, l->n, sizeof(*l->v), dep_order);
	for (i = 0; i < l->n; i++) {
		if (kept && !strcmp(l->v[kept - 1].purl, l->v[i].purl)) {
			free(l->v[i].name);
			free(l->v[i].version);
			free(l->v[i].purl);
			continue;
		}
		l->v[kept++] = l->v[i];
	}
	l->n = kept;
}

void dep_list_free(struct dep_list *l)
{
	size_t i;

	for (i = 0; i < l->n; i++) {
		free(l->v[i].name);
		free(l->v[i].version);
		free(l->v[i].purl);
	}
	free(l->v);
	free(l->first_unpinned);
	memset(l, 0, sizeof(*l));
}
