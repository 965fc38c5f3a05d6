/* The serving port described as an OpenAPI 3.1 document, made from the
 * bundles' signatures: GET /openapi.json, GET /docs (a page made from
 * it, see apidocs.h) and `mlops inspect --openapi` print the same
 * document for the same models and options. */
#ifndef MLOPS_SERVER_OPENAPI_H
#define MLOPS_SERVER_OPENAPI_H

#include <jansson.h>
#include <stddef.h>

struct openapi_opts {
	int api_keys;          /* security schemes; 401 answers */
	int public_health;     /* health routes need no key */
	int rate_limit;        /* 429 answers */
	const char *admin_url; /* the admin API's address; NULL: none */
};

/* model: what bundle_info() gives (name, version, description,
 * model.task, signature.inputs / outputs). A new reference. */
json_t *openapi_document(const json_t *model, const struct openapi_opts *o);

/* models: several of what openapi_document takes; default_name: the
 * model the routes without a name answer for (NULL: none). Each model
 * gets its own routes and schemas (see openapi.c for why this shape);
 * one model: openapi_document's. A new reference. */
json_t *openapi_models_document(const json_t *models, const char *default_name,
				const struct openapi_opts *o);

struct serving;
/* The document of a version being served. */
json_t *openapi_serving(const struct serving *sv, const struct openapi_opts *o);
/* The document of the n versions being served (references the caller
 * holds, so the document is of one set of models even while others
 * are loaded or unloaded); NULL when n is 0. */
json_t *openapi_served(struct serving *const *v, size_t n,
		       const char *default_name, const struct openapi_opts *o);

#endif
