/* mlops inspect: what a bundle holds. */
#include <string.h>

#include "cli/command.h"
#include "cli/exit_status.h"
#include "cli/output.h"
#include "lib/bundle/info.h"
#include "lib/bundle/mediatypes.h"
#include "lib/bundle/reader.h"
#include "lib/core/jsonutil.h"
#include "lib/image/image.h"
#include "lib/image/read.h"
#include "lib/server/openapi.h"

static int opt_sbom, opt_files, opt_openapi;

static const struct opt options[] = {
	OPT_BOOLEAN(0, "files", &opt_files,
		    "list every file with its size and digest"),
	OPT_BOOLEAN(0, "sbom", &opt_sbom,
		    "print the bundle's CycloneDX SBOM document"),
	OPT_BOOLEAN(0, "openapi", &opt_openapi,
		    "print the OpenAPI 3.1 document mlops serve answers for it"),
	OPT_TERMINATOR,
};

static const char *layer_kind(const char *mt)
{
	if (!strcmp(mt, MT_WEIGHT_RAW))
		return "model";
	if (!strcmp(mt, MT_CODE_TAR))
		return "code";
	if (!strcmp(mt, MT_DOC_TAR))
		return "doc";
	if (!strcmp(mt, MT_DATASET_TAR))
		return "dataset";
	if (!strcmp(mt, MT_MLOPS_DESCRIPTOR))
		return "mlops";
	if (!strcmp(mt, MT_CYCLONEDX))
		return "sbom";
	return "other";
}

static void heading(const char *title)
{
	printf("\n%s%s%s\n", sty(STYLE_BOLD), title, sty(STYLE_RESET));
}

static void print_constraints(const json_t *in)
{
	const json_t *min = json_object_get(in, "min");
	const json_t *max = json_object_get(in, "max");
	const json_t *values = json_object_get(in, "values"), *v;
	size_t i;

	if (min && max)
		printf("%g .. %g", json_number_value(min),
		       json_number_value(max));
	else if (min)
		printf(">= %g", json_number_value(min));
	else if (max)
		printf("<= %g", json_number_value(max));
	json_array_foreach(values, i, v)
		printf("%s%s", i ? ", " : "one of ", json_string_value(v));
}

static void print_signature(const json_t *info)
{
	const json_t *sig = json_object_get(info, "signature"), *f;
	size_t i;

	heading("Signature");
	printf("  %-22s %-9s %-9s %-9s %s\n", "INPUT", "TYPE", "REQUIRED",
	       "NULLABLE", "CONSTRAINTS");
	json_array_foreach(json_object_get(sig, "inputs"), i, f) {
		printf("  %-22s %-9s %-9s %-9s ", json_str(f, "name"),
		       json_str(f, "type"),
		       json_is_true(json_object_get(f, "required")) ? "yes"
								    : "no",
		       json_is_true(json_object_get(f, "nullable")) ? "yes"
								    : "no");
		print_constraints(f);
		printf("\n");
	}
	printf("  outputs: ");
	json_array_foreach(json_object_get(sig, "outputs"), i, f)
		printf("%s%s (%s)", i ? ", " : "", json_str(f, "name"),
		       json_str(f, "type"));
	printf("\n");
}

/* Who says they signed it; mlops validate --verify checks it. */
static void print_signed(const json_t *sigs)
{
	const json_t *s;
	size_t i;

	if (!json_array_size(sigs)) {
		printf("  signed        no\n");
		return;
	}
	json_array_foreach(sigs, i, s)
		printf("  signed        %s by key %s\n", i ? "and" : "yes,",
		       json_str(s, "key"));
	printf("                (unchecked here: mlops validate --verify "
	       "PUBKEY)\n");
}

