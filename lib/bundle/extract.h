/* Writing a bundle's files back out, safely: every path checked
 * (relative, no "..", no links, no duplicates, only files the bundle's
 * file list declares), every byte hashed against its digest, everything
 * written into a fresh temporary directory that is renamed into place
 * only when all of it checked out. On failure nothing is left behind and
 * nothing is ever written outside the target. */
#ifndef MLOPS_BUNDLE_EXTRACT_H
#define MLOPS_BUNDLE_EXTRACT_H

#include "../descriptor/descriptor.h"
#include "reader.h"

/* Which files to write: a bit per enum file_kind, plus the documents. */
#define EXTRACT_MODEL (1u << FILE_MODEL)
#define EXTRACT_CODE (1u << FILE_CODE)
#define EXTRACT_DOC (1u << FILE_DOC)
#define EXTRACT_DATASET (1u << FILE_DATASET)
#define EXTRACT_META (1u << 8) /* mlops.json and sbom.cdx.json */
#define EXTRACT_ALL 0x1ffu

struct extract_opts {
	unsigned kinds;
	int force;  /* write into a non-empty directory */
	void (*progress)(void *ctx, uint64_t done, uint64_t total);
	void *progress_ctx;
};

/* Extracts into `dir`, which must not exist or be empty (or force). */
int bundle_extract(const struct bundle *b, const char *dir,
		   const struct extract_opts *opts);

/* The bundle's model files, datasets and mlops.json, unpacked once into the
 * content-addressed cache $XDG_CACHE_HOME/mlops/bundles/<hex>/ and reused
 * after that. *dir is the directory (caller frees). */
int bundle_cache(const struct bundle *b, char **dir);

/* Checks every file in every tar layer against the bundle's file list
 * and digests, without writing anything. */
int bundle_verify_files(const struct bundle *b);

#endif
