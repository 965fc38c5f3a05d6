/* mlops rollback: an environment back to an earlier deployed revision. */
#include <stdlib.h>

#include "cli/command.h"
#include "cli/exit_status.h"
#include "cli/output.h"
#include "lib/deploy/deploy.h"
#include "subcommands/alert_cli.h"
#include "subcommands/env_opts.h"

static long opt_to;

static const struct opt options[] = {
	ENV_OPTIONS,
	OPT_NUM(0, "to", &opt_to, "REV",
		"the revision to go back to (default: the one deployed before)"),
	CHANGE_OPTIONS,
	OPT_TERMINATOR,
};

static int cmd_rollback(int argc, const char **argv)
{
	struct deploy_opts o = { 0 };
	struct deploy_result r = { 0 };
	struct descriptor *d = NULL;
	const struct environment *e;
	json_t *events;
	int rc = command_parse(&cmd_rollback_spec, &argc, argv);

	if (rc >= 0)
		return rc;
	if (argc)
		return command_usage_error(&cmd_rollback_spec, "unexpected '%s'",
					   argv[0]);
	if (opt_to < 0)
		return command_usage_error(&cmd_rollback_spec, "--to REV >= 1");
	rc = env_command_start(&cmd_rollback_spec, &d, &e);
	if (rc >= 0)
		return rc;
	deploy_opts_fill(&o, d);
	rc = rollback_run(e, opt_to, &o, &r);
	events = o.dry_run ? json_array()
			   : alert_cli_deploy_events(d, "rollback", e->name,
						     NULL, rc, &r);
	rc = deploy_report("rollback", e->name, rc, &r);
	alert_cli_send(d, events);
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
	.flags = CMD_REPORT,
};
