/* JSON values written as block-style YAML, as kubectl users read and
 * kustomize patches them: keys in the order they were added, strings
 * double-quoted (JSON's escapes are YAML's), numbers and booleans bare. */
#ifndef MLOPS_DEPLOY_YAML_OUT_H
#define MLOPS_DEPLOY_YAML_OUT_H

#include <jansson.h>

#include "../core/strbuf.h"

/* Appends j (an object) to out, one key a line. */
void yaml_out(struct strbuf *out, const json_t *j);

#endif
