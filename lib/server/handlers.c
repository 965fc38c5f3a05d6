#include "handlers.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../core/error.h"
#include "../core/fsutil.h"
#include "../core/jsonutil.h"
#include "../core/strbuf.h"
#include "../core/timeutil.h"
#include "../data/contract.h"
#include "../data/dataset.h"
#include "../drift/profile_predict.h"
#include "livedrift.h"

/* Integers as doubles, so that a value reads the same in a body as in a
 * CSV file (core/number.h), however many digits it has. */
#define REQUEST_JSON_DEPTH_FLAGS (JSON_REJECT_DUPLICATES | JSON_DECODE_INT_AS_REAL)

json_t *error_json(const char *message)
{
	return json_pack("{s:s}", "error", message);
}

/* One row of features (an object) into x; every violation into details
 * (with "row" when row >= 0). Returns the number of violations. */
static size_t convert_row(const struct serving *s, const json_t *obj,
			  double *x, json_t *details, long row)
{
	const struct descriptor *d = s->bm->d;
	struct strbuf problem = STRBUF_INIT, shown = STRBUF_INIT;
	size_t i, bad = 0;

	if (!json_is_object(obj)) {
		json_t *e = json_pack("{s:s, s:s}", "field", "features",
				      "problem", "must be an object of feature "
				      "values");

		if (row >= 0)
			json_object_set_new(e, "row", json_integer(row));
		json_array_append_new(details, e);
		return 1;
	}
	for (i = 0; i < d->ninputs; i++) {
		struct cell c;

		cell_from_json(json_object_get(obj, d->inputs[i].name), &c);
		if (!contract_convert(&d->inputs[i], &c, &x[i], &problem,
				      &shown))
			continue;
		bad++;
		{
			json_t *e = json_pack("{s:s, s:s}", "field",
					      d->inputs[i].name, "problem",
					      problem.buf);

			/* The offending value, short and only for scalars. */
			if (shown.len)
				json_object_set_new(e, "value",
						    json_string(shown.buf));
			if (row >= 0)
				json_object_set_new(e, "row", json_integer(row));
			json_array_append_new(details, e);
		}
	}
	strbuf_release(&problem);
	strbuf_release(&shown);
	return bad;
}

/* A class label as JSON: a number when it is an integer. */
static json_t *label_json(const char *label)
{
	return label_is_integer(label) ? json_integer(strtoll(label, NULL, 10))
				       : json_string(label);
}

/* A model that cannot answer (an inf or NaN output, a runtime error):
 * 500, with what went wrong. */
static json_t *model_error_json(void)
{
	struct strbuf sb = STRBUF_INIT;
	json_t *j;

	strbuf_addf(&sb, "the model failed to predict: %s",
		    mlops_error_last()->message);
	j = error_json(sb.buf);
	strbuf_release(&sb);
	return j;
}

static json_t *decision_json(const struct serving *s, const double *y)
{
	const struct model *m = s->bm->m;
	struct decision dec;
	json_t *o, *all;
	size_t k;

	model_decide(m, y, s->bm->d->model.threshold, &dec);
	if (m->task == TASK_REGRESSION)
		return json_pack("{s:f}", "prediction", dec.prediction);
	o = json_pack("{s:o, s:f}", "prediction",
		      label_json(m->labels[(size_t)dec.prediction]),
		      "probability", dec.probability);
	if (m->task != TASK_MULTICLASS)
		return o;
	all = json_object();
	for (k = 0; k < m->nlabels; k++)
		json_object_set_new(all, m->labels[k], json_real(y[k]));
	json_object_set_new(o, "probabilities", all);
	return o;
}

/* The predictions' histogram of this version: the positive class's
 * probability, the class, or the value. */
static void count_predictions(const struct serving *s, const double *y,
			      size_t n, size_t k)
{
	double v[256];
	size_t i, done = 0;

	if (!s->metrics)
		return;
	while (done < n) {
		size_t m = n - done < 256 ? n - done : 256;

		for (i = 0; i < m; i++) {
			struct decision dec;

			model_decide(s->bm->m, y + (done + i) * k,
				     s->bm->d->model.threshold, &dec);
			v[i] = s->bm->d->model.task == TASK_BINARY
				       ? dec.probability
				       : dec.prediction;
		}
		metrics_predictions(s->metrics, s->version_slot, v, m);
		done += m;
	}
}

