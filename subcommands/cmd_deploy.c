/* mlops deploy: a bundle to an environment of mlops.yaml, smoke-tested,
 * rolled back by itself when it fails. */
#include <stdlib.h>
#include <string.h>

#include "cli/command.h"
#include "cli/exit_status.h"
#include "cli/output.h"
#include "cli/registry_opts.h"
#include "lib/bundle/reader.h"
#include "lib/bundle/signature.h"
#include "lib/core/error.h"
#include "lib/core/fsutil.h"
#include "lib/core/jsonutil.h"
#include "lib/deploy/deploy.h"
#include "lib/deploy/fetch.h"
#include "lib/deploy/render.h"
#include "lib/registry/transfer.h"
#include "subcommands/alert_cli.h"
#include "subcommands/env_opts.h"

static const char *opt_reason, *opt_render, *opt_require_signature;
static const char *opt_image;
static int opt_no_rollback, opt_require_smoke;
static struct registry_cli reg;

static const struct opt options[] = {
	ENV_OPTIONS,
	OPT_STR(0, "reason", &opt_reason, "TEXT",
		"the description of the new revision in the history", NULL),
	OPT_STR(0, "render", &opt_render, "DIR",
		"kubernetes environments: write the manifests into DIR",
		"dir"),
	OPT_STR(0, "image", &opt_image, "REPO@sha256:HEX",
		"with --render: the image, by digest (else the environment's)",
		NULL),
	OPT_STR(0, "require-signature", &opt_require_signature, "PUBKEY",
		"refuse a bundle not signed by this Ed25519 public key (PEM)",
		"file"),
	OPT_BOOLEAN(0, "no-rollback", &opt_no_rollback,
		    "on failure, leave the failed version in place"),
	OPT_BOOLEAN(0, "require-smoke", &opt_require_smoke,
		    "fail (exit 5) when the smoke tests cannot run, instead "
		    "of going live unverified"),
	CHANGE_OPTIONS,
	REGISTRY_OPTIONS(reg),
	OPT_TERMINATOR,
};

/* BUNDLE is a file, or a registry reference pulled, verified, into a
 * temporary directory first (f->path; deploy_fetch_release removes it).
 * *path is what to deploy. Returns an exit status, or -1 to go on. */
static int resolve_bundle(const char *arg, const char **path,
			  struct deploy_fetch *f)
{
	struct push_opts o = { 0 };
	struct ref ref;
	int rc;

	*path = arg;
	if (!deploy_ref_parse(&ref, arg))
		return -1;
	rc = registry_cli_setup(&reg, &o.store);
	if (!rc && deploy_fetch_ref(f, &ref, arg, &o) < 0)
		rc = report_error();
	ref_free(&ref);
	if (rc)
		return rc;
	print_info("mlops: pulled %s (%s)", arg, f->digest);
	*path = f->path;
	return -1;
}

/* The environment's require_signature (relative to the project) and
 * --require-signature: each key given must have signed the bundle. */
static int load_signature_keys(const struct descriptor *d,
			       const struct environment *e,
			       struct sig_key *keys[2])
{
	int rc = 0;

	if (e->require_signature) {
		char *p = fs_join(d->dir, e->require_signature);

		rc = sig_key_load(&keys[0], p, 0);
		if (rc)
			mlops_error_prefix("environments.%s.require_signature: ",
					   e->name);
		free(p);
	}
	if (!rc && opt_require_signature)
		rc = sig_key_load(&keys[1], opt_require_signature, 0);
	return rc;
}

/* --render: the manifests of a kubernetes environment, nothing applied;
 * the same signature policy as a deploy. */
