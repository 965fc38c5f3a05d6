#include "handlers.h"

#include <stdlib.h>

#include "../core/jsonutil.h"
#include "../core/strbuf.h"
#include "explain.h"

/* Integers as doubles, so that a value reads the same in a body as in a
 * CSV file (core/number.h), however many digits it has. */
#define REQUEST_JSON_FLAGS (JSON_REJECT_DUPLICATES | JSON_DECODE_INT_AS_REAL)

static unsigned parse_body(const char *body, size_t len, json_t **req,
			   json_t **out)
{
	json_error_t err;
	struct strbuf m = STRBUF_INIT;

	*req = json_loadb(body, len, REQUEST_JSON_FLAGS, &err);
	if (*req)
		return 0;
	strbuf_addf(&m, "malformed JSON: %s (line %d, column %d)", err.text,
		    err.line, err.column);
	*out = error_json(m.buf);
	strbuf_release(&m);
	return 400;
}

/* Row i's cells from a feature object (anything else refuses the row). */
static void cells_from_object(struct score_rows *r, const struct serving *s,
			      size_t i, const json_t *obj)
{
	const struct descriptor *d = s->bm->d;

	if (!json_is_object(obj)) {
		score_rows_refuse(r, i, "features", "must be an object of "
				  "feature values");
		return;
	}
	for (size_t j = 0; j < d->ninputs; j++)
		r->cells[i * r->ninputs + j] =
			json_object_get(obj, d->inputs[j].name);
}

unsigned handle_predict(const struct serving *s, const char *body,
			size_t len, json_t **out)
{
	struct score_rows r;
	struct scores sc = { 0 };
	json_t *req = NULL;
	unsigned status = parse_body(body, len, &req, out);

	if (status)
		return status;
	status = score_rows_start(&r, s, 1, out);
	if (status) { /* a server that takes no rows at all */
		json_decref(req);
		return status;
	}
	r.single = 1;
	if (!json_is_object(req) || !json_object_get(req, "features"))
		score_rows_refuse(&r, 0, "features",
				  "missing: send {\"features\": {...}}");
	else
		cells_from_object(&r, s, 0, json_object_get(req, "features"));
	status = serving_score(s, &r, &sc, out);
	if (status == 200) {
		*out = score_decision_json(s, sc.y);
		json_object_set_new(*out, "model_version",
				    json_string(s->bm->d->version));
		json_object_set_new(*out, "inference_time_ms",
				    json_real((double)sc.ns / 1e6));
		/* The row's id in the prediction store: feedback names it. */
		if (score_request_id())
			json_object_set_new(*out, "id",
					    json_string(score_request_id()));
	}
	scores_release(&sc);
	score_rows_release(&r);
	json_decref(req);
	return status;
}

/* The accepted batch shapes into r: the status of score_rows_start, or
 * 400 when the shape is none of them. */
static unsigned batch_cells(const struct serving *s, const json_t *req,
			    struct score_rows *r, json_t **out)
{
	const struct descriptor *d = s->bm->d;
	const json_t *rows = NULL, *cols = json_object_get(req, "columns");
	unsigned status;
	size_t n, i;

	if (json_is_array(req))
		rows = req;
	else if (json_is_array(json_object_get(req, "instances")))
		rows = json_object_get(req, "instances");
	else if (json_is_array(json_object_get(req, "features")))
		rows = json_object_get(req, "features");
	n = rows ? json_array_size(rows) : score_columns_rows(cols);
	if (n == (size_t)-1) {
		*out = error_json("send an array of feature objects, "
				  "{\"instances\": [...]} or {\"columns\": "
				  "{\"name\": [...]}} with equal lengths");
		return 400;
	}
	status = score_rows_start(r, s, n, out);
	if (status)
		return status;
	for (i = 0; rows && i < n; i++)
		cells_from_object(r, s, i, json_array_get(rows, i));
	for (size_t j = 0; !rows && j < d->ninputs; j++) {
		const json_t *col = json_object_get(cols, d->inputs[j].name);

		for (i = 0; col && i < n; i++)
			r->cells[i * r->ninputs + j] = json_array_get(col, i);
	}
	return 0;
}

