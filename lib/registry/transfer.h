/* mlops push / pull / tags (see transfer.c). */
#ifndef MLOPS_REGISTRY_TRANSFER_H
#define MLOPS_REGISTRY_TRANSFER_H

#include <jansson.h>
#include <stdint.h>

#include "../core/sha256.h"
#include "store.h"

struct push_opts {
	struct store_opts store;
	size_t concurrency;
	int attach_sbom;
};

struct push_result {
	char digest[DIGEST_STR_LEN];
	size_t blobs, uploaded, skipped, mounted;
	uint64_t bytes;
	char sbom_referrer[DIGEST_STR_LEN]; /* "" when not attached */
	size_t signatures;                  /* pushed as referrers */
};

struct pull_result {
	char *path;
	char digest[DIGEST_STR_LEN];
	size_t signatures; /* mlops signatures found among the referrers */
	size_t blobs;
	uint64_t bytes;
};

int bundle_push(struct push_result *res, const char *bundle,
		const struct ref *ref, const char *const *tags, size_t ntags,
		const struct push_opts *o);
/* output NULL: NAME-VERSION.mlpkg from the manifest's annotations. */
int bundle_pull(struct pull_result *res, const struct ref *ref,
		const char *output, const struct push_opts *o);
int registry_tags(json_t **out, const struct ref *ref,
		  const struct push_opts *o);

/* Building blocks mlops image shares. A blob from memory, unless the
 * store has it: */
int registry_put_memory(struct store *s, const void *data, size_t len,
			const char *digest);
/* A blob streamed into a tar entry blobs/sha256/<hex> (resumed on a
 * broken connection), its digest verified; o may carry progress. */
struct tarw;
int registry_blob_to_tar(struct store *s, struct tarw *t, const char *digest,
			 uint64_t size, const struct push_opts *o);
/* A blob of `size` bytes streamed to `sink` (resumed on a broken
 * connection), its size and digest verified; o (may be NULL) carries
 * progress. */
int registry_blob_stream(struct store *s, const char *digest, uint64_t size,
			 byte_sink sink, void *ctx, const struct push_opts *o);
/* A small blob (at most cap bytes) into memory, its digest verified. */
int registry_fetch_small(struct store *s, const char *digest, size_t cap,
			 struct strbuf *out);

#endif
