/* A data file checked against a signature, every row (mlops validate
 * --data). */
#ifndef MLOPS_DATA_VALIDATE_H
#define MLOPS_DATA_VALIDATE_H

#include "dataset.h"

struct data_check {
	struct contract_report report;
	int stopped;        /* max_errors reached before the end */
	int pass;           /* data_validate_descriptor: the data follows
			     * the contract (data_check_passes) */
};

/* max_errors: stop reading after that many violations (0: read all).
 * 0, or < 0 when the file cannot be read or parsed. */
int data_validate(struct data_check *out, const char *path,
		  const struct field *inputs, size_t ninputs,
		  const struct dataset_opts *opts, uint64_t max_errors,
		  void (*progress)(void *ctx, uint64_t done, uint64_t total),
		  void *ctx);
/* validate --data: every row of path against d's signature.inputs.
 * The golden set's label (datasets.golden.label) is a column the
 * project knows, not an unknown one, though no input; out->pass is
 * data_check_passes under opts->unknown. Errors as data_validate. */
int data_validate_descriptor(struct data_check *out, const char *path,
			     const struct descriptor *d,
			     const struct dataset_opts *opts,
			     uint64_t max_errors,
			     void (*progress)(void *ctx, uint64_t done,
					      uint64_t total),
			     void *ctx);
/* The data follows the contract: no violation, no required column
 * missing, and no unknown column when unknown columns are errors. */
int data_check_passes(const struct data_check *c,
		      enum unknown_policy unknown);
/* The report as JSON (contract_report_json) with "data": path,
 * "stopped" and "pass". */
json_t *data_check_json(const struct data_check *c, const char *path,
			const struct descriptor *d);
void data_check_free(struct data_check *c);

#endif