unsigned handle_batch(const struct serving *s, const char *body, size_t len,
		      json_t **out)
{
	struct score_rows r = { 0 };
	struct scores sc = { 0 };
	json_t *req = NULL, *preds;
	unsigned status = parse_body(body, len, &req, out);

	if (status)
		return status;
	status = batch_cells(s, req, &r, out);
	if (!status)
		status = serving_score(s, &r, &sc, out);
	if (status == 200) {
		preds = json_array();
		for (size_t i = 0; i < sc.n; i++)
			json_array_append_new(preds,
					      score_decision_json(s, sc.y + i * sc.k));
		*out = json_pack("{s:o, s:s, s:f}", "predictions", preds,
				 "model_version", s->bm->d->version,
				 "inference_time_ms", (double)sc.ns / 1e6);
		if (score_request_id())
			json_object_set_new(*out, "ids", score_row_ids(sc.n));
	}
	scores_release(&sc);
	score_rows_release(&r);
	json_decref(req);
	return status;
}

/* The timings every answer carries. */
static void timings(json_t *o, const struct serving *s,
		    const struct scores *sc)
{
	json_object_set_new(o, "model_version", json_string(s->bm->d->version));
	json_object_set_new(o, "inference_time_ms",
			    json_real((double)sc->ns / 1e6));
	json_object_set_new(o, "explanation_time_ms",
			    json_real((double)sc->explain_ns / 1e6));
}

unsigned handle_explain(const struct serving *s, const char *body,
			size_t len, json_t **out)
{
	struct score_rows r = { 0 };
	struct scores sc = { 0 };
	json_t *req = NULL, *f, *preds;
	unsigned status = parse_body(body, len, &req, out);
	size_t top = 0, i;
	int single;

	if (status)
		return status;
	f = json_is_object(req) ? json_object_get(req, "features") : NULL;
	single = f && !json_is_array(f);
	status = explain_top(req, &top, out);
	if (!status && single) {
		status = score_rows_start(&r, s, 1, out);
		r.single = 1;
		if (!status)
			cells_from_object(&r, s, 0, f);
	} else if (!status) {
		status = batch_cells(s, req, &r, out);
	}
	if (!status)
		status = serving_explain(s, &r, &sc, out);
	if (status == 200) {
		preds = json_array();
		for (i = 0; i < sc.n; i++) {
			json_t *o = score_decision_json(s, sc.y + i * sc.k);
			struct decision dec;

			model_decide(s->bm->m, sc.y + i * sc.k,
				     s->bm->d->model.threshold, &dec);
			explain_add(o, s, sc.e + i * sc.ew, top,
				    (size_t)dec.prediction);
			json_array_append_new(preds, o);
		}
		if (single) {
			*out = json_incref(json_array_get(preds, 0));
			json_decref(preds);
		} else {
			*out = json_pack("{s:o}", "predictions", preds);
		}
		timings(*out, s, &sc);
	}
	scores_release(&sc);
	score_rows_release(&r);
	json_decref(req);
	return status;
}

json_t *model_info_json(const struct serving *s)
{
	const struct model *m = s->bm->m;
	json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:s, s:O, s:s, s:s}", "name",
			      s->bm->d->name, "version", s->bm->d->version,
			      "digest", s->digest, "runtime",
			      runtime_name(s->bm->d->model.runtime), "task",
			      task_name(s->bm->d->model.task), "signature",
			      s->signature, "model", s->bm->m->description,
			      "loaded_at", s->loaded_at);

	/* The classes, in the order of every probabilities answer. */
	if (m->nlabels) {
		json_t *l = json_array();

		for (size_t i = 0; i < m->nlabels; i++)
			json_array_append_new(l, label_json(m->labels[i]));
		json_object_set_new(o, "labels", l);
	}
	return o;
}
