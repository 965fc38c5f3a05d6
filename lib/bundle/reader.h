/* Reading a bundle safely: a tar holding only an OCI layout (oci-layout,
 * index.json, blobs/sha256/<hex>), regular files and those two folders,
 * no links, no duplicates, no other names; every document mlops reads is
 * checked against its digest first. Hostile input gets EINPUT, never a
 * crash, and memory stays bounded whatever the archive claims. */
#ifndef MLOPS_BUNDLE_READER_H
#define MLOPS_BUNDLE_READER_H

#include <jansson.h>
#include <stdint.h>

#include "../core/sha256.h"
#include "../core/strbuf.h"

struct descriptor;

struct bundle_blob {
	char digest[DIGEST_STR_LEN];
	uint64_t size;
	unsigned char *data; /* kept in memory when small, else NULL */
	int verified;        /* sha256 of the bytes read matched */
};

/* A signature artifact listed in index.json (signature.h checks it). */
struct bundle_signature {
	char digest[DIGEST_STR_LEN]; /* of its manifest */
	struct strbuf manifest;      /* that manifest's bytes */
	struct strbuf payload;       /* the signed bytes */
	char payload_digest[DIGEST_STR_LEN];
	char *signature;             /* base64, from the annotation */
	char *key_id;                /* the key the annotation names */
};

struct bundle {
	char *path;
	uint64_t file_size;
	struct bundle_blob *blobs;
	size_t nblobs, alloc;
	char manifest_digest[DIGEST_STR_LEN];
	uint64_t manifest_size;
	json_t *index;
	json_t *manifest;
	json_t *config;
	json_t *mlops; /* the descriptor layer: read it through meta.h */
	/* Its descriptor, parsed once at bundle_open; NULL with why in
	 * descriptor_error when it does not parse (validate reports that
	 * as a failed check, so the bundle still opens). */
	struct descriptor *d;
	char *descriptor_error;
	json_t *sbom;
	char sbom_digest[DIGEST_STR_LEN];
	struct bundle_signature *sigs;
	size_t nsigs;
	/* With collect_mismatches: blobs whose content does not match. */
	char **mismatched;
	size_t nmismatched;
};

struct bundle_open_opts {
	int verify_all; /* hash every blob, not only the documents read */
	/* Record digest mismatches in b->mismatched and go on, instead of
	 * failing (validate reports them as a failed check). */
	int collect_mismatches;
};

int bundle_open(struct bundle **out, const char *path,
		const struct bundle_open_opts *opts);
void bundle_free(struct bundle *b);
/* EINPUT: "'PATH' is not a valid bundle: ..." */
int bundle_bad(const char *path, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
const struct bundle_blob *bundle_blob_find(const struct bundle *b,
					   const char *digest);

#endif
