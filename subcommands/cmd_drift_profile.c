/* mlops drift profile: a reusable, mergeable summary of reference data,
 * so that `mlops drift --reference ref.profile.json` needs no raw rows. */
#include <stdlib.h>
#include <string.h>

#include "cli/command.h"
#include "cli/exit_status.h"
#include "cli/output.h"
#include "lib/bundle/meta.h"
#include "lib/core/fsutil.h"
#include "lib/core/jsonutil.h"
#include "lib/descriptor/descriptor.h"
#include "lib/drift/profile.h"
#include "subcommands/drift_opts.h"

static const char *opt_out, *opt_bundle, *opt_file, *opt_columns, *opt_na;
static const char *opt_like;
static long opt_sample = PROFILE_SAMPLE_DEFAULT;
static int opt_signature, opt_merge;

static const struct opt options[] = {
	OPT_STR('o', "output", &opt_out, "FILE",
		"where the profile goes (required; .json)", "file"),
	OPT_NUM(0, "sample", &opt_sample, "N",
		"values kept per column for the exact tests (default: 10000)"),
	OPT_BOOLEAN(0, "merge", &opt_merge,
		    "merge the profiles given instead of reading data"),
	OPT_STR(0, "like", &opt_like, "PROFILE",
		"use PROFILE's histogram ranges, so the two can be merged",
		"file"),
	SIGNATURE_OPTIONS(&opt_bundle, &opt_file, &opt_signature),
	OPT_STR(0, "columns", &opt_columns, "LIST",
		"profile only these columns (comma-separated)", NULL),
	OPT_STR(0, "na-values", &opt_na, "LIST",
		"comma-separated missing-value tokens (default: ,NA,NaN,null)",
		NULL),
	OPT_TERMINATOR,
};

static int write_profile(const struct profile *p)
{
	json_t *j = profile_to_json(p);
	struct strbuf sb = STRBUF_INIT;
	int rc;

	json_dump_strbuf(j, JSON_DUMP_COMPACT, &sb);
	strbuf_addch(&sb, '\n');
	rc = fs_write_output(opt_out, sb.buf, sb.len, 0644);
	strbuf_release(&sb);
	json_decref(j);
	return rc;
}

static int merge(int argc, const char **argv, struct profile **out)
{
	int i, rc;

	*out = NULL;
	for (i = 0; i < argc; i++) {
		struct profile *p = NULL;

		rc = profile_load_if(argv[i], &p);
		if (rc == 0)
			rc = mlops_error_set(MLOPS_EINPUT, "%s is not a profile "
					     "(.json)", argv[i]);
		if (rc < 0)
			return rc;
		if (!*out) {
			*out = p;
			continue;
		}
		rc = profile_merge(*out, p);
		profile_free(p);
		if (rc < 0) {
			mlops_error_prefix("%s: ", argv[i]);
			return rc;
		}
	}
	return 0;
}

static int cmd_drift_profile(int argc, const char **argv)
{
	struct drift_opts o = { 0 };
	struct descriptor *d = NULL;
	struct profile *p = NULL, *like = NULL;
	char **cols = NULL, **na = NULL;
	int rc = command_parse(&cmd_drift_profile_spec, &argc, argv);
	size_t n = strlen(opt_out ? opt_out : "");

	if (rc >= 0)
		return rc;
	if (!opt_out || n < 5 || strcmp(opt_out + n - 5, ".json"))
		return command_usage_error(&cmd_drift_profile_spec,
					   "-o FILE.json is required");
	if (opt_merge ? argc < 2 : argc != 1)
		return command_usage_error(&cmd_drift_profile_spec, opt_merge
					   ? "--merge takes two profiles or more"
					   : "name one data file to profile");
	if (opt_sample < 100 || opt_sample > 10000000)
		return command_usage_error(&cmd_drift_profile_spec,
					   "--sample must be 100 to 10000000");
	if (opt_merge) {
		rc = merge(argc, argv, &p);
	} else {
		drift_opts_lists(&o, opt_columns, opt_na, &cols, &na);
		rc = 0;
		if (opt_bundle || opt_file || opt_signature)
			rc = bundle_or_file_descriptor(opt_bundle, opt_file, &d);
		if (!rc && opt_like) {
			rc = profile_load_if(opt_like, &like);
			if (rc == 0)
				rc = mlops_error_set(MLOPS_EUSAGE, "--like takes a "
						     "profile (.json)");
			if (rc > 0)
				rc = 0;
		}
		if (!rc)
			rc = profile_build(argv[0], d, &o, (size_t)opt_sample,
					   like, &p);
	}
	if (!rc)
		rc = write_profile(p);
	if (rc < 0) {
		rc = report_error();
	} else {
		print_info("mlops: wrote %s (%zu column%s, %llu row%s)", opt_out,
			   p->ncolumns, plural(p->ncolumns),
			   (unsigned long long)p->rows, plural(p->rows));
		rc = EXIT_OK;
	}
	profile_free(p);
	profile_free(like);
	descriptor_free(d);
	free_list(cols);
	free_list(na);
	return rc;
}

const struct cmd_spec cmd_drift_profile_spec = {
	.name = "drift profile",
	.summary = "summarise reference data for drift checks",
	.synopsis = "FILE -o PROFILE.json [--sample N] | --merge P1 P2 ... "
		    "-o PROFILE.json",
	.description =
		"Write a profile of FILE: per column counts, missing values, "
		"min, max, mean, std,\na histogram, quantiles, a uniform sample "
		"(every value when they fit) and\ncategory counts. `mlops drift "
		"--reference PROFILE.json` compares data with it.",
	.opts = options,
	.args_complete = "file",
	.run = cmd_drift_profile,
	.flags = OPT_HIDDEN | CMD_REPORT,
};
