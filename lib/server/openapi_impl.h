/* What openapi.c (one model's document) and openapi_models.c (several
 * models') share: the base text, the frame of a document, a model's
 * schemas. Nothing else includes it. */
#ifndef MLOPS_SERVER_OPENAPI_IMPL_H
#define MLOPS_SERVER_OPENAPI_IMPL_H

#include <jansson.h>
#include <stddef.h>

/* Not including openapi.h keeps this out of an include circle with
 * openapi.c; every includer has it already. */
struct openapi_opts;

/* openapi-base.json, compiled in (Makefile: scripts/embed). */
extern const char openapi_base[];
extern const size_t openapi_base_len;

/* The document's frame from the base text (taken): its info (taken),
 * the base's paths and components to fill in, then openapi_finish. */
json_t *openapi_start(json_t *base, json_t *info);
/* What the options add: the answers of each operation, the admin
 * routes, the security schemes. Drops base. */
void openapi_finish(json_t *doc, json_t *base, const struct openapi_opts *o);
/* A component's name: the model's prefix (NULL: none), '.', the name. */
char *openapi_schema_key(const char *prefix, const char *name);
/* A model's own schemas (what openapi_document takes): Features,
 * Columns, Prediction, named by openapi_schema_key. */
void openapi_model_schemas(const json_t *m, json_t *schemas,
			   const char *prefix);

#endif
