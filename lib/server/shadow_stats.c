#include "shadow_stats.h"

#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../core/jsonutil.h"
#include "../core/timeutil.h"

#define RECENT_MAX 5

static const double diff_edges[SHADOW_DIFF_EDGES] = {
	-0.5, -0.2, -0.1, -0.05, -0.01, -0.001, -1e-6,
	1e-6, 0.001, 0.01, 0.05, 0.1, 0.2, 0.5,
};

static void ring_add(struct shadow_ring *r, double x)
{
	r->v[r->next] = x;
	r->next = (r->next + 1) % SHADOW_RING;
	if (r->n < SHADOW_RING)
		r->n++;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* Nearest-rank quantiles of what the ring holds (NaN when empty). */
static void ring_quantiles(const struct shadow_ring *r, const double *q,
			   double *out, size_t nq)
{
	double *v;
	size_t i;

	if (!r->n) {
		for (i = 0; i < nq; i++)
			out[i] = NAN;
		return;
	}
	v = xmalloc(r->n * sizeof(double));
	memcpy(v, r->v, r->n * sizeof(double));
	qsort(v, r->n, sizeof(double), cmp_double);
	for (i = 0; i < nq; i++) {
		size_t k = (size_t)ceil(q[i] * (double)r->n);

		out[i] = v[k ? k - 1 : 0];
	}
	free(v);
}

void shadow_stats_init(struct shadow_stats *st, const char *model,
		       const struct serving *candidate, double tolerance,
		       size_t sample_max, const double *edges, size_t nedges)
{
	memset(st, 0, sizeof(*st));
	st->model = xstrdup(model);
	st->shadow_version = xstrdup(candidate->bm->d->version);
	st->shadow_digest = xstrdup(candidate->digest);
	st->tolerance = tolerance;
	st->sample_max = sample_max ? sample_max : 1000;
	st->nedges = nedges < PRED_BUCKETS ? nedges : PRED_BUCKETS;
	if (st->nedges)
		memcpy(st->edges, edges, st->nedges * sizeof(double));
	st->classifier = candidate->bm->d->model.task != TASK_REGRESSION;
	st->recent = json_array();
	time_iso8601((int64_t)time(NULL), st->started_at);
}

void shadow_stats_release(struct shadow_stats *st)
{
	free(st->model);
	free(st->shadow_version);
	free(st->shadow_digest);
	free(st->sample_path);
	json_decref(st->recent);
	memset(st, 0, sizeof(*st));
}

static json_t *number_json(double v)
{
	return isfinite(v) ? json_real(v) : json_null();
}

/* One row's answer of a version: its decision, label (classifiers) and
 * the value its predictions histogram bins. */
struct row_answer {
	struct decision dec;
	const char *label;
	double binned;
};

static void row_answer(const struct serving *sv, const double *y,
		       struct row_answer *a)
{
	const struct model *m = sv->bm->m;

	model_decide(m, y, sv->bm->d->model.threshold, &a->dec);
	a->label = m->task != TASK_REGRESSION && m->labels
			   ? m->labels[(size_t)a->dec.prediction]
			   : NULL;
	a->binned = m->task == TASK_BINARY ? a->dec.probability
					   : a->dec.prediction;
}

static json_t *answer_json(const struct row_answer *a)
{
	if (!a->label)
		return json_pack("{s:o}", "prediction",
				 number_json(a->dec.prediction));
	return json_pack("{s:o, s:o}", "prediction", label_json(a->label),
			 "probability", number_json(a->dec.probability));
}

/* The candidate's score minus the live one's: the positive class's
 * probability (binary), the probability of the class the live version
 * chose (multiclass), the value (regression). */
static double difference(const struct serving *live, const double *ly,
			 const struct row_answer *la,
			 const struct serving *cand, const double *cy,
			 const struct row_answer *ca)
{
	const struct model *cm = cand->bm->m;
	size_t j;

	if (live->bm->m->task != cm->task || cm->task != TASK_MULTICLASS)
		return (cm->task == TASK_BINARY ? ca->dec.probability
						: ca->dec.prediction) -
		       (cm->task == TASK_BINARY ? la->dec.probability
						: la->dec.prediction);
	for (j = 0; j < cm->nlabels && la->label; j++)
		if (!strcmp(cm->labels[j], la->label))
			return cy[j] - ly[(size_t)la->dec.prediction];
	return -la->dec.probability;
}

/* The row's inputs by name, as the contract read them. */
static json_t *features_json(const struct descriptor *d, const double *x)
{
	json_t *o = json_object();
	size_t j;

	for (j = 0; j < d->ninputs; j++) {
		const struct field *f = &d->inputs[j];
		double v = x[j];
		json_t *e;

		if (isnan(v))
			e = json_null();
		else if (f->type == VT_BOOL)
			e = json_boolean(v != 0);
		else if (f->type == VT_CATEGORY)
			e = v >= 0 && (size_t)v < f->nvalues
				    ? json_string(f->values[(size_t)v])
				    : json_null();
		else if (f->type == VT_STRING)
			e = json_null();
		else if (f->type == VT_INT && fabs(v) < 9e15)
			e = json_integer((json_int_t)v);
		else
			e = number_json(v);
		json_object_set_new(o, f->name, e);
	}
	return o;
}

static void bin_prediction(struct shadow_stats *st, struct shadow_side *s,
			   double v)
{
	size_t lo = 0, hi = st->nedges;

	if (!st->nedges)
		return;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (v <= st->edges[mid])
			hi = mid;
		else
			lo = mid + 1;
	}
	s->pred[lo]++;
	if (isfinite(v))
		s->pred_sum += v;
}

