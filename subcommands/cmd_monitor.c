/* mlops monitor: live model performance from the prediction store (the
 * answers serve recorded and the labels fed back), per model version
 * and time window, judged against a bundle's golden-set baseline. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/command.h"
#include "cli/exit_status.h"
#include "cli/output.h"
#include "lib/alert/observe.h"
#include "lib/bundle/meta.h"
#include "lib/core/duration.h"
#include "lib/core/timeutil.h"
#include "lib/monitor/report.h"
#include "lib/monitor/run.h"
#include "subcommands/alert_cli.h"

#define DEFAULT_SINCE_MS (7 * 86400000LL)

static const char *opt_store, *opt_bundle, *opt_since, *opt_until, *opt_by;
static const char *opt_model, *opt_html;
static long opt_min_labels = -1;
static int opt_markdown, opt_notify;

static const char *const by_choices[] = { "hour", "day", "week", NULL };

static const struct opt options[] = {
	OPT_STR(0, "store", &opt_store, "URL",
		"the prediction store: sqlite:PATH or postgresql://...", NULL),
	OPT_STR(0, "bundle", &opt_bundle, "BUNDLE",
		"judge its version against its golden set (monitor: rules, "
		"gates)", "file:mlpkg"),
	OPT_STR(0, "since", &opt_since, "WHEN",
		"from this time: a duration ago (7d, 12h) or a UTC date "
		"(2025-01-31[T12:00]) (default: monitor.window, else 7d)", NULL),
	OPT_STR(0, "until", &opt_until, "WHEN",
		"up to this time, the same forms (default: now)", NULL),
	OPT_ENUM(0, "by", &opt_by, "UNIT",
		 "also per hour, day or week (UTC)", by_choices),
	OPT_STR(0, "model", &opt_model, "NAME",
		"only this model's rows (default with --bundle: its model)",
		NULL),
	OPT_RANGE(0, "min-labels", &opt_min_labels, "N",
		  "judge windows with at least N labelled rows (default: "
		  "monitor.min_labels, else 100)", 1, 1000000000),
	OPT_BOOLEAN(0, "markdown", &opt_markdown,
		    "print the report as Markdown (for $GITHUB_STEP_SUMMARY)"),
	OPT_STR(0, "html", &opt_html, "FILE",
		"write a self-contained HTML report with plots", "file"),
	NOTIFY_OPTION(&opt_notify),
	OPT_TERMINATOR,
};

/* A duration ago or a UTC time: 0, or -1. */
static int parse_when(const char *s, int64_t now, int64_t *out)
{
	int64_t d;

	if (!duration_parse_ms(s, &d)) {
		*out = now - d;
		return 0;
	}
	return time_parse_utc(s, out);
}

struct bundle_side {
	struct bundle *b;
	const struct descriptor *d;
	struct bundled_model bm;
	int loaded, has_baseline;
	struct evaluation ev;
};

static int open_bundle(struct bundle_side *s)
{
	int rc = bundle_open(&s->b, opt_bundle, NULL);

	if (!rc)
		rc = bundle_descriptor(s->b, &s->d);
	if (!rc)
		rc = bundled_model_load(&s->bm, s->b, 0);
	s->loaded = !rc;
	/* --notify's *_drop and *_rise are measured from it too. */
	if (!rc && (s->d->monitor.nrules || s->d->ngates || opt_notify))
		rc = monitor_baseline_eval(&s->bm, &s->ev, &s->has_baseline);
	return rc;
}

static void close_bundle(struct bundle_side *s)
{
	evaluation_free(&s->ev);
	if (s->loaded)
		bundled_model_free(&s->bm);
	bundle_free(s->b);
}

