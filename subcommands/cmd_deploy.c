/* mlops deploy: a bundle to an environment of mlops.yaml, smoke-tested,
 * rolled back by itself when it fails. */
#include <stdlib.h>
#include <string.h>

#include "cli/command.h"
#include "cli/exit_status.h"
#include "cli/output.h"
#include "lib/bundle/reader.h"
#include "lib/core/jsonutil.h"
#include "lib/deploy/deploy.h"
#include "lib/deploy/render.h"
#include "subcommands/env_opts.h"

static const char *opt_reason, *opt_render;
static int opt_no_rollback;

static const struct opt options[] = {
	ENV_OPTIONS,
	OPT_STR(0, "reason", &opt_reason, "TEXT",
		"the description of the new revision in the history", NULL),
	OPT_STR(0, "render", &opt_render, "DIR",
		"kubernetes environments: write the manifests into DIR",
		"dir"),
	OPT_BOOLEAN(0, "no-rollback", &opt_no_rollback,
		    "on failure, leave the failed version in place"),
	CHANGE_OPTIONS,
	OPT_TERMINATOR,
};

void deploy_opts_fill(struct deploy_opts *o, const struct descriptor *d)
{
	const char *key = getenv("MLOPS_API_KEY");

	o->dir = d->dir;
	o->timeout_s = (double)env_cli.timeout;
	o->smoke.timeout_s = (double)env_cli.timeout;
	o->smoke.api_key = key && *key ? key : NULL;
	o->smoke.cainfo = env_cli.cacert;
	o->force_unlock = env_cli.force_unlock;
	o->dry_run = env_cli.dry_run;
	o->no_tag = env_cli.no_tag;
	o->say = env_say;
}

int deploy_report(const char *what, const char *env, int rc,
		  const struct deploy_result *r)
{
	if (rc < 0)
		return report_error();
	if (out_json()) {
		json_t *j = json_pack("{s:s, s:s, s:I, s:b, s:I, s:s?, s:s?}",
				      "action", what, "env", env, "revision",
				      (json_int_t)r->revision, "deployed",
				      r->deployed, "rollback_revision",
				      (json_int_t)r->rollback_revision, "tag",
				      r->tag, "error", rc ? r->why : NULL);

		print_json(j);
		json_decref(j);
	} else if (rc) {
		print_error("%s failed: %s", what, r->why);
		if (r->rollback_revision)
			print_info("mlops: rolled back (revision %ld)",
				   r->rollback_revision);
	} else if (r->deployed) {
		printf("%s: revision %ld of %s is deployed\n", what, r->revision,
		       env);
	}
	if (rc) {
		struct strbuf m = STRBUF_INIT;

		strbuf_addf(&m, "%s to %s failed: %s", what, env, r->why);
		gh_annotation("error", NULL, 0, 0, m.buf);
		strbuf_release(&m);
	}
	return finish_stdout(rc ? EXIT_FINDING : EXIT_OK);
}

/* --render: the manifests of a kubernetes environment, nothing applied. */
static int render(const struct environment *e, const char *bundle)
{
	struct bundle *b = NULL;
	const json_t *desc;
	size_t files = 0;
	int rc = bundle_open(&b, bundle, NULL);

	if (!rc) {
		desc = json_object_get(b->mlops, "descriptor");
		rc = render_kubernetes(e, json_str(desc, "name"),
				       json_str(desc, "version"),
				       b->manifest_digest, opt_render, &files);
	}
	bundle_free(b);
	if (rc < 0)
		return report_error();
	printf("wrote %zu manifests for %s to %s (kubectl apply -f %s)\n",
	       files, e->name, opt_render, opt_render);
	return finish_stdout(EXIT_OK);
}

static int cmd_deploy(int argc, const char **argv)
{
	struct deploy_opts o = { 0 };
	struct deploy_result r = { 0 };
	struct descriptor *d = NULL;
	const struct environment *e;
	int rc = command_parse(&cmd_deploy_spec, &argc, argv);

	if (rc >= 0)
		return rc;
	if (argc != 1)
		return command_usage_error(&cmd_deploy_spec, "name one bundle");
	rc = env_command_start(&cmd_deploy_spec, &d, &e);
	if (rc >= 0)
		return rc;
	if (!opt_render != (e->kind != ENV_KUBERNETES)) {
		rc = command_usage_error(&cmd_deploy_spec, opt_render
			? "--render is for kubernetes environments; %s is %s"
			: "%s is a %s environment: write its manifests with "
			  "--render DIR (applying them is kubectl's job)",
			e->name, env_kind_name(e->kind));
		descriptor_free(d);
		return rc;
	}
	if (opt_render) {
		rc = render(e, argv[0]);
		descriptor_free(d);
		return rc;
	}
	deploy_opts_fill(&o, d);
	o.reason = opt_reason;
	o.no_rollback = opt_no_rollback;
	rc = deploy_local(e, argv[0], &o, &r);
	rc = deploy_report("deploy", e->name, rc, &r);
	deploy_result_free(&r);
	descriptor_free(d);
	return rc;
}

const struct cmd_spec cmd_deploy_spec = {
	.name = "deploy",
	.summary = "deploy a bundle to an environment, with rollback",
	.synopsis = "BUNDLE --env ENV [--reason TEXT] [--timeout SECONDS] "
		    "[--no-rollback] [--dry-run]",
	.description =
		"Deploy BUNDLE to ENV (mlops.yaml, kind local): lock, a pending "
		"revision in the\nledger, the release under ROOT/releases, "
		"current switched, the server told to\nreload, its answer "
		"awaited, the smoke tests run. On failure the last deployed\n"
		"revision comes back (a new revision). Exit 0: deployed; 1: "
		"failed.",
	.opts = options,
	.args_complete = "file:mlpkg",
	.run = cmd_deploy,
};
