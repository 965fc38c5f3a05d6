/* The SQLite backend: one file in WAL mode (readers never wait for the
 * writer), writes batched into one transaction, incremental vacuum so
 * that pruning gives space back to the file system. */
#include <errno.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "../core/error.h"
#include "../core/strbuf.h"
#include "backend.h"
#include "pstore.h"

/* Schema migrations: entry v takes a store from version v to v + 1. */
static const char *const migrations[] = {
	"CREATE TABLE IF NOT EXISTS " PSTORE_T_PRED " ("
	" seq INTEGER PRIMARY KEY,"
	" id TEXT NOT NULL UNIQUE,"
	" request_id TEXT NOT NULL,"
	" ts_ms INTEGER NOT NULL,"
	" model TEXT NOT NULL,"
	" version TEXT NOT NULL,"
	" digest TEXT NOT NULL,"
	" inputs TEXT NOT NULL,"
	" outputs TEXT NOT NULL,"
	" latency_ms REAL NOT NULL);"
	"CREATE INDEX IF NOT EXISTS " PSTORE_T_PRED "_ts ON " PSTORE_T_PRED
	" (ts_ms);"
	"CREATE TABLE IF NOT EXISTS " PSTORE_T_FEEDBACK " ("
	" id TEXT PRIMARY KEY,"
	" label TEXT NOT NULL,"
	" ts_ms INTEGER NOT NULL);",
};

#define SQL_INSERT                                                          \
	"INSERT INTO " PSTORE_T_PRED " (id, request_id, ts_ms, model, "       \
	"version, digest, inputs, outputs, latency_ms) VALUES (?1, ?2, ?3, " \
	"?4, ?5, ?6, ?7, ?8, ?9) ON CONFLICT (id) DO UPDATE SET "            \
	"request_id = excluded.request_id, ts_ms = excluded.ts_ms, model = " \
	"excluded.model, version = excluded.version, digest = "              \
	"excluded.digest, inputs = excluded.inputs, outputs = "              \
	"excluded.outputs, latency_ms = excluded.latency_ms"

/* Stored only when the prediction is there: 0 changes = unknown id. */
#define SQL_FEEDBACK                                                        \
	"INSERT INTO " PSTORE_T_FEEDBACK " (id, label, ts_ms) SELECT ?1, ?2, " \
	"?3 WHERE EXISTS (SELECT 1 FROM " PSTORE_T_PRED " WHERE id = ?1) ON "  \
	"CONFLICT (id) DO UPDATE SET label = excluded.label, ts_ms = "        \
	"excluded.ts_ms"

#define SQL_OLDEST                                                          \
	" IN (SELECT %s FROM " PSTORE_T_PRED " WHERE ?1 = 0 OR ts_ms < ?1 "    \
	"ORDER BY ts_ms, seq LIMIT ?2)"

struct sq {
	sqlite3 *db;
	char *path;
	sqlite3_stmt *insert, *feedback;
	int code; /* SQLite's, of the last failure */
};

static int sq_fail(struct sq *q, const char *what)
{
	int code = sqlite3_errcode(q->db);

	q->code = code;
	return mlops_error_set(code == SQLITE_CORRUPT || code == SQLITE_NOTADB
				       ? MLOPS_EINPUT
				       : MLOPS_EIO,
			       "store '%s': %s: %s", q->path, what,
			       sqlite3_errmsg(q->db));
}

static int sq_exec(struct sq *q, const char *sql, const char *what)
{
	return sqlite3_exec(q->db, sql, NULL, NULL, NULL) == SQLITE_OK
		       ? 0
		       : sq_fail(q, what);
}

static int sq_prepare(struct sq *q, const char *sql, sqlite3_stmt **st)
{
	if (sqlite3_prepare_v3(q->db, sql, -1, SQLITE_PREPARE_PERSISTENT, st,
			       NULL) == SQLITE_OK)
		return 0;
	return sq_fail(q, "cannot prepare a statement");
}

