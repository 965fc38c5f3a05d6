/* mlops unpack: write a bundle's files back out as the project laid them
 * out (for users and Dockerfiles). */
#include <string.h>

#include "cli/command.h"
#include "cli/exit_status.h"
#include "cli/output.h"
#include "lib/bundle/extract.h"
#include "lib/bundle/meta.h"
#include "lib/core/jsonutil.h"

static const char *opt_output, *opt_only;
static int opt_force;

static const char *const kinds[] = { "model", "code", "doc", "dataset",
				     NULL };

static const struct opt options[] = {
	OPT_STR('o', "output", &opt_output, "DIR",
		"directory to write into (new or empty)", "dir"),
	OPT_ENUM(0, "only", &opt_only, "KIND",
		 "only model, code, doc or dataset files", kinds),
	OPT_BOOLEAN(0, "force", &opt_force,
		    "write into a non-empty directory, replacing files"),
	OPT_TERMINATOR,
};

static int cmd_unpack(int argc, const char **argv)
{
	struct bundle_open_opts bo = { 1, 0 };
	struct extract_opts eo = { EXTRACT_ALL };
	struct lazy_progress bar = { "unpacking", NULL };
	struct bundle *b = NULL;
	int rc = command_parse(&cmd_unpack_spec, &argc, argv), i;

	if (rc >= 0)
		return rc;
	if (argc != 1)
		return command_usage_error(&cmd_unpack_spec,
					   "name one bundle to unpack");
	if (!opt_output)
		return command_usage_error(&cmd_unpack_spec,
					   "-o DIR is required");
	if (opt_only)
		for (i = 0; kinds[i]; i++)
			if (!strcmp(kinds[i], opt_only))
				eo.kinds = 1u << i;
	eo.force = opt_force;
	eo.progress = progress_callback;
	eo.progress_ctx = &bar;
	/* Every blob is verified before anything is written. */
	if (bundle_open(&b, argv[0], &bo) < 0)
		return report_error();
	rc = bundle_extract(b, opt_output, &eo);
	progress_finish(bar.bar);
	if (rc) {
		bundle_free(b);
		return report_error();
	}
	if (out_json()) {
		json_t *files = json_array(), *f;
		size_t k;

		json_array_foreach(bundle_files(b), k, f)
			if (!opt_only || !strcmp(json_str(f, "kind"), opt_only))
				json_array_append_new(files,
						      json_string(json_str(f,
									   "path")));
		json_t *o = json_pack("{s:s, s:s, s:o}", "bundle", argv[0],
				      "output", opt_output, "files", files);

		print_json(o);
		json_decref(o);
	} else {
		printf("unpacked %s into %s\n", argv[0], opt_output);
	}
	bundle_free(b);
	return EXIT_OK;
}

const struct cmd_spec cmd_unpack_spec = {
	.name = "unpack",
	.summary = "write a bundle's files back out, safely",
	.synopsis = "BUNDLE -o DIR [--only KIND] [--force]",
	.description =
		"Verify the bundle, then write its files as the project laid "
		"them out (model,\ndata, docs, code, mlops.yaml) with "
		"mlops.json and sbom.cdx.json into DIR. Every\npath and digest "
		"is checked before the files appear: they are written into a\n"
		"temporary directory that is renamed into place, so nothing "
		"half-written or\noutside DIR is ever left behind.",
	.opts = options,
	.args_complete = "file:mlpkg",
	.run = cmd_unpack,
	.flags = CMD_REPORT,
};
