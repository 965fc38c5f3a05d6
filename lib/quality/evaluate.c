#include "evaluate.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "../core/number.h"
#include "../core/error.h"
#include "../core/jsonutil.h"
#include "../core/strbuf.h"
#include "../core/timeutil.h"
#include "../data/dataset.h"

#define LATENCY_ROWS 200

struct golden {
	double *x;      /* rows * nfeatures */
	double *labels; /* rows */
	size_t rows, alloc;
	uint64_t read, invalid;
};

/* A golden label: a classifier's class by its label ("high"), else the
 * class index or value as a number. */
static int label_value(const struct model *m, const struct cell *c,
		       double *out)
{
	char num[32];
	int k = -1;

	if (m->nlabels && c->kind == CELL_TEXT)
		k = model_label_index(m, c->text);
	else if (m->nlabels && c->kind == CELL_NUMBER &&
		 fabs(c->num) < 1e15 && c->num == floor(c->num)) {
		snprintf(num, sizeof(num), "%lld", (long long)c->num);
		k = model_label_index(m, num);
	}
	if (k >= 0) {
		*out = k;
		return 0;
	}
	/* With labels of its own, a classifier's golden label is one of
	 * them: "0" is not class 0 of [low, medium, high]. */
	if (m->nlabels && !model_labels_are_indices(m))
		return -1;
	switch (c->kind) {
	case CELL_NUMBER:
		*out = c->num;
		return number_check(out) ? -1 : 0;
	case CELL_BOOL:
		*out = c->b;
		return 0;
	case CELL_TEXT:
		if (!strcasecmp(c->text, "true") || !strcasecmp(c->text, "false")) {
			*out = !strcasecmp(c->text, "true");
			return 0;
		}
		return number_parse(c->text, c->len, out) ? -1 : 0;
	default:
		return -1;
	}
}

/* Reads up to `max` valid labelled rows of the golden set. */
static int read_golden(struct golden *g, struct bundled_model *bm,
		       const char *path, int with_labels, size_t max)
{
	const struct descriptor *d = bm->d;
	struct dataset_opts o = { 0 };
	struct dataset *ds;
	size_t n = d->ninputs;
	double *row = xcalloc(n + 1, sizeof(double));
	int rc;

	memset(g, 0, sizeof(*g));
	o.label_column = with_labels ? d->datasets.golden_label : NULL;
	o.unknown = UNKNOWN_IGNORE;
	rc = dataset_open(&ds, path, d->inputs, n, &o);
	if (rc) {
		free(row);
		return rc;
	}
	while (g->rows < max && (rc = dataset_next(ds, row)) != 1) {
		double label = 0;

		if (rc < 0)
			break;
		g->read++;
		if (rc == 2 || (with_labels &&
				label_value(bm->m, dataset_label(ds), &label))) {
			g->invalid++;
			continue;
		}
		if (g->rows == g->alloc) {
			g->alloc = g->alloc ? g->alloc * 2 : 256;
			g->x = xrealloc(g->x, g->alloc * n * sizeof(double) + 8);
			g->labels = xrealloc(g->labels,
					     g->alloc * sizeof(double) + 8);
		}
		memcpy(g->x + g->rows * n, row, n * sizeof(double));
		g->labels[g->rows++] = label;
	}
	dataset_close(ds);
	free(row);
	return rc < 0 ? rc : 0;
}

static void golden_free(struct golden *g)
{
	free(g->x);
	free(g->labels);
}

static int measure_latency(struct evaluation *ev, struct bundled_model *bm,
			   const struct golden *g)
{
	size_t n = g->rows < LATENCY_ROWS ? g->rows : LATENCY_ROWS, i;
	double *lat = xcalloc(n + 1, sizeof(double));
	double *out = xcalloc(bm->m->noutputs + 1, sizeof(double));
	int rc = 0;

	/* One warm-up call, then one row at a time, as a server sees it.
	 * Each row's latency is the best of three calls: the model's own
	 * cost, not the scheduler's noise on a busy machine. */
	if (n)
		rc = model_predict(bm->m, g->x, 1, out);
	for (i = 0; i < n && !rc; i++) {
		int k;

		lat[i] = INFINITY;
		for (k = 0; k < 3 && !rc; k++) {
			double t0 = ((double)mono_ns() / 1e6), t;

			rc = model_predict(bm->m, g->x + i * bm->d->ninputs, 1,
					   out);
			t = ((double)mono_ns() / 1e6) - t0;
			if (t < lat[i])
				lat[i] = t;
		}
	}
	ev->latency_p95_ms = quantile(lat, n, 0.95);
	free(lat);
	free(out);
	return rc;
}

