/* mlops store: the prediction store, for runbooks: `store prune` to
 * limits, `store info` for what it holds. */
#include <stdlib.h>
#include <string.h>

#include "cli/command.h"
#include "cli/exit_status.h"
#include "cli/output.h"
#include "cli/registry_opts.h"
#include "lib/core/duration.h"
#include "lib/store/pstore.h"

static const char *opt_store, *opt_older, *opt_max_size;

static const struct opt options[] = {
	OPT_STR(0, "store", &opt_store, "URL",
		"the prediction store: sqlite:PATH or postgresql://... "
		"(else MLOPS_STORE)", NULL),
	OPT_STR(0, "older-than", &opt_older, "DURATION",
		"prune: delete predictions older than this, such as 30d",
		NULL),
	OPT_STR(0, "max-size", &opt_max_size, "SIZE",
		"prune: delete the oldest predictions until the store is at "
		"most SIZE, such as 500M", NULL),
	OPT_TERMINATOR,
};

static int prune(struct pstore *st, int64_t older_ms, uint64_t max_bytes)
{
	struct pstore_pruned p = { 0 };

	if (pstore_prune(st, pstore_now_ms(), older_ms, max_bytes, 0, &p) < 0)
		return report_error();
	if (out_json()) {
		json_t *j = json_pack("{s:I, s:I, s:I, s:I}", "predictions",
				      (json_int_t)p.predictions, "feedback",
				      (json_int_t)p.feedback, "bytes_before",
				      (json_int_t)p.bytes_before, "bytes_after",
				      (json_int_t)p.bytes_after);

		print_json(j);
		json_decref(j);
	} else {
		printf("pruned %llu prediction%s and %llu label%s; %llu bytes "
		       "before, %llu after\n",
		       (unsigned long long)p.predictions, plural(p.predictions),
		       (unsigned long long)p.feedback, plural(p.feedback),
		       (unsigned long long)p.bytes_before,
		       (unsigned long long)p.bytes_after);
	}
	return finish_stdout(EXIT_OK);
}

static int info(struct pstore *st)
{
	uint64_t np = 0, nf = 0, size = 0;

	if (pstore_count(st, &np, &nf) < 0 || pstore_size(st, &size) < 0)
		return report_error();
	if (out_json()) {
		json_t *j = json_pack("{s:s, s:i, s:I, s:I, s:I}", "kind",
				      pstore_kind(st), "schema_version",
				      PSTORE_SCHEMA_VERSION, "predictions",
				      (json_int_t)np, "feedback", (json_int_t)nf,
				      "bytes", (json_int_t)size);

		print_json(j);
		json_decref(j);
	} else {
		printf("%s store: %llu prediction%s, %llu label%s, %llu "
		       "bytes\n", pstore_kind(st), (unsigned long long)np,
		       plural(np), (unsigned long long)nf, plural(nf),
		       (unsigned long long)size);
	}
	return finish_stdout(EXIT_OK);
}

static int cmd_store(int argc, const char **argv)
{
	struct pstore *st = NULL;
	int64_t older_ms = 0;
	uint64_t max_bytes = 0;
	const char *verb;
	int rc = command_parse(&cmd_store_spec, &argc, argv);

	if (rc >= 0)
		return rc;
	if (argc != 1 || (strcmp(argv[0], "prune") && strcmp(argv[0], "info")))
		return command_usage_error(&cmd_store_spec, "name what to do: "
					   "prune or info");
	verb = argv[0];
	if (!opt_store && getenv("MLOPS_STORE") && *getenv("MLOPS_STORE"))
		opt_store = getenv("MLOPS_STORE");
	if (!opt_store)
		return command_usage_error(&cmd_store_spec, "name the "
					   "prediction store: --store URL");
	if (!strcmp(verb, "info") && (opt_older || opt_max_size))
		return command_usage_error(&cmd_store_spec, "--older-than and "
					   "--max-size go with prune");
	if (!strcmp(verb, "prune") && !opt_older && !opt_max_size)
		return command_usage_error(&cmd_store_spec, "prune to what: "
					   "--older-than DURATION and/or "
					   "--max-size SIZE");
	if (opt_older && duration_parse_ms(opt_older, &older_ms) < 0)
		return command_usage_error(&cmd_store_spec, "--older-than takes "
					   "a duration such as 30d, 12h or 90m, "
					   "not '%s'", opt_older);
	if (opt_older && !older_ms)
		return command_usage_error(&cmd_store_spec, "--older-than 0 "
					   "would delete everything: use a "
					   "duration above 0");
	if (opt_max_size && !(max_bytes = parse_size(opt_max_size)))
		return command_usage_error(&cmd_store_spec, "--max-size takes a "
					   "size such as 500M, not '%s'",
					   opt_max_size);
	if (pstore_open(&st, opt_store,
			strcmp(verb, "info") ? 0 : PSTORE_READ) < 0)
		return report_error();
	rc = !strcmp(verb, "prune") ? prune(st, older_ms, max_bytes) : info(st);
	pstore_close(st);
	return rc;
}

const struct cmd_spec cmd_store_spec = {
	.name = "store",
	.summary = "prune the prediction store, or say what it holds",
	.synopsis = "(prune [--older-than DURATION] [--max-size SIZE] | info) "
		    "--store URL",
	.description =
		"prune: delete the predictions older than --older-than, then "
		"the oldest until\nthe store is at most --max-size, with "
		"their labels, in short transactions\n(serve keeps writing "
		"meanwhile); print what went. Safe to re-run.\ninfo: the "
		"rows and the size of the store.",
	.opts = options,
	.run = cmd_store,
	.flags = CMD_REPORT,
};
