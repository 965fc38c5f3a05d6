/* mlops drift: reference vs current data, per-column tests, dataset
 * drift, reports for terminals, CI (JSON, Markdown, annotations) and
 * people (HTML). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cli/command.h"
#include "cli/exit_status.h"
#include "cli/output.h"
#include "lib/bundle/meta.h"
#include "lib/core/fsutil.h"
#include "lib/core/number.h"
#include "lib/core/report.h"
#include "lib/drift/config.h"
#include "lib/drift/drift.h"
#include "lib/drift/profile.h"
#include "lib/drift/profile_predict.h"
#include "lib/drift/report.h"
#include "lib/alert/observe.h"
#include "subcommands/alert_cli.h"
#include "subcommands/drift_opts.h"

static const char *opt_ref, *opt_cur, *opt_bundle, *opt_file, *opt_columns;
static const char *opt_test, *opt_threshold, *opt_share, *opt_missing;
static const char *opt_binning, *opt_html, *opt_na, *opt_fail_on;
static struct strv opt_column_test;
static int opt_markdown, opt_signature, opt_predictions, opt_notify;

static const char *const test_names[] = {
	"auto", "ks", "chisquare", "z", "psi", "jensenshannon", "wasserstein",
	"hellinger", "kl_div", "mannw", "t_test", "cramer_von_mises",
	"anderson", NULL,
};

static const char *const fail_on_names[] = { "dataset", "column", NULL };

static const struct opt options[] = {
	OPT_STR(0, "reference", &opt_ref, "FILE",
		"the data the model was built on (.csv, .jsonl, or a profile "
		".json; default with --bundle: its profile)", "file"),
	OPT_STR(0, "current", &opt_cur, "FILE",
		"the data to compare with it (.csv or .jsonl)", "file"),
	SIGNATURE_OPTIONS(&opt_bundle, &opt_file, &opt_signature),
	OPT_STR(0, "columns", &opt_columns, "LIST",
		"compare only these columns (comma-separated)", NULL),
	OPT_BOOLEAN(0, "predictions", &opt_predictions,
		    "with --bundle: also compare the model's predictions"),
	OPT_ENUM(0, "test", &opt_test, "TEST",
		 "one test for every column (default: auto, by type and size)",
		 test_names),
	OPT_STR(0, "threshold", &opt_threshold, "X",
		"the test's threshold (default: the test's own)", NULL),
	OPT_MULTI(0, "column-test", &opt_column_test, "COL=TEST[:X]",
		  "a test (and threshold) for one column, repeatable", NULL),
	OPT_STR(0, "drift-share", &opt_share, "X",
		"dataset drift when this share of columns drifts (default: 0.5)",
		NULL),
	OPT_ENUM(0, "fail-on", &opt_fail_on, "WHAT",
		 "exit 1 on: dataset drift (default), or any drifted column",
		 fail_on_names),
	OPT_STR(0, "missing-threshold", &opt_missing, "X",
		"flag a change of a column's missing share above X (default: "
		"0.05)", NULL),
	OPT_STR(0, "binning", &opt_binning, "RULE",
		"bins for psi, kl_div, jensenshannon, hellinger: auto, sturges, "
		"doane, quantile:N, edges:A,B,...", NULL),
	OPT_STR(0, "html", &opt_html, "FILE",
		"write a self-contained HTML report with plots", "file"),
	OPT_BOOLEAN(0, "markdown", &opt_markdown,
		    "print the report as Markdown (for $GITHUB_STEP_SUMMARY)"),
	OPT_STR(0, "na-values", &opt_na, "LIST",
		"comma-separated missing-value tokens (default: ,NA,NaN,null)",
		NULL),
	NOTIFY_OPTION(&opt_notify),
	OPT_TERMINATOR,
};

static int parse_unit(const char *s, double *out, double lo, double hi)
{
	if (!s)
		return 0;
	return number_parse_str(s, out) || !(*out >= lo && *out <= hi) ? -1 : 0;
}

/* --column-test after the descriptor's columns: the later one wins. */
static int parse_overrides(const struct drift_override *from_cfg, size_t ncfg,
			   struct drift_override **out, size_t *n)
{
	size_t i;

