#include "score.h"

#include <stdlib.h>
#include <string.h>

#include "../core/error.h"
#include "../core/strbuf.h"
#include "../core/timeutil.h"
#include "../data/contract.h"
#include "livedrift.h"

json_t *error_json(const char *message)
{
	return json_pack("{s:s}", "error", message);
}

/* The request this thread answers: set by server.c around a handler. */
static _Thread_local const char *request_id;

void score_set_request(const char *id)
{
	request_id = id;
}

const char *score_request_id(void)
{
	return request_id;
}

void score_row_id_add(struct strbuf *sb, const char *rid, size_t i, size_t n)
{
	strbuf_addstr(sb, rid);
	if (n != 1)
		strbuf_addf(sb, "/%zu", i);
}

void score_row_id(struct strbuf *sb, const char *rid, size_t i, size_t n)
{
	strbuf_reset(sb);
	score_row_id_add(sb, rid, i, n);
}

json_t *score_row_ids(size_t n)
{
	struct strbuf sb = STRBUF_INIT;
	json_t *ids;

	if (!request_id)
		return NULL;
	ids = json_array();
	for (size_t i = 0; i < n; i++) {
		score_row_id(&sb, request_id, i, n);
		json_array_append_new(ids, json_string(sb.buf));
	}
	strbuf_release(&sb);
	return ids;
}

json_t *score_decision_json(const struct serving *s, const double *y)
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

json_t *label_json(const char *label)
{
	return label_is_integer(label) ? json_integer(strtoll(label, NULL, 10))
				       : json_string(label);
}

unsigned score_rows_start(struct score_rows *r, const struct serving *s,
			  size_t n, json_t **err)
{
	struct strbuf m = STRBUF_INIT;

	*r = (struct score_rows){ 0 };
	if (n && n <= s->max_batch) {
		r->n = n;
		r->ninputs = s->bm->d->ninputs;
		r->cells = xcalloc(n * r->ninputs + 1, sizeof(*r->cells));
		r->bad = xcalloc(n, 1);
		r->details = json_array();
		return 0;
	}
	strbuf_addf(&m, "a batch holds 1 to %zu rows, not %zu", s->max_batch,
		    n);
	*err = error_json(m.buf);
	strbuf_release(&m);
	return n ? 413 : 400;
}

size_t score_columns_rows(const json_t *cols)
{
	const char *name;
	const json_t *v;
	size_t n = (size_t)-1;

	if (!json_is_object(cols))
		return (size_t)-1;
	json_object_foreach((json_t *)cols, name, v) {
		if (!json_is_array(v) ||
		    (n != (size_t)-1 && json_array_size(v) != n))
			return (size_t)-1;
		n = json_array_size(v);
	}
	return n;
}

void score_rows_vals(struct score_rows *r)
{
	if (!r->vals)
		r->vals = xcalloc(r->n * r->ninputs + 1, sizeof(*r->vals));
}

static void add_detail(struct score_rows *r, size_t i, json_t *e)
{
	if (!r->single)
		json_object_set_new(e, "row", json_integer((json_int_t)i));
	json_array_append_new(r->details, e);
}

void score_rows_refuse(struct score_rows *r, size_t i, const char *field,
		       const char *problem)
{
	r->bad[i] = 1;
	add_detail(r, i, json_pack("{s:s, s:s}", "field", field, "problem",
				   problem));
}

void score_rows_release(struct score_rows *r)
{
	free(r->cells);
	free(r->vals);
	free(r->bad);
	json_decref(r->details);
	*r = (struct score_rows){ 0 };
}

void scores_release(struct scores *sc)
{
	free(sc->y);
	free(sc->e);
	*sc = (struct scores){ 0 };
}

static _Thread_local struct score_capture *capture;

void score_capture_begin(struct score_capture *c)
{
	*c = (struct score_capture){ 0 };
	capture = c;
}

void score_capture_end(void)
{
	capture = NULL;
}

void score_capture_release(struct score_capture *c)
{
	free(c->x);
	free(c->y);
	*c = (struct score_capture){ 0 };
}

/* A copy of what serving_score predicted, for the capture set. */
static void captured(const double *x, const double *y, size_t n,
		     size_t ninputs, size_t k)
{
	score_capture_release(capture);
	capture->x = xcalloc(n * ninputs + 1, sizeof(double));
	capture->y = xcalloc(n * k + 1, sizeof(double));
	memcpy(capture->x, x, n * ninputs * sizeof(double));
	memcpy(capture->y, y, n * k * sizeof(double));
	capture->n = n;
	capture->ninputs = ninputs;
	capture->k = k;
}

