#include "report.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "../core/report.h"
#include "config.h"

#define PLOT_BINS 40

void drift_report_verdict(const struct drift_report *r, struct strbuf *o)
{
	strbuf_addf(o, "%zu of %zu column%s drifted (%.0f%%, ", r->ndrifted,
		    r->ntested, plural(r->ntested), 100 * r->share);
	if (r->fail_on == DRIFT_FAIL_COLUMN)
		strbuf_addf(o, "failing on any drifted column): %s",
			    r->ndrifted ? "column drift" : "no column drift");
	else
		strbuf_addf(o, "dataset threshold %.0f%%): %s",
			    100 * r->drift_share,
			    r->dataset_drift ? "dataset drift" : "no dataset drift");
	if (r->prediction_drifted)
		strbuf_addstr(o, "; prediction drift");
	if (r->nmissing_drifted)
		strbuf_addf(o, "; the missing share of %zu column%s changed",
			    r->nmissing_drifted,
			    plural(r->nmissing_drifted));
	if (r->nerrors)
		strbuf_addf(o, "; %zu column%s could not be tested", r->nerrors,
			    plural(r->nerrors));
}

void drift_format_column(const struct drift_column *c,
			 struct drift_cells *f)
{
	report_value(c->statistic, f->statistic, sizeof(f->statistic));
	report_value(c->p_value, f->p_value, sizeof(f->p_value));
	report_value(c->threshold, f->threshold, sizeof(f->threshold));
}

static json_t *num_or_null(double v)
{
	return isnan(v) || isinf(v) ? json_null() : json_real(v);
}

json_t *drift_report_json(const struct drift_report *r)
{
	json_t *cols = json_array();
	size_t i, j;

	for (i = 0; i < r->ncolumns; i++) {
		const struct drift_column *c = &r->columns[i];
		json_t *o = json_pack("{s:s, s:s, s:s, s:o, s:o, s:o, s:b, s:I, s:I}",
				      "column", c->name, "type",
				      c->categorical ? "categorical" : "numeric",
				      "test", drift_test_name(c->test),
				      "statistic", num_or_null(c->statistic),
				      "p_value", num_or_null(c->p_value),
				      "threshold", num_or_null(c->threshold),
				      "drifted", c->drifted && !c->error,
				      "n_reference", (json_int_t)c->n_ref,
				      "n_current", (json_int_t)c->n_cur);
		json_t *bins = json_array();

		json_object_set_new(o, "method", c->method ? json_string(c->method)
							   : json_null());
		json_object_set_new(
			o, "missing",
			json_pack("{s:f, s:f, s:b}", "reference",
				  r->ref_rows ? (double)c->missing_ref /
							(double)r->ref_rows
					      : 0.0,
				  "current",
				  r->cur_rows ? (double)c->missing_cur /
							(double)r->cur_rows
					      : 0.0,
				  "drifted", c->missing_drifted));
		json_object_set_new(o, "error",
				    c->error ? json_string(c->error) : json_null());
		for (j = 0; j < c->nbins && !c->error; j++) {
			json_t *b = json_pack("{s:f, s:f}", "reference",
					      c->ref_share[j], "current",
					      c->cur_share[j]);

			if (c->labels)
				json_object_set_new(b, "value",
						    json_string(c->labels[j]));
			else if (c->edges)
				json_object_set_new(
					b, "range",
					json_pack("[o, o]",
						  num_or_null(c->edges[j]),
						  num_or_null(c->edges[j + 1])));
			json_array_append_new(bins, b);
		}
		json_object_set_new(o, "bins", bins);
		json_array_append_new(cols, o);
	}
	return json_pack("{s:s, s:s, s:I, s:I, s:b, s:s, s:{s:b, s:f, s:f, s:I, "
			 "s:I, s:I, s:I, s:b}, s:o}",
			 "reference", r->reference, "current", r->current,
			 "reference_rows", (json_int_t)r->ref_rows,
			 "current_rows", (json_int_t)r->cur_rows, "drift",
			 r->drifted, "fail_on", drift_fail_on_name(r->fail_on),
			 "dataset",
			 "drifted", r->dataset_drift, "share", r->share,
			 "drift_share", r->drift_share, "columns_tested",
			 (json_int_t)r->ntested, "columns_drifted",
			 (json_int_t)r->ndrifted, "columns_failed",
			 (json_int_t)r->nerrors, "missing_share_changed",
			 (json_int_t)r->nmissing_drifted, "prediction_drifted",
			 r->prediction_drifted, "columns", cols);
}