void serving_prediction_edges(const struct serving *s, double *edges,
			      size_t *n)
{
	const struct profile_column *c;
	size_t i, k = 0;

	switch (s->bm->d->model.task) {
	case TASK_BINARY:
		for (i = 1; i < PRED_BUCKETS; i++)
			edges[k++] = (double)i / PRED_BUCKETS;
		break;
	case TASK_MULTICLASS:
		for (i = 0; i < s->bm->m->noutputs && k < PRED_BUCKETS; i++)
			edges[k++] = (double)i;
		break;
	case TASK_REGRESSION:
		/* Equal-frequency bins of the reference predictions. */
		c = s->profile ? profile_find(s->profile, PREDICTION_COLUMN)
			       : NULL;
		if (c && c->count)
			for (i = 1; i < PRED_BUCKETS; i++)
				edges[k++] = c->quantiles[i * 100 / PRED_BUCKETS];
		break;
	}
	*n = k;
}

static unsigned parse_body(const char *body, size_t len, json_t **req,
			   json_t **out)
{
	json_error_t err;
	struct strbuf m = STRBUF_INIT;

	*req = json_loadb(body, len, REQUEST_JSON_DEPTH_FLAGS, &err);
	if (*req)
		return 0;
	strbuf_addf(&m, "malformed JSON: %s (line %d, column %d)", err.text,
		    err.line, err.column);
	*out = error_json(m.buf);
	strbuf_release(&m);
	return 400;
}

static unsigned invalid(json_t *details, json_t **out)
{
	*out = json_pack("{s:s, s:o}", "error", "invalid input", "details",
			 details);
	return 422;
}

unsigned handle_predict(const struct serving *s, const char *body,
			size_t len, json_t **out)
{
	const struct descriptor *d = s->bm->d;
	double *x = xcalloc(d->ninputs + 1, sizeof(double));
	double *y = xcalloc(s->bm->m->noutputs + 1, sizeof(double));
	json_t *req = NULL, *details = json_array();
	unsigned status = parse_body(body, len, &req, out);
	uint64_t t0;

	if (status)
		goto done;
	if (!json_is_object(req) || !json_object_get(req, "features")) {
		json_array_append_new(details,
				      json_pack("{s:s, s:s}", "field", "features",
						"problem", "missing: send "
						"{\"features\": {...}}"));
		status = invalid(details, out);
		details = NULL;
		goto done;
	}
	if (convert_row(s, json_object_get(req, "features"), x, details, -1)) {
		__atomic_add_fetch(&s->metrics->rows_invalid, 1,
				   __ATOMIC_RELAXED);
		status = invalid(details, out);
		details = NULL;
		goto done;
	}
	t0 = mono_ns();
	if (model_predict(s->bm->m, x, 1, y) < 0) {
		*out = model_error_json();
		status = 500;
		goto done;
	}
	{
		uint64_t ns = mono_ns() - t0;

		live_drift_observe(s->drift, x, y, 1);
		count_predictions(s, y, 1, s->bm->m->noutputs);
		metrics_observe(&s->metrics->model_seconds, ns, 0);
		metrics_observe(&s->metrics->batch_rows, 1, 1);
		__atomic_add_fetch(&s->metrics->rows_predicted, 1,
				   __ATOMIC_RELAXED);
		*out = decision_json(s, y);
		json_object_set_new(*out, "model_version",
				    json_string(d->version));
		json_object_set_new(*out, "inference_time_ms",
				    json_real((double)ns / 1e6));
	}
	status = 200;
done:
	json_decref(details);
	json_decref(req);
	free(x);
	free(y);
	return status;
}

/* Rows from the accepted batch shapes, as an array of objects (new
 * reference). NULL when the shape is wrong. */
static json_t *batch_rows(const json_t *req)
{
	const json_t *cols;
	json_t *rows;
	const char *name;
	json_t *v;
	size_t n = (size_t)-1, i;

	if (json_is_array(req))
		return json_incref((json_t *)req);
	if (json_is_array(json_object_get(req, "instances")))
		return json_incref(json_object_get(req, "instances"));
	if (json_is_array(json_object_get(req, "features")))
		return json_incref(json_object_get(req, "features"));
	cols = json_object_get(req, "columns");
	if (!json_is_object(cols))
		return NULL;
	json_object_foreach((json_t *)cols, name, v) {
		if (!json_is_array(v) ||
		    (n != (size_t)-1 && json_array_size(v) != n))
			return NULL;
		n = json_array_size(v);
	}
	if (n == (size_t)-1)
		return NULL;
	rows = json_array();
	for (i = 0; i < n; i++) {
		json_t *r = json_object();

		json_object_foreach((json_t *)cols, name, v)
			json_object_set(r, name, json_array_get(v, i));
		json_array_append_new(rows, r);
	}
	return rows;
}

