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

/* Takes column out of the report's unknown columns, if it is there. */
static void forget_unknown(struct contract_report *r, const char *column)
{
	size_t i, k = 0;

	for (i = 0; i < r->nunknown; i++) {
		if (!strcmp(r->unknown_columns[i], column)) {
			free(r->unknown_columns[i]);
			continue;
		}
		r->unknown_columns[k++] = r->unknown_columns[i];
	}
	r->nunknown = k;
}

int data_validate_descriptor(struct data_check *out, const char *path,
			     const struct descriptor *d,
			     const struct dataset_opts *opts,
			     uint64_t max_errors,
			     void (*progress)(void *ctx, uint64_t done,
					      uint64_t total),
			     void *ctx)
{
	struct dataset_opts o = *opts;
	int rc;

	/* Not read as the label, which the file need not have: dropped
	 * from the unknown columns afterwards instead. */
	o.label_column = NULL;
	rc = data_validate(out, path, d->inputs, d->ninputs, &o, max_errors,
			   progress, ctx);
	if (rc < 0)
		return rc;
	if (d->datasets.golden_label)
		forget_unknown(&out->report, d->datasets.golden_label);
	out->pass = data_check_passes(out, o.unknown);
	return 0;
}

int data_check_passes(const struct data_check *c,
		      enum unknown_policy unknown)
{
	return !c->report.total && !c->report.nmissing &&
	       !(unknown == UNKNOWN_ERROR && c->report.nunknown);
}

json_t *data_check_json(const struct data_check *c, const char *path,
			const struct descriptor *d)
{
	json_t *j = contract_report_json(&c->report, d->inputs);

	json_object_set_new(j, "data", json_string(path));
	json_object_set_new(j, "stopped", json_boolean(c->stopped));
	json_object_set_new(j, "pass", json_boolean(c->pass));
	return j;
}

void data_check_free(struct data_check *c)
{
	contract_report_free(&c->report);
}