/* Row i's cells into x; every violation into the details. 1 when the
 * row breaks the contract. */
static int convert_row(const struct descriptor *d, struct score_rows *r,
		       size_t i, double *x, struct strbuf *problem,
		       struct strbuf *shown)
{
	int bad = 0;

	for (size_t j = 0; j < d->ninputs; j++) {
		struct cell c;
		json_t *e;

		if (r->vals)
			c = r->vals[i * r->ninputs + j];
		else
			cell_from_json(r->cells[i * r->ninputs + j], &c);
		if (!contract_convert(&d->inputs[j], &c, &x[j], problem, shown))
			continue;
		bad = 1;
		e = json_pack("{s:s, s:s}", "field", d->inputs[j].name,
			      "problem", problem->buf);
		/* The offending value, short and only for scalars. */
		if (shown->len)
			json_object_set_new(e, "value", json_string(shown->buf));
		add_detail(r, i, e);
	}
	return bad;
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

static unsigned score(const struct serving *s, struct score_rows *r,
		      struct scores *sc, json_t **err, int explain)
{
	const struct descriptor *d = s->bm->d;
	struct strbuf problem = STRBUF_INIT, shown = STRBUF_INIT;
	size_t i, bad = 0, k = s->bm->m->noutputs;
	double *x;
	unsigned status = 200;
	uint64_t t0;

	*sc = (struct scores){ r->n, k, NULL, 0, NULL, 0, 0 };
	/* A model that cannot be explained answers so before any work. */
	if (explain && model_explain_ready(s->bm->m)) {
		*err = error_json(mlops_error_last()->message);
		return 501;
	}
	x = xcalloc(r->n * d->ninputs + 1, sizeof(double));
	for (i = 0; i < r->n; i++)
		bad += r->bad[i] || convert_row(d, r, i, x + i * d->ninputs,
						&problem, &shown);
	if (bad) {
		__atomic_add_fetch(&s->metrics->rows_invalid, bad,
				   __ATOMIC_RELAXED);
		*err = json_pack("{s:s, s:O}", "error", "invalid input",
				 "details", r->details);
		status = 422;
		goto done;
	}
	sc->y = xcalloc(r->n * k + 1, sizeof(double));
	t0 = mono_ns();
	if (model_predict(s->bm->m, x, r->n, sc->y) < 0) {
		struct strbuf m = STRBUF_INIT;

		/* An inf or NaN output, a runtime error: say what. */
		strbuf_addf(&m, "the model failed to predict: %s",
			    mlops_error_last()->message);
		*err = error_json(m.buf);
		strbuf_release(&m);
		scores_release(sc);
		status = 500;
		goto done;
	}
	sc->ns = mono_ns() - t0;
	if (capture)
		captured(x, sc->y, r->n, d->ninputs, k);
	live_drift_observe(s->drift, x, sc->y, r->n);
	count_predictions(s, sc->y, r->n, k);
	metrics_observe(&s->metrics->model_seconds, sc->ns, 0);
	metrics_observe(&s->metrics->batch_rows, r->n, 1);
	__atomic_add_fetch(&s->metrics->rows_predicted, r->n, __ATOMIC_RELAXED);
	if (s->recorder && request_id)
		s->record(s->recorder, s, r, sc, request_id);
	if (!explain)
		goto done;
	sc->ew = model_explain_width(s->bm->m);
	sc->e = xcalloc(r->n * sc->ew + 1, sizeof(double));
	t0 = mono_ns();
	if (model_explain(s->bm->m, x, r->n, sc->e) < 0) {
		*err = error_json(mlops_error_last()->message);
		scores_release(sc);
		status = 500;
		goto done;
	}
	sc->explain_ns = mono_ns() - t0;
done:
	strbuf_release(&problem);
	strbuf_release(&shown);
	free(x);
	return status;
}

unsigned serving_score(const struct serving *s, struct score_rows *r,
		       struct scores *sc, json_t **err)
{
	return score(s, r, sc, err, 0);
}

unsigned serving_explain(const struct serving *s, struct score_rows *r,
			 struct scores *sc, json_t **err)
{
	return score(s, r, sc, err, 1);
}
