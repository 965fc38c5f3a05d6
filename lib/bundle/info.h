/* What a bundle holds, as one JSON document (for `mlops inspect`). */
#ifndef MLOPS_BUNDLE_INFO_H
#define MLOPS_BUNDLE_INFO_H

#include <jansson.h>

#include "reader.h"

/* {path, size, digest, name, version, created, model, signature,
 *  datasets, gates, smoke, environments, layers, files, provenance,
 *  sbom: {specVersion, serialNumber, components, by_type, libraries}} */
json_t *bundle_info(const struct bundle *b);

#endif