static void disagreement(struct shadow_stats *st, const struct serving *live,
			 const struct serving *cand, size_t row,
			 const double *x, const struct row_answer *la,
			 const struct row_answer *ca, double diff,
			 struct strbuf *sample)
{
	char ts[32];
	json_t *e;

	time_iso8601((int64_t)time(NULL), ts);
	e = json_pack("{s:s, s:s, s:s, s:s, s:I, s:o, s:o, s:o, s:o}", "time",
		      ts, "model", st->model, "live_version",
		      live->bm->d->version, "shadow_version",
		      cand->bm->d->version, "row", (json_int_t)row,
		      "features", features_json(live->bm->d, x), "live",
		      answer_json(la), "shadow", answer_json(ca),
		      "difference", number_json(diff));
	if (sample && st->sample_written < st->sample_max) {
		json_dump_strbuf(e, JSON_DUMP_COMPACT | JSON_ENSURE_ASCII,
				 sample);
		strbuf_addch(sample, '\n');
		st->sample_written++;
	}
	json_array_append_new(st->recent, e);
	while (json_array_size(st->recent) > RECENT_MAX)
		json_array_remove(st->recent, 0);
}

static void add_diff(struct shadow_stats *st, double d)
{
	size_t i;

	if (!isfinite(d))
		return;
	for (i = 0; i < SHADOW_DIFF_EDGES && d > diff_edges[i]; i++)
		;
	st->diff[i]++;
	st->diff_sum += d;
	ring_add(&st->absdiff, fabs(d));
}

void shadow_stats_compare(struct shadow_stats *st,
			  const struct serving *live, unsigned live_status,
			  uint64_t live_ns, const struct score_capture *lrows,
			  const struct serving *cand, unsigned cand_status,
			  uint64_t cand_ns, const struct score_capture *crows,
			  struct strbuf *sample)
{
	size_t i;