	*out = xcalloc(ncfg + opt_column_test.n + 1, sizeof(**out));
	if (ncfg)
		memcpy(*out, from_cfg, ncfg * sizeof(**out));
	*n = ncfg + opt_column_test.n;
	for (i = 0; i < opt_column_test.n; i++) {
		char *spec = (char *)opt_column_test.v[i];
		char *eq = strchr(spec, '='), *colon;

		if (!eq || eq == spec)
			return -1;
		*eq = '\0';
		colon = strchr(eq + 1, ':');
		if (colon)
			*colon = '\0';
		(*out)[ncfg + i].column = spec;
		(*out)[ncfg + i].threshold = NAN;
		if (drift_test_from_name(eq + 1, &(*out)[ncfg + i].test) < 0 ||
		    (colon && parse_unit(colon + 1, &(*out)[ncfg + i].threshold,
					 0, 1e300) < 0))
			return -1;
	}
	return 0;
}

/* From --bundle: its reference profile (when --reference is not given)
 * and, with --predictions, the model's outputs on the data. */
static int bundle_inputs(struct drift_opts *o, struct profile **prof,
			 double **pred_ref, double **pred_cur)
{
	struct bundle *b = NULL;
	struct bundled_model bm;
	struct table_opts to = { 0 };
	int rc = bundle_open(&b, opt_bundle, NULL), loaded = 0;

	to.na_values = o->na_values;
	if (!rc && !opt_ref) {
		const json_t *j = bundle_reference_profile(b);

		if (!j)
			rc = mlops_error_set(MLOPS_EUSAGE, "%s has no reference "
					     "profile (datasets.reference in "
					     "mlops.yaml); give --reference",
					     opt_bundle);
		else
			rc = profile_from_json(j, prof);
		o->profile = *prof;
	}
	if (!rc && opt_predictions) {
		rc = bundled_model_load(&bm, b, 0);
		loaded = !rc;
	}
	if (!rc && opt_predictions && opt_ref && !o->profile) {
		struct profile *p = NULL;

		/* A profile file holds its own predictions. */
		rc = profile_load_if(opt_ref, &p);
		profile_free(p);
		if (rc == 0)
			rc = predictions_of(&bm, opt_ref, &to, pred_ref,
					    &o->npred_ref);
		else if (rc > 0)
			rc = 0;
	}
	if (!rc && opt_predictions)
		rc = predictions_of(&bm, opt_cur, &to, pred_cur, &o->npred_cur);
	o->predictions = opt_predictions;
	o->pred_ref = *pred_ref;
	o->pred_cur = *pred_cur;
	if (loaded)
		bundled_model_free(&bm);
	bundle_free(b);
	return rc;
}

static void print_table(const struct drift_report *r)
{
	struct strbuf verdict = STRBUF_INIT;
	size_t i, w = 6;

	for (i = 0; i < r->ncolumns; i++)
		if (strlen(r->columns[i].name) > w)
			w = strlen(r->columns[i].name);
	printf("%s%-*s  %-11s  %-13s  %10s  %10s  %9s  %s%s\n", sty(STYLE_BOLD),
	       (int)w, "COLUMN", "TYPE", "TEST", "STATISTIC", "P-VALUE",
	       "THRESHOLD", "DRIFT", sty(STYLE_RESET));
	for (i = 0; i < r->ncolumns; i++) {
		const struct drift_column *c = &r->columns[i];
		struct drift_cells f;

		drift_format_column(c, &f);
		printf("%-*s  %-11s  %-13s  %10s  %10s  %9s  ", (int)w, c->name,
		       c->categorical ? "categorical" : "numeric",
		       drift_test_name(c->test), f.statistic, f.p_value,
		       f.threshold);
		if (c->error)
			printf("%serror: %s%s", sty(STYLE_YELLOW), c->error,
			       sty(STYLE_RESET));
		else if (c->drifted)
			printf("%syes%s", sty(STYLE_RED), sty(STYLE_RESET));
		else
			printf("%sno%s", sty(STYLE_GREEN), sty(STYLE_RESET));
		if (c->missing_drifted)
			printf(" %s(missing %.1f%% -> %.1f%%)%s", sty(STYLE_YELLOW),
			       100.0 * (double)c->missing_ref / (double)r->ref_rows,
			       100.0 * (double)c->missing_cur / (double)r->cur_rows,
			       sty(STYLE_RESET));
		printf("\n");
	}
	if (r->prediction_drifted)
		printf("\n%sPrediction drift: detected%s\n", sty(STYLE_RED),
		       sty(STYLE_RESET));
	drift_report_verdict(r, &verdict);
	printf("\n%s%s%s\n", r->drifted ? sty(STYLE_RED) : sty(STYLE_GREEN),
	       verdict.buf, sty(STYLE_RESET));
	strbuf_release(&verdict);
	/* Why a drifted column still exits 0. */
	if (!r->drifted && r->ndrifted)
		printf("%sExit 0: under the dataset threshold (--fail-on "
		       "column: exit 1 on any).%s\n", sty(STYLE_DIM),
		       sty(STYLE_RESET));
}

