/* Explanations in answers (POST /explain, OIP's explain): each row's
 * per-feature contributions to the margin (model_explain) as JSON. */
#ifndef MLOPS_SERVER_EXPLAIN_H
#define MLOPS_SERVER_EXPLAIN_H

#include <jansson.h>
#include <stddef.h>

#include "serving.h"

/* Adds to o, for one row's explanation e: "contributions" {feature: c}
 * and "bias" (each an object by class label for multiclass), and with
 * top > 0 "reasons": the top largest contributions of class cls (the
 * predicted one; 0 for one output) as [{feature, contribution}]. */
void explain_add(json_t *o, const struct serving *s, const double *e,
		 size_t top, size_t cls);
/* "top" from a request object: 0 when absent, 1 or more; 400 with the
 * error in *out when it is not a positive integer. */
unsigned explain_top(const json_t *req, size_t *top, json_t **out);

#endif
