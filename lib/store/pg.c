/* The PostgreSQL backend (libpq): one store that every serve instance of
 * a fleet writes to. The schema is created under a transaction-scoped
 * advisory lock, so instances starting together create it once. */
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/error.h"
#include "../core/strbuf.h"
#include "backend.h"
#include "pstore.h"

/* pg_advisory_xact_lock's key for schema changes: "mlops" in ASCII. */
#define SCHEMA_LOCK "109108111112115"

static const char *const migrations[] = {
	"CREATE TABLE IF NOT EXISTS " PSTORE_T_PRED " ("
	" seq BIGSERIAL PRIMARY KEY,"
	" id TEXT NOT NULL UNIQUE,"
	" request_id TEXT NOT NULL,"
	" ts_ms BIGINT NOT NULL,"
	" model TEXT NOT NULL,"
	" version TEXT NOT NULL,"
	" digest TEXT NOT NULL,"
	" inputs JSONB NOT NULL,"
	" outputs JSONB NOT NULL,"
	" latency_ms DOUBLE PRECISION NOT NULL);"
	"CREATE INDEX IF NOT EXISTS " PSTORE_T_PRED "_ts ON " PSTORE_T_PRED
	" (ts_ms, seq);"
	"CREATE TABLE IF NOT EXISTS " PSTORE_T_FEEDBACK " ("
	" id TEXT PRIMARY KEY,"
	" label JSONB NOT NULL,"
	" ts_ms BIGINT NOT NULL);",
};

#define SQL_INSERT                                                          \
	"INSERT INTO " PSTORE_T_PRED " (id, request_id, ts_ms, model, "       \
	"version, digest, inputs, outputs, latency_ms) VALUES ($1, $2, "     \
	"$3::bigint, $4, $5, $6, $7::jsonb, $8::jsonb, $9::double "          \
	"precision) ON CONFLICT (id) DO UPDATE SET request_id = "            \
	"excluded.request_id, ts_ms = excluded.ts_ms, model = "              \
	"excluded.model, version = excluded.version, digest = "              \
	"excluded.digest, inputs = excluded.inputs, outputs = "              \
	"excluded.outputs, latency_ms = excluded.latency_ms"

#define SQL_FEEDBACK                                                        \
	"INSERT INTO " PSTORE_T_FEEDBACK " (id, label, ts_ms) SELECT "         \
	"$1::text, $2::jsonb, $3::bigint WHERE EXISTS (SELECT 1 FROM "        \
	PSTORE_T_PRED " WHERE id = $1::text) ON CONFLICT (id) DO UPDATE SET "  \
	"label = excluded.label, ts_ms = excluded.ts_ms"

/* The oldest rows' deletion, with their feedback, in one statement. */
#define SQL_PRUNE                                                           \
	"WITH gone AS (DELETE FROM " PSTORE_T_PRED " WHERE seq IN (SELECT "    \
	"seq FROM " PSTORE_T_PRED " WHERE $1::bigint = 0 OR ts_ms < "          \
	"$1::bigint ORDER BY ts_ms, seq LIMIT $2::bigint) RETURNING id), fb " \
	"AS (DELETE FROM " PSTORE_T_FEEDBACK " WHERE id IN (SELECT id FROM "   \
	"gone) RETURNING 1) SELECT (SELECT count(*) FROM gone), (SELECT "     \
	"count(*) FROM fb)"

struct pg {
	PGconn *conn;
	char *shown;  /* the URL, password hidden */
	char *secret; /* the password libpq read from it, or NULL */
};

/* libpq writes notices to the terminal by default; libmlops never does. */
static void pg_no_notice(void *arg, const char *message)
{
	(void)arg;
	(void)message;
}

/* libpq's messages on one line: "...failed: X\n\tIs the server...",
 * and never with the password (a server may echo what it was sent). */
static void tidy(const struct pg *q, struct strbuf *m)
{
	if (q->secret && *q->secret) {
		size_t len = strlen(q->secret);
		char *p;

		while ((p = strstr(m->buf ? m->buf : "", q->secret))) {
			size_t at = (size_t)(p - m->buf);
			struct strbuf rest = STRBUF_INIT;

			strbuf_addstr(&rest, p + len);
			strbuf_setlen(m, at);
			strbuf_addstr(m, "***");
			strbuf_addstr(m, rest.buf ? rest.buf : "");
			strbuf_release(&rest);
		}
	}
	for (size_t i = 0; i < m->len; i++)
		if (m->buf[i] == '\n' || m->buf[i] == '\t')
			m->buf[i] = ' ';
	while (m->len && m->buf[m->len - 1] == ' ')
		strbuf_setlen(m, m->len - 1);
	for (char *p = strstr(m->buf ? m->buf : "", "  "); p;
	     p = strstr(p, "  "))
		memmove(p, p + 1, strlen(p));
	m->len = strlen(m->buf ? m->buf : "");
}

