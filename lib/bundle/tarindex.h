/* Where each blob's bytes sit inside a bundle file, so they can be read
 * with pread (uploads in parallel, in chunks, resumed at any offset)
 * instead of through an archive reader. Only for files bundle_open has
 * already vetted. */
#ifndef MLOPS_BUNDLE_TARINDEX_H
#define MLOPS_BUNDLE_TARINDEX_H

#include <stdint.h>

#include "reader.h"

struct blob_span {
	char digest[DIGEST_STR_LEN];
	uint64_t offset, size;
};

/* Fills spans[] for every blobs/sha256/<hex> entry (ustar, pax and GNU
 * long-name headers understood). */
int tarindex_blobs(struct blob_span **spans, size_t *n, const char *path);
const struct blob_span *tarindex_find(const struct blob_span *spans,
				      size_t n, const char *digest);

#endif
