#include "report.h"

#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "../core/report.h"
#include "../core/timeutil.h"
#include "check.h"
#include "plot.h"

static json_t *num_or_null(double v)
{
	return isnan(v) || isinf(v) ? json_null() : json_real(v);
}

static json_t *time_json(int64_t ms)
{
	char buf[32];

	if (!ms)
		return json_null();
	time_iso8601(ms / 1000, buf);
	return json_string(buf);
}

size_t monitor_columns(const struct perf_result *r, const char **cols)
{
	size_t n = 0;

	for (size_t i = 0; monitor_metrics[i]; i++)
		for (size_t j = 0; j < r->ngroups; j++) {
			const struct perf_group *g = &r->groups[j];
			size_t k;

			for (k = 0; k < g->nmetrics; k++)
				if (!strcmp(g->metrics[k].name, monitor_metrics[i]))
					break;
			if (k < g->nmetrics) {
				cols[n++] = monitor_metrics[i];
				break;
			}
		}
	return n;
}

void monitor_window_label(const struct perf_group *g, enum perf_by by,
			  char *buf, size_t len)
{
	time_t t = (time_t)(g->start_ms / 1000);
	struct tm tm;

	if (g->whole || !gmtime_r(&t, &tm)) {
		snprintf(buf, len, "total");
		return;
	}
	strftime(buf, len, by == PERF_BY_HOUR	? "%Y-%m-%d %H:00"
			   : by == PERF_BY_WEEK ? "week of %Y-%m-%d"
						: "%Y-%m-%d",
		 &tm);
}

void monitor_row_cells(const struct perf_group *g, enum perf_by by,
		       const char *const *cols, size_t ncols,
		       struct monitor_row *row)
{
	monitor_window_label(g, by, row->window, sizeof(row->window));
	snprintf(row->predictions, sizeof(row->predictions), "%llu",
		 (unsigned long long)g->predictions);
	snprintf(row->used, sizeof(row->used), "%llu",
		 (unsigned long long)g->used);
	for (size_t j = 0; j < ncols && j < MONITOR_COLS; j++)
		report_value(perf_group_metric(g, cols[j]), row->values[j],
			     sizeof(row->values[j]));
}

void monitor_check_text(const struct perf_check *c, struct strbuf *o)
{
	char v[32], b[32], d[32], l[32];

	report_value(c->value, v, sizeof(v));
	report_value(c->baseline, b, sizeof(b));
	report_value(c->limit, l, sizeof(l));
	if (!strcmp(c->kind, "gate")) {
		strbuf_addf(o, "%s %s, gate %s %s", c->metric, v, c->op, l);
		return;
	}
	report_value(fabs(c->value - c->baseline), d, sizeof(d));
	strbuf_addf(o, "%s %s %s %s from the baseline %s (%s %s%s)", c->metric,
		    v, c->value > c->baseline ? "rose" : "fell", d, b, c->kind,
		    l, c->relative ? "%" : "");
}

static json_t *check_json(const struct perf_check *c)
{
	json_t *o = json_pack("{s:s, s:s, s:o, s:o, s:b, s:b}", "kind", c->kind,
			      "metric", c->metric, "limit",
			      num_or_null(c->limit), "value",
			      num_or_null(c->value), "computed", c->computed,
			      "pass", c->pass);

	if (c->op) {
		json_object_set_new(o, "op", json_string(c->op));
		return o;
	}
	json_object_set_new(o, "relative", json_boolean(c->relative));
	json_object_set_new(o, "baseline", num_or_null(c->baseline));
	json_object_set_new(o, "allowed", num_or_null(monitor_rule_allowed(c)));
	return o;
}

static json_t *group_json(const struct perf_group *g)
{
	json_t *o = json_object(), *m = json_object(), *checks = json_array();
	size_t i;

	json_object_set_new(o, "model", json_string(g->model));
	json_object_set_new(o, "version", json_string(g->version));
	json_object_set_new(o, "window", json_string(g->whole ? "total"
							      : "bucket"));
	json_object_set_new(o, "start", time_json(g->start_ms));
	json_object_set_new(o, "end", time_json(g->end_ms));
	json_object_set_new(o, "task", g->task_known
					       ? json_string(task_name(g->task))
					       : json_null());
	if (g->classes) {
		json_t *c = json_array();

		for (i = 0; i < g->nclasses; i++)
			json_array_append_new(c, json_string(g->classes[i]));
		json_object_set_new(o, "classes", c);
	}
	json_object_set_new(o, "predictions", json_integer((json_int_t)g->predictions));
	json_object_set_new(o, "labelled", json_integer((json_int_t)g->labelled));
	json_object_set_new(o, "used", json_integer((json_int_t)g->used));
	json_object_set_new(o, "unreadable", json_integer((json_int_t)g->unreadable));
	json_object_set_new(o, "bad_labels", json_integer((json_int_t)g->bad_labels));
	for (i = 0; i < g->nmetrics; i++)
		json_object_set_new(m, g->metrics[i].name,
				    num_or_null(g->metrics[i].value));
	json_object_set_new(o, "metrics", m);
	json_object_set_new(o, "problem", g->problem ? json_string(g->problem)
						     : json_null());
	json_object_set_new(o, "status", json_string(perf_status_name(g->status)));
	for (i = 0; i < g->nchecks; i++)
		json_array_append_new(checks, check_json(&g->checks[i]));
	json_object_set_new(o, "checks", checks);
	return o;
}

