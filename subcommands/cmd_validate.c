/* mlops validate: a bundle's checklist, or a data file against the data
 * contract. */
#include <stdlib.h>
#include <string.h>

#include "cli/command.h"
#include "cli/exit_status.h"
#include "cli/output.h"
#include "lib/bundle/meta.h"
#include "lib/bundle/signature.h"
#include "lib/core/jsonutil.h"
#include "lib/data/validate.h"
#include "lib/descriptor/descriptor.h"
#include "lib/alert/observe.h"
#include "lib/quality/checklist.h"
#include "subcommands/alert_cli.h"

static const char *opt_data, *opt_bundle, *opt_file, *opt_unknown = "warn";
static const char *opt_na, *opt_verify;
static long opt_max_errors, opt_examples = 10;
static int opt_notify;

static const char *const unknown_choices[] = { "warn", "error", "ignore",
					       NULL };

static const struct opt options[] = {
	OPT_STR(0, "verify", &opt_verify, "PUBKEY",
		"check the bundle is signed by this Ed25519 public key (PEM)",
		"file"),
	OPT_STR(0, "data", &opt_data, "FILE",
		"check a CSV or JSON-lines file against the contract", "file"),
	OPT_STR(0, "bundle", &opt_bundle, "BUNDLE",
		"with --data: the bundle whose signature to use", "file:mlpkg"),
	OPT_STR('f', "file", &opt_file, "FILE",
		"with --data: the descriptor whose signature to use",
		"file:yaml"),
	OPT_NUM(0, "max-errors", &opt_max_errors, "N",
		"with --data: stop after N violations (default: 0, read all)"),
	OPT_NUM(0, "examples", &opt_examples, "N",
		"with --data: how many violations to show (default: 10)"),
	OPT_ENUM(0, "unknown-columns", &opt_unknown, "POLICY",
		 "columns the signature lacks: warn (default), error, ignore",
		 unknown_choices),
	OPT_STR(0, "na-values", &opt_na, "LIST",
		"comma-separated missing-value tokens (default: ,NA,NaN,null)",
		NULL),
	NOTIFY_OPTION(&opt_notify),
	OPT_TERMINATOR,
};

static void print_checklist(const json_t *r)
{
	const json_t *c;
	size_t i;

	printf("%sValidating %s%s (%s %s)\n", sty(STYLE_BOLD),
	       json_str(r, "bundle"), sty(STYLE_RESET),
	       json_str(r, "name") ? json_str(r, "name") : "?",
	       json_str(r, "version") ? json_str(r, "version") : "?");
	json_array_foreach(json_object_get(r, "checks"), i, c) {
		const char *st = json_str(c, "status");
		enum style s = !strcmp(st, "pass")   ? STYLE_GREEN
			       : !strcmp(st, "fail") ? STYLE_RED
						     : STYLE_DIM;

		printf("  %s%-4s%s  %-9s %s\n", sty(s), st, sty(STYLE_RESET),
		       json_str(c, "name"), json_str(c, "detail"));
	}
	printf("%s\n", json_is_true(json_object_get(r, "pass"))
			       ? "All checks passed."
			       : "Some checks FAILED.");
}

static void annotate_checklist(const json_t *r)
{
	struct strbuf md = STRBUF_INIT;
	const json_t *c;
	size_t i;

	if (!in_github_actions())
		return;
	strbuf_addf(&md, "### mlops validate: %s\n\n| check | status | detail |"
		    "\n|---|---|---|\n", json_str(r, "bundle"));
	json_array_foreach(json_object_get(r, "checks"), i, c) {
		strbuf_addf(&md, "| %s | %s | %s |\n", json_str(c, "name"),
			    json_str(c, "status"), json_str(c, "detail"));
		if (!strcmp(json_str(c, "status"), "fail")) {
			struct strbuf m = STRBUF_INIT;

			strbuf_addf(&m, "%s: %s", json_str(c, "name"),
				    json_str(c, "detail"));
			gh_annotation("error", json_str(r, "bundle"), 0, 0, m.buf);
			strbuf_release(&m);
		}
	}
	strbuf_addch(&md, '\n');
	gh_step_summary(md.buf);
	strbuf_release(&md);
}

static int validate_bundle_cmd(const char *path)
{
	struct sig_key *key = NULL;
	json_t *r = NULL;
	int rc;

	if (opt_verify && sig_key_load(&key, opt_verify, 0) < 0)
		return report_error();
	rc = validate_bundle(&r, path, key);
	sig_key_free(key);
	if (rc < 0)
		return report_error();
	if (out_json())
		print_json(r);
	else
		print_checklist(r);
	annotate_checklist(r);
	json_decref(r);
	return rc ? EXIT_FINDING : EXIT_OK;
}


