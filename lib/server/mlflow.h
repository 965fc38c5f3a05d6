/* MLflow's scoring protocol (the pyfunc scoring server's /invocations),
 * an adapter over the scoring core (score.h). */
#ifndef MLOPS_SERVER_MLFLOW_H
#define MLOPS_SERVER_MLFLOW_H

#include <jansson.h>
#include <stddef.h>

#include "score.h"

/* POST /invocations. content_type: the request's Content-Type (NULL:
 * none). 200 {"predictions": [...]}; errors as MLflow's server gives
 * them, {"error_code": "BAD_REQUEST", "message": "..."}: 400 for a
 * malformed body or invalid rows (with "details"), 413 for too many
 * rows, 415 for a content type other than JSON or CSV in UTF-8. */
/* {"error_code": "BAD_REQUEST", "message": message}: what MLflow's server
 * answers for every refused request (the server uses it for the
 * /invocations answers it gives before the route runs: 413, 415, 400). */
json_t *mlflow_error(const char *message);
unsigned mlflow_invocations(const struct serving *s, const char *content_type,
			    const char *body, size_t len, json_t **out);

#endif
