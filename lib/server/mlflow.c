/* MLflow's scoring protocol, as mlflow/pyfunc/scoring_server answers it:
 *
 *   application/json: an object with exactly one of
 *     "dataframe_split"   {"columns": [...], "data": [[...], ...]}
 *     "dataframe_records" [{"col": value, ...}, ...]
 *     "instances"         a list of records or of rows, or columns
 *     "inputs"            columns {"col": [...]}, or records, or rows
 *   (and "params", for the model: "predict_method": "predict_proba"
 *   asks for every class's probability instead of the class);
 *   text/csv: a header line of column names, then rows.
 *
 * Rows (lists) hold the signature's inputs in order. The answer is
 * {"predictions": [...]}: the class label of each row for classifiers,
 * the value for regression. */
#include "mlflow.h"

#include <string.h>
#include <strings.h>

#include "../core/error.h"
#include "../core/jsonutil.h"
#include "../core/strbuf.h"
#include "../data/csv.h"

#define JSON_FLAGS (JSON_REJECT_DUPLICATES | JSON_DECODE_INT_AS_REAL)

static const char *const formats[] = { "dataframe_split", "dataframe_records",
				       "instances", "inputs", NULL };

json_t *mlflow_error(const char *message)
{
	return json_pack("{s:s, s:s}", "error_code", "BAD_REQUEST", "message",
			 message);
}

static unsigned fail(json_t **out, unsigned status, const char *message)
{
	*out = mlflow_error(message);
	return status;
}

/* "application/json; charset=utf-8" -> JSON (1), CSV (2), or 0 with
 * *why. MLflow refuses any parameter but a UTF-8 charset. */
static int media_type(const char *ct, const char **why)
{
	size_t n;
	int kind;
	const char *p;

	*why = "the content type must be application/json or text/csv";
	if (!ct)
		return 0;
	ct += strspn(ct, " \t");
	n = strcspn(ct, " \t;");
	if (n == 16 && !strncasecmp(ct, "application/json", n))
		kind = 1;
	else if (n == 8 && !strncasecmp(ct, "text/csv", n))
		kind = 2;
	else
		return 0;
	for (p = strchr(ct, ';'); p; p = strchr(p + 1, ';')) {
		const char *v = p + 1 + strspn(p + 1, " \t");

		if (strncasecmp(v, "charset=", 8)) {
			*why = "unrecognized content type parameters (only "
			       "charset=utf-8)";
			return 0;
		}
		v += 8;
		if (*v == '"')
			v++;
		if (strncasecmp(v, "utf-8", 5) ||
		    (v[5] && !strchr("\"; \t", v[5]))) {
			*why = "the scoring server only supports UTF-8";
			return 0;
		}
	}
	return kind;
}

/* Row i from a record: its keys by input name. */
static void record_cells(struct score_rows *r, const struct descriptor *d,
			 size_t i, const json_t *rec)
{
	if (!json_is_object(rec)) {
		score_rows_refuse(r, i, "row", "must be an object of input "
				  "values, or a list of them in signature "
				  "order");
		return;
	}
	for (size_t j = 0; j < d->ninputs; j++)
		r->cells[i * r->ninputs + j] =
			json_object_get(rec, d->inputs[j].name);
}

/* Row i from a list of values in the order of names (NULL: the
 * signature's order). */
static void list_cells(struct score_rows *r, const struct descriptor *d,
		       size_t i, const json_t *row, const json_t *names)
{
	size_t k, n = names ? json_array_size(names) : d->ninputs;

	if (!json_is_array(row) || json_array_size(row) != n) {
		score_rows_refuse(r, i, "row", names ? "needs one value per "
				  "column" : "needs one value per input, in "
				  "signature order");
		return;
	}
	for (k = 0; k < n; k++) {
		size_t j = k;

		if (names) {
			const char *c = json_string_value(json_array_get(names, k));

			for (j = 0; c && j < d->ninputs &&
				    strcmp(d->inputs[j].name, c);
			     j++)
				;
			if (!c || j == d->ninputs)
				continue; /* not an input: dropped, as MLflow */
		}
		r->cells[i * r->ninputs + j] = json_array_get(row, k);
	}
}

/* A column named twice would leave one of its values unread (which, by
 * position or last-wins, is a guess): refused. 1 when one is, *out the
 * 400's body. */
static int duplicate_name(const json_t *names, json_t **out)
{
	const json_t *a, *b;
	size_t i, j;

	json_array_foreach(names, i, a)
		for (j = 0; j < i && json_is_string(a); j++) {
			b = json_array_get(names, j);
			if (json_is_string(b) &&
			    !strcmp(json_string_value(a), json_string_value(b))) {
				struct strbuf m = STRBUF_INIT;

				strbuf_addf(&m, "column '%s' is given twice",
					    json_string_value(a));
				fail(out, 400, m.buf);
				strbuf_release(&m);
				return 1;
			}
		}
	return 0;
}

