/* mlops package: mlops.yaml + model files -> NAME-VERSION.mlpkg. */
#include <stdlib.h>
#include <string.h>

#include "cli/command.h"
#include "cli/exit_status.h"
#include "cli/output.h"
#include "lib/bundle/package.h"
#include "lib/bundle/signature.h"
#include "lib/core/strbuf.h"
#include "lib/descriptor/descriptor.h"
#include "lib/gitrepo/register.h"
#include "lib/quality/records.h"

static const char *opt_file = "mlops.yaml";
static const char *opt_output, *opt_sign;
static int opt_tag, opt_allow_dirty;

static const struct opt options[] = {
	OPT_STR('f', "file", &opt_file, "FILE",
		"descriptor to read (default: mlops.yaml)", "file:yaml"),
	OPT_STR('o', "output", &opt_output, "FILE",
		"bundle to write (default: NAME-VERSION.mlpkg)", "file:mlpkg"),
	OPT_STR(0, "sign", &opt_sign, "KEY",
		"sign the bundle with an Ed25519 private key (PEM)", "file"),
	OPT_BOOLEAN(0, "tag", &opt_tag,
		    "create the git tag NAME@vVERSION on HEAD"),
	OPT_BOOLEAN(0, "allow-dirty", &opt_allow_dirty,
		    "with --tag: tag even with uncommitted changes"),
	OPT_TERMINATOR,
};

static void on_warning(void *ctx, const char *msg)
{
	(void)ctx;
	print_warning("%s", msg);
}

static void print_human(const struct descriptor *d,
			const struct package_result *res, const char *tag,
			int tag_created, const struct sig_key *key)
{
	const struct provenance *p = &res->prov;
	char size[32];

	human_size(size, sizeof(size), res->size);
	printf("%sPackaged %s %s%s\n", sty(STYLE_BOLD), d->name, d->version,
	       sty(STYLE_RESET));
	printf("  bundle  %s (%s, %zu file%s)\n", res->path, size, res->nfiles,
	       plural(res->nfiles));
	printf("  digest  %s\n", res->digest);
	if (!p->in_repo)
		printf("  source  not a git repository\n");
	else if (!p->commit[0])
		printf("  source  git, no commit yet\n");
	else
		printf("  source  git %.12s%s%s%s\n", p->commit,
		       p->dirty ? " (dirty)" : "", p->remote ? " " : "",
		       p->remote ? p->remote : "");
	if (key)
		printf("  signed  by key %s\n", sig_key_id(key));
	if (tag)
		printf("  tag     %s%s\n", tag,
		       tag_created ? "" : " (already there)");
}

static void print_result_json(const struct descriptor *d,
			      const struct package_result *res,
			      const char *tag, const struct sig_key *key)
{
	const struct provenance *p = &res->prov;
	json_t *o = json_object(), *prov = json_object();

	json_object_set_new(o, "path", json_string(res->path));
	json_object_set_new(o, "digest", json_string(res->digest));
	json_object_set_new(o, "size", json_integer((json_int_t)res->size));
	json_object_set_new(o, "name", json_string(d->name));
	json_object_set_new(o, "version", json_string(d->version));
	json_object_set(o, "files", res->files);
	json_object_set_new(prov, "commit", p->commit[0] ? json_string(p->commit)
							 : json_null());
	json_object_set_new(prov, "dirty",
			    p->in_repo ? json_boolean(p->dirty) : json_null());
	json_object_set_new(prov, "remote", p->remote ? json_string(p->remote)
						      : json_null());
	json_object_set_new(prov, "build_time_source",
			    json_string(res->epoch_source));
	json_object_set_new(o, "provenance", prov);
	json_object_set_new(o, "tag", tag ? json_string(tag) : json_null());
	json_object_set_new(o, "signature",
			    key ? json_pack("{s:s, s:s}", "digest",
					    res->signature, "key",
					    sig_key_id(key))
				: json_null());
	print_json(o);
	json_decref(o);
}

/* -v: what went in, on stderr. */
static void print_files(const struct package_result *res)
{
	const json_t *f;
	size_t i;

	json_array_foreach(res->files, i, f)
		print_info("  %-8s %s  %s", json_string_value(json_object_get(
						   f, "kind")),
			   json_string_value(json_object_get(f, "digest")),
			   json_string_value(json_object_get(f, "path")));
}

