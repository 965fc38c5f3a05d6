/* POST /feedback: ground-truth labels for rows the prediction store
 * recorded, {"id": ID, "label": L} or {"feedback": [{...}, ...]}. */
#ifndef MLOPS_SERVER_FEEDBACK_H
#define MLOPS_SERVER_FEEDBACK_H

#include <jansson.h>
#include <stddef.h>

struct recorder;
struct serving;

/* 200 {"stored", "unknown", "invalid", "errors": [{index, problem}]}
 * (an unknown id or a bad label is counted, not an error of the whole
 * batch); 400 for a body of another shape, 413 past s->max_batch
 * labels, 422 when the one label of a single-label body is invalid,
 * 503 when the store fails. Labels are checked against s's task. */
unsigned feedback_handle(struct recorder *rec, const struct serving *s,
			 const char *body, size_t len, json_t **out);

#endif