static void print_data_report(const struct descriptor *d,
			      const struct data_check *c)
{
	const struct contract_report *r = &c->report;
	size_t i;

	printf("%sValidating %s%s against %s %s (%zu input%s)\n",
	       sty(STYLE_BOLD), opt_data, sty(STYLE_RESET), d->name,
	       d->version, d->ninputs, plural(d->ninputs));
	printf("  rows          %llu%s\n", (unsigned long long)r->rows,
	       c->stopped ? " (stopped at --max-errors)" : "");
	printf("  invalid rows  %llu\n", (unsigned long long)r->bad_rows);
	printf("  violations    %llu\n", (unsigned long long)r->total);
	for (i = 0; i < r->nmissing; i++)
		printf("  %smissing column%s '%s' (required)\n", sty(STYLE_RED),
		       sty(STYLE_RESET), r->missing_columns[i]);
	for (i = 0; i < r->nunknown; i++)
		printf("  unknown column '%s'%s\n", r->unknown_columns[i],
		       !strcmp(opt_unknown, "error") ? " (an error)" : "");
	if (r->total) {
		printf("\n  %-24s %s\n", "COLUMN", "VIOLATIONS");
		for (i = 0; i < r->ninputs; i++)
			if (r->per_input[i])
				printf("  %-24s %llu\n", d->inputs[i].name,
				       (unsigned long long)r->per_input[i]);
		printf("\n  First violations:\n");
		for (i = 0; i < r->nexamples; i++) {
			const struct violation *v = &r->examples[i];

			printf("  row %llu (line %llu): %s: %s",
			       (unsigned long long)v->row,
			       (unsigned long long)v->line, v->column,
			       v->problem);
			if (v->value)
				printf(" (%s)", v->value);
			printf("\n");
		}
	}
}

static void annotate_data(const struct contract_report *r, int failed)
{
	struct strbuf md = STRBUF_INIT, m = STRBUF_INIT;
	size_t i;

	if (!in_github_actions())
		return;
	for (i = 0; i < r->nexamples; i++) {
		const struct violation *v = &r->examples[i];

		strbuf_reset(&m);
		strbuf_addf(&m, "row %llu: %s: %s%s%s%s",
			    (unsigned long long)v->row, v->column, v->problem,
			    v->value ? " (" : "", v->value ? v->value : "",
			    v->value ? ")" : "");
		gh_annotation("error", opt_data, (unsigned)v->line, 0, m.buf);
	}
	for (i = 0; i < r->nmissing; i++) {
		strbuf_reset(&m);
		strbuf_addf(&m, "required column '%s' is missing",
			    r->missing_columns[i]);
		gh_annotation("error", opt_data, 1, 0, m.buf);
	}
	strbuf_addf(&md, "### mlops validate --data %s: %s\n\n%llu row%s, "
		    "%llu invalid, %llu violation%s\n\n", opt_data,
		    failed ? "FAILED" : "passed", (unsigned long long)r->rows,
		    plural(r->rows), (unsigned long long)r->bad_rows,
		    (unsigned long long)r->total, plural(r->total));
	gh_step_summary(md.buf);
	strbuf_release(&md);
	strbuf_release(&m);
}

/* --notify: invalid_row_share for the rules, data_check_failed. */
static void notify_data(const struct descriptor *d, const struct data_check *c)
{
	struct alert_observations obs = { 0 };
	struct alert_context ctx;
	struct strbuf sum = STRBUF_INIT;
	json_t *alerts = json_array();

	alert_observe_data_check(&obs, c);
	alert_cli_context(&ctx, d, "validate");
	if (!c->pass) {
		strbuf_addf(&sum, "%s breaks the data contract of %s %s: %llu "
			    "invalid row%s of %llu, %llu violation%s", opt_data,
			    d->name, d->version,
			    (unsigned long long)c->report.bad_rows,
			    plural(c->report.bad_rows),
			    (unsigned long long)c->report.rows,
			    (unsigned long long)c->report.total,
			    plural(c->report.total));
		alert_cli_event(alerts, d, EV_DATA_CHECK_FAILED,
				SEVERITY_WARNING, &ctx, sum.buf,
				json_pack("{s:s, s:I, s:I, s:I}", "data",
					  opt_data, "rows",
					  (json_int_t)c->report.rows,
					  "invalid_rows",
					  (json_int_t)c->report.bad_rows,
					  "violations",
					  (json_int_t)c->report.total));
	}
	alert_cli_notify(d, &obs, alerts, "validate");
	alert_obs_release(&obs);
	strbuf_release(&sum);
}