void drift_report_markdown(const struct drift_report *r, struct strbuf *o)
{
	size_t i;

	strbuf_addf(o, "### Data drift: %s\n\n",
		    r->drifted ? "**detected**" : "none");
	drift_report_verdict(r, o);
	strbuf_addf(o, ". Reference: %llu row%s, current: %llu row%s.\n\n",
		    r->ref_rows, plural(r->ref_rows), r->cur_rows,
		    plural(r->cur_rows));
	strbuf_addstr(o, "| Column | Type | Test | Statistic | p-value | "
			 "Threshold | Drift |\n|---|---|---|---:|---:|---:|---|\n");
	for (i = 0; i < r->ncolumns; i++) {
		const struct drift_column *c = &r->columns[i];
		struct drift_cells f;

		drift_format_column(c, &f);
		strbuf_addstr(o, "| ");
		report_add_md(o, c->name);
		strbuf_addf(o, " | %s | %s | %s | %s | %s | ",
			    c->categorical ? "categorical" : "numeric",
			    drift_test_name(c->test), f.statistic, f.p_value,
			    f.threshold);
		if (c->error) {
			strbuf_addstr(o, "error: ");
			report_add_md(o, c->error);
		} else {
			strbuf_addstr(o, c->drifted ? "**yes**" : "no");
		}
		if (c->missing_drifted)
			strbuf_addstr(o, " (missing share changed)");
		strbuf_addstr(o, " |\n");
	}
}

/* Bars of both samples' shares per bin; more than PLOT_BINS bins are
 * merged into PLOT_BINS groups. */
static void svg_plot(struct strbuf *o, const struct drift_column *c)
{
	const double W = 480, H = 140, pad = 4;
	size_t k = c->nbins, groups = k > PLOT_BINS ? PLOT_BINS : k, g, j;
	double rs[PLOT_BINS], cs[PLOT_BINS], max = 0, bw;

	if (!k)
		return;
	for (g = 0; g < groups; g++) {
		rs[g] = cs[g] = 0;
		for (j = g * k / groups; j < (g + 1) * k / groups; j++) {
			rs[g] += c->ref_share[j];
			cs[g] += c->cur_share[j];
		}
		if (rs[g] > max)
			max = rs[g];
		if (cs[g] > max)
			max = cs[g];
	}
	if (!(max > 0))
		max = 1;
	bw = (W - 2 * pad) / (double)groups;
	strbuf_addf(o, "<svg class=\"plot\" role=\"img\" viewBox=\"0 0 %.0f %.0f\" "
		    "width=\"%.0f\" height=\"%.0f\" aria-label=\"distribution "
		    "of ", W, H + 16, W, H + 16);
	strbuf_add_html(o, c->name);
	strbuf_addstr(o, "\">");
	for (g = 0; g < groups; g++) {
		double x = pad + (double)g * bw, hr = (H - pad) * rs[g] / max,
		       hc = (H - pad) * cs[g] / max;

		strbuf_addf(o, "<rect class=\"ref\" x=\"%.1f\" y=\"%.1f\" "
			    "width=\"%.1f\" height=\"%.1f\"/>", x + 1, H - hr,
			    bw / 2 - 1, hr);
		strbuf_addf(o, "<rect class=\"cur\" x=\"%.1f\" y=\"%.1f\" "
			    "width=\"%.1f\" height=\"%.1f\"/>", x + bw / 2,
			    H - hc, bw / 2 - 1, hc);
	}
	if (c->edges) {
		char a[32], b[32];

		report_value(c->edges[0], a, sizeof(a));
		report_value(c->edges[k], b, sizeof(b));
		strbuf_addf(o, "<text x=\"%.0f\" y=\"%.0f\">%s</text>"
			    "<text x=\"%.0f\" y=\"%.0f\" text-anchor=\"end\">%s"
			    "</text>", pad, H + 14, isinf(c->edges[0]) ? "-inf" : a,
			    W - pad, H + 14, isinf(c->edges[k]) ? "+inf" : b);
	} else if (c->labels) {
		strbuf_addf(o, "<text x=\"%.0f\" y=\"%.0f\">", pad, H + 14);
		strbuf_add_html(o, c->labels[0]);
		strbuf_addf(o, "%s</text>", k > 1 ? " …" : "");
	}
	strbuf_addstr(o, "</svg>");
}