static int pg_fail(struct pg *q, const PGresult *res, const char *what)
{
	const char *msg = res ? PQresultErrorMessage(res) : "";
	struct strbuf m = STRBUF_INIT;
	int bad_conn = PQstatus(q->conn) != CONNECTION_OK, rc;

	strbuf_addstr(&m, msg && *msg ? msg : PQerrorMessage(q->conn));
	tidy(q, &m);
	rc = mlops_error_set(bad_conn ? MLOPS_ENET : MLOPS_EIO,
			     "store '%s': %s: %s", q->shown, what,
			     strbuf_str(&m));
	strbuf_release(&m);
	return rc;
}

/* A command with no rows to read. */
static int pg_cmd(struct pg *q, const char *sql, const char *what)
{
	PGresult *res = PQexec(q->conn, sql);
	int rc = PQresultStatus(res) == PGRES_COMMAND_OK ||
				 PQresultStatus(res) == PGRES_TUPLES_OK
			 ? 0
			 : pg_fail(q, res, what);

	PQclear(res);
	return rc;
}

static void pg_rollback(struct pg *q)
{
	if (PQtransactionStatus(q->conn) != PQTRANS_IDLE) {
		PGresult *res = PQexec(q->conn, "ROLLBACK");

		PQclear(res);
	}
}

/* One integer from a query; -1 when it gives no row or NULL. */
static int pg_int(struct pg *q, const char *sql, int64_t *v)
{
	PGresult *res = PQexec(q->conn, sql);
	int rc = 0;

	if (PQresultStatus(res) != PGRES_TUPLES_OK)
		rc = pg_fail(q, res, "cannot read");
	else if (PQntuples(res) < 1 || PQgetisnull(res, 0, 0))
		*v = -1;
	else
		*v = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
	PQclear(res);
	return rc;
}

static int pg_schema(struct pg *q, unsigned flags)
{
	int64_t have = -1, exists = -1;
	int rc = pg_cmd(q, "BEGIN", "cannot begin a transaction");

	if (!rc)
		rc = pg_cmd(q, "SELECT pg_advisory_xact_lock(" SCHEMA_LOCK ")",
			    "cannot lock the schema");
	if (!rc)
		rc = pg_int(q, "SELECT 1 WHERE to_regclass('" PSTORE_T_SCHEMA
			    "') IS NOT NULL", &exists);
	if (!rc && exists == 1)
		rc = pg_int(q, "SELECT max(version) FROM " PSTORE_T_SCHEMA,
			    &have);
	if (rc)
		goto done;
	rc = pstore_schema_check(q->shown, have, flags);
	if (rc)
		goto done;
	if (have < 0)
		rc = pg_cmd(q, "CREATE TABLE IF NOT EXISTS " PSTORE_T_SCHEMA
			    " (version INTEGER NOT NULL);"
			    "INSERT INTO " PSTORE_T_SCHEMA " VALUES (0)",
			    "cannot create the schema");
	for (int64_t v = have < 0 ? 0 : have; !rc && v < PSTORE_SCHEMA_VERSION;
	     v++) {
		rc = pg_cmd(q, migrations[v], "cannot create the schema");
		if (!rc)
			rc = pg_cmd(q, "UPDATE " PSTORE_T_SCHEMA
				    " SET version = version + 1",
				    "cannot record the schema version");
	}
	if (!rc)
		rc = pg_cmd(q, "COMMIT", "cannot commit the schema");
done:
	if (rc)
		pg_rollback(q);
	return rc;
}

static int pg_prepare(struct pg *q, const char *name, const char *sql)
{
	PGresult *res = PQprepare(q->conn, name, sql, 0, NULL);
	int rc = PQresultStatus(res) == PGRES_COMMAND_OK
			 ? 0
			 : pg_fail(q, res, "cannot prepare a statement");

	PQclear(res);
	return rc;
}

static int pg_setup(struct pg *q)
{
	/* Quiet: CREATE ... IF NOT EXISTS's notices are no news. */
	int rc = pg_cmd(q, "SET client_min_messages = warning",
			"cannot set up the session");

	if (!rc)
		rc = pg_prepare(q, "ins", SQL_INSERT);
	if (!rc)
		rc = pg_prepare(q, "fb", SQL_FEEDBACK);
	return rc;
}

/* A connection the server dropped (a restart, a failover) is opened
 * again before the next statement. */
