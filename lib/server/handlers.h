/* What the simple REST endpoints answer: status and a JSON body, from a
 * request body. Shared by the HTTP layer (server.c) and tests. */
#ifndef MLOPS_SERVER_HANDLERS_H
#define MLOPS_SERVER_HANDLERS_H

#include <jansson.h>
#include <stddef.h>

#include "../model/bundled.h"
#include "metrics.h"

/* One loaded model version and what answering with it needs. Loaded by
 * serving_open (serving.h), shared by the requests using it. */
struct serving {
	struct bundled_model *bm;
	const char *digest;
	char loaded_at[32];
	size_t max_batch;
	struct metrics *metrics;
	unsigned version_slot; /* its counters in metrics */
	double load_seconds;
	size_t warm_rows;
	struct live_drift *drift; /* NULL: no reference profile, or off */
	struct profile *profile;  /* the bundle's reference profile */
	/* Owned when serving_open made it. */
	struct bundle *bundle;
	struct bundled_model own;
	char *path;
	int refs;
};

/* POST /predict {"features": {...}} */
unsigned handle_predict(const struct serving *s, const char *body,
			size_t len, json_t **out);
/* POST /predict/batch: [{...}, ...], {"instances": [...]} or
 * {"columns": {"name": [...]}} */
unsigned handle_batch(const struct serving *s, const char *body, size_t len,
		      json_t **out);
/* The batch rows already parsed: an array of feature objects. */
unsigned handle_rows(const struct serving *s, const json_t *rows,
		     json_t **out);
json_t *model_info_json(const struct serving *s);
/* The edges of the predictions' histogram that suit this version (one
 * set a server; see metrics_prediction_edges); n: how many, up to
 * PRED_BUCKETS - 1. */
void serving_prediction_edges(const struct serving *s, double *edges,
			      size_t *n);
json_t *error_json(const char *message);
/* Predicts the first golden rows (else one empty row) before serving:
 * the first real request pays no first-call costs. */
int serving_warm_up(struct bundled_model *bm, size_t *rows);

#endif
