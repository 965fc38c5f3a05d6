/* mlops history: an environment's revisions, from its ledger. */
#include <stdlib.h>
#include <string.h>

#include "cli/command.h"
#include "cli/exit_status.h"
#include "cli/output.h"
#include "lib/core/fsutil.h"
#include "lib/deploy/ledger.h"
#include "subcommands/env_opts.h"

static long opt_max = 256;

static const struct opt options[] = {
	ENV_OPTIONS,
	OPT_NUM(0, "max", &opt_max, "N", "the newest N revisions (default: 256)"),
	OPT_TERMINATOR,
};

static int cmd_history(int argc, const char **argv)
{
	struct descriptor *d = NULL;
	const struct environment *e;
	struct ledger l;
	char *root;
	size_t i, first;
	int rc = command_parse(&cmd_history_spec, &argc, argv);

	if (rc >= 0)
		return rc;
	if (argc)
		return command_usage_error(&cmd_history_spec, "unexpected '%s'",
					   argv[0]);
	if (opt_max < 1)
		return command_usage_error(&cmd_history_spec, "--max must be >= 1");
	rc = env_command_start(&cmd_history_spec, &d, &e);
	if (rc >= 0)
		return rc;
	/* No ledger: what was applied is the cluster's to say. */
	if (e->kind == ENV_KUBERNETES) {
		print_error("environment %s is kubernetes: ask the cluster "
			    "(kubectl rollout history)", e->name);
		descriptor_free(d);
		return EXIT_USAGE;
	}
	root = environment_root(e, d->dir);
	rc = ledger_read(root, &l);
	if (rc < 0) {
		free(root);
		descriptor_free(d);
		return report_error();
	}
	{
		char why[1024];

		if (ledger_damage(&l, root, why, sizeof(why)))
			print_warning("%s", why);
	}
	free(root);
	first = l.n > (size_t)opt_max ? l.n - (size_t)opt_max : 0;
	if (out_json()) {
		json_t *a = json_array();

		for (i = first; i < l.n; i++) {
			const struct revision *r = &l.revs[i];

			if (!r->number) /* its lines were damaged */
				continue;
			json_array_append_new(
				a, json_pack("{s:I, s:s, s:s, s:b, s:s, s:s, s:s, "
					     "s:s}",
					     "revision", (json_int_t)r->number,
					     "updated", r->updated, "status",
					     r->status, "unverified",
					     r->unverified, "name", r->name,
					     "version", r->version, "digest",
					     r->digest, "description",
					     r->description));
		}
		print_json(a);
		json_decref(a);
	} else if (!l.n) {
		printf("no revisions in %s yet\n", e->name);
	} else {
		/* "deployed (unverified)": it went live without its smoke
		 * tests. */
		int w = 10;

		for (i = first; i < l.n; i++)
			if (l.revs[i].unverified &&
			    (int)strlen(l.revs[i].status) + 13 > w)
				w = (int)strlen(l.revs[i].status) + 13;
		printf("%s%-8s  %-20s  %-*s  %-10s  %-19s  %s%s\n",
		       sty(STYLE_BOLD), "REVISION", "UPDATED", w, "STATUS",
		       "VERSION", "DIGEST", "DESCRIPTION", sty(STYLE_RESET));
		for (i = first; i < l.n; i++) {
			const struct revision *r = &l.revs[i];
			char status[48];

			if (!r->number)
				continue;
			snprintf(status, sizeof(status), "%s%s", r->status,
				 r->unverified ? " (unverified)" : "");
			printf("%-8ld  %-20s  %-*s  %-10s  %.19s  %s\n", r->number,
			       r->updated, w, status, r->version, r->digest,
			       r->description);
		}
	}
	ledger_free(&l);
	descriptor_free(d);
	return finish_stdout(EXIT_OK);
}

const struct cmd_spec cmd_history_spec = {
	.name = "history",
	.summary = "list an environment's revisions",
	.synopsis = "--env ENV [--max N] [--json]",
	.description =
		"Print ENV's revisions from its ledger: REVISION, UPDATED, "
		"STATUS (pending,\ndeployed, superseded, failed; \"(unverified)\" "
		"when it went live without its\nsmoke tests), VERSION, "
		"DIGEST, DESCRIPTION.",
	.opts = options,
	.run = cmd_history,
};