static double metric_of(const struct evaluation *ev, const char *name,
			int *found)
{
	size_t i;

	*found = 1;
	if (!strcmp(name, "latency_p95_ms"))
		return ev->latency_p95_ms;
	for (i = 0; i < ev->nmetrics; i++)
		if (!strcmp(ev->metrics[i].name, name))
			return ev->metrics[i].value;
	*found = 0;
	return NAN;
}

int quality_gate_passes(const struct gate *g, double v)
{
	if (isnan(v))
		return 0;
	switch (g->op) {
	case GATE_GE:
		return v >= g->value;
	case GATE_GT:
		return v > g->value;
	case GATE_LE:
		return v <= g->value;
	case GATE_LT:
		return v < g->value;
	case GATE_EQ:
		return v == g->value;
	}
	return 0;
}

/* A classifier's golden rows as class indices (a golden label is one
 * already: label_value) for metrics_classification. */
static size_t classification_metrics(struct evaluation *ev, const double *out,
				     const double *pred,
				     const struct golden *g, size_t k)
{
	size_t classes = k == 1 ? 2 : k, i, m, n = 0;
	int32_t *label = xcalloc(2 * g->rows + 1, sizeof(int32_t));
	double *prob = xcalloc(g->rows * k + 1, sizeof(double));
	struct class_rows r = { 0, classes, k == 1, label, label + g->rows,
				prob };

	/* A label that is no class index (7 of 3 classes, 0.5) is no row
	 * a classifier can be scored on. */
	for (i = 0; i < g->rows; i++) {
		double y = g->labels[i];

		if (!(y >= 0 && y < (double)classes && y == floor(y))) {
			ev->invalid++;
			ev->used--;
			continue;
		}
		label[n] = (int32_t)y;
		label[g->rows + n] = (int32_t)pred[i];
		memcpy(prob + n * k, out + i * k, k * sizeof(double));
		n++;
	}
	r.n = n;
	m = metrics_classification(&r, ev->metrics);
	free(label);
	free(prob);
	return m;
}

int quality_evaluate(struct evaluation *ev, struct bundled_model *bm,
		     const char *golden)
{
	const struct descriptor *d = bm->d;
	struct golden g;
	size_t k = bm->m->noutputs, i;
	double *out = NULL, *pred = NULL;
	int rc;

	memset(ev, 0, sizeof(*ev));
	if (!d->datasets.golden_label)
		return mlops_error_set(MLOPS_EINPUT, "the descriptor names no "
				       "golden set label");
	rc = read_golden(&g, bm, golden, 1, (size_t)-1);
	if (rc)
		return rc;
	ev->rows = g.read;
	ev->invalid = g.invalid;
	ev->used = g.rows;
	out = xcalloc(g.rows * k + 1, sizeof(double));
	pred = xcalloc(g.rows + 1, sizeof(double));
	rc = model_predict(bm->m, g.x, g.rows, out);
	if (rc)
		goto done;
	for (i = 0; i < g.rows; i++) {
		struct decision dec;

		model_decide(bm->m, out + i * k, d->model.threshold, &dec);
		pred[i] = dec.prediction;
	}
	if (d->model.task == TASK_REGRESSION)
		ev->nmetrics = metrics_regression(pred, g.labels, g.rows,
						  ev->metrics);
	else
		ev->nmetrics = classification_metrics(ev, out, pred, &g, k);
	rc = measure_latency(ev, bm, &g);
	if (rc)
		goto done;
	ev->gates = xcalloc(d->ngates + 1, sizeof(*ev->gates));
	ev->ngates = d->ngates;
	ev->all_pass = 1;
	for (i = 0; i < d->ngates; i++) {
		struct gate_result *r = &ev->gates[i];

		r->gate = &d->gates[i];
		r->value = metric_of(ev, d->gates[i].metric, &r->computed);
		r->pass = r->computed && quality_gate_passes(r->gate, r->value);
		ev->all_pass &= r->pass;
	}
done:
	free(out);
	free(pred);
	golden_free(&g);
	return rc;
}

