/* A data file checked against a signature, every row (mlops validate
 * --data). */
#ifndef MLOPS_DATA_VALIDATE_H
#define MLOPS_DATA_VALIDATE_H

#include "dataset.h"

struct data_check {
	struct contract_report report;
	int stopped;        /* max_errors reached before the end */
};

/* max_errors: stop reading after that many violations (0: read all).
 * 0, or < 0 when the file cannot be read or parsed. */
int data_validate(struct data_check *out, const char *path,
		  const struct field *inputs, size_t ninputs,
		  const struct dataset_opts *opts, uint64_t max_errors,
		  void (*progress)(void *ctx, uint64_t done, uint64_t total),
		  void *ctx);
void data_check_free(struct data_check *c);

#endif
