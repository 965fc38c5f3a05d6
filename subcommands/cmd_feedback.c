/* mlops feedback: ground-truth labels that arrive later, from a CSV
 * file, joined to stored predictions by row id. */
#include <stdlib.h>
#include <string.h>

#include "cli/command.h"
#include "cli/exit_status.h"
#include "cli/output.h"
#include "lib/bundle/reader.h"
#include "lib/core/strbuf.h"
#include "lib/model/bundled.h"
#include "lib/store/ingest.h"
#include "lib/store/pstore.h"

static const char *opt_store, *opt_bundle;

static const struct opt options[] = {
	OPT_STR(0, "store", &opt_store, "URL",
		"the prediction store: sqlite:PATH or postgresql://... "
		"(else MLOPS_STORE)", NULL),
	OPT_STR(0, "bundle", &opt_bundle, "BUNDLE",
		"check labels against this bundle's task and class labels",
		"file:mlpkg"),
	OPT_TERMINATOR,
};

/* Invalid rows on stderr: the first ones, then a count. */
#define SHOWN_INVALID 20

struct shown {
	const char *file;
	uint64_t n;
};

static void on_invalid(void *ctx, uint64_t line, const char *id,
		       const char *why)
{
	struct shown *s = ctx;
	struct strbuf shown_id = STRBUF_INIT;

	if (s->n++ >= SHOWN_INVALID)
		return;
	/* The file's bytes, not the terminal's: control characters (an
	 * escape sequence in a hostile file) as \xNN. */
	for (const char *p = id; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			strbuf_addf(&shown_id, "\\x%02x", (unsigned char)*p);
		else
			strbuf_addch(&shown_id, *p);
	print_warning("%s:%llu: %s%s%s: not stored", s->file,
		      (unsigned long long)line, why, *id ? ", id " : "",
		      strbuf_str(&shown_id));
	strbuf_release(&shown_id);
}

/* The bundle's task and class labels (the model's, when the
 * descriptor leaves them to it). */
static int load_rules(const char *path, struct label_rules *rules,
		      struct bundle **b, struct bundled_model *bm)
{
	if (bundle_open(b, path, NULL) < 0)
		return report_error();
	if (bundled_model_load(bm, *b, 1) < 0) {
		bundle_free(*b);
		*b = NULL;
		return report_error();
	}
	rules->known = 1;
	rules->regression = bm->m->task == TASK_REGRESSION;
	rules->classes = bm->m->labels;
	rules->nclasses = bm->m->nlabels;
	return 0;
}

static int cmd_feedback(int argc, const char **argv)
{
	struct label_rules rules = { 0 };
	struct feedback_report rep = { 0 };
	struct bundled_model bm = { 0 };
	struct bundle *b = NULL;
	struct pstore *st = NULL;
	struct shown shown = { NULL, 0 };
	int rc = command_parse(&cmd_feedback_spec, &argc, argv);

	if (rc >= 0)
		return rc;
	if (!opt_store && getenv("MLOPS_STORE") && *getenv("MLOPS_STORE"))
		opt_store = getenv("MLOPS_STORE");
	if (!opt_store)
		return command_usage_error(&cmd_feedback_spec, "name the "
					   "prediction store: --store URL");
	if (argc != 1)
		return command_usage_error(&cmd_feedback_spec, "name one CSV "
					   "file of id,label rows (- for "
					   "standard input)");
	shown.file = argv[0];
	if (opt_bundle) {
		rc = load_rules(opt_bundle, &rules, &b, &bm);
		if (rc)
			goto done;
	}
	if (pstore_open(&st, opt_store, 0) < 0) {
		rc = report_error();
		goto done;
	}
	if (feedback_ingest_csv(st, argv[0], &rules, &rep, on_invalid,
				&shown) < 0) {
		rc = report_error();
		if (rep.stored)
			print_info("mlops: %llu label%s stored before that",
				   (unsigned long long)rep.stored,
				   plural(rep.stored));
		goto done;
	}
	if (shown.n > SHOWN_INVALID)
		print_warning("%llu more invalid rows",
			      (unsigned long long)(shown.n - SHOWN_INVALID));
	if (out_json()) {
		json_t *j = json_pack("{s:I, s:I, s:I, s:I}", "rows",
				      (json_int_t)rep.rows, "stored",
				      (json_int_t)rep.stored, "unknown",
				      (json_int_t)rep.unknown, "invalid",
				      (json_int_t)rep.invalid);

		print_json(j);
		json_decref(j);
	} else {
		printf("%llu label%s stored, %llu unknown id%s, %llu invalid "
		       "(of %llu row%s)\n",
		       (unsigned long long)rep.stored, plural(rep.stored),
		       (unsigned long long)rep.unknown, plural(rep.unknown),
		       (unsigned long long)rep.invalid,
		       (unsigned long long)rep.rows, plural(rep.rows));
	}
	/* Unknown ids are no failure (their predictions may have been
	 * pruned, or made elsewhere); invalid labels are bad input data. */
	rc = finish_stdout(rep.invalid ? EXIT_INPUT : EXIT_OK);
done:
	pstore_close(st);
	if (b) {
		bundled_model_free(&bm);
		bundle_free(b);
	}
	return rc;
}

const struct cmd_spec cmd_feedback_spec = {
	.name = "feedback",
	.summary = "store ground-truth labels for recorded predictions",
	.synopsis = "--store URL [--bundle BUNDLE] FILE.csv",
	.description =
		"Read FILE.csv (columns id and label; - for standard input) "
		"and store each\nlabel for the prediction of that row id in "
		"the store serve --store wrote.\nA label sent again for an id "
		"replaces the earlier one. With --bundle, labels\nare checked "
		"against its task: one of the class labels, or a number.\n"
		"Unknown ids are counted, not an error (exit 0); invalid "
		"labels are not\nstored and make the exit status 3.",
	.opts = options,
	.args_complete = "file:csv",
	.run = cmd_feedback,
	.flags = CMD_REPORT,
};
