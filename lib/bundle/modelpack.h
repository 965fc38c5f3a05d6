/* The CNCF ModelPack config schema, checked in C (the schema itself is
 * JSON Schema 2020-12; tests validate against it with python3-jsonschema,
 * mlops validate checks the same rules without it). */
#ifndef MLOPS_BUNDLE_MODELPACK_H
#define MLOPS_BUNDLE_MODELPACK_H

#include <jansson.h>

#include "../core/strbuf.h"

/* 0 when cfg follows the schema; else 1 and why. */
int modelpack_config_check(const json_t *cfg, struct strbuf *why);

#endif
