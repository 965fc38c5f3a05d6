/* What a registry answers to a pull: the manifest, and the referrers
 * index (fallback tag sha256-<hex>) that the bundle's signatures are
 * found in. The input is NUL-separated: the manifest, the referrers
 * index, then any blobs (stored under their digests: layers, signature
 * manifests, payloads). A local OCI layout serves them (the same store
 * interface a remote registry is read through), with the empty blob "{}"
 * always there. Every pulled bundle is then opened by the bundle reader. */
#include "fuzz.h"

#include <jansson.h>
#include <sys/stat.h>

#include "lib/bundle/reader.h"
#include "lib/core/sha256.h"
#include "lib/registry/transfer.h"

/* Blobs written for this input, removed after it: a long run must not
 * fill the disk. */
#define MAX_BLOBS 64
static char written[MAX_BLOBS][600];
static size_t nwritten;

/* A file under fuzz_dir()/layout (fuzz.h writes it); its path. */
static const char *put(const char *name, const void *data, size_t len)
{
	char rel[160];

	snprintf(rel, sizeof(rel), "layout/%s", name);
	return fuzz_file(data, len, rel);
}

static void put_blob(const void *data, size_t len, char digest[DIGEST_STR_LEN])
{
	char name[128];

	sha256_digest_buf(data, len, digest);
	if (nwritten == MAX_BLOBS)
		return;
	snprintf(name, sizeof(name), "blobs/sha256/%s", digest + 7);
	snprintf(written[nwritten++], sizeof(written[0]), "%s",
		 put(name, data, len));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char dir[300];
	const uint8_t *nul = memchr(data, '\0', size);
	size_t mlen = nul ? (size_t)(nul - data) : size;
	char mdigest[DIGEST_STR_LEN], idigest[DIGEST_STR_LEN], tag[80],
		ref_text[400], out[400];
	struct pull_result res;
	struct push_opts o = { 0 };
	struct bundle *b = NULL;
	struct ref ref;
	json_t *index;
	char *text;

	if (!dir[0]) {
		char blobs[400];

		snprintf(dir, sizeof(dir), "%s/layout", fuzz_dir());
		mkdir(dir, 0700);
		snprintf(blobs, sizeof(blobs), "%s/blobs", dir);
		mkdir(blobs, 0700);
		snprintf(blobs, sizeof(blobs), "%s/blobs/sha256", dir);
		mkdir(blobs, 0700);
		put("oci-layout", "{\"imageLayoutVersion\":\"1.0.0\"}", 30);
	}
	put_blob("{}", 2, idigest);
	put_blob(data, mlen, mdigest);
	index = json_pack("{s:i, s:[{s:s, s:s, s:I, s:{s:s}}]}", "schemaVersion",
			  2, "manifests", "mediaType",
			  "application/vnd.oci.image.manifest.v1+json", "digest",
			  mdigest, "size", (json_int_t)mlen, "annotations",
			  "org.opencontainers.image.ref.name", "t");
	if (nul) {
		const uint8_t *p = nul + 1, *end = data + size, *next;
		size_t ilen;
		char bd[DIGEST_STR_LEN];

		next = memchr(p, '\0', (size_t)(end - p));
		ilen = next ? (size_t)(next - p) : (size_t)(end - p);
		put_blob(p, ilen, idigest);
		while (next) {
			p = next + 1;
			next = memchr(p, '\0', (size_t)(end - p));
			put_blob(p, next ? (size_t)(next - p) : (size_t)(end - p),
				 bd);
		}
		snprintf(tag, sizeof(tag), "sha256-%s", mdigest + 7);
		json_array_append_new(json_object_get(index, "manifests"),
				      json_pack("{s:s, s:s, s:I, s:{s:s}}",
						"mediaType",
						"application/vnd.oci.image.index.v1+json",
						"digest", idigest, "size",
						(json_int_t)ilen,
						"annotations",
						"org.opencontainers.image.ref.name",
						tag));
	}
	text = json_dumps(index, JSON_COMPACT);
	put("index.json", text, strlen(text));
	free(text);
	json_decref(index);

	snprintf(ref_text, sizeof(ref_text), "oci:%s:t", dir);
	snprintf(out, sizeof(out), "%s/pulled.mlpkg", fuzz_dir());
	if (ref_parse(&ref, ref_text) < 0)
		abort();
	if (bundle_pull(&res, &ref, out, &o) == 0) {
		if (bundle_open(&b, out, NULL) == 0)
			bundle_free(b);
		free(res.path);
	}
	ref_free(&ref);
	while (nwritten)
		unlink(written[--nwritten]);
	mlops_error_clear();
	return 0;
}