static int render(const struct descriptor *d, const struct environment *e,
		  const char *path)
{
	struct sig_key *keys[2] = { NULL, NULL };
	const struct sig_key *const *want = (const struct sig_key *const *)keys;
	size_t files = 0;
	int rc = load_signature_keys(d, e, keys);

	if (!rc)
		rc = render_bundle(e, path, want, opt_image, opt_render, &files);
	sig_key_free(keys[0]);
	sig_key_free(keys[1]);
	if (rc < 0)
		return report_error();
	if (out_json()) {
		json_t *j = json_pack("{s:s, s:s, s:s, s:I}", "action", "render",
				      "env", e->name, "dir", opt_render,
				      "files", (json_int_t)files);

		print_json(j);
		json_decref(j);
	} else {
		printf("wrote %zu file%s for %s to %s (kubectl apply -k %s)\n",
		       files, plural(files), e->name, opt_render, opt_render);
	}
	return finish_stdout(EXIT_OK);
}

static int cmd_deploy(int argc, const char **argv)
{
	struct deploy_opts o = { 0 };
	struct deploy_result r = { 0 };
	struct descriptor *d = NULL;
	struct sig_key *keys[2] = { NULL, NULL };
	struct deploy_fetch fetched = { 0 };
	const struct environment *e;
	const char *path = NULL;
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
	if (opt_image && !opt_render) {
		descriptor_free(d);
		return command_usage_error(&cmd_deploy_spec,
					   "--image goes with --render");
	}
	rc = resolve_bundle(argv[0], &path, &fetched);
	if (rc < 0 && opt_render)
		rc = render(d, e, path);
	if (rc >= 0) {
		deploy_fetch_release(&fetched);
		registry_cli_release(&reg);
		descriptor_free(d);
		return rc;
	}
	deploy_opts_fill(&o, d);
	o.reason = opt_reason;
	o.no_rollback = opt_no_rollback;
	o.require_smoke = opt_require_smoke;
	rc = load_signature_keys(d, e, keys);
	if (rc < 0) {
		rc = report_error();
	} else {
		o.require_signature[0] = keys[0];
		o.require_signature[1] = keys[1];
		json_t *events;

		rc = deploy_run(e, path, &o, &r);
		events = o.dry_run ? json_array()
				   : alert_cli_deploy_events(d, "deploy", e->name,
							     argv[0], rc, &r);
		rc = deploy_report("deploy", e->name, rc, &r);
		alert_cli_send(d, events);
	}
	sig_key_free(keys[0]);
	sig_key_free(keys[1]);
	deploy_result_free(&r);
	deploy_fetch_release(&fetched);
	registry_cli_release(&reg);
	descriptor_free(d);
	return rc;
}

const struct cmd_spec cmd_deploy_spec = {
	.name = "deploy",
	.summary = "deploy a bundle to an environment, with rollback",
	.synopsis = "BUNDLE|REF --env ENV [--reason TEXT] [--timeout SECONDS] "
		    "[--require-signature PUBKEY] [--require-smoke] "
		    "[--no-rollback] [--push-tags] [--dry-run] "
		    "[--render DIR [--image REPO@sha256:HEX]]",
	.description =
		"Deploy BUNDLE to ENV (mlops.yaml): lock, a pending revision in "
		"the ledger, the\nrelease under ROOT/releases. local: current "
		"switched, the server told to\nreload, its answer awaited. "
		"fleet: the bundle uploaded to each instance's\nadmin API, "
		"then activated all at once, rolling, or as a canary checked "
		"at\neach step against the stable version (error rate, p99, "
		"prediction PSI).\nThen the smoke tests. A bundle not signed by "
		"the required keys is refused\nbefore anything changes. A "
		"registry REF is pulled and verified first. On\nfailure the "
		"last deployed revision comes back (a new revision). Smoke "
		"tests\nthat cannot run (no server, no url) leave the revision "
		"deployed but\nunverified; --require-smoke fails then. Exit 0: "
		"deployed; 1: failed (rolled\nback); 5: no server for the "
		"required smoke tests. kubernetes: --render DIR\nwrites the "
		"manifests (kubectl apply -k DIR), the image by digest; "
		"nothing is\napplied.",
	.opts = options,
	.args_complete = "file:mlpkg",
	.run = cmd_deploy,
	.flags = CMD_REPORT,
};
