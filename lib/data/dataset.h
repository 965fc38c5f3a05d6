/* A data file read against a signature: rows come out as model input
 * vectors, with every contract violation recorded in a report. Used by
 * validate --data, predict and the quality gates. */
#ifndef MLOPS_DATA_DATASET_H
#define MLOPS_DATA_DATASET_H

#include "../descriptor/descriptor.h"
#include "contract.h"
#include "table.h"

enum unknown_policy { UNKNOWN_WARN, UNKNOWN_ERROR, UNKNOWN_IGNORE };

struct dataset_opts {
	struct table_opts table;
	const char *id_column;    /* passed through, not checked */
	const char *label_column; /* the golden set's label */
	enum unknown_policy unknown;
	size_t max_examples;      /* violations kept as examples */
};

struct dataset {
	struct table *t;
	const struct field *inputs;
	size_t ninputs;
	struct cell *cells; /* ninputs, then id, then label */
	int has_id, has_label;
	struct contract_report report;
	struct strbuf problem, shown;
	struct strbuf why; /* the current row's first problem, one line */
};

/* Opens `path` and checks its columns: a required input missing from a
 * CSV header is a violation for every row (reported once, as a file-level
 * finding), an unknown column follows opts->unknown. */
int dataset_open(struct dataset **out, const char *path,
		 const struct field *inputs, size_t ninputs,
		 const struct dataset_opts *opts);
/* 0: a valid row in values[ninputs]; 2: an invalid row (recorded);
 * 1: the end; < 0: the file cannot be read further. */
int dataset_next(struct dataset *d, double *values);
/* The id and label cells of the current row (NULL when not asked for). */
const struct cell *dataset_id(const struct dataset *d);
const struct cell *dataset_label(const struct dataset *d);
/* Why the current row is invalid: "column: problem (value)". */
const char *dataset_why(const struct dataset *d);
void dataset_close(struct dataset *d);

#endif
