/* Batch scoring (the "batch job" pattern): rows stream from a CSV or
 * JSON-lines file through the data contract into the model, a batch at a
 * time, and predictions stream out in input order. Invalid rows are never
 * silently scored: they stop the job, are skipped, or get an empty
 * prediction and the reason. */
#ifndef MLOPS_MODEL_BATCH_H
#define MLOPS_MODEL_BATCH_H

#include <stdint.h>
#include <stdio.h>

#include "../data/dataset.h"
#include "bundled.h"

enum invalid_policy { INVALID_FAIL, INVALID_SKIP, INVALID_NULL };

struct batch_opts {
	const char *input;
	const char *output;          /* a file, written atomically */
	FILE *stream;                 /* else: written here as rows go */
	enum table_format in_format;
	enum table_format out_format; /* AUTO: by the output's extension */
	const char *id_column;        /* else a "row" column, 1-based */
	size_t batch_size;
	enum invalid_policy on_invalid;
	const char *const *na_values;
	/* Per-feature contributions (model_explain): every one (explain),
	 * or the top largest by size, as reasons. */
	int explain;
	size_t top;
	void (*progress)(void *ctx, uint64_t done, uint64_t total);
	void *progress_ctx;
};

struct batch_result {
	uint64_t rows, scored, invalid;
	struct contract_report report; /* the invalid rows, first examples */
};

int batch_predict(struct batch_result *res, struct bundled_model *bm,
		  const struct batch_opts *opts);
void batch_result_free(struct batch_result *res);

#endif