static void print_release(const json_t *info)
{
	const json_t *gates = json_object_get(info, "gates");
	const json_t *envs = json_object_get(info, "environments"), *g, *e;
	const char *name;
	size_t i;

	if (json_array_size(gates)) {
		printf("  gates         ");
		json_array_foreach(gates, i, g)
			printf("%s%s %s %g", i ? ", " : "", json_str(g, "metric"),
			       json_str(g, "op"), json_num(g, "value", 0));
		printf("\n");
	}
	printf("  smoke tests   %zu\n",
	       json_array_size(json_object_get(info, "smoke")));
	if (json_object_size(envs)) {
		int first = 1;

		printf("  environments  ");
		json_object_foreach((json_t *)envs, name, e) {
			printf("%s%s (%s)", first ? "" : ", ", name,
			       json_str(e, "kind"));
			first = 0;
		}
		printf("\n");
	}
}

static void print_provenance(const json_t *p)
{
	const char *commit = json_str(p, "commit");

	printf("  source        ");
	if (!json_is_true(json_object_get(p, "git")))
		printf("not a git repository");
	else if (!commit)
		printf("git, no commit");
	else
		printf("git %.12s (%s)", commit,
		       json_is_true(json_object_get(p, "dirty")) ? "dirty"
								 : "clean");
	if (json_str(p, "remote"))
		printf(" %s", json_str(p, "remote"));
	printf("\n");
}

static void print_layers(const json_t *info)
{
	const json_t *l;
	size_t i;

	heading("Layers");
	json_array_foreach(json_object_get(info, "layers"), i, l) {
		char size[32];

		human_size(size, sizeof(size),
			   (uint64_t)json_integer_value(json_object_get(l,
									"size")));
		printf("  %-8s %-28s %10s  %.19s\n",
		       layer_kind(json_str(l, "mediaType")),
		       json_str(l, "name") ? json_str(l, "name") : "-", size,
		       json_str(l, "digest"));
	}
}

static void print_files(const json_t *info)
{
	const json_t *f;
	size_t i;

	heading("Files");
	json_array_foreach(json_object_get(info, "files"), i, f) {
		char size[32];

		human_size(size, sizeof(size),
			   (uint64_t)json_integer_value(json_object_get(f,
									"size")));
		printf("  %-8s %10s  %s  %s\n", json_str(f, "kind"), size,
		       json_str(f, "digest"), json_str(f, "path"));
	}
}

static void print_sbom(const json_t *sbom)
{
	const json_t *by_type, *libs, *v;
	const char *type;
	size_t i;
	int first = 1;

	heading("SBOM");
	if (!json_is_object(sbom)) {
		printf("  none\n");
		return;
	}
	by_type = json_object_get(sbom, "by_type");
	libs = json_object_get(sbom, "libraries");
	printf("  %s %s, %lld components (", json_str(sbom, "format"),
	       json_str(sbom, "specVersion") ? json_str(sbom, "specVersion")
					     : "",
	       (long long)json_integer_value(json_object_get(sbom,
							     "components")));
	json_object_foreach((json_t *)by_type, type, v) {
		printf("%s%lld %s", first ? "" : ", ",
		       (long long)json_integer_value(v), type);
		first = 0;
	}
	printf(")\n");
	if (json_array_size(libs)) {
		printf("  libraries: ");
		json_array_foreach(libs, i, v)
			printf("%s%s", i ? ", " : "", json_string_value(v));
		printf("\n");
	}
}

/* An image's side (mlops image): what holds the bundle. */
static void print_image(const json_t *img)
{
	const json_t *v;
	const char *k;

	heading("Image");
	printf("  image         %s\n  digest        %s\n  config        %s\n",
	       json_str(img, "source"), json_str(img, "digest"),
	       json_str(img, "config_digest"));
	printf("  user          %s\n", json_str(img, "user") ? json_str(img, "user")
							: "root");
	json_object_foreach((json_t *)json_object_get(img, "labels"), k, v)
		printf("  label         %s=%s\n", k, json_string_value(v));
}

