/* mlops image: a runnable OCI image of a bundle, without a daemon. */
#include <stdio.h>
#include <string.h>

#include "cli/command.h"
#include "cli/exit_status.h"
#include "cli/output.h"
#include "cli/registry_opts.h"
#include "lib/core/jsonutil.h"
#include "lib/image/image.h"

static const char *opt_tag, *opt_output, *opt_base, *opt_binary;
static int opt_push;
static struct registry_cli reg;

static const struct opt options[] = {
	OPT_STR('t', "tag", &opt_tag, "REF",
		"the image's name: HOST[:PORT]/REPO[:TAG] (the tag defaults "
		"to the bundle's version)", NULL),
	OPT_STR('o', "output", &opt_output, "FILE",
		"write an OCI image layout tar (an oci-archive)", "file:tar"),
	OPT_BOOLEAN(0, "push", &opt_push,
		    "push the image to REF with mlops's registry client"),
	OPT_STR(0, "base", &opt_base, "REF",
		"put the layers on this image from a registry (default: none)",
		NULL),
	OPT_STR(0, "binary", &opt_binary, "PATH",
		"the mlops program to put in (default: this one)", "file"),
	REGISTRY_OPTIONS(reg),
	OPT_TERMINATOR,
};

static void print_summary(const json_t *r)
{
	const json_t *l;
	size_t i;

	print_info("Built %s (%s)", json_str(r, "pinned"), json_str(r, "tag"));
	json_array_foreach(json_object_get(r, "layers"), i, l) {
		char gz[32], raw[32] = "";
		const json_t *u = json_object_get(l, "uncompressed");

		human_size(gz, sizeof(gz),
			   (uint64_t)json_integer_value(json_object_get(l,
									"size")));
		if (u)
			human_size(raw, sizeof(raw),
				   (uint64_t)json_integer_value(u));
		print_info("  %-8s %.19s  %10s%s%s%s", json_str(l, "role"),
			   json_str(l, "digest"), gz, u ? " (" : "", raw,
			   u ? " unpacked)" : "");
	}
	print_info("  %zu libraries, loader %s",
		   json_array_size(json_object_get(r, "libraries")),
		   json_str(r, "loader") ? json_str(r, "loader") : "none");
	if (json_str(r, "output"))
		print_info("  written to %s", json_str(r, "output"));
	if (json_is_true(json_object_get(r, "pushed")))
		print_info("  pushed to %s", json_str(r, "ref"));
}

static int cmd_image(int argc, const char **argv)
{
	struct image_opts o = { 0 };
	json_t *r = NULL;
	int rc = command_parse(&cmd_image_spec, &argc, argv);

	if (rc >= 0)
		return rc;
	if (argc != 1)
		return command_usage_error(&cmd_image_spec, argc ? "one bundle "
					   "at a time" : "which bundle? name a "
					   ".mlpkg file");
	if (!opt_tag)
		return command_usage_error(&cmd_image_spec, "name the image: "
					   "-t HOST/REPO[:TAG]");
	if (!opt_output && !opt_push)
		return command_usage_error(&cmd_image_spec, "nothing to do: "
					   "-o FILE.tar, --push, or both");
	rc = registry_cli_setup(&reg, &o.store);
	if (rc)
		return rc;
	o.bundle = argv[0];
	o.ref = opt_tag;
	o.output = opt_output;
	o.push = opt_push;
	o.base = opt_base;
	o.binary = opt_binary;
	if (image_build(&r, &o) < 0) {
		rc = report_error();
		goto done;
	}
	if (out_json()) {
		print_json(r);
	} else {
		printf("%s\n", json_str(r, "pinned"));
		print_summary(r);
	}
	rc = EXIT_OK;
done:
	json_decref(r);
	registry_cli_release(&reg);
	return rc;
}

const struct cmd_spec cmd_image_spec = {
	.name = "image",
	.summary = "build a runnable OCI image of a bundle (no daemon needed)",
	.synopsis = "BUNDLE -t REF [-o FILE.tar] [--push] [--base REF] "
		    "[--binary PATH]",
	.description =
		"Build an OCI image that serves BUNDLE: mlops, its shared "
		"libraries and loader,\nCA certificates and a non-root user "
		"(65532) in one layer, the bundle at\n/srv/model/bundle.mlpkg "
		"in another. The same inputs give the same digest\n"
		"(SOURCE_DATE_EPOCH, else the bundle's time). Prints "
		"REPO@sha256:... on stdout.",
	.opts = options,
	.args_complete = "file:mlpkg",
	.run = cmd_image,
};
