/* mlops push: a bundle to an OCI registry or a local OCI layout. */
#include <stdlib.h>
#include <string.h>

#include "cli/command.h"
#include "cli/exit_status.h"
#include "cli/output.h"
#include "cli/registry_opts.h"
#include "lib/bundle/manifest.h"
#include "lib/bundle/meta.h"
#include "lib/core/jsonutil.h"
#include "lib/registry/transfer.h"

static struct strv opt_tags;
static long opt_concurrency = 4;
static const char *opt_chunk;
static int opt_attach_sbom;
static struct registry_cli reg;

static const struct opt options[] = {
	OPT_MULTI('t', "tag", &opt_tags, "TAG",
		  "another tag for the same manifest (repeatable)", NULL),
	OPT_NUM(0, "concurrency", &opt_concurrency, "N",
		"blobs uploaded at once (default: 4)"),
	OPT_STR(0, "chunk-size", &opt_chunk, "SIZE",
		"upload blobs above SIZE in chunks (default: 32M)", NULL),
	OPT_BOOLEAN(0, "attach-sbom", &opt_attach_sbom,
		    "also push the SBOM as a referrer of the manifest"),
	REGISTRY_OPTIONS(reg),
	OPT_TERMINATOR,
};

struct meter {
	struct progress *bar;
	uint64_t done, total;
};

static void on_bytes(void *ctx, uint64_t n)
{
	struct meter *m = ctx;

	/* Uploads run in several threads: the sum is atomic, the bar
	 * locks itself. */
	uint64_t done = __atomic_add_fetch(&m->done, n, __ATOMIC_RELAXED);

	if (m->bar)
		progress_update(m->bar, done);
}

/* REF as given, or the default registry: NAME:VERSION. */
static int resolve(struct ref *ref, const char *arg, const struct bundle *b)
{
	struct strbuf text = STRBUF_INIT;
	int rc;

	if (arg)
		strbuf_addstr(&text, arg);
	else
		strbuf_addstr(&text, bundle_name(b));
	rc = ref_parse(ref, text.buf);
	strbuf_release(&text);
	if (!rc && !ref->tag && !ref->digest)
		ref->tag = manifest_ref_name(bundle_version(b));
	return rc;
}

static int cmd_push(int argc, const char **argv)
{
	struct push_opts o = { 0 };
	struct push_result res;
	struct meter meter = { 0 };
	struct bundle *b = NULL;
	struct ref ref = { 0 };
	const char **tags = NULL;
	size_t ntags = 0, i;
	int rc = command_parse(&cmd_push_spec, &argc, argv);

	if (rc >= 0)
		return rc;
	if (argc < 1 || argc > 2)
		return command_usage_error(&cmd_push_spec,
					   "push BUNDLE [REF]");
	if (opt_concurrency < 1 || opt_concurrency > 16)
		return command_usage_error(&cmd_push_spec,
					   "--concurrency takes 1 to 16");
	if (opt_chunk && parse_size(opt_chunk) < 65536)
		return command_usage_error(&cmd_push_spec, "--chunk-size: a size "
					   "from 64K, such as 8M");
	for (i = 0; i < opt_tags.n; i++)
		if (!tag_is_valid(opt_tags.v[i]))
			return command_usage_error(&cmd_push_spec,
						   "'%s' is not a valid tag",
						   opt_tags.v[i]);
	rc = registry_cli_setup(&reg, &o.store);
	if (rc)
		return rc;
	if (bundle_open(&b, argv[0], NULL) < 0 ||
	    resolve(&ref, argc > 1 ? argv[1] : NULL, b) < 0) {
		rc = report_error();
		goto done;
	}
	tags = xcalloc(opt_tags.n + 2, sizeof(char *));
	tags[ntags++] = ref.tag;
	for (i = 0; i < opt_tags.n; i++)
		tags[ntags++] = opt_tags.v[i];
	o.concurrency = (size_t)opt_concurrency;
	o.attach_sbom = opt_attach_sbom;
	o.store.chunk_size = opt_chunk ? parse_size(opt_chunk) : 0;
	for (i = 0; i < b->nblobs; i++)
		meter.total += b->blobs[i].size;
	meter.bar = progress_start("pushing", meter.total);
	o.store.progress = on_bytes;
	o.store.progress_ctx = &meter;
	rc = bundle_push(&res, argv[0], &ref, tags, ntags, &o);
	progress_finish(meter.bar);
	if (rc) {
		rc = report_error();
		goto done;
	}
	{
		char *where = ref_string(&ref);

		if (out_json()) {
			json_t *j = json_pack("{s:s, s:s, s:[], s:I, s:I, s:I, "
					      "s:I, s:I}",
					      "ref", where, "digest", res.digest,
					      "tags", "blobs",
					      (json_int_t)res.blobs, "uploaded",
					      (json_int_t)res.uploaded, "skipped",
					      (json_int_t)res.skipped, "mounted",
					      (json_int_t)res.mounted, "bytes",
					      (json_int_t)res.bytes);

			for (i = 0; i < ntags; i++)
				json_array_append_new(json_object_get(j, "tags"),
						      json_string(tags[i]));
			json_object_set_new(j, "signatures",
					    json_integer((json_int_t)res.signatures));
			json_object_set_new(j, "sbom_referrer",
					    res.sbom_referrer[0]
						    ? json_string(res.sbom_referrer)
						    : json_null());
			print_json(j);
			json_decref(j);
		} else {
			char size[32];

			human_size(size, sizeof(size), res.bytes);
			printf("%sPushed%s %s\n", sty(STYLE_BOLD),
			       sty(STYLE_RESET), where);
			printf("  digest  %s\n  tags    ", res.digest);
			for (i = 0; i < ntags; i++)
				printf("%s%s", i ? ", " : "", tags[i]);
			printf("\n  blobs   %zu: %zu uploaded (%s), %zu already "
			       "there, %zu mounted\n", res.blobs, res.uploaded,
			       size, res.skipped, res.mounted);
			if (res.signatures)
				printf("  signed  %zu signature%s (referrer%s)\n",
				       res.signatures,
				       plural(res.signatures),
				       plural(res.signatures));
			if (res.sbom_referrer[0])
				printf("  sbom    %s (referrer)\n",
				       res.sbom_referrer);
		}
		free(where);
	}
	rc = EXIT_OK;
done:
	free(tags);
	ref_free(&ref);
	bundle_free(b);
	registry_cli_release(&reg);
	strv_clear(&opt_tags);
	return rc;
}

const struct cmd_spec cmd_push_spec = {
	.name = "push",
	.summary = "push a bundle to an OCI registry (or a local layout)",
	.synopsis = "BUNDLE [REF] [--tag TAG ...] [--concurrency N] "
		    "[--chunk-size SIZE] [--attach-sbom]",
	.description =
		"Push the bundle's blobs and manifest to REF: HOST[:PORT]/REPO"
		"[:TAG], oci:DIR[:TAG],\nor REPO[:TAG] in the default registry "
		"(MLOPS_REGISTRY, else a local store).\nBlobs the registry has "
		"are skipped; the tag defaults to the bundle's version.",
	.opts = options,
	.args_complete = "file:mlpkg",
	.run = cmd_push,
	.flags = CMD_REPORT,
};
