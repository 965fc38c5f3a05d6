/* The monitor section of mlops.yaml: how far live performance may fall
 * from the golden-set baseline before `mlops monitor` (and serve's
 * /performance) call it a failure.
 *
 *   monitor:
 *     window: 7d          # what mlops monitor looks at by default
 *     min_labels: 100     # fewer labelled rows: "not enough labels"
 *     accuracy: {max_drop: 0.05}   # absolute: 0.05 below the baseline
 *     f1: {max_drop: 5%}           # relative: 5% of the baseline
 *     rmse: {max_rise: 0.1}
 *
 * Metrics where larger is better take max_drop, the others max_rise. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/duration.h"
#include "../core/jsonutil.h"
#include "../core/number.h"
#include "../core/strbuf.h"
#include "descriptor.h"
#include "walk.h"

#define MIN_LABELS_DEFAULT 100

static const struct {
	const char *name;
	int higher_is_better, regression;
} metrics[] = {
	{ "accuracy", 1, 0 }, { "precision", 1, 0 }, { "recall", 1, 0 },
	{ "f1", 1, 0 },       { "auc", 1, 0 },       { "log_loss", 0, 0 },
	{ "rmse", 0, 1 },     { "mae", 0, 1 },       { "r2", 1, 1 },
};

const char *const monitor_metrics[] = {
	"accuracy", "precision", "recall", "f1", "auc", "log_loss",
	"rmse", "mae", "r2", NULL,
};

static int metric_index(const char *name)
{
	for (size_t i = 0; i < sizeof(metrics) / sizeof(metrics[0]); i++)
		if (!strcmp(metrics[i].name, name))
			return (int)i;
	return -1;
}

int metric_higher_is_better(const char *name)
{
	int i = metric_index(name);

	return i < 0 || metrics[i].higher_is_better;
}

int metric_fits_task(const char *name, enum model_task task)
{
	int i = metric_index(name);

	return i >= 0 && metrics[i].regression == (task == TASK_REGRESSION);
}

void monitor_spec_init(struct monitor_spec *m)
{
	memset(m, 0, sizeof(*m));
	m->min_labels = MIN_LABELS_DEFAULT;
}

void monitor_spec_free(struct monitor_spec *m)
{
	for (size_t i = 0; i < m->nrules; i++)
		free(m->rules[i].metric);
	free(m->rules);
	monitor_spec_init(m);
}

/* "0.05" (absolute) or "5%" (of the baseline: *limit 5, *relative 1):
 * 0, or -1. */
static int parse_limit(const char *text, double *limit, int *relative)
{
	size_t n = strlen(text);
	struct strbuf sb = STRBUF_INIT;
	int rc;

	*relative = n > 1 && text[n - 1] == '%';
	strbuf_add(&sb, text, *relative ? n - 1 : n);
	rc = number_parse_str(sb.buf, limit);
	strbuf_release(&sb);
	return rc || *limit < 0 ? -1 : 0;
}

/* Why a rule does not fit: NULL when it does. */
static const char *rule_problem(const struct descriptor *d,
				const char *metric, int rise)
{
	if (!metric_fits_task(metric, d->model.task))
		return d->model.task == TASK_REGRESSION
			       ? "is a classification metric; model.task is "
				 "regression"
			       : "is a regression metric; model.task is a "
				 "classification";
	if (rise == metric_higher_is_better(metric))
		return rise ? "is better when larger: give max_drop"
			    : "is better when smaller: give max_rise";
	if (!d->datasets.golden_path)
		return "needs a baseline: the golden set (datasets.golden) "
		       "the bundle is scored on";
	return NULL;
}

static int parse_rule(struct walker *w, const struct descriptor *d,
		      const struct ynode *key, const struct ynode *v,
		      struct monitor_rule *r)
{
	static const char *const keys[] = { "max_drop", "max_rise", NULL };
	const char *why, *metric = key->text;
	struct strbuf what = STRBUF_INIT;
	int rc;

	r->metric = xstrdup(metric);
	strbuf_addf(&what, "monitor.%s", metric);
	rc = walk_want_kind(w, v, YNODE_MAP, what.buf);
	if (!rc)
		rc = walk_check_keys(w, v, what.buf, keys);
	if (!rc && v->n != 1)
		rc = walk_err_node(w, v, "%s takes one of max_drop or max_rise",
				   what.buf);
	if (rc)
		goto done;
	r->rise = !strcmp(v->keys[0]->text, "max_rise");
	why = rule_problem(d, metric, r->rise);
	if (why) {
		rc = walk_err_node(w, v->keys[0], "%s: %s %s", what.buf, metric,
				   why);
		goto done;
	}
	if (v->items[0]->kind != YNODE_SCALAR ||
	    parse_limit(v->items[0]->text, &r->limit, &r->relative) < 0)
		rc = walk_err_node(w, v->items[0], "%s.%s must be a number >= 0 "
				   "(in the metric's units) or a percentage of "
				   "the baseline such as 5%%", what.buf,
				   v->keys[0]->text);
done:
	strbuf_release(&what);
	return rc;
}