static int pg_ensure(struct pg *q)
{
	if (PQstatus(q->conn) == CONNECTION_OK)
		return 0;
	PQreset(q->conn);
	if (PQstatus(q->conn) != CONNECTION_OK)
		return pg_fail(q, NULL, "cannot connect again");
	return pg_setup(q);
}

/* The rows in one transaction, pipelined (libpq's pipeline mode): one
 * round trip for the batch, not one a row, so that a store across a
 * network keeps up with serve. */
static int pg_write_predictions(struct pstore *st,
				const struct pstore_prediction *rows, size_t n)
{
	struct pg *q = st->impl;
	int rc = pg_ensure(q), sent = 0;
	PGresult *res;

	if (rc)
		return rc;
	if (!PQenterPipelineMode(q->conn))
		return pg_fail(q, NULL, "cannot pipeline");
	sent = PQsendQueryParams(q->conn, "BEGIN", 0, NULL, NULL, NULL, NULL,
				 0);
	for (size_t i = 0; sent && i < n; i++) {
		const struct pstore_prediction *r = &rows[i];
		char ts[24], lat[32];
		const char *v[9] = { r->id, r->request_id, ts, r->model,
				     r->version, r->digest, r->inputs_json,
				     r->output_json, lat };

		snprintf(ts, sizeof(ts), "%lld", (long long)r->ts_ms);
		snprintf(lat, sizeof(lat), "%.17g", r->latency_ms);
		sent = PQsendQueryPrepared(q->conn, "ins", 9, v, NULL, NULL, 0);
	}
	if (sent)
		sent = PQsendQueryParams(q->conn, "COMMIT", 0, NULL, NULL, NULL,
					 NULL, 0);
	if (!sent || !PQpipelineSync(q->conn)) {
		/* No sync to wait for: start the connection afresh. */
		rc = pg_fail(q, NULL, "cannot send predictions");
		PQreset(q->conn);
		if (PQstatus(q->conn) == CONNECTION_OK)
			pg_setup(q);
		return rc;
	}
	/* Every result up to the sync: the first failure says why. */
	for (;;) {
		res = PQgetResult(q->conn);
		if (!res) {
			if (PQstatus(q->conn) != CONNECTION_OK)
				break;
			continue; /* the end of one query's results */
		}
		if (PQresultStatus(res) == PGRES_PIPELINE_SYNC) {
			PQclear(res);
			break;
		}
		if (!rc && PQresultStatus(res) != PGRES_COMMAND_OK)
			rc = pg_fail(q, res, "cannot store predictions");
		PQclear(res);
	}
	if (!PQexitPipelineMode(q->conn) && !rc)
		rc = pg_fail(q, NULL, "cannot leave the pipeline");
	if (rc)
		pg_rollback(q);
	return rc;
}

static int pg_write_feedback(struct pstore *st, const struct pstore_feedback *f,
			     size_t n, size_t *stored, size_t *unknown)
{
	struct pg *q = st->impl;
	size_t ok = 0, missing = 0;
	int rc = pg_ensure(q);

	if (!rc)
		rc = pg_cmd(q, "BEGIN", "cannot begin a transaction");

	for (size_t i = 0; !rc && i < n; i++) {
		char ts[24];
		const char *v[3] = { f[i].id, f[i].label_json, ts };
		PGresult *res;

		snprintf(ts, sizeof(ts), "%lld", (long long)f[i].ts_ms);
		res = PQexecPrepared(q->conn, "fb", 3, v, NULL, NULL, 0);
		if (PQresultStatus(res) != PGRES_COMMAND_OK)
			rc = pg_fail(q, res, "cannot store feedback");
		else if (strcmp(PQcmdTuples(res), "0"))
			ok++;
		else
			missing++;
		PQclear(res);
	}
	if (!rc)
		rc = pg_cmd(q, "COMMIT", "cannot commit feedback");
	if (rc) {
		pg_rollback(q);
		return rc;
	}
	*stored = ok;
	*unknown = missing;
	return 0;
}

/* Asks the server to stop the query under way: a scan stopped early
 * need not read the rest of the table. */
static void cancel(struct pg *q)
{
	PGcancel *c = PQgetCancel(q->conn);
	char buf[256];

	if (c) {
		PQcancel(c, buf, sizeof(buf));
		PQfreeCancel(c);
	}
}

/* Rows one at a time (single-row mode): memory does not grow with the
 * store. The results left after a stop are read and dropped. */