/* One integer from a query (a pragma): -1 when it gives none. */
static int sq_int(struct sq *q, const char *sql, int64_t *v)
{
	sqlite3_stmt *st = NULL;
	int rc;

	if (sqlite3_prepare_v2(q->db, sql, -1, &st, NULL) != SQLITE_OK)
		return sq_fail(q, "cannot prepare a statement");
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	if (rc == SQLITE_ROW || rc == SQLITE_DONE) {
		if (rc == SQLITE_DONE)
			*v = -1;
		return 0;
	}
	return sq_fail(q, "cannot read");
}

static void sq_rollback(struct sq *q)
{
	if (!sqlite3_get_autocommit(q->db))
		sqlite3_exec(q->db, "ROLLBACK", NULL, NULL, NULL);
}

/* Creates or migrates the schema under the write lock (BEGIN
 * IMMEDIATE): a second instance starting at the same time waits, then
 * finds it done. */
static int sq_schema(struct sq *q, unsigned flags)
{
	int64_t have = -1, exists = -1;
	int rc;

	/* A reader takes no write lock: the file may be read-only. */
	rc = sq_exec(q, flags & PSTORE_READ ? "BEGIN" : "BEGIN IMMEDIATE",
		     "cannot lock the store");
	if (!rc)
		rc = sq_int(q, "SELECT 1 FROM sqlite_master WHERE name = '"
			    PSTORE_T_SCHEMA "'", &exists);
	if (!rc && exists == 1)
		rc = sq_int(q, "SELECT max(version) FROM " PSTORE_T_SCHEMA,
			    &have);
	if (rc)
		goto done;
	rc = pstore_schema_check(q->path, have, flags);
	if (rc)
		goto done;
	if ((flags & PSTORE_READ) && have < PSTORE_SCHEMA_VERSION) {
		rc = mlops_error_set(MLOPS_EINPUT, "store '%s' has schema "
				     "version %lld: older than this mlops "
				     "reads", q->path, (long long)have);
		mlops_error_hint("mlops feedback or serve --store with it "
				 "brings it up to date");
		goto done;
	}
	if (have < 0)
		rc = sq_exec(q, "CREATE TABLE IF NOT EXISTS " PSTORE_T_SCHEMA
			     " (version INTEGER NOT NULL);"
			     "INSERT INTO " PSTORE_T_SCHEMA " VALUES (0)",
			     "cannot create the schema");
	for (int64_t v = have < 0 ? 0 : have; !rc && v < PSTORE_SCHEMA_VERSION;
	     v++) {
		rc = sq_exec(q, migrations[v], "cannot create the schema");
		if (!rc)
			rc = sq_exec(q, "UPDATE " PSTORE_T_SCHEMA
				     " SET version = version + 1",
				     "cannot record the schema version");
	}
	if (!rc)
		rc = sq_exec(q, "COMMIT", "cannot commit the schema");
done:
	if (rc)
		sq_rollback(q);
	return rc;
}

static int sq_write_predictions(struct pstore *st,
				const struct pstore_prediction *rows, size_t n)
{
	struct sq *q = st->impl;
	int rc = sq_exec(q, "BEGIN IMMEDIATE", "cannot begin a transaction");

	for (size_t i = 0; !rc && i < n; i++) {
		const struct pstore_prediction *r = &rows[i];
		sqlite3_stmt *s = q->insert;

		sqlite3_bind_text(s, 1, r->id, -1, SQLITE_STATIC);
		sqlite3_bind_text(s, 2, r->request_id, -1, SQLITE_STATIC);
		sqlite3_bind_int64(s, 3, r->ts_ms);
		sqlite3_bind_text(s, 4, r->model, -1, SQLITE_STATIC);
		sqlite3_bind_text(s, 5, r->version, -1, SQLITE_STATIC);
		sqlite3_bind_text(s, 6, r->digest, -1, SQLITE_STATIC);
		sqlite3_bind_text(s, 7, r->inputs_json, -1, SQLITE_STATIC);
		sqlite3_bind_text(s, 8, r->output_json, -1, SQLITE_STATIC);
		sqlite3_bind_double(s, 9, r->latency_ms);
		if (sqlite3_step(s) != SQLITE_DONE)
			rc = sq_fail(q, "cannot store a prediction");
		sqlite3_reset(s);
	}
	if (!rc)
		rc = sq_exec(q, "COMMIT", "cannot commit predictions");
	if (rc)
		sq_rollback(q);
	return rc;
}

