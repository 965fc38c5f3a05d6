/* mlops tags: a repository's tags. */
#include "cli/command.h"
#include "cli/exit_status.h"
#include "cli/output.h"
#include "cli/registry_opts.h"
#include "lib/registry/transfer.h"

static struct registry_cli reg;

static const struct opt options[] = {
	REGISTRY_OPTIONS(reg),
	OPT_TERMINATOR,
};

static int cmd_tags(int argc, const char **argv)
{
	struct push_opts o = { 0 };
	struct ref ref = { 0 };
	json_t *tags = NULL, *t;
	size_t i;
	int rc = command_parse(&cmd_tags_spec, &argc, argv);

	if (rc >= 0)
		return rc;
	if (argc != 1)
		return command_usage_error(&cmd_tags_spec, "tags REPO");
	rc = registry_cli_setup(&reg, &o.store);
	if (rc)
		return rc;
	if (ref_parse(&ref, argv[0]) < 0 || registry_tags(&tags, &ref, &o) < 0) {
		rc = report_error();
		goto done;
	}
	if (out_json())
		print_json(tags);
	else
		json_array_foreach(tags, i, t)
			printf("%s\n", json_string_value(t));
	rc = EXIT_OK;
done:
	json_decref(tags);
	ref_free(&ref);
	registry_cli_release(&reg);
	return rc;
}

const struct cmd_spec cmd_tags_spec = {
	.name = "tags",
	.summary = "list a repository's tags",
	.synopsis = "REPO",
	.description = "List the tags of REPO (HOST[:PORT]/REPO, oci:DIR, or "
		       "a repository of the\ndefault registry).",
	.opts = options,
	.run = cmd_tags,
};
