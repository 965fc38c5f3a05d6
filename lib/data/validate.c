#include "validate.h"

#include <stdlib.h>
#include <string.h>

#include "../core/strbuf.h"

int data_validate(struct data_check *out, const char *path,
		  const struct field *inputs, size_t ninputs,
		  const struct dataset_opts *opts, uint64_t max_errors,
		  void (*progress)(void *ctx, uint64_t done, uint64_t total),
		  void *ctx)
{
	struct dataset *ds;
	double *row = xcalloc(ninputs + 1, sizeof(double));
	int rc;

	memset(out, 0, sizeof(*out));
	rc = dataset_open(&ds, path, inputs, ninputs, opts);
	if (rc) {
		free(row);
		return rc;
	}
	while ((rc = dataset_next(ds, row)) == 0 || rc == 2) {
		if (max_errors && ds->report.total >= max_errors) {
			out->stopped = 1;
			break;
		}
		if (progress && (ds->report.rows & 8191) == 0)
			progress(ctx, table_bytes(ds->t), table_size(ds->t));
	}
	if (rc > 0)
		rc = 0; /* the end, or stopped on a violation */
	out->report = ds->report;
	memset(&ds->report, 0, sizeof(ds->report));
	dataset_close(ds);
	free(row);
	return rc;
}

void data_check_free(struct data_check *c)
{
	contract_report_free(&c->report);
}
