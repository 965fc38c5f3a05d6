/* The serving port described as an OpenAPI 3.1 document, made from a
 * bundle's signature: GET /openapi.json, GET /docs (a page made from
 * it, see apidocs.h) and `mlops inspect --openapi` print the same
 * document for the same options. */
#ifndef MLOPS_SERVER_OPENAPI_H
#define MLOPS_SERVER_OPENAPI_H

#include <jansson.h>

struct openapi_opts {
	int api_keys;          /* security schemes; 401 answers */
	int public_health;     /* health routes need no key */
	int rate_limit;        /* 429 answers */
	const char *admin_url; /* the admin API's address; NULL: none */
};

/* model: what bundle_info() gives (name, version, description,
 * model.task, signature.inputs / outputs). A new reference. */
json_t *openapi_document(const json_t *model, const struct openapi_opts *o);

struct serving;
/* The document of a version being served. */
json_t *openapi_serving(const struct serving *sv, const struct openapi_opts *o);

#endif