	st->compared++;
	snprintf(st->live_version, sizeof(st->live_version), "%s",
		 live->bm->d->version);
	st->side[0].status[status_slot(live_status)]++;
	st->side[1].status[status_slot(cand_status)]++;
	metrics_observe(&st->side[0].latency, live_ns, 0);
	metrics_observe(&st->side[1].latency, cand_ns, 0);
	ring_add(&st->side[0].ms, (double)live_ns / 1e6);
	ring_add(&st->side[1].ms, (double)cand_ns / 1e6);
	if (live_status != 200 || cand_status != 200)
		return;
	if (lrows->n != crows->n || !lrows->y || !crows->y) {
		st->unmatched++;
		return;
	}
	for (i = 0; i < lrows->n; i++) {
		const double *ly = lrows->y + i * lrows->k;
		const double *cy = crows->y + i * crows->k;
		struct row_answer la, ca;
		double d;
		int agree;

		row_answer(live, ly, &la);
		row_answer(cand, cy, &ca);
		bin_prediction(st, &st->side[0], la.binned);
		bin_prediction(st, &st->side[1], ca.binned);
		d = difference(live, ly, &la, cand, cy, &ca);
		add_diff(st, d);
		agree = la.label && ca.label ? !strcmp(la.label, ca.label)
			: !la.label && !ca.label ? fabs(d) <= st->tolerance
						 : 0;
		st->rows++;
		if (agree)
			st->agreed++;
		else
			disagreement(st, live, cand, i,
				     lrows->x + i * lrows->ninputs, &la, &ca, d,
				     sample);
	}
}

static json_t *side_json(const struct shadow_side *s)
{
	static const double q[] = { 0.5, 0.99 };
	uint64_t ok = s->status[S200], all = 0;
	double v[2];
	size_t i;

	for (i = 0; i < S_COUNT; i++)
		all += s->status[i];
	ring_quantiles(&s->ms, q, v, 2);
	return json_pack("{s:I, s:I, s:{s:o, s:o}}", "answers", (json_int_t)all,
			 "errors", (json_int_t)(all - ok), "latency_ms", "p50",
			 number_json(v[0]), "p99", number_json(v[1]));
}

json_t *shadow_stats_json(const struct shadow_stats *st, size_t queued,
			  size_t capacity)
{
	static const double q[] = { 0.5, 0.9, 0.99, 1.0 };
	double v[4];
	json_t *j;

	ring_quantiles(&st->absdiff, q, v, 4);
	j = json_pack("{s:s, s:s, s:s, s:s, s:s, s:{s:I, s:I}, "
		      "s:{s:I, s:I, s:I, s:I}, s:{s:I, s:I, s:I}, s:o, s:o, s:o}",
		      "model", st->model, "live_version", st->live_version,
		      "shadow_version", st->shadow_version, "shadow_digest",
		      st->shadow_digest, "started_at", st->started_at, "queue",
		      "length", (json_int_t)queued, "capacity",
		      (json_int_t)capacity, "requests", "mirrored",
		      (json_int_t)st->mirrored, "dropped",
		      (json_int_t)st->dropped, "compared",
		      (json_int_t)st->compared, "unmatched",
		      (json_int_t)st->unmatched, "rows", "compared",
		      (json_int_t)st->rows, "agreed", (json_int_t)st->agreed,
		      "disagreed", (json_int_t)(st->rows - st->agreed),
		      "agreement",
		      st->rows ? json_real((double)st->agreed / (double)st->rows)
			       : json_null(),
		      "live", side_json(&st->side[0]), "shadow",
		      side_json(&st->side[1]));
	json_object_set_new(j, "compares", json_string(
		st->classifier ? "predicted labels"
			       : "values, within the tolerance"));
	if (!st->classifier)
		json_object_set_new(j, "tolerance", json_real(st->tolerance));
	json_object_set_new(j, "difference", json_pack(
		"{s:o, s:o, s:o, s:o, s:o}", "mean",
		st->rows ? number_json(st->diff_sum / (double)st->rows)
			 : json_null(),
		"abs_p50", number_json(v[0]), "abs_p90", number_json(v[1]),
		"abs_p99", number_json(v[2]), "abs_max", number_json(v[3])));
	json_object_set_new(j, "sample", json_pack(
		"{s:s?, s:I, s:I}", "path", st->sample_path, "written",
		(json_int_t)st->sample_written, "max",
		(json_int_t)st->sample_max));
	/* A copy: the worker changes its list once the lock is let go,
	 * while the caller still writes this one out. */
	json_object_set_new(j, "recent_disagreements",
			    json_deep_copy(st->recent));
	return j;
}