static int sq_write_feedback(struct pstore *st, const struct pstore_feedback *f,
			     size_t n, size_t *stored, size_t *unknown)
{
	struct sq *q = st->impl;
	size_t ok = 0, missing = 0;
	int rc = sq_exec(q, "BEGIN IMMEDIATE", "cannot begin a transaction");

	for (size_t i = 0; !rc && i < n; i++) {
		sqlite3_stmt *s = q->feedback;

		sqlite3_bind_text(s, 1, f[i].id, -1, SQLITE_STATIC);
		sqlite3_bind_text(s, 2, f[i].label_json, -1, SQLITE_STATIC);
		sqlite3_bind_int64(s, 3, f[i].ts_ms);
		if (sqlite3_step(s) != SQLITE_DONE)
			rc = sq_fail(q, "cannot store feedback");
		else if (sqlite3_changes(q->db))
			ok++;
		else
			missing++;
		sqlite3_reset(s);
	}
	if (!rc)
		rc = sq_exec(q, "COMMIT", "cannot commit feedback");
	if (rc) {
		sq_rollback(q);
		return rc;
	}
	*stored = ok;
	*unknown = missing;
	return 0;
}

static const char *col_text(sqlite3_stmt *s, int i)
{
	const unsigned char *t = sqlite3_column_text(s, i);

	return t ? (const char *)t : "";
}

