/* mlops.yaml + files -> NAME-VERSION.mlpkg: an OCI image layout in a tar,
 * byte-identical for identical inputs, each input read once (hashed while
 * it is copied), memory bounded whatever the file sizes, and nothing left
 * behind on failure. */
#ifndef MLOPS_BUNDLE_PACKAGE_H
#define MLOPS_BUNDLE_PACKAGE_H

#include <jansson.h>
#include <stdint.h>

#include "../core/sha256.h"
#include "../descriptor/descriptor.h"
#include "../gitrepo/gitrepo.h"

struct sig_key;

struct package_opts {
	const char *output;       /* NULL: NAME-VERSION.mlpkg here */
	const char *tool_version; /* recorded in the SBOM */
	void (*progress)(void *ctx, uint64_t done, uint64_t total);
	void *progress_ctx;
	void (*warn)(void *ctx, const char *msg);
	void *warn_ctx;
	/* Predictions on the golden set, recorded in the mlops layer so
	 * that validate can check the bundle predicts the same anywhere. */
	const json_t *golden_predictions;
	const json_t *reference_profile; /* mlops drift profile of datasets.reference */
	/* Signs the bundle (signature.h): a signature artifact is listed in
	 * index.json after the manifest; the bundle's digest is unchanged. */
	const struct sig_key *sign;
};

struct package_result {
	char *path;
	char digest[DIGEST_STR_LEN]; /* the manifest's: the bundle's identity */
	uint64_t size;               /* bytes of the .mlpkg */
	size_t nfiles;
	json_t *files;               /* [{path, kind, size, digest}] */
	int64_t epoch;
	const char *epoch_source;    /* "SOURCE_DATE_EPOCH", "commit", "none" */
	struct provenance prov;
	char signature[DIGEST_STR_LEN]; /* the signature artifact's; "" */
};

int bundle_package(struct package_result *res, const struct descriptor *d,
		   const struct package_opts *opts);
void package_result_free(struct package_result *res);

/* The provenance a bundle of `d` would record, without writing one
 * (for checks before packaging, such as --tag's). */
int bundle_provenance(struct provenance *out, const struct descriptor *d);

/* The default output name: NAME-VERSION.mlpkg ('/' in NAME -> '-'). */
char *bundle_default_filename(const struct descriptor *d);

/* SOURCE_DATE_EPOCH if set (EINPUT when malformed), else the commit
 * time, else 0. */
int bundle_resolve_epoch(int64_t *epoch, const char **source,
			 const struct provenance *prov);

#endif