json_t *monitor_report_json(const struct monitor_report *m)
{
	json_t *o = json_object(), *groups = json_array();
	size_t i;

	json_object_set_new(o, "store", json_string(m->store));
	json_object_set_new(o, "since", time_json(m->since_ms));
	json_object_set_new(o, "until", time_json(m->until_ms));
	json_object_set_new(o, "by", m->by == PERF_BY_NONE
					     ? json_null()
					     : json_string(perf_by_name(m->by)));
	json_object_set_new(o, "model", m->model ? json_string(m->model)
						 : json_null());
	if (m->bundle)
		json_object_set_new(o, "bundle",
				    json_pack("{s:s, s:s?, s:s?, s:s?}", "path",
					      m->bundle, "name", m->bundle_name,
					      "version", m->bundle_version,
					      "digest", m->bundle_digest));
	else
		json_object_set_new(o, "bundle", json_null());
	if (m->baseline) {
		json_t *b = json_object();

		for (i = 0; i < m->nbaseline; i++)
			json_object_set_new(b, m->baseline[i].name,
					    num_or_null(m->baseline[i].value));
		json_object_set_new(o, "baseline",
				    json_pack("{s:I, s:o}", "rows",
					      (json_int_t)m->baseline_rows,
					      "metrics", b));
	} else {
		json_object_set_new(o, "baseline", json_null());
	}
	json_object_set_new(o, "min_labels",
			    m->judged ? json_integer(m->min_labels) : json_null());
	json_object_set_new(o, "predictions",
			    json_integer((json_int_t)m->r->predictions));
	json_object_set_new(o, "labelled",
			    json_integer((json_int_t)m->r->labelled));
	for (i = 0; i < m->r->ngroups; i++)
		json_array_append_new(groups, group_json(&m->r->groups[i]));
	json_object_set_new(o, "groups", groups);
	json_object_set_new(o, "pass", json_boolean(!m->failed));
	return o;
}

void monitor_report_verdict(const struct monitor_report *m,
			    struct strbuf *o)
{
	const struct perf_result *r = m->r;
	size_t versions = 0, failing = 0, few = 0, passing = 0, i;

	for (i = 0; i < r->ngroups; i++) {
		const struct perf_group *g = &r->groups[i];

		versions += g->whole;
		failing += g->status == PERF_FAIL;
		passing += g->status == PERF_PASS;
		few += g->status == PERF_FEW_LABELS;
	}
	strbuf_addf(o, "%zu version%s, %llu of %llu prediction%s labelled", versions,
		    plural(versions), (unsigned long long)r->labelled,
		    (unsigned long long)r->predictions, plural(r->predictions));
	if (!m->judged) {
		strbuf_addstr(o, m->bundle ? "; the bundle has no monitor rules "
					     "or gates to check"
					   : "; not judged: give --bundle to "
					     "check its monitor rules and gates");
		return;
	}
	if (failing)
		strbuf_addf(o, "; %zu window%s of %s %s failing", failing,
			    plural(failing), m->bundle_version,
			    failing == 1 ? "is" : "are");
	else if (passing)
		strbuf_addf(o, "; %s holds its monitor rules and gates",
			    m->bundle_version);
	else
		strbuf_addf(o, "; %s not judged: no window has %lld labelled "
			    "row%s", m->bundle_version, m->min_labels,
			    plural((unsigned long long)m->min_labels));
	if (few && (failing || passing))
		strbuf_addf(o, " (%zu window%s under %lld labels not judged)", few,
			    plural(few), m->min_labels);
}

/* "failing", "passing" or "not judged": the report's heading. */
static const char *headline(const struct monitor_report *m)
{
	for (size_t i = 0; !m->failed && i < m->r->ngroups; i++)
		if (m->r->groups[i].status == PERF_PASS)
			return "passing";
	return m->failed ? "failing" : "not judged";
}

static const char *status_md(enum perf_status s)
{
	return s == PERF_FAIL ? "**fail**" : perf_status_name(s);
}

void monitor_report_markdown(const struct monitor_report *m,
			     struct strbuf *o)
{
	const char *cols[MONITOR_COLS];
	size_t ncols = monitor_columns(m->r, cols), i, j;