static void annotate(const struct drift_report *r)
{
	size_t i;

	for (i = 0; i < r->ncolumns; i++) {
		const struct drift_column *c = &r->columns[i];
		char msg[512], s[32];

		report_value(drift_test_is_pvalue(c->test) ? c->p_value
								  : c->statistic,
				   s, sizeof(s));
		if (c->error)
			snprintf(msg, sizeof(msg), "drift: column %s: %s",
				 c->name, c->error);
		else if (c->drifted)
			snprintf(msg, sizeof(msg), "drift: column %s drifted (%s "
				 "%s %s, threshold %g)", c->name,
				 drift_test_name(c->test),
				 drift_test_is_pvalue(c->test) ? "p =" : "=", s,
				 c->threshold);
		else
			continue;
		gh_annotation(c->error ? "error" : "warning", NULL, 0, 0, msg);
	}
}

/* Without a signature every column of the reference is compared, but
 * for the label that ./mlops.yaml names (datasets.golden.label): it is
 * no feature, and current data seldom has it. NULL: none. */
static const char *project_label(struct descriptor **proj)
{
	const char *label;

	*proj = NULL;
	if (!fs_exists("mlops.yaml"))
		return NULL;
	if (descriptor_load(proj, "mlops.yaml") < 0) {
		print_warning("the label column of mlops.yaml is not left out: "
			      "%s", mlops_error_last()->message);
		return NULL;
	}
	label = (*proj)->datasets.golden_label;
	if (label && output.verbose)
		print_info("mlops: leaving out '%s', the label column of "
			   "mlops.yaml", label);
	return label;
}

