#include "plot.h"

#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "../core/report.h"
#include "check.h"

#define W 520.0
#define H 180.0
#define LEFT 52.0
#define RIGHT 8.0
#define TOP 8.0
#define BOTTOM 20.0
#define COLOURS 6

/* Each version's colour, in the order versions first appear. */
static int version_index(const struct perf_result *r, size_t group)
{
	int v = -1;

	for (size_t i = 0; i <= group; i++)
		v += r->groups[i].whole;
	return v < 0 ? 0 : v;
}

void monitor_plot_legend(const struct perf_result *r, int baseline,
			 struct strbuf *o)
{
	static const char *const colour[COLOURS] = {
		"#2b7bb9", "#d95f02", "#1b9e77", "#7570b3", "#e7298a", "#66a61e",
	};

	strbuf_addstr(o, "<p class=\"legend\">");
	for (size_t i = 0; i < r->ngroups; i++) {
		const struct perf_group *g = &r->groups[i];

		if (!g->whole)
			continue;
		strbuf_addf(o, "<span style=\"background:%s\"></span>",
			    colour[version_index(r, i) % COLOURS]);
		strbuf_add_html(o, g->model);
		strbuf_addch(o, ' ');
		strbuf_add_html(o, g->version);
	}
	if (baseline)
		strbuf_addstr(o, "<span style=\"background:#9aa5b1\"></span>"
				 "baseline (golden set)<span style=\"background:"
				 "#b00\"></span>allowed limit");
	strbuf_addstr(o, "</p>\n");
}

struct frame {
	double ymin, ymax, x0, x1;
};

static double px_y(const struct frame *f, double v)
{
	return TOP + (H - TOP - BOTTOM) * (f->ymax - v) / (f->ymax - f->ymin);
}

static double px_x(const struct frame *f, double x)
{
	return LEFT + (W - LEFT - RIGHT) * (x - f->x0) / (f->x1 - f->x0);
}

static void widen(struct frame *f, double v)
{
	if (isnan(v) || isinf(v))
		return;
	if (v < f->ymin)
		f->ymin = v;
	if (v > f->ymax)
		f->ymax = v;
}

/* The baseline and the limit of the bundle's rule on this metric. */
static void reference_lines(const struct plot_in *m,
			    const char *metric, double *base, double *limit)
{
	*base = *limit = NAN;
	for (size_t i = 0; m->baseline && i < m->nbaseline; i++)
		if (!strcmp(m->baseline[i].name, metric))
			*base = m->baseline[i].value;
	for (size_t i = 0; i < m->r->ngroups; i++) {
		const struct perf_group *g = &m->r->groups[i];

		for (size_t j = 0; j < g->nchecks; j++) {
			const struct perf_check *c = &g->checks[j];

			if (strcmp(c->metric, metric) || !strcmp(c->kind, "gate"))
				continue;
			*limit = c->baseline + (strcmp(c->kind, "max_rise") ? -1 : 1) *
						       monitor_rule_allowed(c);
			return;
		}
	}
}

static void hline(struct strbuf *o, const struct frame *f, double v,
		  const char *cls)
{
	if (isnan(v))
		return;
	strbuf_addf(o, "<line class=\"%s\" x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" "
		    "y2=\"%.1f\"/>", cls, LEFT, W - RIGHT, px_y(f, v),
		    px_y(f, v));
}

static void axes(struct strbuf *o, const struct frame *f, const char *x0,
		 const char *x1)
{
	char lo[32], hi[32];

	report_value(f->ymin, lo, sizeof(lo));
	report_value(f->ymax, hi, sizeof(hi));
	strbuf_addf(o, "<line class=\"axis\" x1=\"%.0f\" x2=\"%.0f\" y1=\"%.0f\" "
		    "y2=\"%.0f\"/>", LEFT, LEFT, TOP, H - BOTTOM);
	strbuf_addf(o, "<text x=\"%.0f\" y=\"%.0f\" text-anchor=\"end\">%s"
		    "</text><text x=\"%.0f\" y=\"%.0f\" text-anchor=\"end\">%s"
		    "</text>", LEFT - 4, TOP + 8, hi, LEFT - 4, H - BOTTOM, lo);
	strbuf_addf(o, "<text x=\"%.0f\" y=\"%.0f\">", LEFT, H - 4);
	strbuf_add_html(o, x0);
	strbuf_addf(o, "</text><text x=\"%.0f\" y=\"%.0f\" text-anchor=\"end\">",
		    W - RIGHT, H - 4);
	strbuf_add_html(o, x1);
	strbuf_addstr(o, "</text>");
}

static void flush_path(struct strbuf *path, struct strbuf *o)
{
	if (!path->len)
		return;
	strbuf_addstr(path, "\"/>");
	strbuf_addstr(o, path->buf);
	strbuf_reset(path);
}