unsigned handle_batch(const struct serving *s, const char *body, size_t len,
		      json_t **out)
{
	json_t *req = NULL, *rows;
	unsigned status = parse_body(body, len, &req, out);

	if (status)
		return status;
	rows = batch_rows(req);
	json_decref(req);
	if (!rows) {
		*out = error_json("send an array of feature objects, "
				  "{\"instances\": [...]} or {\"columns\": "
				  "{\"name\": [...]}} with equal lengths");
		return 400;
	}
	status = handle_rows(s, rows, out);
	json_decref(rows);
	return status;
}

unsigned handle_rows(const struct serving *s, const json_t *rows,
		     json_t **out)
{
	const struct descriptor *d = s->bm->d;
	json_t *details = json_array(), *preds;
	size_t n, i, k = s->bm->m->noutputs, bad = 0;
	double *x = NULL, *y = NULL;
	unsigned status;
	uint64_t t0, ns;

	n = json_array_size(rows);
	if (!n || n > s->max_batch) {
		struct strbuf m = STRBUF_INIT;

		strbuf_addf(&m, "a batch holds 1 to %zu rows, not %zu",
			    s->max_batch, n);
		*out = error_json(m.buf);
		strbuf_release(&m);
		status = n ? 413 : 400;
		goto done;
	}
	x = xcalloc(n * d->ninputs + 1, sizeof(double));
	y = xcalloc(n * k + 1, sizeof(double));
	for (i = 0; i < n; i++)
		bad += convert_row(s, json_array_get(rows, i), x + i * d->ninputs,
				   details, (long)i) > 0;
	if (bad) {
		__atomic_add_fetch(&s->metrics->rows_invalid, bad,
				   __ATOMIC_RELAXED);
		status = invalid(details, out);
		details = NULL;
		goto done;
	}
	t0 = mono_ns();
	if (model_predict(s->bm->m, x, n, y) < 0) {
		*out = model_error_json();
		status = 500;
		goto done;
	}
	ns = mono_ns() - t0;
	live_drift_observe(s->drift, x, y, n);
	count_predictions(s, y, n, k);
	metrics_observe(&s->metrics->model_seconds, ns, 0);
	metrics_observe(&s->metrics->batch_rows, n, 1);
	__atomic_add_fetch(&s->metrics->rows_predicted, n, __ATOMIC_RELAXED);
	preds = json_array();
	for (i = 0; i < n; i++)
		json_array_append_new(preds, decision_json(s, y + i * k));
	*out = json_pack("{s:o, s:s, s:f}", "predictions", preds,
			 "model_version", d->version, "inference_time_ms",
			 (double)ns / 1e6);
	status = 200;
done:
	json_decref(details);
	free(x);
	free(y);
	return status;
}

json_t *model_info_json(const struct serving *s)
{
	json_t *desc = descriptor_to_json(s->bm->d);
	json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:s, s:O, s:s, s:s}", "name",
			      s->bm->d->name, "version", s->bm->d->version,
			      "digest", s->digest, "runtime",
			      runtime_name(s->bm->d->model.runtime), "task",
			      task_name(s->bm->d->model.task), "signature",
			      json_object_get(desc, "signature"), "model",
			      s->bm->m->description, "loaded_at",
			      s->loaded_at);
	const struct model *m = s->bm->m;

	/* The classes, in the order of every probabilities answer. */
	if (m->nlabels) {
		json_t *l = json_array();

		for (size_t i = 0; i < m->nlabels; i++)
			json_array_append_new(l, label_json(m->labels[i]));
		json_object_set_new(o, "labels", l);
	}
	json_decref(desc);
	return o;
}

int serving_warm_up(struct bundled_model *bm, size_t *rows)
{
	const struct descriptor *d = bm->d;
	struct dataset_opts o = { 0 };
	struct dataset *ds = NULL;
	double *x, *y;
	size_t n = 0;
	char *golden;
	int rc;

	*rows = 0;
	x = xcalloc(64 * d->ninputs + 1, sizeof(double));
	y = xcalloc(64 * bm->m->noutputs + 1, sizeof(double));
	/* The golden rows when the bundle has them, else one empty row. */
	if (d->datasets.golden_path && bm->dir) {
		golden = fs_join(bm->dir, d->datasets.golden_path);
		o.unknown = UNKNOWN_IGNORE;
		if (dataset_open(&ds, golden, d->inputs, d->ninputs, &o) == 0) {
			while (n < 64 && (rc = dataset_next(ds, x + n * d->ninputs)) != 1 &&
			       rc >= 0)
				if (rc == 0)
					n++;
			dataset_close(ds);
		}
		mlops_error_clear();
		free(golden);
	}
	if (!n) {
		size_t i;

		for (i = 0; i < d->ninputs; i++)
			x[i] = NAN;
		n = 1;
	}
	rc = model_predict(bm->m, x, n, y);
	if (!rc)
		*rows = n;
	free(x);
	free(y);
	return rc;
}