json_t *evaluation_json(const struct evaluation *ev)
{
	json_t *o = json_object(), *m = json_object(), *gates = json_array();
	size_t i;

	json_object_set_new(o, "rows", json_integer((json_int_t)ev->rows));
	json_object_set_new(o, "used", json_integer((json_int_t)ev->used));
	json_object_set_new(o, "invalid", json_integer((json_int_t)ev->invalid));
	for (i = 0; i < ev->nmetrics; i++)
		json_object_set_new(m, ev->metrics[i].name,
				    isnan(ev->metrics[i].value)
					    ? json_null()
					    : json_real(ev->metrics[i].value));
	json_object_set_new(m, "latency_p95_ms",
			    isnan(ev->latency_p95_ms)
				    ? json_null()
				    : json_real(ev->latency_p95_ms));
	json_object_set_new(o, "metrics", m);
	for (i = 0; i < ev->ngates; i++) {
		const struct gate_result *r = &ev->gates[i];

		json_array_append_new(
			gates,
			json_pack("{s:s, s:s, s:f, s:o, s:b}", "metric",
				  r->gate->metric, "op", gate_op_name(r->gate->op),
				  "threshold", r->gate->value, "value",
				  r->computed && !isnan(r->value)
					  ? json_real(r->value)
					  : json_null(),
				  "pass", r->pass));
	}
	json_object_set_new(o, "gates", gates);
	json_object_set_new(o, "pass", json_boolean(ev->all_pass));
	return o;
}

void evaluation_free(struct evaluation *ev)
{
	free(ev->gates);
	memset(ev, 0, sizeof(*ev));
}

int quality_record_golden(json_t **out, struct bundled_model *bm,
			  const char *golden)
{
	struct golden g;
	size_t k = bm->m->noutputs, i;
	double *y;
	json_t *values;
	int rc;

	*out = NULL;
	rc = read_golden(&g, bm, golden, 0, GOLDEN_MAX_ROWS);
	if (rc)
		return rc;
	y = xcalloc(g.rows * k + 1, sizeof(double));
	rc = model_predict(bm->m, g.x, g.rows, y);
	if (!rc) {
		values = json_array();
		for (i = 0; i < g.rows * k; i++)
			json_array_append_new(values, json_real(y[i]));
		*out = json_pack("{s:I, s:I, s:o, s:f}", "rows",
				 (json_int_t)g.rows, "noutputs", (json_int_t)k,
				 "outputs", values, "tolerance",
				 GOLDEN_TOLERANCE);
	}
	free(y);
	golden_free(&g);
	return rc;
}

int quality_compare_golden(const json_t *recorded, struct bundled_model *bm,
			   const char *golden, double *max_diff,
			   size_t *checked)
{
	const json_t *values = json_object_get(recorded, "outputs");
	double tol = json_num(recorded, "tolerance", GOLDEN_TOLERANCE);
	size_t k = bm->m->noutputs, i, want;
	struct golden g;
	double *y;
	int rc;

	*max_diff = 0;
	*checked = 0;
	want = (size_t)json_num(recorded, "rows", 0);
	if (!json_is_array(values) ||
	    (size_t)json_num(recorded, "noutputs", 0) != k ||
	    json_array_size(values) != want * k)
		return mlops_error_set(MLOPS_EINPUT, "the recorded golden "
				       "predictions are malformed");
	rc = read_golden(&g, bm, golden, 0, want);
	if (rc)
		return rc;
	if (g.rows != want) {
		golden_free(&g);
		return mlops_error_set(MLOPS_EINPUT, "the golden set has %zu "
				       "valid rows, %zu were recorded", g.rows,
				       want);
	}
	y = xcalloc(want * k + 1, sizeof(double));
	rc = model_predict(bm->m, g.x, want, y);
	for (i = 0; !rc && i < want * k; i++) {
		double d = fabs(y[i] - json_number_value(json_array_get(values, i)));

		if (!(d <= *max_diff))
			*max_diff = d;
	}
	*checked = want;
	free(y);
	golden_free(&g);
	if (rc)
		return rc;
	return *max_diff <= tol ? 0 : 1;
}