static void print_human(const json_t *info)
{
	const json_t *model = json_object_get(info, "model");
	char size[32];

	human_size(size, sizeof(size),
		   (uint64_t)json_integer_value(json_object_get(info, "size")));
	printf("%s%s %s%s\n", sty(STYLE_BOLD), json_str(info, "name"),
	       json_str(info, "version"), sty(STYLE_RESET));
	if (json_str(info, "description"))
		printf("%s\n", json_str(info, "description"));
	printf("\n  bundle        %s (%s)\n", json_str(info, "path"), size);
	printf("  digest        %s\n", json_str(info, "digest"));
	if (json_str(info, "created"))
		printf("  created       %s\n", json_str(info, "created"));
	else if (json_is_null(json_object_get(info, "created")))
		printf("  created       no commit (and no SOURCE_DATE_EPOCH): no "
		       "build time\n");
	print_signed(json_object_get(info, "signatures"));
	printf("  model         %s (%s, %s", json_str(model, "path"),
	       json_str(model, "runtime"), json_str(model, "task"));
	if (json_object_get(model, "threshold"))
		printf(", threshold %g", json_num(model, "threshold", 0.5));
	printf(")\n");
	if (json_object_get(info, "provenance"))
		print_provenance(json_object_get(info, "provenance"));
	if (json_str(info, "license"))
		printf("  license       %s\n", json_str(info, "license"));
	print_release(info);
	print_signature(info);
	print_layers(info);
	if (opt_files)
		print_files(info);
	print_sbom(json_object_get(info, "sbom"));
	if (json_object_get(info, "image"))
		print_image(json_object_get(info, "image"));
}

static int cmd_inspect(int argc, const char **argv)
{
	struct bundle *b = NULL;
	struct image_bundle img;
	struct store_opts so = { 0 };
	json_t *info;
	int rc = command_parse(&cmd_inspect_spec, &argc, argv), is_image;

	if (rc >= 0)
		return rc;
	if (argc != 1)
		return command_usage_error(&cmd_inspect_spec,
					   argc ? "one bundle at a time"
						: "which bundle? name a "
						  ".mlpkg file");
	/* An image mlops image built: its bundle, extracted. */
	is_image = image_bundle_open(&img, argv[0], &so);
	if (is_image < 0 ||
	    bundle_open(&b, is_image ? img.tmp.path : argv[0], NULL) < 0) {
		rc = report_error();
		goto done;
	}
	rc = EXIT_OK;
	if (opt_sbom) {
		if (!b->sbom) {
			print_error("'%s' holds no SBOM", argv[0]);
			rc = EXIT_INPUT;
		} else {
			print_json(b->sbom);
		}
		goto done;
	}
	info = bundle_info(b);
	if (is_image) {
		json_object_set_new(info, "path", json_string(IMAGE_BUNDLE_PATH));
		json_object_set(info, "image", img.image);
	}
	if (opt_openapi) {
		/* A server with default options: no keys, no rate limit. */
		struct openapi_opts o = { 0 };
		json_t *doc = openapi_document(info, &o);

		print_json(doc);
		json_decref(doc);
	} else if (out_json())
		print_json(info);
	else
		print_human(info);
	json_decref(info);
done:
	if (is_image > 0)
		image_bundle_close(&img);
	bundle_free(b);
	return rc;
}

const struct cmd_spec cmd_inspect_spec = {
	.name = "inspect",
	.summary = "show what a bundle holds (also inside an image)",
	.synopsis = "[--files] [--sbom] [--openapi] BUNDLE|IMAGE.tar|IMAGE-REF",
	.description =
		"Show a bundle's name, version, digest, model, signature, "
		"layers, provenance and\nSBOM summary. --sbom prints the SBOM "
		"document itself, --openapi the OpenAPI\ndocument of mlops "
		"serve. A malformed or hostile archive is refused with exit\n"
		"status 3. An image mlops image built (an OCI layout tar or a "
		"registry\nreference) shows its bundle and its image digest "
		"and labels.",
	.opts = options,
	.args_complete = "file:mlpkg",
	.run = cmd_inspect,
};
