/* mlops predict: batch scoring, CSV or JSON lines in, predictions out. */
#include <stdlib.h>
#include <string.h>

#include "cli/command.h"
#include "cli/exit_status.h"
#include "cli/output.h"
#include "lib/bundle/reader.h"
#include "lib/model/batch.h"

static const char *opt_input, *opt_output = "-", *opt_format, *opt_id;
static const char *opt_on_invalid = "fail", *opt_na;
static long opt_batch = 4096, opt_threads, opt_top;
static int opt_explain;

static const char *const formats[] = { "csv", "jsonl", NULL };
static const char *const policies[] = { "fail", "skip", "null", NULL };

static const struct opt options[] = {
	OPT_STR('i', "input", &opt_input, "FILE",
		"rows to score: .csv or .jsonl ('-' for stdin)", "file"),
	OPT_STR('o', "output", &opt_output, "FILE",
		"where predictions go (default: '-', stdout)", "file"),
	OPT_ENUM(0, "format", &opt_format, "FORMAT",
		 "output format: csv or jsonl (default: by extension)", formats),
	OPT_STR(0, "id-column", &opt_id, "COLUMN",
		"carry this column into the output (else a row number)", NULL),
	OPT_NUM(0, "batch-size", &opt_batch, "N",
		"rows per model call (default: 4096)"),
	OPT_ENUM(0, "on-invalid", &opt_on_invalid, "POLICY",
		 "invalid rows: fail (default), skip, null", policies),
	OPT_STR(0, "na-values", &opt_na, "LIST",
		"comma-separated missing-value tokens (default: ,NA,NaN,null)",
		NULL),
	OPT_NUM(0, "threads", &opt_threads, "N",
		"model threads (default: all cores)"),
	OPT_BOOLEAN(0, "explain", &opt_explain,
		    "add each feature's contribution to the margin, and the "
		    "bias"),
	OPT_RANGE(0, "top", &opt_top, "N",
		  "only the N largest contributions, as reasons with signs",
		  1, 1000000),
	OPT_TERMINATOR,
};

static enum table_format format_of(const char *f)
{
	if (!f)
		return TABLE_AUTO;
	return !strcmp(f, "jsonl") ? TABLE_JSONL : TABLE_CSV;
}

static int cmd_predict(int argc, const char **argv)
{
	struct batch_opts o = { 0 };
	struct batch_result res;
	struct bundled_model bm;
	struct bundle *b = NULL;
	struct lazy_progress bar = { "scoring", NULL };
	char **na = NULL;
	int rc = command_parse(&cmd_predict_spec, &argc, argv);

	if (rc >= 0)
		return rc;
	if (argc != 1)
		return command_usage_error(&cmd_predict_spec,
					   "name one bundle to score with");
	if (!opt_input)
		return command_usage_error(&cmd_predict_spec,
					   "--input FILE is required");
	if (opt_batch < 1 || opt_batch > 1000000)
		return command_usage_error(&cmd_predict_spec,
					   "--batch-size must be 1 to 1000000");
	if (opt_threads < 0 || opt_threads > 1024)
		return command_usage_error(&cmd_predict_spec,
					   "--threads must be 0 to 1024");
	if (out_json() && !strcmp(opt_output, "-"))
		return command_usage_error(&cmd_predict_spec,
					   "--json needs --output FILE (stdout "
					   "holds the predictions)");
	if (bundle_open(&b, argv[0], NULL) < 0)
		return report_error();
	if (bundled_model_load(&bm, b, (int)opt_threads) < 0) {
		bundle_free(b);
		return report_error();
	}
	if (opt_na)
		na = split_list(opt_na);
	o.input = opt_input;
	o.output = opt_output;
	if (!strcmp(opt_output, "-")) {
		/* Predictions stream to stdout; a big buffer keeps it fast. */
		static char buf[1 << 20];

		setvbuf(stdout, buf, _IOFBF, sizeof(buf));
		o.stream = stdout;
	}
	o.out_format = format_of(opt_format);
	o.id_column = opt_id;
	o.batch_size = (size_t)opt_batch;
	o.on_invalid = !strcmp(opt_on_invalid, "skip")	 ? INVALID_SKIP
		       : !strcmp(opt_on_invalid, "null") ? INVALID_NULL
							 : INVALID_FAIL;
	o.na_values = (const char *const *)na;
	o.explain = opt_explain;
	o.top = (size_t)opt_top;
	o.progress = progress_callback;
	o.progress_ctx = &bar;
	rc = batch_predict(&res, &bm, &o);
	progress_finish(bar.bar);
	if (rc) {
		rc = report_error();
	} else {
		if (out_json()) {
			json_t *j = json_pack("{s:s, s:s, s:I, s:I, s:I}",
					      "input", opt_input, "output",
					      opt_output, "rows",
					      (json_int_t)res.rows, "scored",
					      (json_int_t)res.scored, "invalid",
					      (json_int_t)res.invalid);

			json_object_set_new(j, "report",
					    contract_report_json(&res.report,
								 bm.d->inputs));
			print_json(j);
			json_decref(j);
		}
		print_info("scored %llu of %llu row%s%s%s",
			   (unsigned long long)res.scored,
			   (unsigned long long)res.rows, plural(res.rows),
			   res.invalid ? "; invalid rows: " : "",
			   res.invalid ? (o.on_invalid == INVALID_SKIP
						  ? "skipped"
						  : "written with an error")
				       : "");
		if (res.invalid && res.report.nexamples)
			print_warning("%llu invalid row%s, the first at row %llu: "
				      "%s: %s",
				      (unsigned long long)res.invalid,
				      plural(res.invalid),
				      (unsigned long long)res.report.examples[0].row,
				      res.report.examples[0].column,
				      res.report.examples[0].problem);
		rc = EXIT_OK;
	}
	free_list(na);
	batch_result_free(&res);
	bundled_model_free(&bm);
	bundle_free(b);
	return rc;
}

const struct cmd_spec cmd_predict_spec = {
	.name = "predict",
	.summary = "score a CSV or JSON-lines file with a bundle's model",
	.synopsis = "BUNDLE --input FILE [--output FILE] [--format FORMAT] "
		    "[--id-column C] [--on-invalid POLICY] [--explain] "
		    "[--top N]",
	.description =
		"Stream rows through the bundle's data contract and model, "
		"and write predictions\n(with an id column or the row number) "
		"in input order. Invalid rows are never\nsilently scored: "
		"they stop the job (exit 3), are skipped, or get an empty\n"
		"prediction and the reason. Columns: prediction (a class "
		"label or a value),\nprobability for classifiers, and for "
		"multiclass one probability_<label>\ncolumn per class (a "
		"\"probabilities\" object in JSON lines).\n--explain adds "
		"each feature's contribution to the raw margin (TreeSHAP\n"
		"for trees, coefficient times value minus the reference mean "
		"for GLMs):\ncontrib_<feature> columns and contrib_bias, which "
		"sum to the margin; --top N\nkeeps the N largest as "
		"reason_<i> and reason_<i>_value.",
	.opts = options,
	.args_complete = "file:mlpkg",
	.run = cmd_predict,
};