static int pg_scan(struct pstore *st, int64_t since_ms, int64_t until_ms,
		   const char *model, int only_labelled,
		   int (*fn)(void *ctx, const struct pstore_outcome *o),
		   void *ctx)
{
	struct pg *q = st->impl;
	struct strbuf sql = STRBUF_INIT;
	char since[24], until[24];
	const char *v[3] = { since, until, model };
	PGresult *res;
	int rc = 0;

	snprintf(since, sizeof(since), "%lld", (long long)since_ms);
	snprintf(until, sizeof(until), "%lld", (long long)until_ms);
	strbuf_addf(&sql, "SELECT p.ts_ms, p.model, p.version, p.id, "
		    "p.outputs::text, f.label::text FROM " PSTORE_T_PRED " p "
		    "%s JOIN " PSTORE_T_FEEDBACK " f ON f.id = p.id WHERE "
		    "p.ts_ms >= $1::bigint AND ($2::bigint = 0 OR p.ts_ms < "
		    "$2::bigint) AND ($3::text IS NULL OR p.model = $3::text) "
		    "ORDER BY p.ts_ms, p.seq",
		    only_labelled ? "" : "LEFT");
	if (!PQsendQueryParams(q->conn, sql.buf, 3, NULL, v, NULL, NULL, 0) ||
	    !PQsetSingleRowMode(q->conn)) {
		rc = pg_fail(q, NULL, "cannot read predictions");
		goto done;
	}
	while ((res = PQgetResult(q->conn))) {
		ExecStatusType t = PQresultStatus(res);

		if (t == PGRES_SINGLE_TUPLE && !rc) {
			struct pstore_outcome o = {
				strtoll(PQgetvalue(res, 0, 0), NULL, 10),
				PQgetvalue(res, 0, 1), PQgetvalue(res, 0, 2),
				PQgetvalue(res, 0, 3), PQgetvalue(res, 0, 4),
				PQgetisnull(res, 0, 5) ? NULL
						       : PQgetvalue(res, 0, 5),
			};

			rc = fn(ctx, &o);
			if (rc)
				cancel(q);
		} else if (t != PGRES_SINGLE_TUPLE && t != PGRES_TUPLES_OK &&
			   !rc) {
			rc = pg_fail(q, res, "cannot read predictions");
		}
		PQclear(res);
	}
done:
	strbuf_release(&sql);
	return rc;
}

static int pg_prune_chunk(struct pstore *st, int64_t before_ms, size_t limit,
			  struct pstore_pruned *p)
{
	struct pg *q = st->impl;
	char before[24], lim[24];
	const char *v[2] = { before, lim };
	PGresult *res;
	int rc = 0;

	if (pg_ensure(q) < 0)
		return mlops_error_last()->code;
	snprintf(before, sizeof(before), "%lld", (long long)before_ms);
	snprintf(lim, sizeof(lim), "%zu", limit);
	res = PQexecParams(q->conn, SQL_PRUNE, 2, NULL, v, NULL, NULL, 0);
	if (PQresultStatus(res) != PGRES_TUPLES_OK || PQntuples(res) != 1) {
		rc = pg_fail(q, res, "cannot delete old predictions");
	} else {
		p->predictions += strtoull(PQgetvalue(res, 0, 0), NULL, 10);
		p->feedback += strtoull(PQgetvalue(res, 0, 1), NULL, 10);
	}
	PQclear(res);
	return rc;
}

/* The bytes of the rows: PostgreSQL keeps a deleted row's space in the
 * table for reuse, so the files' size would not fall when rows go. */
static int pg_size(struct pstore *st, uint64_t *bytes)
{
	int64_t v = 0;
	int rc = pg_int(st->impl,
			"SELECT (SELECT coalesce(sum(pg_column_size(p.*)), 0) "
			"FROM " PSTORE_T_PRED " p) + (SELECT "
			"coalesce(sum(pg_column_size(f.*)), 0) FROM "
			PSTORE_T_FEEDBACK " f)",
			&v);

	if (!rc)
		*bytes = v < 0 ? 0 : (uint64_t)v;
	return rc;
}

static int pg_compact(struct pstore *st)
{
	(void)st;
	return 0;
}

static int pg_count(struct pstore *st, uint64_t *predictions,
		    uint64_t *feedback)
{
	int64_t a = 0, b = 0;
	int rc = pg_int(st->impl, "SELECT count(*) FROM " PSTORE_T_PRED, &a);

	if (!rc)
		rc = pg_int(st->impl, "SELECT count(*) FROM " PSTORE_T_FEEDBACK,
			    &b);
	if (!rc) {
		*predictions = (uint64_t)a;
		*feedback = (uint64_t)b;
	}
	return rc;
}