/* Values over time: a line per version through its buckets (a gap
 * where a bucket has no value), a dot on each. */
static void lines(const struct plot_in *m, const char *metric,
		  struct frame *f, struct strbuf *o)
{
	const struct perf_result *r = m->r;
	struct strbuf path = STRBUF_INIT;

	for (size_t i = 0; i < r->ngroups; i++) {
		const struct perf_group *g = &r->groups[i];
		double v = perf_group_metric(g, metric);
		double x = px_x(f, ((double)g->start_ms + (double)g->end_ms) / 2);
		int vi = version_index(r, i) % COLOURS;

		if (g->whole || isnan(v)) {
			flush_path(&path, o);
			continue;
		}
		if (!path.len)
			strbuf_addf(&path, "<path class=\"line s%d\" d=\"M%.1f "
				    "%.1f", vi, x, px_y(f, v));
		else
			strbuf_addf(&path, " L%.1f %.1f", x, px_y(f, v));
		strbuf_addf(o, "<circle class=\"s%d\" cx=\"%.1f\" cy=\"%.1f\" "
			    "r=\"3\"/>", vi, x, px_y(f, v));
	}
	flush_path(&path, o);
	strbuf_release(&path);
}

/* One bar per version's whole window. */
static void bars(const struct plot_in *m, const char *metric,
		 struct frame *f, struct strbuf *o)
{
	const struct perf_result *r = m->r;
	size_t nv = 0, k = 0;
	double slot, zero = px_y(f, f->ymin < 0 && f->ymax > 0 ? 0 : f->ymin);

	for (size_t i = 0; i < r->ngroups; i++)
		nv += r->groups[i].whole;
	slot = (W - LEFT - RIGHT) / (double)(nv ? nv : 1);
	for (size_t i = 0; i < r->ngroups; i++) {
		const struct perf_group *g = &r->groups[i];
		double v = perf_group_metric(g, metric), y;

		if (!g->whole)
			continue;
		if (!isnan(v)) {
			y = px_y(f, v);
			strbuf_addf(o, "<rect class=\"s%d\" x=\"%.1f\" y=\"%.1f\" "
				    "width=\"%.1f\" height=\"%.1f\"/>",
				    version_index(r, i) % COLOURS,
				    LEFT + (double)k * slot + slot * 0.2,
				    y < zero ? y : zero, slot * 0.6, fabs(zero - y));
		}
		k++;
	}
}

static void time_text(int64_t ms, enum perf_by by, char *buf, size_t len)
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;

	if (!gmtime_r(&t, &tm))
		snprintf(buf, len, "-");
	else
		strftime(buf, len, by == PERF_BY_HOUR ? "%m-%d %H:00" : "%Y-%m-%d",
			 &tm);
}

void monitor_plot_metric(const struct plot_in *m, const char *metric,
			 struct strbuf *o)
{
	const struct perf_result *r = m->r;
	struct frame f = { INFINITY, -INFINITY, INFINITY, -INFINITY };
	double base, limit;
	char a[32], b[32];
	int over_time = m->by != PERF_BY_NONE;

	for (size_t i = 0; i < r->ngroups; i++) {
		const struct perf_group *g = &r->groups[i];

		if (g->whole == over_time)
			continue;
		widen(&f, perf_group_metric(g, metric));
		if (!g->whole && (double)g->start_ms < f.x0)
			f.x0 = (double)g->start_ms;
		if (!g->whole && (double)g->end_ms > f.x1)
			f.x1 = (double)g->end_ms;
	}
	if (isinf(f.ymin))
		return; /* no value to draw */
	reference_lines(m, metric, &base, &limit);
	widen(&f, base);
	widen(&f, limit);
	if (!over_time && f.ymin > 0)
		f.ymin = 0; /* bars stand on 0 */
	if (f.ymax - f.ymin < 1e-9) {
		f.ymin -= 0.05;
		f.ymax += 0.05;
	} else {
		double pad = (f.ymax - f.ymin) * 0.05;

		f.ymax += pad;
		f.ymin -= f.ymin == 0 ? 0 : pad;
	}
	strbuf_addf(o, "<div><h3>%s</h3><svg class=\"plot\" role=\"img\" "
		    "viewBox=\"0 0 %.0f %.0f\" width=\"%.0f\" height=\"%.0f\" "
		    "aria-label=\"%s\">", metric, W, H, W, H, metric);
	if (over_time) {
		time_text((int64_t)f.x0, m->by, a, sizeof(a));
		time_text((int64_t)f.x1, m->by, b, sizeof(b));
		axes(o, &f, a, b);
		lines(m, metric, &f, o);
	} else {
		axes(o, &f, "", "");
		bars(m, metric, &f, o);
	}
	hline(o, &f, base, "base");
	hline(o, &f, limit, "limit");
	strbuf_addstr(o, "</svg></div>\n");
}