static void print_table(const struct monitor_report *m)
{
	const struct perf_result *r = m->r;
	const char *cols[MONITOR_COLS];
	size_t ncols = monitor_columns(r, cols), i, j, vw = 7;
	struct strbuf sb = STRBUF_INIT;

	for (i = 0; i < r->ngroups; i++)
		if (strlen(r->groups[i].model) + strlen(r->groups[i].version) + 1 > vw)
			vw = strlen(r->groups[i].model) +
			     strlen(r->groups[i].version) + 1;
	printf("%s%-*s  %-16s  %11s  %8s", sty(STYLE_BOLD), (int)vw, "VERSION",
	       "WINDOW", "PREDICTIONS", "LABELLED");
	for (j = 0; j < ncols; j++) {
		char up[16];
		size_t k;

		for (k = 0; cols[j][k] && k < sizeof(up) - 1; k++)
			up[k] = (char)(cols[j][k] >= 'a' && cols[j][k] <= 'z'
					       ? cols[j][k] - 32 : cols[j][k]);
		up[k] = '\0';
		printf("  %9s", up);
	}
	printf("  STATUS%s\n", sty(STYLE_RESET));
	for (i = 0; i < r->ngroups; i++) {
		const struct perf_group *g = &r->groups[i];
		struct monitor_row row;

		strbuf_reset(&sb);
		strbuf_addf(&sb, "%s %s", g->model, g->version);
		monitor_row_cells(g, m->by, cols, ncols, &row);
		printf("%-*s  %-16s  %11s  %8s", (int)vw, sb.buf, row.window,
		       row.predictions, row.used);
		for (j = 0; j < ncols; j++)
			printf("  %9s", row.values[j]);
		printf("  %s%s%s\n",
		       g->status == PERF_FAIL	    ? sty(STYLE_RED)
		       : g->status == PERF_PASS	    ? sty(STYLE_GREEN)
						    : sty(STYLE_DIM),
		       perf_status_name(g->status), sty(STYLE_RESET));
	}
	for (i = 0; i < r->ngroups; i++) {
		const struct perf_group *g = &r->groups[i];
		char w[48];

		monitor_window_label(g, m->by, w, sizeof(w));
		for (j = 0; j < g->nchecks; j++) {
			if (g->checks[j].pass)
				continue;
			strbuf_reset(&sb);
			monitor_check_text(&g->checks[j], &sb);
			printf("%s%s %s: %s%s\n", sty(STYLE_RED), g->version, w,
			       sb.buf, sty(STYLE_RESET));
		}
		if (g->whole && g->problem)
			printf("%s%s %s: %s%s\n", sty(STYLE_YELLOW), g->model,
			       g->version, g->problem, sty(STYLE_RESET));
		if (g->whole && (g->unreadable || g->bad_labels))
			printf("%s%s %s: %llu labelled row%s left out (%llu "
			       "answer%s of another shape, %llu label%s no "
			       "class or number)%s\n", sty(STYLE_YELLOW), g->model,
			       g->version,
			       (unsigned long long)(g->unreadable + g->bad_labels),
			       plural(g->unreadable + g->bad_labels),
			       (unsigned long long)g->unreadable,
			       plural(g->unreadable),
			       (unsigned long long)g->bad_labels,
			       g->bad_labels == 1 ? " is" : "s are",
			       sty(STYLE_RESET));
	}
	strbuf_reset(&sb);
	monitor_report_verdict(m, &sb);
	printf("\n%s%s%s\n", m->failed ? sty(STYLE_RED) : sty(STYLE_GREEN),
	       sb.buf, sty(STYLE_RESET));
	strbuf_release(&sb);
}

static void annotate(const struct monitor_report *m)
{
	for (size_t i = 0; i < m->r->ngroups; i++) {
		const struct perf_group *g = &m->r->groups[i];
		char w[48];

		monitor_window_label(g, m->by, w, sizeof(w));
		for (size_t j = 0; j < g->nchecks; j++) {
			struct strbuf sb = STRBUF_INIT;

			if (g->checks[j].pass)
				continue;
			strbuf_addf(&sb, "monitor: %s %s %s: ", g->model,
				    g->version, w);
			monitor_check_text(&g->checks[j], &sb);
			gh_annotation("error", NULL, 0, 0, sb.buf);
			strbuf_release(&sb);
		}
	}
}

static int render(const struct monitor_report *m)
{
	struct strbuf md = STRBUF_INIT;
	int rc = m->failed ? EXIT_FINDING : EXIT_OK;

	monitor_report_markdown(m, &md);
	if (out_json()) {
		json_t *j = monitor_report_json(m);

		print_json(j);
		json_decref(j);
	} else if (!opt_markdown) {
		print_table(m);
	}
	report_markdown(md.buf, !out_json() && opt_markdown);
	strbuf_release(&md);
	annotate(m);
	if (opt_html) {
		struct strbuf html = STRBUF_INIT;

		monitor_report_html(m, &html);
		rc = report_html_file(opt_html, html.buf, html.len, rc);
		strbuf_release(&html);
	}
	return rc;
}