/* A list (records or rows), columns, or a split frame into r. */
static unsigned json_cells(const struct serving *s, const char *format,
			   const json_t *v, struct score_rows *r, json_t **out)
{
	const struct descriptor *d = s->bm->d;
	const json_t *rows = v, *names = NULL, *x;
	unsigned st;
	size_t i, n;

	if (!strcmp(format, "dataframe_split")) {
		names = json_object_get(v, "columns");
		rows = json_object_get(v, "data");
		if (!json_is_object(v) || !json_is_array(rows) ||
		    (names && !json_is_array(names)))
			return fail(out, 400, "dataframe_split must be {\"columns\": "
				    "[...], \"data\": [[...], ...]}");
		if (names && duplicate_name(names, out))
			return 400;
	} else if (json_is_object(v) && strcmp(format, "dataframe_records")) {
		n = score_columns_rows(v);
		if (n == (size_t)-1 || !json_object_size(v))
			return fail(out, 400, "columns must be lists of equal "
				    "length");
		st = score_rows_start(r, s, n, out);
		for (size_t j = 0; !st && j < d->ninputs; j++) {
			x = json_object_get(v, d->inputs[j].name);
			for (i = 0; x && i < n; i++)
				r->cells[i * r->ninputs + j] = json_array_get(x, i);
		}
		return st;
	}
	if (!json_is_array(rows))
		return fail(out, 400, !strcmp(format, "dataframe_records")
					      ? "dataframe_records must be a list "
						"of records"
					      : "instances and inputs must be a "
						"list of records or rows, or "
						"columns");
	st = score_rows_start(r, s, json_array_size(rows), out);
	json_array_foreach(st ? NULL : rows, i, x) {
		if (names || json_is_array(x))
			list_cells(r, d, i, x, names);
		else
			record_cells(r, d, i, x);
	}
	return st;
}

/* A line with nothing but spaces: no row (pandas' skip_blank_lines). */
static int blank_record(const struct csv_field *f, size_t nf)
{
	size_t i;

	if (nf != 1 || f[0].quoted)
		return 0;
	for (i = 0; i < f[0].len; i++)
		if (f[0].p[i] != ' ' && f[0].p[i] != '\t' && f[0].p[i] != '\r')
			return 0;
	return 1;
}

/* text/csv: the header names the columns; empty and NA fields are
 * missing values, blank lines skipped, as pandas reads them. */
static unsigned csv_cells(const struct serving *s, const char *body,
			  size_t len, struct csv_reader **csv,
			  struct score_rows *r, json_t **out)
{
	const struct descriptor *d = s->bm->d;
	struct csv_field *f;
	size_t nf, ncols, i, k, *col = NULL, nrows = 0;
	unsigned st = 0;
	int rc;

	csv_open_mem(csv, body, len, "the CSV body");
	if (csv_next(*csv, &f, &ncols))
		return fail(out, 400, "the CSV body needs a header line of "
			    "column names");
	col = xcalloc(ncols + 1, sizeof(*col));
	for (k = 0; k < ncols; k++) {
		for (i = 0; i < k && strcmp(f[i].p, f[k].p); i++)
			;
		if (i < k) {
			struct strbuf m = STRBUF_INIT;

			strbuf_addf(&m, "column '%s' is given twice in the "
				    "header", f[k].p);
			st = fail(out, 400, m.buf);
			strbuf_release(&m);
			goto done;
		}
		for (i = 0; i < d->ninputs && strcmp(d->inputs[i].name, f[k].p);
		     i++)
			;
		col[k] = i; /* ninputs: not an input, dropped */
	}
	/* Every record stays in the reader's memory: count, then point. */
	while (!(rc = csv_next(*csv, &f, &nf)))
		nrows += !blank_record(f, nf);
	if (rc < 0) {
		st = fail(out, 400, mlops_error_last()->message);
		goto done;
	}
	csv_close(*csv);
	csv_open_mem(csv, body, len, "the CSV body");
	csv_next(*csv, &f, &nf);
	st = score_rows_start(r, s, nrows, out);
	if (st)
		goto done;
	score_rows_vals(r);
	for (i = 0; i < nrows && !csv_next(*csv, &f, &nf); i++) {
		while (blank_record(f, nf) && !csv_next(*csv, &f, &nf))
			; /* skipped, as pandas skips blank lines */
		if (nf != ncols) {
			score_rows_refuse(r, i, "row", "has another number of "
					  "fields than the header");
			continue;
		}
		for (k = 0; k < ncols; k++) {
			struct cell *c;
			size_t j;

			if (col[k] == d->ninputs)
				continue;
			c = &r->vals[i * r->ninputs + col[k]];
			c->text = f[k].p;
			c->len = f[k].len;
			c->kind = CELL_TEXT;
			for (j = 0; !f[k].quoted && table_default_na[j]; j++)
				if (!strcmp(table_default_na[j], f[k].p))
					c->kind = CELL_NULL;
		}
	}
done:
	free(col);
	return st;
}

