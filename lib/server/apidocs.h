/* GET /docs: the OpenAPI document (openapi.h) as one readable HTML page,
 * self-contained: inline style, no script, nothing fetched from
 * elsewhere. */
#ifndef MLOPS_SERVER_APIDOCS_H
#define MLOPS_SERVER_APIDOCS_H

#include <jansson.h>

#include "../core/strbuf.h"

void apidocs_html(const json_t *doc, struct strbuf *out);

#endif