static int sq_scan(struct pstore *st, int64_t since_ms, int64_t until_ms,
		   const char *model, int only_labelled,
		   int (*fn)(void *ctx, const struct pstore_outcome *o),
		   void *ctx)
{
	struct sq *q = st->impl;
	struct strbuf sql = STRBUF_INIT;
	sqlite3_stmt *s = NULL;
	int rc = 0, step;

	strbuf_addf(&sql, "SELECT p.ts_ms, p.model, p.version, p.id, "
		    "p.outputs, f.label FROM " PSTORE_T_PRED " p %s JOIN "
		    PSTORE_T_FEEDBACK " f ON f.id = p.id WHERE p.ts_ms >= ?1 "
		    "AND (?2 = 0 OR p.ts_ms < ?2) AND (?3 IS NULL OR p.model = "
		    "?3) ORDER BY p.ts_ms, p.seq",
		    only_labelled ? "" : "LEFT");
	if (sqlite3_prepare_v2(q->db, sql.buf, -1, &s, NULL) != SQLITE_OK) {
		rc = sq_fail(q, "cannot prepare a statement");
		goto done;
	}
	sqlite3_bind_int64(s, 1, since_ms);
	sqlite3_bind_int64(s, 2, until_ms);
	if (model)
		sqlite3_bind_text(s, 3, model, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(s, 3);
	while ((step = sqlite3_step(s)) == SQLITE_ROW) {
		struct pstore_outcome o = {
			sqlite3_column_int64(s, 0), col_text(s, 1),
			col_text(s, 2),		    col_text(s, 3),
			col_text(s, 4),		    NULL,
		};

		if (sqlite3_column_type(s, 5) != SQLITE_NULL)
			o.label_json = col_text(s, 5);
		rc = fn(ctx, &o);
		if (rc)
			goto done;
	}
	if (step != SQLITE_DONE)
		rc = sq_fail(q, "cannot read predictions");
done:
	sqlite3_finalize(s);
	strbuf_release(&sql);
	return rc;
}

static int sq_prune_chunk(struct pstore *st, int64_t before_ms, size_t limit,
			  struct pstore_pruned *p)
{
	struct sq *q = st->impl;
	struct strbuf sql = STRBUF_INIT;
	sqlite3_stmt *s = NULL;
	int rc = sq_exec(q, "BEGIN IMMEDIATE", "cannot begin a transaction");

	/* The same rows twice within one transaction: their feedback,
	 * then them. */
	for (int pass = 0; pass < 2 && !rc; pass++) {
		strbuf_reset(&sql);
		strbuf_addf(&sql, "DELETE FROM %s WHERE %s" SQL_OLDEST,
			    pass ? PSTORE_T_PRED : PSTORE_T_FEEDBACK,
			    pass ? "seq" : "id", pass ? "seq" : "id");
		if (sqlite3_prepare_v2(q->db, sql.buf, -1, &s, NULL) !=
		    SQLITE_OK) {
			rc = sq_fail(q, "cannot prepare a statement");
			break;
		}
		sqlite3_bind_int64(s, 1, before_ms);
		sqlite3_bind_int64(s, 2, (sqlite3_int64)limit);
		if (sqlite3_step(s) != SQLITE_DONE)
			rc = sq_fail(q, "cannot delete old predictions");
		else if (pass)
			p->predictions += (uint64_t)sqlite3_changes(q->db);
		else
			p->feedback += (uint64_t)sqlite3_changes(q->db);
		sqlite3_finalize(s);
		s = NULL;
	}
	if (!rc)
		rc = sq_exec(q, "COMMIT", "cannot commit the deletion");
	if (rc)
		sq_rollback(q);
	strbuf_release(&sql);
	return rc;
}

static int sq_size(struct pstore *st, uint64_t *bytes)
{
	struct sq *q = st->impl;
	int64_t pages = 0, free_pages = 0, page = 0;
	int rc = sq_int(q, "PRAGMA page_count", &pages);

	if (!rc)
		rc = sq_int(q, "PRAGMA freelist_count", &free_pages);
	if (!rc)
		rc = sq_int(q, "PRAGMA page_size", &page);
	if (!rc)
		*bytes = (uint64_t)(pages - free_pages) * (uint64_t)page;
	return rc;
}

static int sq_compact(struct pstore *st)
{
	struct sq *q = st->impl;
	int rc = sq_exec(q, "PRAGMA incremental_vacuum",
			 "cannot give free pages back");

	/* The WAL holds the vacuum's pages until a checkpoint writes
	 * them: the file shrinks then (readers may keep it from that,
	 * which is no error). */
	if (!rc)
		sqlite3_wal_checkpoint_v2(q->db, NULL,
					  SQLITE_CHECKPOINT_TRUNCATE, NULL,
					  NULL);
	return rc;
}

static int sq_count(struct pstore *st, uint64_t *predictions,
		    uint64_t *feedback)
{
	struct sq *q = st->impl;
	int64_t a = 0, b = 0;
	int rc = sq_int(q, "SELECT count(*) FROM " PSTORE_T_PRED, &a);

	if (!rc)
		rc = sq_int(q, "SELECT count(*) FROM " PSTORE_T_FEEDBACK, &b);
	if (!rc) {
		*predictions = (uint64_t)a;
		*feedback = (uint64_t)b;
	}
	return rc;
}

static void sq_close(struct pstore *st)
{
	struct sq *q = st->impl;

	if (!q)
		return;
	sqlite3_finalize(q->insert);
	sqlite3_finalize(q->feedback);
	sqlite3_close_v2(q->db);
	free(q->path);
	free(q);
	st->impl = NULL;
}

static const struct pstore_ops sqlite_ops = {
	"sqlite",	  sq_write_predictions, sq_write_feedback, sq_scan,
	sq_prune_chunk, sq_size,	      sq_compact,	 sq_count,
	sq_close,
};

/* path as an SQLite URI with immutable=1. */
static char *immutable_uri(const char *path)
{
	struct strbuf sb = STRBUF_INIT;

	strbuf_addstr(&sb, "file:");
	for (const char *p = path; *p; p++)
		if (*p == '%' || *p == '?' || *p == '#')
			strbuf_addf(&sb, "%%%02X", (unsigned char)*p);
		else
			strbuf_addch(&sb, *p);
	strbuf_addstr(&sb, "?immutable=1");
	return strbuf_detach(&sb);
}

/* SQLite's allocation statistics take a process-wide mutex on every
 * malloc and free it makes; nothing here reads them. Only possible
 * before SQLite's first use in the process (later it refuses, and the
 * statistics stay on). */
static void sq_config(void)
{
	sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
}

/* Opens q->path (as immutable: read-only and never changing) and sets
 * the connection up. */
static int sq_connect(struct sq *q, unsigned flags, int immutable)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;
	char *uri = immutable ? immutable_uri(q->path) : NULL;
	int rc = 0;

	pthread_once(&once, sq_config);
	if (sqlite3_open_v2(uri ? uri : q->path, &q->db,
			    SQLITE_OPEN_NOMUTEX | (uri ? SQLITE_OPEN_URI : 0) |
				    (flags & PSTORE_READ ? SQLITE_OPEN_READONLY
							 : SQLITE_OPEN_READWRITE) |
				    (flags & PSTORE_CREATE ? SQLITE_OPEN_CREATE
							  : 0),
			    NULL) != SQLITE_OK) {
		rc = q->db ? sq_fail(q, "cannot open")
			   : mlops_error_set(MLOPS_EIO, "cannot open store "
					     "'%s'", q->path);
		goto done;
	}
	sqlite3_busy_timeout(q->db, 10000);
	sqlite3_extended_result_codes(q->db, 0);
	/* Only what creates the store sets the file up: these pragmas
	 * write, and a file that turns out to hold no store (an empty
	 * one, someone else's database) must be left as it was. The
	 * first two only take on a new file (before its first table):
	 * 16 KiB pages cost a quarter less CPU a row written than 4 KiB
	 * ones (bench/store). WAL (persistent, in the file) and NORMAL
	 * sync: a crash loses at most the last transactions, never the
	 * file. */
	if (flags & PSTORE_CREATE) {
		rc = sq_exec(q, "PRAGMA page_size = 16384",
			     "cannot set up the file");
		if (!rc)
			rc = sq_exec(q, "PRAGMA auto_vacuum = INCREMENTAL",
				     "cannot set up the file");
		if (!rc)
			rc = sq_exec(q, "PRAGMA journal_mode = WAL",
				     "not an SQLite database, or cannot "
				     "use WAL");
	}
	if (!rc)
		rc = sq_exec(q, "PRAGMA synchronous = NORMAL",
			     "cannot set up the file");
	/* A writer's statement journals in memory: an upsert (feedback,
	 * a prediction) keeps one, and with 16 KiB pages it spills to a
	 * file in /var/tmp after 4 pages; each label then cost two
	 * pwrites of a page there (mlops feedback: 23,000 rows/s, 28 times
	 * slower than in memory; bench/store). One statement's journal is
	 * small. Not for readers: a large sort keeps its temp files. */
	if (!rc && !(flags & PSTORE_READ))
		rc = sq_exec(q, "PRAGMA temp_store = MEMORY",
			     "cannot set up the file");
	if (!rc)
		rc = sq_schema(q, flags);
	if (!rc && !(flags & PSTORE_READ))
		rc = sq_prepare(q, SQL_INSERT, &q->insert);
	if (!rc && !(flags & PSTORE_READ))
		rc = sq_prepare(q, SQL_FEEDBACK, &q->feedback);
done:
	free(uri);
	return rc;
}

