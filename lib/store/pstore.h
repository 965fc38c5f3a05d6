/* The prediction store: every row serve scored (inputs after redaction,
 * what the model answered) and the labels fed back for them later,
 * joined by row id. One interface, two backends chosen by URL:
 * "sqlite:PATH" (one file, WAL) and "postgresql://..." /
 * "postgres://..." (one store a fleet of serve instances shares).
 *
 * Row ids: a single-row request's row is its request id; the rows of a
 * batch are "REQID/N", N from 0. A row written again under an id the
 * store has replaces the earlier one; feedback sent again for an id
 * replaces the earlier label.
 *
 * Errors are libmlops's (core/error.h): a negative code and a message;
 * MLOPS_EUSAGE for a URL that names no store, MLOPS_EINPUT for a store
 * whose schema is newer than this build, MLOPS_EIO / MLOPS_ENET when
 * the database cannot be opened or reached.
 *
 * A store handle is used by one thread at a time. */
#ifndef MLOPS_STORE_PSTORE_H
#define MLOPS_STORE_PSTORE_H

#include <stddef.h>
#include <stdint.h>

/* The schema version this build writes; a store's mlops_schema table
 * says which it has, and pstore_open migrates older ones. */
#define PSTORE_SCHEMA_VERSION 1

struct pstore;

enum pstore_flags {
	PSTORE_CREATE = 1, /* create the database and the schema if missing */
	/* Only read (store info, monitor): a store in a read-only file or
	 * directory opens, and nothing is written to it. */
	PSTORE_READ = 2,
};

int pstore_open(struct pstore **out, const char *url, unsigned flags);
void pstore_close(struct pstore *st);
/* "sqlite" or "postgresql". */
const char *pstore_kind(const struct pstore *st);
/* The URL with any password masked, for messages. The caller frees. */
char *pstore_url_display(const char *url);
/* Where the password of postgresql://user:PASSWORD@host... is in url
 * (as written, percent-encoding and all): 1 and *start, *len; 0 when
 * it holds none there. */
int pstore_url_password(const char *url, const char **start, size_t *len);

/* One scored row. Strings are the caller's. */
struct pstore_prediction {
	const char *id;          /* row id (see above) */
	const char *request_id;
	int64_t ts_ms;           /* Unix time, milliseconds */
	const char *model, *version, *digest;
	const char *inputs_json; /* {"field": value, ...} after redaction */
	const char *output_json; /* what the model answered for the row */
	double latency_ms;       /* the model's time for the request */
};

/* The rows in one transaction. */
int pstore_write_predictions(struct pstore *st,
			    const struct pstore_prediction *rows, size_t n);

struct pstore_feedback {
	const char *id;
	const char *label_json; /* a JSON scalar */
	int64_t ts_ms;
};

/* The labels in one transaction: a label for an id the store has no
 * prediction for is not stored but counted in *unknown. */
int pstore_write_feedback(struct pstore *st, const struct pstore_feedback *f,
			 size_t n, size_t *stored, size_t *unknown);

/* What monitoring reads: a prediction and its label, if any. Strings
 * are valid during the callback only. */
struct pstore_outcome {
	int64_t ts_ms;
	const char *model;
	const char *version;
	const char *id;
	const char *output_json;
	const char *label_json; /* NULL when no feedback yet */
};

/* Calls fn for every prediction with since_ms <= ts_ms < until_ms (0:
 * no bound) of model (NULL: all), oldest first; with only_labelled,
 * only those with feedback. fn returning non-zero stops the scan, which
 * then returns that value. Streams: memory does not grow with the
 * rows. */
int pstore_scan_outcomes(struct pstore *st, int64_t since_ms, int64_t until_ms,
			const char *model, int only_labelled,
			int (*fn)(void *ctx, const struct pstore_outcome *o),
			void *ctx);

/* What a prune removed. */
struct pstore_pruned {
	uint64_t predictions, feedback;
	uint64_t bytes_before, bytes_after;
};

/* Deletes the oldest predictions (and their feedback), at most limit
 * rows in one transaction: those older than before_ms when before_ms is
 * not 0, else simply the oldest. Adds what it removed to *p. */
int pstore_prune_chunk(struct pstore *st, int64_t before_ms, size_t limit,
		      struct pstore_pruned *p);
/* The store's size as retention counts it: SQLite, the pages in use
 * (the file, less free pages); PostgreSQL, the bytes of the rows. */
int pstore_size(struct pstore *st, uint64_t *bytes);
/* Gives freed space back (SQLite: incremental vacuum; PostgreSQL:
 * nothing, its autovacuum reuses it). */
int pstore_compact(struct pstore *st);
/* Rows in the store. */
int pstore_count(struct pstore *st, uint64_t *predictions, uint64_t *feedback);

/* Prunes to the limits (0: none): predictions older than now_ms -
 * older_than_ms, then the oldest until the size is at most max_bytes;
 * chunk rows a transaction. */
int pstore_prune(struct pstore *st, int64_t now_ms, int64_t older_than_ms,
		uint64_t max_bytes, size_t chunk, struct pstore_pruned *p);

/* Unix time in milliseconds. */
int64_t pstore_now_ms(void);

#endif
