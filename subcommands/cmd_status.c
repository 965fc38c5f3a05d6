/* mlops status: what runs where in an environment, with its health. */
#include <stdlib.h>
#include <string.h>

#include "cli/command.h"
#include "cli/exit_status.h"
#include "cli/output.h"
#include "lib/core/fsutil.h"
#include "lib/core/jsonutil.h"
#include "lib/deploy/deploy.h"
#include "lib/deploy/fleet.h"
#include "lib/deploy/ledger.h"
#include "lib/deploy/local.h"
#include "lib/deploy/instance.h"
#include "subcommands/env_opts.h"

static const struct opt options[] = {
	ENV_OPTIONS,
	OPT_TERMINATOR,
};

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
 * API, and its readiness. Healthy: every one ready, serving the
 * deployed revision, no canary. */
static int status_fleet(const struct environment *e, const char *root,
			const struct revision *dep)
{
	struct deploy_opts o = { 0 };
	json_t *inst, *row, *j;
	size_t i;
	int healthy = dep != NULL;

	o.smoke.api_key = smoke_env_api_key();
	inst = fleet_status(e, &o);
	json_array_foreach(inst, i, row) {
		const char *stable = json_str(json_object_get(row, "stable"),
					      "digest");
		int good = dep && json_is_true(json_object_get(row, "ready")) &&
			   !strcmp(stable, dep->digest) &&
			   json_is_null(json_object_get(row, "canary"));

		json_object_set_new(row, "healthy", json_boolean(good));
		healthy &= good;
	}
	j = json_pack("{s:s, s:s, s:s, s:I, s:s?, s:s?, s:O, s:b}", "env",
		      e->name, "kind", "fleet", "root", root, "revision",
		      (json_int_t)(dep ? dep->number : 0), "version",
		      dep ? dep->version : NULL, "deployed_digest",
		      dep ? dep->digest : NULL, "instances", inst, "healthy",
		      healthy);
	if (out_json()) {
		print_json(j);
	} else {
		printf("%s%s%s (fleet, %zu instance%s, %s)\n", sty(STYLE_BOLD),
		       e->name, sty(STYLE_RESET), e->ninstances,
		       plural(e->ninstances),
		       strategy_name(e->strategy));
		print_deployed(dep);
		json_array_foreach(inst, i, row) {
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
		}
		printf("  health    %s%s%s\n", healthy ? sty(STYLE_GREEN)
							 : sty(STYLE_RED),
		       healthy ? "healthy" : "not healthy", sty(STYLE_RESET));
	}
	json_decref(j);
	json_decref(inst);
	return healthy;
}

static int cmd_status(int argc, const char **argv)
{
	struct descriptor *d = NULL;
	const struct environment *e;
	const struct revision *dep;
	struct ledger l;
	struct http_resp resp = { 0 };
	char cur[96], served[96] = "";
	char *root;
	long ready = 0, info = 0;
	json_t *j;
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
	if (e->kind == ENV_FLEET) {
		healthy = status_fleet(e, root, dep);
		ledger_free(&l);
		free(root);
		descriptor_free(d);
		return finish_stdout(healthy ? EXIT_OK : EXIT_FINDING);
	}
	local_current(root, cur, sizeof(cur));
	if (e->url) {
		CURL *curl = curl_easy_init();

		const char *key = smoke_env_api_key();

		ready = instance_get(curl, e->url, "/health/ready", key, NULL,
				     &resp);
		info = instance_get(curl, e->url, "/model/info", key, NULL, &resp);
		if (info == 200) {
			json_t *mi = json_loadb(resp.body.buf, resp.body.len, 0,
						NULL);

			snprintf(served, sizeof(served), "%s",
				 json_str(mi, "digest"));
			json_decref(mi);
		}
		curl_easy_cleanup(curl);
		http_resp_release(&resp);
	}
	/* Healthy: ready, serving what the ledger says is deployed. */
	healthy = dep && !strcmp(cur, dep->digest) &&
		  (!e->url || (ready == 200 && !strcmp(served, dep->digest)));
	j = json_pack("{s:s, s:s, s:s, s:s?, s:I, s:s?, s:s?, s:b, s:s?, s:s, "
		      "s:o, s:s, s:b}",
		      "env", e->name, "kind", "local", "root", root, "url", e->url,
		      "revision", (json_int_t)(dep ? dep->number : 0), "version",
		      dep ? dep->version : NULL, "deployed_digest",
		      dep ? dep->digest : NULL, "unverified",
		      dep && dep->unverified, "current", cur[0] ? cur : NULL,
		      "served_digest", served,
		      "ready", e->url ? json_boolean(ready == 200) : json_null(),
		      "server", !e->url ? "unknown (no url)"
				: info ? "answering" : "not answering",
		      "healthy", healthy);
	if (out_json()) {
		print_json(j);
	} else {
		printf("%s%s%s (local, %s)\n", sty(STYLE_BOLD), e->name,
		       sty(STYLE_RESET), root);
		print_deployed(dep);
		printf("  current   %s\n", cur[0] ? cur : "-");
		if (e->url)
			printf("  server    %s: %s, %s\n", e->url,
			       info ? "answering" : "not answering",
			       ready == 200 ? "ready" : "not ready");
		if (served[0])
			printf("  serves    %s\n", served);
		printf("  health    %s%s%s\n", healthy ? sty(STYLE_GREEN)
							: sty(STYLE_RED),
		       healthy ? "healthy" : "not healthy", sty(STYLE_RESET));
	}
	json_decref(j);
	ledger_free(&l);
	free(root);
	descriptor_free(d);
	return finish_stdout(healthy ? EXIT_OK : EXIT_FINDING);
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