/* Whether PATH-wal is missing or empty: then the file alone holds
 * every committed row. */
static int wal_empty(const char *path)
{
	struct strbuf wal = STRBUF_INIT;
	struct stat sb;
	int empty;

	strbuf_addf(&wal, "%s-wal", path);
	empty = stat(wal.buf, &sb) < 0 || !sb.st_size;
	strbuf_release(&wal);
	return empty;
}

int pstore_sqlite_open(struct pstore *st, const char *path, unsigned flags)
{
	struct sq *q = xcalloc(1, sizeof(*q));
	struct stat sb;
	int rc = 0;

	q->path = xstrdup(path);
	st->ops = &sqlite_ops;
	st->impl = q;
	if (!(flags & PSTORE_CREATE) && stat(path, &sb) < 0) {
		rc = mlops_error_errno(MLOPS_EIO, errno, "cannot open store '%s'",
				       path);
		goto done;
	}
	rc = sq_connect(q, flags, 0);
	/* A WAL database in a file or directory this user may not write
	 * cannot get its shared-memory file (-shm): read it as immutable
	 * when nothing waits in its -wal (a copy, a backup, a store whose
	 * server stopped). */
	if (rc && (flags & PSTORE_READ) && q->code == SQLITE_READONLY &&
	    wal_empty(path)) {
		mlops_error_clear();
		sqlite3_close_v2(q->db);
		q->db = NULL;
		rc = sq_connect(q, flags, 1);
	}
done:
	if (rc)
		sq_close(st);
	return rc;
}