static void counter(struct strbuf *o, const struct shadow_stats *const *st,
		    size_t n, const char *name, const char *help,
		    size_t offset)
{
	size_t i;

	strbuf_addf(o, "# HELP %s %s\n# TYPE %s counter\n", name, help, name);
	for (i = 0; i < n; i++) {
		if (!st[i])
			continue;
		strbuf_addf(o, "%s{model=\"", name);
		metrics_label(o, st[i]->model);
		strbuf_addf(o, "\"} %llu\n",
			    (unsigned long long)*(const uint64_t *)(
				    (const char *)st[i] + offset));
	}
}

static const char *const sides[2] = { "live", "shadow" };

static void render_answers(struct strbuf *o,
			   const struct shadow_stats *const *st, size_t n)
{
	size_t i, k, s;

	strbuf_addstr(o, "# HELP mlops_shadow_answers_total Mirrored requests "
			 "compared, by side (live: the answer the client got; "
			 "shadow: the candidate's) and status.\n"
			 "# TYPE mlops_shadow_answers_total counter\n");
	for (i = 0; i < n; i++)
		for (k = 0; st[i] && k < 2; k++)
			for (s = 0; s < S_COUNT; s++) {
				uint64_t c = st[i]->side[k].status[s];

				if (!c)
					continue;
				strbuf_addstr(o, "mlops_shadow_answers_total{"
						 "model=\"");
				metrics_label(o, st[i]->model);
				strbuf_addf(o, "\",side=\"%s\",status=\"",
					    sides[k]);
				if (s == S_OTHER)
					strbuf_addstr(o, "other");
				else
					strbuf_addf(o, "%u",
						    metrics_slot_status(s));
				strbuf_addf(o, "\"} %llu\n",
					    (unsigned long long)c);
			}
}

static void render_histograms(struct strbuf *o,
			      const struct shadow_stats *const *st, size_t n)
{
	struct strbuf lb = STRBUF_INIT;
	size_t i, k, b;

	strbuf_addstr(o, "# HELP mlops_shadow_duration_seconds Time to answer "
			 "a mirrored request, by side.\n"
			 "# TYPE mlops_shadow_duration_seconds histogram\n");
	for (i = 0; i < n; i++)
		for (k = 0; st[i] && k < 2; k++) {
			strbuf_reset(&lb);
			strbuf_addstr(&lb, "model=\"");
			metrics_label(&lb, st[i]->model);
			strbuf_addf(&lb, "\",side=\"%s\"", sides[k]);
			metrics_histogram(o, "mlops_shadow_duration_seconds",
					  lb.buf, &st[i]->side[k].latency, 0);
		}
	strbuf_addstr(o, "# HELP mlops_shadow_predictions Predictions of "
			 "the mirrored rows (the score, or the class index), "
			 "by side.\n"
			 "# TYPE mlops_shadow_predictions histogram\n");
	for (i = 0; i < n; i++)
		for (k = 0; st[i] && st[i]->nedges && k < 2; k++) {
			const struct shadow_side *s = &st[i]->side[k];
			uint64_t cum = 0;

			strbuf_reset(&lb);
			strbuf_addstr(&lb, "model=\"");
			metrics_label(&lb, st[i]->model);
			strbuf_addf(&lb, "\",side=\"%s\"", sides[k]);
			for (b = 0; b <= st[i]->nedges; b++) {
				cum += s->pred[b];
				if (b < st[i]->nedges)
					strbuf_addf(o, "mlops_shadow_predictions"
						    "_bucket{%s,le=\"%.9g\"} "
						    "%llu\n", lb.buf,
						    st[i]->edges[b],
						    (unsigned long long)cum);
				else
					strbuf_addf(o, "mlops_shadow_predictions"
						    "_bucket{%s,le=\"+Inf\"} "
						    "%llu\n", lb.buf,
						    (unsigned long long)cum);
			}
			strbuf_addf(o, "mlops_shadow_predictions_sum{%s} %.9g\n"
				    "mlops_shadow_predictions_count{%s} %llu\n",
				    lb.buf, s->pred_sum, lb.buf,
				    (unsigned long long)cum);
		}
	strbuf_addstr(o, "# HELP mlops_shadow_score_difference The "
			 "candidate's score minus the live one's, per row.\n"
			 "# TYPE mlops_shadow_score_difference histogram\n");
	for (i = 0; i < n; i++) {
		uint64_t cum = 0;

		if (!st[i])
			continue;
		strbuf_reset(&lb);
		strbuf_addstr(&lb, "model=\"");
		metrics_label(&lb, st[i]->model);
		strbuf_addch(&lb, '"');
		for (b = 0; b <= SHADOW_DIFF_EDGES; b++) {
			cum += st[i]->diff[b];
			if (b < SHADOW_DIFF_EDGES)
				strbuf_addf(o, "mlops_shadow_score_difference_"
					    "bucket{%s,le=\"%g\"} %llu\n", lb.buf,
					    diff_edges[b], (unsigned long long)cum);
			else
				strbuf_addf(o, "mlops_shadow_score_difference_"
					    "bucket{%s,le=\"+Inf\"} %llu\n",
					    lb.buf, (unsigned long long)cum);
		}
		strbuf_addf(o, "mlops_shadow_score_difference_sum{%s} %.9g\n"
			    "mlops_shadow_score_difference_count{%s} %llu\n",
			    lb.buf, st[i]->diff_sum, lb.buf,
			    (unsigned long long)cum);
	}
	strbuf_release(&lb);
}