	strbuf_addf(o, "### Model performance: %s%s%s\n\n",
		    m->failed ? "**" : "", headline(m), m->failed ? "**" : "");
	monitor_report_verdict(m, o);
	strbuf_addstr(o, ".\n\n| Version | Window | Predictions | Labelled |");
	for (j = 0; j < ncols; j++)
		strbuf_addf(o, " %s |", cols[j]);
	strbuf_addstr(o, " Status |\n|---|---|---:|---:|");
	for (j = 0; j < ncols; j++)
		strbuf_addstr(o, "---:|");
	strbuf_addstr(o, "---|\n");
	for (i = 0; i < m->r->ngroups; i++) {
		const struct perf_group *g = &m->r->groups[i];
		struct monitor_row row;

		monitor_row_cells(g, m->by, cols, ncols, &row);
		strbuf_addstr(o, "| ");
		report_add_md(o, g->version);
		strbuf_addf(o, " | %s | %s | %s |", row.window, row.predictions,
			    row.used);
		for (j = 0; j < ncols; j++)
			strbuf_addf(o, " %s |", row.values[j]);
		strbuf_addf(o, " %s |\n", status_md(g->status));
	}
	for (i = 0; i < m->r->ngroups; i++) {
		const struct perf_group *g = &m->r->groups[i];

		for (j = 0; j < g->nchecks; j++) {
			char w[48];

			if (g->checks[j].pass)
				continue;
			monitor_window_label(g, m->by, w, sizeof(w));
			strbuf_addstr(o, i || j ? "- " : "\n- ");
			report_add_md(o, g->version);
			strbuf_addf(o, " %s: ", w);
			monitor_check_text(&g->checks[j], o);
			strbuf_addch(o, '\n');
		}
	}
}

static void html_table(const struct monitor_report *m, struct strbuf *o)
{
	const char *cols[MONITOR_COLS];
	size_t ncols = monitor_columns(m->r, cols), i, j;

	strbuf_addstr(o, "<table><tr><th>Version</th><th>Window</th><th>"
			 "Predictions</th><th>Labelled</th>");
	for (j = 0; j < ncols; j++)
		strbuf_addf(o, "<th>%s</th>", cols[j]);
	strbuf_addstr(o, "<th>Status</th></tr>\n");
	for (i = 0; i < m->r->ngroups; i++) {
		const struct perf_group *g = &m->r->groups[i];
		struct monitor_row row;

		monitor_row_cells(g, m->by, cols, ncols, &row);
		strbuf_addstr(o, g->whole ? "<tr class=\"total\"><td>" : "<tr><td>");
		strbuf_add_html(o, g->version);
		strbuf_addf(o, "</td><td>%s</td><td>%s</td><td>%s</td>", row.window,
			    row.predictions, row.used);
		for (j = 0; j < ncols; j++)
			strbuf_addf(o, "<td>%s</td>", row.values[j]);
		strbuf_addf(o, "<td%s>%s", g->status == PERF_FAIL
						   ? " class=\"bad\"" : "",
			    perf_status_name(g->status));
		for (j = 0; j < g->nchecks; j++) {
			struct strbuf t = STRBUF_INIT;

			if (g->checks[j].pass)
				continue;
			monitor_check_text(&g->checks[j], &t);
			strbuf_addstr(o, "<br><small>");
			strbuf_add_html(o, t.buf);
			strbuf_addstr(o, "</small>");
			strbuf_release(&t);
		}
		if (g->problem) {
			strbuf_addstr(o, "<br><small class=\"warn\">");
			strbuf_add_html(o, g->problem);
			strbuf_addstr(o, "</small>");
		}
		strbuf_addstr(o, "</td></tr>\n");
	}
	strbuf_addstr(o, "</table>\n");
}

void monitor_report_html(const struct monitor_report *m, struct strbuf *o)
{
	const char *cols[MONITOR_COLS];
	size_t ncols = monitor_columns(m->r, cols), j;
	struct plot_in in = { m->r, m->by, m->baseline, m->nbaseline };
	char since[32], until[32];

	report_html_begin(o, "mlops monitor report", MONITOR_PLOT_CSS
			  ".bad{color:#b00;font-weight:bold}.warn{color:#a60}"
			  "tr.total td{font-weight:bold}.plots{display:flex;"
			  "flex-wrap:wrap;gap:8px 24px}.plots h3{margin:12px 0 "
			  "2px;font-size:14px}");
	strbuf_addf(o, "<h1>Model performance: %s%s%s</h1>\n<p>",
		    m->failed ? "<span class=\"bad\">" : "", headline(m),
		    m->failed ? "</span>" : "");
	monitor_report_verdict(m, o);
	time_iso8601(m->since_ms / 1000, since);
	time_iso8601(m->until_ms / 1000, until);
	strbuf_addstr(o, ".</p>\n<p>Store <code>");
	strbuf_add_html(o, m->store);
	strbuf_addf(o, "</code>, from %s to %s", since, until);
	if (m->bundle) {
		strbuf_addstr(o, "; baseline: the golden set of <code>");
		strbuf_add_html(o, m->bundle);
		strbuf_addf(o, "</code> (%llu rows)",
			    (unsigned long long)m->baseline_rows);
	}
	strbuf_addstr(o, ".</p>\n");
	monitor_plot_legend(m->r, m->baseline != NULL, o);
	strbuf_addstr(o, "<div class=\"plots\">\n");
	for (j = 0; j < ncols; j++)
		monitor_plot_metric(&in, cols[j], o);
	strbuf_addstr(o, "</div>\n");
	html_table(m, o);
	report_html_end(o, "monitor");
}
