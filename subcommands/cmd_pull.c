/* mlops pull: a bundle from an OCI registry (or a local layout). */
#include <stdlib.h>

#include "cli/command.h"
#include "cli/exit_status.h"
#include "cli/output.h"
#include "cli/registry_opts.h"
#include "lib/registry/transfer.h"

static const char *opt_output;
static struct registry_cli reg;

static const struct opt options[] = {
	OPT_STR('o', "output", &opt_output, "FILE",
		"bundle to write (default: NAME-VERSION.mlpkg)", "file:mlpkg"),
	REGISTRY_OPTIONS(reg),
	OPT_TERMINATOR,
};

static void on_bytes(void *ctx, uint64_t n)
{
	uint64_t *done = ctx;

	*done += n;
}

static int cmd_pull(int argc, const char **argv)
{
	struct push_opts o = { 0 };
	struct pull_result res;
	struct ref ref = { 0 };
	uint64_t done = 0;
	int rc = command_parse(&cmd_pull_spec, &argc, argv);

	if (rc >= 0)
		return rc;
	if (argc != 1)
		return command_usage_error(&cmd_pull_spec, "pull REF");
	rc = registry_cli_setup(&reg, &o.store);
	if (rc)
		return rc;
	o.store.progress = on_bytes;
	o.store.progress_ctx = &done;
	if (ref_parse(&ref, argv[0]) < 0 ||
	    bundle_pull(&res, &ref, opt_output, &o) < 0) {
		rc = report_error();
		goto done;
	}
	if (out_json()) {
		json_t *j = json_pack("{s:s, s:s, s:s, s:I, s:I, s:I}", "ref",
				      argv[0], "path", res.path, "digest",
				      res.digest, "blobs", (json_int_t)res.blobs,
				      "bytes", (json_int_t)res.bytes,
				      "signatures",
				      (json_int_t)res.signatures);

		print_json(j);
		json_decref(j);
	} else {
		printf("%sPulled%s %s\n  bundle  %s\n  digest  %s\n",
		       sty(STYLE_BOLD), sty(STYLE_RESET), argv[0], res.path,
		       res.digest);
		if (res.signatures)
			printf("  signed  %zu signature%s\n", res.signatures,
			       plural(res.signatures));
	}
	free(res.path);
	rc = EXIT_OK;
done:
	ref_free(&ref);
	registry_cli_release(&reg);
	return rc;
}

const struct cmd_spec cmd_pull_spec = {
	.name = "pull",
	.summary = "pull a bundle from an OCI registry (or a local layout)",
	.synopsis = "REF [-o FILE]",
	.description =
		"Fetch the manifest (by tag or digest) and its blobs, verify "
		"every digest while\nstreaming, and write a .mlpkg whose digest "
		"is the manifest's. A digest mismatch\nleaves no file behind.",
	.opts = options,
	.run = cmd_pull,
	.flags = CMD_REPORT,
};