void shadow_stats_metrics(const struct shadow_stats *const *st,
			  const size_t *queued, size_t n, struct strbuf *o)
{
	size_t i, any = 0;

	for (i = 0; i < n; i++)
		any += st[i] != NULL;
	if (!any)
		return;
	counter(o, st, n, "mlops_shadow_mirrored_total", "Live prediction "
		"requests copied to the shadow.",
		offsetof(struct shadow_stats, mirrored));
	counter(o, st, n, "mlops_shadow_dropped_total", "Live prediction "
		"requests not copied: the shadow's queue was full.",
		offsetof(struct shadow_stats, dropped));
	counter(o, st, n, "mlops_shadow_rows_total", "Rows both versions "
		"answered, compared.", offsetof(struct shadow_stats, rows));
	counter(o, st, n, "mlops_shadow_rows_agreed_total", "Compared rows "
		"with the same label (classifiers) or a value within the "
		"tolerance (regression).",
		offsetof(struct shadow_stats, agreed));
	render_answers(o, st, n);
	render_histograms(o, st, n);
	strbuf_addstr(o, "# HELP mlops_shadow_queue_length Mirrored requests "
			 "waiting for the shadow.\n"
			 "# TYPE mlops_shadow_queue_length gauge\n");
	for (i = 0; i < n; i++) {
		if (!st[i])
			continue;
		strbuf_addstr(o, "mlops_shadow_queue_length{model=\"");
		metrics_label(o, st[i]->model);
		strbuf_addf(o, "\"} %zu\n", queued[i]);
	}
	strbuf_addstr(o, "# HELP mlops_shadow_info The shadow of a model.\n"
			 "# TYPE mlops_shadow_info gauge\n");
	for (i = 0; i < n; i++) {
		if (!st[i])
			continue;
		strbuf_addstr(o, "mlops_shadow_info{model=\"");
		metrics_label(o, st[i]->model);
		strbuf_addstr(o, "\",shadow_version=\"");
		metrics_label(o, st[i]->shadow_version);
		strbuf_addstr(o, "\",shadow_digest=\"");
		metrics_label(o, st[i]->shadow_digest);
		strbuf_addstr(o, "\"} 1\n");
	}
}
