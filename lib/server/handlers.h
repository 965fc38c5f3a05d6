/* The simple REST endpoints: status and a JSON body from a request body,
 * adapters over the scoring core (score.h). Shared by the HTTP layer
 * (server.c) and tests. */
#ifndef MLOPS_SERVER_HANDLERS_H
#define MLOPS_SERVER_HANDLERS_H

#include <jansson.h>
#include <stddef.h>

#include "score.h"

/* POST /predict {"features": {...}} */
unsigned handle_predict(const struct serving *s, const char *body,
			size_t len, json_t **out);
/* POST /predict/batch: [{...}, ...], {"instances": [...]} or
 * {"columns": {"name": [...]}} */
unsigned handle_batch(const struct serving *s, const char *body, size_t len,
		      json_t **out);
/* POST /explain: a /predict body answers one row, a /predict/batch body
 * {"predictions": [...]}; each answer with "contributions" and "bias"
 * (explain.h), and "reasons" when the body asks for "top": N. 501 when
 * the model cannot be explained. */
unsigned handle_explain(const struct serving *s, const char *body,
			size_t len, json_t **out);
/* GET /model/info */
json_t *model_info_json(const struct serving *s);

#endif
