/* mlops rollback: an environment back to an earlier deployed revision. */
#include <stdlib.h>

#include "cli/command.h"
#include "cli/exit_status.h"
#include "cli/output.h"
#include "lib/deploy/deploy.h"
#include "subcommands/env_opts.h"

static const char *opt_env, *opt_file, *opt_cacert;
static long opt_to, opt_timeout = 60;
static int opt_force_unlock, opt_dry_run, opt_no_tag;

static const struct opt options[] = {
	OPT_STR(0, "env", &opt_env, "ENV",
		"the environment, as named in mlops.yaml (required)", "env"),
	OPT_STR('f', "file", &opt_file, "FILE",
		"the descriptor with the environments (default: mlops.yaml)",
		"file"),
	OPT_NUM(0, "to", &opt_to, "REV",
		"the revision to go back to (default: the one deployed before)"),
	OPT_NUM(0, "timeout", &opt_timeout, "SECONDS",
		"wait this long for the version, and for each smoke test "
		"(default: 60)"),
	OPT_BOOLEAN(0, "force-unlock", &opt_force_unlock,
		    "take the environment's lock even if another deploy holds it"),
	OPT_BOOLEAN(0, "no-tag", &opt_no_tag,
		    "write no NAME#ENV#N git tag"),
	OPT_BOOLEAN(0, "dry-run", &opt_dry_run,
		    "say what would happen; change nothing"),
	OPT_STR(0, "cacert", &opt_cacert, "FILE",
		"https: trust this CA (PEM) for the smoke tests", "file"),
	OPT_TERMINATOR,
};


static int cmd_rollback(int argc, const char **argv)
{
	struct deploy_opts o = { 0 };
	struct deploy_result r = { 0 };
	struct descriptor *d = NULL;
	const struct environment *e;
	int rc = command_parse(&cmd_rollback_spec, &argc, argv);

	if (rc >= 0)
		return rc;
	if (argc)
		return command_usage_error(&cmd_rollback_spec, "unexpected '%s'",
					   argv[0]);
	if (!opt_env)
		return command_usage_error(&cmd_rollback_spec,
					   "--env ENV is required");
	if (opt_to < 0 || opt_timeout < 1 || opt_timeout > 86400)
		return command_usage_error(&cmd_rollback_spec, "--to REV >= 1, "
					   "--timeout 1 to 86400");
	rc = env_find(opt_file, opt_env, &d, &e);
	if (rc >= 0)
		return rc;
	deploy_opts_fill(&o, d, opt_timeout, opt_cacert);
	o.force_unlock = opt_force_unlock;
	o.dry_run = opt_dry_run;
	o.no_tag = opt_no_tag;
	rc = rollback_local(e, opt_to, &o, &r);
	rc = deploy_report("rollback", e->name, rc, &r);
	deploy_result_free(&r);
	descriptor_free(d);
	return rc;
}

const struct cmd_spec cmd_rollback_spec = {
	.name = "rollback",
	.summary = "put an earlier deployed revision back",
	.synopsis = "--env ENV [--to REV] [--timeout SECONDS] [--dry-run]",
	.description =
		"Roll ENV back to revision REV, or to the revision deployed "
		"before the current\none: a new revision (\"Rollback to N\"), "
		"the server told to reload, the smoke\ntests of that version "
		"run. Exit 0: done; 1: it failed (the previous version\nis put "
		"back).",
	.opts = options,
	.run = cmd_rollback,
};