static int validate_data_cmd(void)
{
	struct dataset_opts o = { 0 };
	struct descriptor *d = NULL;
	struct data_check c;
	char **na = NULL;
	int rc, failed;

	if (bundle_or_file_descriptor(opt_bundle, opt_file, &d) < 0)
		return report_error();
	if (opt_notify && !alert_cli_need(d, NULL)) {
		descriptor_free(d);
		return EXIT_INPUT;
	}
	if (!d->ninputs) {
		print_error("the descriptor declares no signature.inputs to "
			    "check against");
		descriptor_free(d);
		return EXIT_INPUT;
	}
	if (opt_na)
		na = split_list(opt_na);
	o.table.na_values = (const char *const *)na;
	o.unknown = !strcmp(opt_unknown, "ignore")  ? UNKNOWN_IGNORE
		    : !strcmp(opt_unknown, "error") ? UNKNOWN_ERROR
						    : UNKNOWN_WARN;
	o.max_examples = (size_t)opt_examples;
	rc = data_validate_descriptor(&c, opt_data, d, &o,
				      (uint64_t)opt_max_errors, NULL, NULL);
	if (rc < 0) {
		rc = report_error();
		data_check_free(&c);
		goto done;
	}
	failed = !c.pass;
	if (out_json()) {
		json_t *j = data_check_json(&c, opt_data, d);

		print_json(j);
		json_decref(j);
	} else {
		print_data_report(d, &c);
		printf("%s\n", failed ? "The data breaks the contract."
				      : "The data follows the contract.");
	}
	if (!out_json() && o.unknown == UNKNOWN_WARN && c.report.nunknown)
		print_warning("%zu column%s not in the signature, such as '%s'",
			      c.report.nunknown,
			      c.report.nunknown == 1 ? " is" : "s are",
			      c.report.unknown_columns[0]);
	annotate_data(&c.report, failed);
	rc = failed ? EXIT_FINDING : EXIT_OK;
	if (opt_notify)
		notify_data(d, &c);
	data_check_free(&c);
done:
	free_list(na);
	descriptor_free(d);
	return rc;
}

static int cmd_validate(int argc, const char **argv)
{
	int rc = command_parse(&cmd_validate_spec, &argc, argv);

	if (rc >= 0)
		return rc;
	if (opt_max_errors < 0 || opt_examples < 0 || opt_examples > 100000)
		return command_usage_error(&cmd_validate_spec,
					   "--max-errors and --examples take a "
					   "number from 0");
	if (opt_data) {
		if (opt_verify)
			return command_usage_error(&cmd_validate_spec,
						   "--verify checks a bundle, "
						   "not --data");
		if (argc)
			return command_usage_error(&cmd_validate_spec,
						   "with --data, name the "
						   "bundle with --bundle");
		if (opt_bundle && opt_file)
			return command_usage_error(&cmd_validate_spec,
						   "--bundle or -f, not both");
		return validate_data_cmd();
	}
	if (argc != 1)
		return command_usage_error(&cmd_validate_spec,
					   "name a bundle, or --data FILE");
	if (opt_bundle || opt_file || opt_notify)
		return command_usage_error(&cmd_validate_spec,
					   "--bundle, -f and --notify go with "
					   "--data");
	return validate_bundle_cmd(argv[0]);
}

const struct cmd_spec cmd_validate_spec = {
	.name = "validate",
	.summary = "check a bundle (integrity, model, quality gates) or data",
	.synopsis = "BUNDLE [--verify PUBKEY] | --data FILE "
		    "[--bundle BUNDLE | -f FILE] "
		    "[--max-errors N] [--unknown-columns POLICY]",
	.description =
		"With a BUNDLE: run every check (archive safety, blob digests, "
		"manifest, ModelPack\nconfig, signed (--verify), files and SBOM, the "
		"model loads, "
		"quality gates on the golden set, golden\npredictions "
		"reproduced) and print a checklist. With --data: check every "
		"row of a\nCSV or JSON-lines file against the data contract. "
		"Exit 1 when a check fails or\nthe data breaks the contract, "
		"3 when the input cannot be read as such.",
	.opts = options,
	.args_complete = "file:mlpkg",
	.run = cmd_validate,
	.flags = CMD_REPORT,
};