static int parse_window(struct walker *w, const struct ynode *v,
			struct monitor_spec *m)
{
	int64_t ms;

	if (v->kind == YNODE_SCALAR && duration_parse_ms(v->text, &ms) == 0 &&
	    ms > 0) {
		m->window_ms = ms;
		return 0;
	}
	walk_err_node(w, v, "monitor.window must be a duration such as 1h, "
		      "7d or 2w");
	return MLOPS_EINPUT;
}

static int parse_min_labels(struct walker *w, const struct ynode *v,
			    struct monitor_spec *m)
{
	double x;

	if (v->kind != YNODE_SCALAR || number_parse_str(v->text, &x) ||
	    x < 1 || x > 1e15 || x != floor(x))
		return walk_err_node(w, v, "monitor.min_labels must be a whole "
				     "number >= 1");
	m->min_labels = (long long)x;
	return 0;
}

int descriptor_parse_monitor(struct walker *w, struct descriptor *d,
			     const struct ynode *n)
{
	const char *known[sizeof(monitor_metrics) / sizeof(monitor_metrics[0]) +
			  2];
	struct monitor_spec *m = &d->monitor;
	size_t i;
	int rc;

	for (i = 0; monitor_metrics[i]; i++)
		known[i] = monitor_metrics[i];
	known[i++] = "window";
	known[i++] = "min_labels";
	known[i] = NULL;
	rc = walk_want_kind(w, n, YNODE_MAP, "monitor");
	if (!rc)
		rc = walk_check_keys(w, n, "monitor", known);
	if (rc)
		return rc;
	m->present = 1;
	m->rules = xcalloc(n->n + 1, sizeof(*m->rules));
	for (i = 0; i < n->n && !rc; i++) {
		const char *key = n->keys[i]->text;

		if (!strcmp(key, "window"))
			rc = parse_window(w, n->items[i], m);
		else if (!strcmp(key, "min_labels"))
			rc = parse_min_labels(w, n->items[i], m);
		else
			rc = parse_rule(w, d, n->keys[i], n->items[i],
					&m->rules[m->nrules++]);
	}
	return rc;
}

json_t *monitor_spec_json(const struct monitor_spec *m)
{
	json_t *o = json_object(), *rules = json_object();

	if (m->window_ms)
		json_object_set_new(o, "window_ms", json_integer(m->window_ms));
	json_object_set_new(o, "min_labels", json_integer(m->min_labels));
	for (size_t i = 0; i < m->nrules; i++) {
		const struct monitor_rule *r = &m->rules[i];
		char num[48], pct[64];
		json_t *limit;

		if (r->relative) {
			number_shortest(r->limit, num, sizeof(num));
			snprintf(pct, sizeof(pct), "%s%%", num);
			limit = json_string(pct);
		} else {
			limit = json_number(r->limit);
		}
		json_object_set_new(rules, r->metric,
				    json_pack("{s:o}", r->rise ? "max_rise"
							       : "max_drop",
					      limit));
	}
	json_object_set_new(o, "metrics", rules);
	return o;
}

int monitor_spec_from_json(struct descriptor *d, const json_t *j)
{
	struct monitor_spec *m = &d->monitor;
	const json_t *rules = json_object_get(j, "metrics"), *v, *lim;
	const json_t *win = json_object_get(j, "window_ms");
	const char *metric;

	m->present = 1;
	m->min_labels = (long long)json_num(j, "min_labels", MIN_LABELS_DEFAULT);
	if (!json_is_object(j) || !json_is_object(rules) || m->min_labels < 1 ||
	    (win && (!json_is_integer(win) || json_integer_value(win) <= 0)))
		return -1;
	m->window_ms = win ? json_integer_value(win) : 0;
	m->rules = xcalloc(json_object_size(rules) + 1, sizeof(*m->rules));
	json_object_foreach((json_t *)rules, metric, v) {
		struct monitor_rule *r = &m->rules[m->nrules];
		char num[64];

		r->metric = xstrdup(metric);
		m->nrules++;
		r->rise = json_object_get(v, "max_rise") != NULL;
		lim = json_object_get(v, r->rise ? "max_rise" : "max_drop");
		if (json_is_number(lim))
			snprintf(num, sizeof(num), "%.17g",
				 json_number_value(lim));
		else if (json_is_string(lim))
			snprintf(num, sizeof(num), "%s", json_string_value(lim));
		else
			return -1;
		if (json_object_size(v) != 1 || rule_problem(d, metric, r->rise) ||
		    parse_limit(num, &r->limit, &r->relative) < 0)
			return -1;
	}
	return 0;
}
