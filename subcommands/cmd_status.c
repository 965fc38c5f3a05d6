/* mlops status: what runs where in an environment, with its health. */
#include <stdlib.h>

#include "cli/command.h"
#include "cli/exit_status.h"
#include "cli/output.h"
#include "lib/core/jsonutil.h"
#include "lib/deploy/deploy.h"
#include "lib/deploy/ledger.h"
#include "lib/deploy/status.h"
#include "subcommands/env_opts.h"

static const struct opt options[] = {
	ENV_OPTIONS,
	OPT_TERMINATOR,
};

/* A shadow's comparison so far: a server's GET /shadow, or the summary
 * in an instance's state ({version, agreement, rows}). */
static void print_shadow(const json_t *sh, const char *indent)
{
	const json_t *rows = json_object_get(sh, "rows");
	const json_t *agree = json_object_get(sh, "agreement");
	const char *version = json_str(sh, "shadow_version");

	if (!json_is_object(sh))
		return;
	if (json_is_object(rows))
		rows = json_object_get(rows, "compared");
	printf("%sshadow    %s", indent,
	       version ? version : json_str(sh, "version"));
	if (json_is_number(agree))
		printf(": agreement %.2f%% of %lld rows",
		       json_number_value(agree) * 100,
		       (long long)json_integer_value(rows));
	else
		printf(": no row compared yet");
	printf("\n");
}

/* The ledger's deployed revision, on one line. */
static void print_deployed(const struct revision *dep)
{
	if (!dep) {
		printf("  deployed  nothing yet\n");
		return;
	}
	printf("  deployed  revision %ld: %s %s (%s)%s\n", dep->number,
	       dep->name, dep->version, dep->digest,
	       dep->unverified ? ", unverified: its smoke tests did not run"
			       : "");
}

/* A fleet: each instance's stable and canary versions, from its admin
 * API, and its readiness. */
static void print_fleet(const struct environment *e, const json_t *j,
			const struct revision *dep)
{
	const json_t *row;
	size_t i;

	printf("%s%s%s (fleet, %zu instance%s, %s)\n", sty(STYLE_BOLD),
	       e->name, sty(STYLE_RESET), e->ninstances,
	       plural(e->ninstances), strategy_name(e->strategy));
	print_deployed(dep);
	json_array_foreach(json_object_get(j, "instances"), i, row) {
		const json_t *st = json_object_get(row, "stable");
		const json_t *ca = json_object_get(row, "canary");

		printf("  %s  ", json_str(row, "url"));
		if (!json_is_true(json_object_get(row, "reachable")))
			printf("admin API: %s", json_str(row, "error"));
		else
			printf("%s (%.19s)", json_str(st, "version"),
			       json_str(st, "digest"));
		if (json_is_object(ca))
			printf(", canary %s at %lld%%",
			       json_str(ca, "version"),
			       (long long)json_integer_value(
				       json_object_get(row, "weight")));
		printf(", %s, %s%s%s\n",
		       json_is_true(json_object_get(row, "ready"))
			       ? "ready" : "not ready",
		       json_is_true(json_object_get(row, "healthy"))
			       ? sty(STYLE_GREEN) : sty(STYLE_RED),
		       json_is_true(json_object_get(row, "healthy"))
			       ? "healthy" : "not healthy",
		       sty(STYLE_RESET));
		print_shadow(json_object_get(row, "shadow"), "    ");
	}
}

/* A local environment: what current points to and, with a url, what
 * its server says. */
static void print_local(const struct environment *e, const json_t *j,
			const struct revision *dep)
{
	const char *cur = json_str(j, "current");
	const char *served = json_str(j, "served_digest");

	printf("%s%s%s (local, %s)\n", sty(STYLE_BOLD), e->name,
	       sty(STYLE_RESET), json_str(j, "root"));
	print_deployed(dep);
	printf("  current   %s\n", cur ? cur : "-");
	if (e->url)
		printf("  server    %s: %s, %s\n", e->url,
		       json_str(j, "server"),
		       json_is_true(json_object_get(j, "ready")) ? "ready"
								 : "not ready");
	if (served && served[0])
		printf("  serves    %s\n", served);
	print_shadow(json_object_get(j, "shadow"), "  ");
}

static int cmd_status(int argc, const char **argv)
{
	struct descriptor *d = NULL;
	const struct environment *e;
	const struct revision *dep;
	struct deploy_opts ask = { 0 };
	struct ledger l;
	char *root;
	json_t *j = NULL;
	int rc = command_parse(&cmd_status_spec, &argc, argv), healthy;

	if (rc >= 0)
		return rc;
	if (argc)
		return command_usage_error(&cmd_status_spec, "unexpected '%s'",
					   argv[0]);
	rc = env_command_start(&cmd_status_spec, &d, &e);
	if (rc >= 0)
		return rc;
	if (e->kind == ENV_KUBERNETES) {
		print_error("environment %s is kubernetes: ask the cluster "
			    "(kubectl rollout status)", e->name);
		descriptor_free(d);
		return EXIT_USAGE;
	}
	/* A deploy killed halfway is resolved here too, as the next deploy
	 * would: status then tells what runs after that. */
	{
		struct deploy_opts o = { 0 };
		int r;

		deploy_opts_fill(&o, d);
		o.no_tag = 1;
		r = deploy_recover(e, &o);
		if (r == 1) {
			print_info("mlops: a deploy is under way: %s",
				   mlops_error_last()->message);
			mlops_error_clear();
		} else if (r < 0) {
			descriptor_free(d);
			return report_error();
		}
	}
	root = environment_root(e, d->dir);
	if (ledger_read(root, &l) < 0) {
		free(root);
		descriptor_free(d);
		return report_error();
	}
	{
		char why[1024];

		if (ledger_damage(&l, root, why, sizeof(why)))
			print_warning("%s", why);
	}
	dep = ledger_last(&l, "deployed");
	ask.smoke.api_key = smoke_env_api_key();
	rc = env_status(&j, e, root, dep, &ask);
	if (rc < 0) {
		rc = report_error();
		goto done;
	}
	healthy = json_is_true(json_object_get(j, "healthy"));
	if (out_json()) {
		print_json(j);
	} else {
		if (e->kind == ENV_FLEET)
			print_fleet(e, j, dep);
		else
			print_local(e, j, dep);
		printf("  health    %s%s%s\n", healthy ? sty(STYLE_GREEN)
							: sty(STYLE_RED),
		       healthy ? "healthy" : "not healthy", sty(STYLE_RESET));
	}
	rc = finish_stdout(healthy ? EXIT_OK : EXIT_FINDING);
done:
	json_decref(j);
	ledger_free(&l);
	free(root);
	descriptor_free(d);
	return rc;
}

const struct cmd_spec cmd_status_spec = {
	.name = "status",
	.summary = "what runs in an environment, and its health",
	.synopsis = "--env ENV [--json]",
	.description =
		"Show ENV's deployed revision (from its ledger), what current "
		"points to, and,\nwith a url, whether its server answers, is "
		"ready and serves that revision.\nExit 0: healthy; 1: not.",
	.opts = options,
	.run = cmd_status,
};