/* {"predict_method": "predict_proba"}: every class's probability. */
static int wants_proba(const json_t *req, const struct model *m)
{
	const char *how = json_str(json_object_get(req, "params"),
				   "predict_method");

	return how && !strcmp(how, "predict_proba") &&
	       m->task != TASK_REGRESSION;
}

static json_t *predictions(const struct serving *s, const struct scores *sc,
			   int proba)
{
	const struct model *m = s->bm->m;
	json_t *a = json_array();

	for (size_t i = 0; i < sc->n; i++) {
		const double *y = sc->y + i * sc->k;
		struct decision dec;

		if (proba) {
			json_t *p = json_array();

			if (m->task == TASK_BINARY)
				json_array_append_new(p, json_real(1 - y[0]));
			for (size_t k = 0; k < sc->k; k++)
				json_array_append_new(p, json_real(y[k]));
			json_array_append_new(a, p);
			continue;
		}
		model_decide(m, y, s->bm->d->model.threshold, &dec);
		json_array_append_new(
			a, m->task == TASK_REGRESSION
				   ? json_real(dec.prediction)
				   : label_json(m->labels[(size_t)dec.prediction]));
	}
	return json_pack("{s:o}", "predictions", a);
}

/* The core's 422 as MLflow answers a schema failure: 400, the reasons
 * in one message, the details kept. */
static unsigned contract_error(unsigned status, json_t *res, json_t **out)
{
	json_t *det = json_object_get(res, "details"), *p;
	struct strbuf m = STRBUF_INIT;
	size_t i;

	if (status != 422) {
		*out = mlflow_error(json_str(res, "error"));
		json_decref(res);
		return status;
	}
	strbuf_addstr(&m, "Failed to enforce schema: invalid input");
	json_array_foreach(det, i, p)
		strbuf_addf(&m, "%s row %lld %s: %s", i ? ";" : ":",
			    (long long)json_integer_value(json_object_get(p, "row")),
			    json_str(p, "field"), json_str(p, "problem"));
	*out = mlflow_error(m.buf);
	json_object_set(*out, "details", det);
	strbuf_release(&m);
	json_decref(res);
	return 400;
}

unsigned mlflow_invocations(const struct serving *s, const char *content_type,
			    const char *body, size_t len, json_t **out)
{
	struct score_rows r = { 0 };
	struct scores sc = { 0 };
	struct csv_reader *csv = NULL;
	json_t *req = NULL, *res = NULL;
	const char *why, *format = NULL;
	json_error_t err;
	unsigned st;
	int kind = media_type(content_type, &why), n = 0;

	*out = NULL;
	if (!kind)
		return fail(out, 415, why);
	if (kind == 2) {
		st = csv_cells(s, body, len, &csv, &r, out);
		goto score;
	}
	req = json_loadb(body, len, JSON_FLAGS, &err);
	if (!req) {
		struct strbuf m = STRBUF_INIT;

		strbuf_addf(&m, "Ensure that input is a valid JSON formatted "
			    "string: %s (line %d, column %d)", err.text,
			    err.line, err.column);
		st = fail(out, 400, m.buf);
		strbuf_release(&m);
		goto done;
	}
	for (size_t i = 0; formats[i]; i++)
		if (json_object_get(req, formats[i])) {
			format = formats[i];
			n++;
		}
	if (n != 1) {
		st = fail(out, 400, "The input must be a JSON dictionary with "
			  "exactly one of the input fields {dataframe_split, "
			  "dataframe_records, instances, inputs}");
		goto done;
	}
	st = json_cells(s, format, json_object_get(req, format), &r, out);
score:
	if (!st)
		st = serving_score(s, &r, &sc, &res);
	if (st == 200)
		*out = predictions(s, &sc, wants_proba(req, s->bm->m));
	else if (res)
		st = contract_error(st, res, out);
	else if (json_str(*out, "error")) {
		/* score_rows_start's 400 / 413, in MLflow's shape. */
		json_t *e = *out;

		st = fail(out, st, json_str(e, "error"));
		json_decref(e);
	}
done:
	scores_release(&sc);
	score_rows_release(&r);
	csv_close(csv);
	json_decref(req);
	return st;
}