static int cmd_monitor(int argc, const char **argv)
{
	struct bundle_side bs = { 0 };
	struct monitor_query q = { 0 };
	struct monitor_report m = { 0 };
	struct monitor_baseline base;
	struct perf_result res;
	struct pstore *st = NULL;
	struct perf *p = NULL;
	/* Scans end before --until: by default, after this millisecond
	 * (whole seconds left out the rows of the current one). */
	int64_t now = wall_ms() + 1;
	char *shown = NULL;
	int rc = command_parse(&cmd_monitor_spec, &argc, argv);

	if (rc >= 0)
		return rc;
	if (argc)
		return command_usage_error(&cmd_monitor_spec, "unexpected '%s'",
					   argv[0]);
	if (!opt_store)
		return command_usage_error(&cmd_monitor_spec, "--store URL is "
					   "required");
	q.until_ms = now;
	if (opt_until && parse_when(opt_until, now, &q.until_ms) < 0)
		return command_usage_error(&cmd_monitor_spec, "--until takes a "
					   "duration ago (7d) or a UTC date "
					   "(2025-01-31T12:00), not '%s'",
					   opt_until);
	if (opt_since && parse_when(opt_since, now, &q.since_ms) < 0)
		return command_usage_error(&cmd_monitor_spec, "--since takes a "
					   "duration ago (7d) or a UTC date "
					   "(2025-01-31T12:00), not '%s'",
					   opt_since);
	if (opt_by)
		perf_by_from_name(opt_by, &q.by);
	if (opt_notify && !opt_bundle)
		return command_usage_error(&cmd_monitor_spec, "--notify goes "
					   "with --bundle: the drops its alert "
					   "rules test are from its golden-set "
					   "baseline");
	if (opt_bundle && open_bundle(&bs) < 0) {
		rc = report_error();
		goto done;
	}
	if (opt_bundle && opt_model && strcmp(opt_model, bs.d->name)) {
		rc = command_usage_error(&cmd_monitor_spec, "--model %s is not "
					 "the bundle's model (%s)", opt_model,
					 bs.d->name);
		goto done;
	}
	if (opt_notify && !alert_cli_need(bs.d, NULL)) {
		rc = EXIT_INPUT;
		goto done;
	}
	q.model = opt_bundle ? bs.d->name : opt_model;
	if (!opt_since)
		q.since_ms = q.until_ms - (opt_bundle && bs.d->monitor.window_ms
						   ? bs.d->monitor.window_ms
						   : DEFAULT_SINCE_MS);
	if (q.since_ms >= q.until_ms) {
		rc = !opt_until && q.since_ms >= now
			     ? command_usage_error(&cmd_monitor_spec,
						   "--since %s is not in the "
						   "past: no row can be that "
						   "new", opt_since)
			     : command_usage_error(&cmd_monitor_spec,
						   "--since must come before "
						   "--until");
		goto done;
	}
	rc = pstore_open(&st, opt_store, PSTORE_READ);
	if (!rc)
		rc = monitor_scan(st, &q, opt_bundle ? &bs.bm : NULL, &p);
	if (rc < 0) {
		rc = report_error();
		goto done;
	}
	perf_compute(p, &res);
	shown = pstore_url_display(opt_store);
	m.store = shown;
	m.since_ms = q.since_ms;
	m.until_ms = q.until_ms;
	m.by = q.by;
	m.model = q.model;
	m.r = &res;
	if (opt_bundle) {
		monitor_baseline_of(&base, &bs.bm, bs.has_baseline ? &bs.ev : NULL,
				    opt_min_labels);
		m.bundle = opt_bundle;
		m.bundle_name = bs.d->name;
		m.bundle_version = bs.d->version;
		m.bundle_digest = bs.b->manifest_digest;
		m.baseline = bs.has_baseline ? bs.ev.metrics : NULL;
		m.nbaseline = bs.ev.nmetrics;
		m.baseline_rows = bs.ev.used;
		m.judged = base.nrules || base.ngates;
		m.min_labels = base.min_labels;
		m.failed = monitor_check(&res, &base);
	} else {
		monitor_check(&res, NULL);
	}
	rc = finish_stdout(render(&m));
	if (opt_notify) {
		struct alert_observations obs = { 0 };

		alert_observe_performance(&obs, &res, &base);
		alert_cli_notify(bs.d, &obs, json_array(), "monitor");
		alert_obs_release(&obs);
	}
done:
	free(shown);
	perf_free(p);
	pstore_close(st);
	close_bundle(&bs);
	return rc;
}

const struct cmd_spec cmd_monitor_spec = {
	.name = "monitor",
	.summary = "live model performance from the prediction store",
	.synopsis = "--store URL [--bundle B] [--since WHEN] [--until WHEN] "
		    "[--by hour|day|week]\n       [--model NAME] [--json | "
		    "--markdown] [--html FILE]\n       [--notify]",
	.description =
		"Accuracy, precision, recall, F1, AUC and log loss "
		"(classifiers), RMSE, MAE and R2\n(regressors) of the rows "
		"serve --store recorded that have a label (POST\n/feedback, "
		"mlops feedback), per model version over the window and, "
		"with --by,\nper hour, day or week (UTC). The numbers equal "
		"scikit-learn's on the same\nrows. With --bundle, its version "
		"is judged: against the golden-set baseline\nby the monitor: "
		"rules of its mlops.yaml (accuracy: {max_drop: 0.05}), and "
		"by\nits gates. --notify evaluates the alerts: rules of its "
		"mlops.yaml on the\ndrops from that baseline over the window "
		"(accuracy_drop, rmse_rise, ...)\nand sends what fires; the "
		"exit status stays the report's.\nExit 0: nothing failed (or "
		"nothing judged); 1: a rule or gate failed on live\ndata; 2: "
		"usage; 3: a bad bundle or store schema; 4: the store or "
		"bundle\ncannot be "
		"read; 5: the database cannot be reached.",
	.opts = options,
	.run = cmd_monitor,
	.flags = CMD_REPORT,
};
