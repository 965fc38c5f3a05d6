/* The OCI pieces of a bundle: ModelPack config, image manifest, index. */
#ifndef MLOPS_BUNDLE_MANIFEST_H
#define MLOPS_BUNDLE_MANIFEST_H

#include <jansson.h>
#include <stdint.h>

#include "../core/sha256.h"
#include "../descriptor/descriptor.h"
#include "../gitrepo/gitrepo.h"

struct layer_desc {
	const char *media_type;
	char digest[DIGEST_STR_LEN];
	uint64_t size;
	json_t *annotations; /* owned; may be NULL */
};

/* ModelPack config: descriptor, config, modelfs (every layer's digest:
 * all layers are uncompressed, so diffIds equal the layer digests). */
json_t *manifest_config(const struct descriptor *d,
			const struct provenance *prov, const char *created,
			const struct layer_desc *layers, size_t nlayers);
json_t *manifest_build(const char *config_digest, uint64_t config_size,
		       const struct layer_desc *layers, size_t nlayers,
		       const struct descriptor *d,
		       const struct provenance *prov, const char *created);
/* The tag for index.json: the version, '+' made '_' (OCI tags have no
 * '+'). Caller frees. */
char *manifest_ref_name(const char *version);
json_t *manifest_index(const char *manifest_digest, uint64_t manifest_size,
		       const char *ref_name);

#endif
