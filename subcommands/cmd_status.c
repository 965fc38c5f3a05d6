/* mlops status: what runs where in an environment, with its health. */
#include <stdlib.h>
#include <string.h>

#include "cli/command.h"
#include "cli/exit_status.h"
#include "cli/output.h"
#include "lib/core/fsutil.h"
#include "lib/core/jsonutil.h"
#include "lib/deploy/ledger.h"
#include "lib/deploy/local.h"
#include "lib/deploy/instance.h"
#include "subcommands/env_opts.h"

static const struct opt options[] = {
	ENV_OPTIONS,
	OPT_TERMINATOR,
};

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
	if (e->kind != ENV_LOCAL) {
		print_error("environment %s is %s: status covers local "
			    "environments only for now", e->name,
			    env_kind_name(e->kind));
		descriptor_free(d);
		return EXIT_USAGE;
	}
	root = environment_root(e, d->dir);
	if (ledger_read(root, &l) < 0) {
		free(root);
		descriptor_free(d);
		return report_error();
	}
	dep = ledger_last(&l, "deployed");
	local_current(root, cur, sizeof(cur));
	if (e->url) {
		CURL *curl = curl_easy_init();

		const char *key = getenv("MLOPS_API_KEY");

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
	j = json_pack("{s:s, s:s, s:s, s:s?, s:I, s:s?, s:s?, s:s?, s:s, s:o, "
		      "s:s, s:b}",
		      "env", e->name, "kind", "local", "root", root, "url", e->url,
		      "revision", (json_int_t)(dep ? dep->number : 0), "version",
		      dep ? dep->version : NULL, "deployed_digest",
		      dep ? dep->digest : NULL, "current", cur[0] ? cur : NULL,
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
		printf("  deployed  %s\n", dep ? "" : "nothing yet");
		if (dep)
			printf("    revision %ld: %s %s (%s)\n", dep->number,
			       dep->name, dep->version, dep->digest);
		printf("  current   %s\n", cur[0] ? cur : "-");
		if (e->url)
			printf("  server    %s: %s, %s%s\n", e->url,
			       info ? "answering" : "not answering",
			       ready == 200 ? "ready" : "not ready",
			       served[0] ? "" : "");
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
