/* What a store backend provides (store.c dispatches to it). */
#ifndef MLOPS_STORE_BACKEND_H
#define MLOPS_STORE_BACKEND_H

#include <stddef.h>
#include <stdint.h>

/* pstore.h's; not included, as pstore.c includes this. */
struct pstore;
struct pstore_prediction;
struct pstore_feedback;
struct pstore_outcome;
struct pstore_pruned;

struct pstore_ops {
	const char *kind;
	int (*write_predictions)(struct pstore *st,
				 const struct pstore_prediction *rows, size_t n);
	int (*write_feedback)(struct pstore *st, const struct pstore_feedback *f,
			      size_t n, size_t *stored, size_t *unknown);
	int (*scan_outcomes)(struct pstore *st, int64_t since_ms,
			     int64_t until_ms, const char *model,
			     int only_labelled,
			     int (*fn)(void *ctx, const struct pstore_outcome *o),
			     void *ctx);
	int (*prune_chunk)(struct pstore *st, int64_t before_ms, size_t limit,
			   struct pstore_pruned *p);
	int (*size)(struct pstore *st, uint64_t *bytes);
	int (*compact)(struct pstore *st);
	int (*count)(struct pstore *st, uint64_t *predictions,
		     uint64_t *feedback);
	void (*close)(struct pstore *st);
};

struct pstore {
	const struct pstore_ops *ops;
	void *impl;
};

/* The backends: open what the URL's rest names (a path; a libpq
 * connection URI). */
int pstore_sqlite_open(struct pstore *st, const char *path, unsigned flags);
int pstore_pg_open(struct pstore *st, const char *uri, unsigned flags);

/* Whether a store whose mlops_schema says `have` (-1: no schema) may be
 * opened with flags: 0, or EINPUT naming it (shown) for no store
 * without PSTORE_CREATE, or a schema newer than this build. */
int pstore_schema_check(const char *shown, int64_t have, unsigned flags);

/* The schema both backends create, in their own SQL. The statements
 * run in one transaction when no mlops_schema row exists yet. */
#define PSTORE_T_SCHEMA "mlops_schema"
#define PSTORE_T_PRED "mlops_predictions"
#define PSTORE_T_FEEDBACK "mlops_feedback"

#endif