static int cmd_drift(int argc, const char **argv)
{
	struct drift_opts o = { 0 };
	struct drift_report r;
	struct strbuf md = STRBUF_INIT;
	struct descriptor *d = NULL, *proj = NULL;
	const struct descriptor *notify = NULL;
	struct drift_override *ov = NULL, *cfg_ov = NULL;
	struct profile *bprof = NULL;
	double *pred_ref = NULL, *pred_cur = NULL;
	double *cfg_edges = NULL;
	struct lazy_progress bar = { "reading", NULL };
	double *edges = NULL;
	char **cols = NULL, **na = NULL;
	int rc;

	if (argc > 1 && !strcmp(argv[1], "profile"))
		return cmd_drift_profile_spec.run(argc - 1, argv + 1);
	rc = command_parse(&cmd_drift_spec, &argc, argv);
	if (rc >= 0)
		return rc;
	if (argc != 0)
		return command_usage_error(&cmd_drift_spec, "unexpected '%s'",
					   argv[0]);
	if ((!opt_ref && !opt_bundle) || !opt_cur)
		return command_usage_error(&cmd_drift_spec, "--current FILE and "
					   "--reference FILE (or --bundle) are "
					   "required");
	if (opt_predictions && !opt_bundle)
		return command_usage_error(&cmd_drift_spec, "--predictions needs "
					   "--bundle (the model)");
	if (!!opt_bundle + !!opt_file + !!opt_signature > 1)
		return command_usage_error(&cmd_drift_spec, "--bundle, -f and "
					   "--signature are one choice");
	o.test = DT_AUTO;
	o.threshold = NAN;
	o.drift_share = 0.5;
	o.missing_threshold = 0.05;
	if ((opt_bundle || opt_file || opt_signature) &&
	    bundle_or_file_descriptor(opt_bundle, opt_file, &d) < 0)
		return report_error();
	if (!d)
		o.leave_out = project_label(&proj);
	if (opt_notify && !(notify = alert_cli_need(d, proj))) {
		rc = EXIT_INPUT;
		goto done;
	}
	/* mlops.yaml's drift: section first, then the command line. */
	if (d && drift_config_apply(d->drift, &o, &cfg_ov, &cfg_edges) < 0) {
		rc = report_error();
		goto done;
	}
	if (opt_test && drift_test_from_name(opt_test, &o.test) < 0) {
		rc = command_usage_error(&cmd_drift_spec, "unknown test '%s' (see "
					 "man mlops-drift)", opt_test);
		goto done;
	}
	if (parse_unit(opt_threshold, &o.threshold, 0, 1e300) < 0) {
		rc = command_usage_error(&cmd_drift_spec, "--threshold takes a "
					 "number >= 0, not '%s'", opt_threshold);
		goto done;
	}
	if (parse_unit(opt_share, &o.drift_share, 1e-9, 1) < 0) {
		rc = command_usage_error(&cmd_drift_spec, "--drift-share takes a "
					 "number in (0, 1], not '%s'", opt_share);
		goto done;
	}
	if (opt_fail_on)
		drift_fail_on_from_name(opt_fail_on, &o.fail_on);
	if (parse_unit(opt_missing, &o.missing_threshold, 0, 1) < 0) {
		rc = command_usage_error(&cmd_drift_spec, "--missing-threshold "
					 "takes a number in [0, 1], not '%s'",
					 opt_missing);
		goto done;
	}
	if (opt_binning && drift_binning_parse(opt_binning, &o, &edges) < 0) {
		rc = command_usage_error(&cmd_drift_spec, "--binning takes auto, "
					 "sturges, doane, quantile:N or "
					 "edges:A,B,... (ascending)");
		goto done;
	}
	if (parse_overrides(o.overrides, o.noverrides, &ov, &o.noverrides) < 0) {
		rc = command_usage_error(&cmd_drift_spec, "--column-test takes "
					 "COLUMN=TEST or COLUMN=TEST:THRESHOLD");
		goto done;
	}
	o.overrides = ov;
	drift_opts_lists(&o, opt_columns, opt_na, &cols, &na);
	if (opt_bundle && (!opt_ref || opt_predictions) &&
	    bundle_inputs(&o, &bprof, &pred_ref, &pred_cur) < 0) {
		rc = report_error();
		goto done;
	}
	o.progress = progress_callback;
	o.progress_ctx = &bar;
	rc = drift_compute(opt_ref ? opt_ref : opt_bundle, opt_cur, d, &o, &r);
	progress_finish(bar.bar);
	if (rc < 0) {
		rc = report_error();
		goto done;
	}
	drift_report_markdown(&r, &md);
	if (out_json()) {
		json_t *j = drift_report_json(&r);

		print_json(j);
		json_decref(j);
	} else if (!opt_markdown) {
		print_table(&r);
	}
	report_markdown(md.buf, !out_json() && opt_markdown);
	strbuf_release(&md);
	annotate(&r);
	rc = r.drifted ? EXIT_FINDING : r.nerrors ? EXIT_INPUT : EXIT_OK;
	if (notify) {
		struct alert_observations obs = { 0 };

		alert_observe_drift(&obs, &r, opt_predictions);
		alert_cli_notify(notify, &obs, json_array(), "drift");
		alert_obs_release(&obs);
	}
	if (opt_html) {
		struct strbuf html = STRBUF_INIT;

		drift_report_html(&r, &html);
		rc = report_html_file(opt_html, html.buf, html.len, rc);
		strbuf_release(&html);
	}
	drift_report_free(&r);
	rc = finish_stdout(rc);
done:
	descriptor_free(d);
	descriptor_free(proj);
	free_list(cols);
	free_list(na);
	free(ov);
	free(cfg_ov);
	profile_free(bprof);
	free(pred_ref);
	free(pred_cur);
	free(edges);
	free(cfg_edges);
	strv_clear(&opt_column_test);
	return rc;
}

const struct cmd_spec cmd_drift_spec = {
	.name = "drift",
	.summary = "compare current data with the reference: data drift",
	.synopsis = "--reference FILE|PROFILE --current FILE [--bundle B | -f "
		    "FILE] [--test TEST] [--json | --markdown] [--html FILE]\n"
		    "       mlops drift profile FILE -o PROFILE.json",
	.description =
		"Compare each column of the current data with the reference, "
		"with a test chosen\nby type and size (ks, chisquare or z up to "
		"1000 reference rows; wasserstein\nor jensenshannon above) or "
		"the one named. Dataset drift when --drift-share of\nthe columns "
		"drift. Without a signature, the label column ./mlops.yaml "
		"names is\nleft out. Exit 0: no finding, even with drifted "
		"columns under the dataset\nthreshold; 1: dataset drift (with "
		"--fail-on column: any drifted column),\nprediction drift or a "
		"changed missing share; 3: a column could not be\ntested; 4: a "
		"file could not be read.",
	.opts = options,
	.run = cmd_drift,
	.flags = CMD_REPORT,
};
