/* The data contract: every row checked against the signature (required
 * columns present, types parse, min/max, allowed categories,
 * nullability), with per-column counts and the first examples. The same
 * conversion turns a valid row into the model's input vector. */
#ifndef MLOPS_DATA_CONTRACT_H
#define MLOPS_DATA_CONTRACT_H

#include <jansson.h>
#include <stdint.h>

#include "../core/strbuf.h"
#include "../descriptor/descriptor.h"
#include "table.h"

/* Converts one cell to the model's number for field f: floats and ints
 * as they are, bool 0/1, category its index in `values`, NaN for a
 * missing value or a string. 0, or 1 with `problem` (and `shown`, an
 * excerpt of the value) filled. */
int contract_convert(const struct field *f, const struct cell *c, double *out,
		     struct strbuf *problem, struct strbuf *shown);

/* A JSON number or a text cell as a number, by core/number.h: 0 or a
 * negative enum number_status (NUMBER_SYNTAX for other kinds). */
int contract_cell_number(const struct cell *c, double *out);

struct violation {
	uint64_t row, line;
	int input;      /* index into the signature's inputs, -1: file-level */
	char *column;
	char *problem;
	char *value;    /* an excerpt, escaped; NULL when not shown */
};

struct contract_report {
	size_t ninputs;
	uint64_t rows, bad_rows, total;
	uint64_t *per_input;       /* violations by input */
	struct violation *examples;
	size_t nexamples, max_examples;
	char **missing_columns;    /* required, absent from the file */
	size_t nmissing;
	char **unknown_columns;    /* in the file, not in the signature */
	size_t nunknown;
};

void contract_report_init(struct contract_report *r, size_t ninputs,
			  size_t max_examples);
void contract_report_add(struct contract_report *r, uint64_t row,
			 uint64_t line, int input, const char *column,
			 const char *problem, const char *value);
json_t *contract_report_json(const struct contract_report *r,
			     const struct field *inputs);
void contract_report_free(struct contract_report *r);

#endif
