/* The bundle's CycloneDX 1.6 ML-BOM: the model with its model card,
 * datasets, every file with its SHA-256, pinned dependencies as purls,
 * mlops in metadata.tools, and the dependency graph. */
#ifndef MLOPS_BUNDLE_SBOM_H
#define MLOPS_BUNDLE_SBOM_H

#include <jansson.h>
#include <stdint.h>

#include "../descriptor/descriptor.h"
#include "../gitrepo/gitrepo.h"
#include "collect.h"
#include "lockfile.h"

struct sbom_input {
	const struct descriptor *d;
	const struct file_set *files;   /* digests filled in */
	const struct dep_list *deps;
	const struct provenance *prov;
	int64_t epoch;
	const char *tool_version;
};

json_t *sbom_build(const struct sbom_input *in);

#endif