static void pg_close(struct pstore *st)
{
	struct pg *q = st->impl;

	if (!q)
		return;
	PQfinish(q->conn);
	free(q->shown);
	if (q->secret)
		memset(q->secret, 0, strlen(q->secret));
	free(q->secret);
	free(q);
	st->impl = NULL;
}

static const struct pstore_ops pg_ops = {
	"postgresql",	  pg_write_predictions, pg_write_feedback, pg_scan,
	pg_prune_chunk, pg_size,	      pg_compact,	 pg_count,
	pg_close,
};

static int hexval(char c)
{
	return c >= '0' && c <= '9'   ? c - '0'
	       : c >= 'a' && c <= 'f' ? c - 'a' + 10
	       : c >= 'A' && c <= 'F' ? c - 'A' + 10
				      : -1;
}

/* The URL as libpq reads it, before anything is sent: a password
 * written with a bare '@' or '/' is read by libpq as part of the host
 * or the port, and its messages would then show a piece of it. So
 * that URL is refused (its password hidden), and libpq's own parse
 * error, which may quote the URL, is not shown. */
static int pg_check_url(struct pg *q, const char *uri)
{
	char *err = NULL;
	PQconninfoOption *opts = PQconninfoParse(uri, &err), *o;
	const char *pw = NULL, *written;
	size_t len;
	int rc = 0;

	if (!opts) {
		PQfreemem(err);
		rc = mlops_error_set(MLOPS_EUSAGE, "'%s' is not a PostgreSQL "
				     "URL libpq can read", q->shown);
		mlops_error_hint("postgresql://USER@HOST:PORT/DB?OPTION=VALUE");
		return rc;
	}
	for (o = opts; o->keyword; o++)
		if (!strcmp(o->keyword, "password") && o->val)
			pw = o->val;
	/* (A password= in the query wins over the URL's: nothing to
	 * compare then.) */
	if (pstore_url_password(uri, &written, &len) &&
	    !strstr(uri, "password=")) {
		struct strbuf dec = STRBUF_INIT;

		for (size_t i = 0; i < len; i++) {
			if (written[i] == '%' && i + 2 < len &&
			    hexval(written[i + 1]) >= 0 &&
			    hexval(written[i + 2]) >= 0) {
				strbuf_addch(&dec,
					     (char)(hexval(written[i + 1]) * 16 +
						    hexval(written[i + 2])));
				i += 2;
			} else {
				strbuf_addch(&dec, written[i]);
			}
		}
		if (!pw || strcmp(pw, strbuf_str(&dec))) {
			rc = mlops_error_set(MLOPS_EUSAGE, "the password in '%s' "
					     "holds a character a URL gives "
					     "meaning to", q->shown);
			mlops_error_hint("percent-encode it (@ is %%40, / is "
					 "%%2F, : is %%3A), or leave it out of "
					 "the URL: PGPASSWORD or ~/.pgpass");
		}
		if (dec.buf)
			memset(dec.buf, 0, dec.len);
		strbuf_release(&dec);
	}
	if (!rc && pw)
		q->secret = xstrdup(pw);
	for (o = opts; o->keyword; o++)
		if (o->val)
			memset(o->val, 0, strlen(o->val));
	PQconninfoFree(opts);
	return rc;
}

int pstore_pg_open(struct pstore *st, const char *uri, unsigned flags)
{
	struct pg *q = xcalloc(1, sizeof(*q));
	/* Defaults the URI may override (later keywords win). */
	const char *keys[] = { "connect_timeout", "application_name",
			       "dbname", NULL };
	const char *vals[] = { "10", "mlops", uri, NULL };
	int rc = 0;

	q->shown = pstore_url_display(uri);
	st->ops = &pg_ops;
	st->impl = q;
	rc = pg_check_url(q, uri);
	if (rc)
		goto done;
	q->conn = PQconnectdbParams(keys, vals, 1);
	if (!q->conn || PQstatus(q->conn) != CONNECTION_OK) {
		struct strbuf m = STRBUF_INIT;

		strbuf_addstr(&m, q->conn ? PQerrorMessage(q->conn)
					  : "out of memory");
		tidy(q, &m);
		rc = mlops_error_set(MLOPS_ENET, "cannot connect to store "
				     "'%s': %s", q->shown, strbuf_str(&m));
		strbuf_release(&m);
		goto done;
	}
	PQsetNoticeProcessor(q->conn, pg_no_notice, NULL);
	rc = pg_cmd(q, "SET client_min_messages = warning",
		    "cannot set up the session");
	if (!rc)
		rc = pg_schema(q, flags);
	if (!rc)
		rc = pg_setup(q);
done:
	if (rc)
		pg_close(st);
	return rc;
}
