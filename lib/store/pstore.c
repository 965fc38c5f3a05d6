/* The store's front: the URL picks the backend; pruning to limits is
 * the same loop over both. */
#include "pstore.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../core/error.h"
#include "../core/strbuf.h"
#include "../core/timeutil.h"
#include "backend.h"

int64_t pstore_now_ms(void)
{
	return wall_ms();
}

static int has_prefix(const char *s, const char *p)
{
	return !strncmp(s, p, strlen(p));
}

int pstore_open(struct pstore **out, const char *url, unsigned flags)
{
	struct pstore *st = xcalloc(1, sizeof(*st));
	int rc;

	*out = NULL;
	if (has_prefix(url, "sqlite:") && url[7]) {
		rc = pstore_sqlite_open(st, url + 7, flags);
	} else if (has_prefix(url, "postgresql://") ||
		   has_prefix(url, "postgres://")) {
		rc = pstore_pg_open(st, url, flags);
	} else {
		char *shown = pstore_url_display(url);

		rc = mlops_error_set(MLOPS_EUSAGE, "'%s' is not a store URL",
				     shown);
		mlops_error_hint("use sqlite:PATH or postgresql://USER@HOST/DB");
		free(shown);
	}
	if (rc < 0) {
		free(st);
		return rc;
	}
	*out = st;
	return 0;
}

void pstore_close(struct pstore *st)
{
	if (!st)
		return;
	st->ops->close(st);
	free(st);
}

const char *pstore_kind(const struct pstore *st)
{
	return st->ops->kind;
}

int pstore_url_password(const char *url, const char **start, size_t *len)
{
	const char *scheme = strstr(url, "://"), *at = NULL, *colon, *p;

	if (!scheme)
		return 0;
	/* The last '@' before the query: a password someone did not
	 * percent-encode may hold '@' or '/' (libpq then reads the URL
	 * otherwise, pstore_pg_open refuses it; hidden all the same). */
	for (p = scheme + 3; *p && *p != '?'; p++)
		if (*p == '@')
			at = p;
	colon = strchr(scheme + 3, ':');
	if (!at || !colon || colon > at)
		return 0;
	*start = colon + 1;
	*len = (size_t)(at - colon - 1);
	return 1;
}

/* postgresql://user:SECRET@host/db?password=SECRET: both hidden. */
char *pstore_url_display(const char *url)
{
	struct strbuf sb = STRBUF_INIT;
	const char *pw, *p;
	size_t pwlen;

	if (pstore_url_password(url, &pw, &pwlen)) {
		strbuf_add(&sb, url, (size_t)(pw - url));
		strbuf_addstr(&sb, "***");
		url = pw + pwlen;
	}
	for (p = url; *p;) {
		const char *q = strstr(p, "password=");

		if (!q) {
			strbuf_addstr(&sb, p);
			break;
		}
		q += strlen("password=");
		strbuf_add(&sb, p, (size_t)(q - p));
		strbuf_addstr(&sb, "***");
		p = q + strcspn(q, "&");
	}
	return strbuf_detach(&sb);
}

int pstore_schema_check(const char *shown, int64_t have, unsigned flags)
{
	if (have < 0 && !(flags & PSTORE_CREATE)) {
		mlops_error_set(MLOPS_EINPUT, "'%s' holds no prediction store",
				shown);
		mlops_error_hint("mlops serve --store URL creates one");
		return MLOPS_EINPUT;
	}
	if (have > PSTORE_SCHEMA_VERSION) {
		mlops_error_set(MLOPS_EINPUT, "store '%s' has schema version "
				"%lld, newer than this mlops knows (%d)", shown,
				(long long)have, PSTORE_SCHEMA_VERSION);
		mlops_error_hint("use the mlops release that wrote it, or newer");
		return MLOPS_EINPUT;
	}
	return 0;
}

int pstore_write_predictions(struct pstore *st,
			    const struct pstore_prediction *rows, size_t n)
{
	return n ? st->ops->write_predictions(st, rows, n) : 0;
}

int pstore_write_feedback(struct pstore *st, const struct pstore_feedback *f,
			 size_t n, size_t *stored, size_t *unknown)
{
	*stored = *unknown = 0;
	return n ? st->ops->write_feedback(st, f, n, stored, unknown) : 0;
}

int pstore_scan_outcomes(struct pstore *st, int64_t since_ms, int64_t until_ms,
			const char *model, int only_labelled,
			int (*fn)(void *ctx, const struct pstore_outcome *o),
			void *ctx)
{
	return st->ops->scan_outcomes(st, since_ms, until_ms, model,
				      only_labelled, fn, ctx);
}

int pstore_prune_chunk(struct pstore *st, int64_t before_ms, size_t limit,
		      struct pstore_pruned *p)
{
	return st->ops->prune_chunk(st, before_ms, limit, p);
}

int pstore_size(struct pstore *st, uint64_t *bytes)
{
	return st->ops->size(st, bytes);
}

int pstore_compact(struct pstore *st)
{
	return st->ops->compact(st);
}

int pstore_count(struct pstore *st, uint64_t *predictions, uint64_t *feedback)
{
	return st->ops->count(st, predictions, feedback);
}

/* Up to want of the oldest rows (before_ms: 0 or older than it), in
 * chunks; stops early when none is left. */
static int prune_rows(struct pstore *st, int64_t before_ms, uint64_t want,
		      size_t chunk, struct pstore_pruned *p)
{
	uint64_t start = p->predictions;
	int rc = 0;

	while (!rc && p->predictions - start < want) {
		uint64_t left = want - (p->predictions - start);
		uint64_t last = p->predictions;

		rc = pstore_prune_chunk(st, before_ms,
				       left < chunk ? (size_t)left : chunk, p);
		if (p->predictions - last < (left < chunk ? left : chunk))
			break;
	}
	return rc;
}

int pstore_prune(struct pstore *st, int64_t now_ms, int64_t older_than_ms,
		uint64_t max_bytes, size_t chunk, struct pstore_pruned *p)
{
	uint64_t size = 0, start = p->predictions;
	int rc;

	if (!chunk)
		chunk = 1000;
	rc = pstore_size(st, &p->bytes_before);
	/* A cut-off at or before 1970 finds nothing to delete; and 0
	 * would mean "no cut-off" to pstore_prune_chunk. */
	if (!rc && older_than_ms > 0 && now_ms - older_than_ms > 0)
		rc = prune_rows(st, now_ms - older_than_ms, UINT64_MAX, chunk,
				p);
	/* By size: as many of the oldest rows as the excess holds at the
	 * average row's size, then measure again (a few rounds: a size is
	 * a scan on PostgreSQL). */
	while (!rc && max_bytes) {
		uint64_t rows = 0, fb = 0, before = p->predictions;

		if (p->predictions > start)
			rc = pstore_compact(st);
		if (!rc)
			rc = pstore_size(st, &size);
		if (!rc && size > max_bytes)
			rc = pstore_count(st, &rows, &fb);
		if (rc < 0 || size <= max_bytes || !rows)
			break;
		rc = prune_rows(st, 0, (size - max_bytes) / (size / rows + 1) + 1,
				chunk, p);
		/* Nothing left to delete: the schema alone is larger. */
		if (p->predictions == before)
			break;
	}
	if (!rc && p->predictions > start)
		rc = pstore_compact(st);
	if (!rc)
		rc = pstore_size(st, &p->bytes_after);
	return rc;
}