/* The job summary of a GitHub Actions step. */
static void summarize(const struct descriptor *d,
		      const struct package_result *res, const char *tag)
{
	struct strbuf md = STRBUF_INIT;
	char size[32];

	if (!in_github_actions())
		return;
	human_size(size, sizeof(size), res->size);
	strbuf_addf(&md, "### mlops package: %s %s\n\n"
		    "| | |\n|---|---|\n| bundle | `%s` (%s, %zu file%s) |\n"
		    "| digest | `%s` |\n", d->name, d->version, res->path, size,
		    res->nfiles, plural(res->nfiles), res->digest);
	if (res->prov.commit[0])
		strbuf_addf(&md, "| commit | `%.12s`%s |\n", res->prov.commit,
			    res->prov.dirty ? " (dirty)" : "");
	if (tag)
		strbuf_addf(&md, "| tag | `%s` |\n", tag);
	strbuf_addch(&md, '\n');
	gh_step_summary(md.buf);
	strbuf_release(&md);
}

static int cmd_package(int argc, const char **argv)
{
	json_t *golden = NULL, *profile = NULL;
	struct package_opts popts = { 0 };
	struct package_result res;
	struct register_plan plan = { 0 };
	struct descriptor *d = NULL;
	struct sig_key *key = NULL;
	struct lazy_progress bar = { "packaging", NULL };
	int rc = command_parse(&cmd_package_spec, &argc, argv), created = 0;

	if (rc >= 0)
		return rc;
	if (argc)
		return command_usage_error(&cmd_package_spec,
					   "unexpected argument '%s'", argv[0]);
	if (opt_allow_dirty && !opt_tag)
		return command_usage_error(&cmd_package_spec,
					   "--allow-dirty goes with --tag");
	/* A key that cannot sign fails before any work. */
	if (opt_sign && sig_key_load(&key, opt_sign, 1) < 0)
		return report_error();
	if (descriptor_load(&d, opt_file) < 0) {
		sig_key_free(key);
		return report_error();
	}
	if (opt_tag) {
		struct provenance prov = { 0 };

		rc = bundle_provenance(&prov, d);
		if (!rc)
			rc = register_prepare(&plan, d->dir, d->name, d->version,
					      &prov, opt_allow_dirty);
		provenance_free(&prov);
		if (rc) {
			rc = report_error();
			goto done;
		}
	}
	/* The model must load with the signature, or nothing is
	 * packaged. */
	if (quality_package_records(&golden, &profile, d, on_warning,
				    NULL) < 0) {
		rc = report_error();
		goto done;
	}
	popts.golden_predictions = golden;
	popts.reference_profile = profile;
	popts.output = opt_output;
	popts.tool_version = MLOPS_VERSION;
	popts.warn = on_warning;
	popts.progress = progress_callback;
	popts.progress_ctx = &bar;
	popts.sign = key;
	rc = bundle_package(&res, d, &popts);
	progress_finish(bar.bar);
	if (rc) {
		rc = report_error();
		goto done;
	}
	if (opt_tag &&
	    register_apply(&plan, d->dir, d->name, d->version, &res.prov,
			   res.digest, &created) < 0) {
		/* The bundle is good; only the tag failed. */
		rc = report_error();
		print_hint("the bundle was written: %s", res.path);
		package_result_free(&res);
		goto done;
	}
	if (out_json())
		print_result_json(d, &res, opt_tag ? plan.tag : NULL, key);
	else
		print_human(d, &res, opt_tag ? plan.tag : NULL, created, key);
	if (output.verbose)
		print_files(&res);
	summarize(d, &res, opt_tag ? plan.tag : NULL);
	if (res.prov.in_repo && !res.prov.commit[0])
		print_warning("the repository has no commit yet: the bundle "
			      "records no revision");
	else if (res.prov.in_repo && res.prov.dirty && !opt_tag)
		print_warning("the working tree is dirty: the bundle records "
			      "dirty=true next to commit %.12s",
			      res.prov.commit);
	package_result_free(&res);
	rc = EXIT_OK;
done:
	json_decref(golden);
	json_decref(profile);
	register_plan_free(&plan);
	descriptor_free(d);
	sig_key_free(key);
	return rc;
}

const struct cmd_spec cmd_package_spec = {
	.name = "package",
	.summary = "build a reproducible bundle (OCI layout, SBOM inside)",
	.synopsis = "[-f FILE] [-o FILE] [--tag [--allow-dirty]]",
	.description =
		"Build NAME-VERSION.mlpkg from the descriptor: an OCI image "
		"layout in a tar whose\nmanifest follows CNCF ModelPack, with "
		"the model files, code, docs, datasets,\nthe resolved "
		"descriptor, provenance and a CycloneDX 1.6 SBOM. The same "
		"inputs give\nthe same bytes (time from SOURCE_DATE_EPOCH, else "
		"the HEAD commit, else 0).",
	.opts = options,
	.run = cmd_package,
	.flags = CMD_REPORT,
};