void drift_report_html(const struct drift_report *r, struct strbuf *o)
{
	size_t i;

	report_html_begin(o, "mlops drift report",
			  ".drift{color:#b00;font-weight:bold}.err{color:#a60}"
			  ".ref{fill:#9aa5b1}.cur{fill:#2b7bb9}");
	strbuf_addf(o, "<h1>Data drift: %s</h1>\n<p>",
		    r->drifted ? "<span class=\"drift\">detected</span>"
			       : "none");
	drift_report_verdict(r, o);
	strbuf_addstr(o, ". Reference <code>");
	strbuf_add_html(o, r->reference);
	strbuf_addf(o, "</code> (%llu row%s), current <code>", r->ref_rows,
		    plural(r->ref_rows));
	strbuf_add_html(o, r->current);
	strbuf_addf(o, "</code> (%llu row%s).</p>\n<p class=\"legend\"><span "
		    "style=\"background:#9aa5b1\"></span>reference<span style="
		    "\"background:#2b7bb9\"></span>current</p>\n<table><tr><th>"
		    "Column</th><th>Test</th><th>Statistic</th><th>p-value</th>"
		    "<th>Threshold</th><th>Drift</th><th>Distribution</th></tr>\n",
		    r->cur_rows, plural(r->cur_rows));
	for (i = 0; i < r->ncolumns; i++) {
		const struct drift_column *c = &r->columns[i];
		struct drift_cells f;

		drift_format_column(c, &f);
		strbuf_addstr(o, "<tr><td><b>");
		strbuf_add_html(o, c->name);
		strbuf_addf(o, "</b><br>%s</td><td>%s", c->categorical
						       ? "categorical" : "numeric",
			    drift_test_name(c->test));
		if (c->method) {
			strbuf_addstr(o, "<br><small>");
			strbuf_add_html(o, c->method);
			strbuf_addstr(o, "</small>");
		}
		strbuf_addf(o, "</td><td>%s</td><td>%s</td><td>%s</td><td>",
			    f.statistic, f.p_value, f.threshold);
		if (c->error) {
			strbuf_addstr(o, "<span class=\"err\">error: ");
			strbuf_add_html(o, c->error);
			strbuf_addstr(o, "</span>");
		} else {
			strbuf_addstr(o, c->drifted ? "<span class=\"drift\">yes"
						      "</span>"
						    : "no");
		}
		if (c->missing_drifted)
			strbuf_addstr(o, "<br><span class=\"err\">missing share "
					 "changed</span>");
		strbuf_addstr(o, "</td><td>");
		if (!c->error)
			svg_plot(o, c);
		strbuf_addstr(o, "</td></tr>\n");
	}
	strbuf_addstr(o, "</table>\n");
	report_html_end(o, "drift");
}
