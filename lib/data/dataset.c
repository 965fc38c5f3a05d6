#include "dataset.h"

#include <stdlib.h>
#include <string.h>

#include "../core/error.h"

int dataset_open(struct dataset **out, const char *path,
		 const struct field *inputs, size_t ninputs,
		 const struct dataset_opts *opts)
{
	struct dataset *d = xcalloc(1, sizeof(*d));
	const char **names = xcalloc(ninputs + 3, sizeof(char *));
	int *present = xcalloc(ninputs + 3, sizeof(int));
	const char *const *unbound;
	size_t i, n = ninputs;
	int rc;

	*out = NULL;
	d->inputs = inputs;
	d->ninputs = ninputs;
	contract_report_init(&d->report, ninputs,
			     opts->max_examples ? opts->max_examples : 20);
	for (i = 0; i < ninputs; i++)
		names[i] = inputs[i].name;
	if (opts->id_column) {
		names[n++] = opts->id_column;
		d->has_id = 1;
	}
	if (opts->label_column) {
		names[n++] = opts->label_column;
		d->has_label = 1;
	}
	d->cells = xcalloc(n + 1, sizeof(*d->cells));
	rc = table_open(&d->t, path, &opts->table);
	if (!rc)
		rc = table_bind(d->t, names, n, present);
	if (rc)
		goto done;
	for (i = 0; i < ninputs; i++) {
		if (present[i] || !inputs[i].required)
			continue;
		d->report.missing_columns = xrealloc(
			d->report.missing_columns,
			(d->report.nmissing + 1) * sizeof(char *));
		d->report.missing_columns[d->report.nmissing++] =
			xstrdup(inputs[i].name);
	}
	if (d->has_id && !present[ninputs]) {
		rc = mlops_error_set(MLOPS_EINPUT, "'%s' has no column '%s' "
				     "(the id column)", path, opts->id_column);
		goto done;
	}
	if (d->has_label && !present[n - 1]) {
		rc = mlops_error_set(MLOPS_EINPUT, "'%s' has no column '%s' "
				     "(the label)", path, opts->label_column);
		goto done;
	}
	unbound = table_unbound(d->t);
	for (i = 0; unbound[i] && opts->unknown != UNKNOWN_IGNORE; i++) {
		d->report.unknown_columns = xrealloc(
			d->report.unknown_columns,
			(d->report.nunknown + 1) * sizeof(char *));
		d->report.unknown_columns[d->report.nunknown++] =
			xstrdup(unbound[i]);
	}
done:
	free(names);
	free(present);
	if (rc) {
		dataset_close(d);
		return rc;
	}
	*out = d;
	return 0;
}

int dataset_next(struct dataset *d, double *values)
{
	size_t i;
	int rc, bad = 0;

	rc = table_next(d->t, d->cells);
	if (rc)
		return rc;
	d->report.rows++;
	strbuf_reset(&d->why);
	for (i = 0; i < d->ninputs; i++) {
		const struct field *f = &d->inputs[i];

		/* A required column missing from the header is reported once
		 * for the file, not again on every row. */
		if (d->cells[i].kind == CELL_ABSENT && f->required &&
		    table_format(d->t) == TABLE_CSV) {
			if (!bad)
				strbuf_addf(&d->why, "%s: the column is missing",
					    f->name);
			bad = 1;
			values[i] = 0;
			continue;
		}
		if (contract_convert(f, &d->cells[i], &values[i], &d->problem,
				     &d->shown)) {
			if (!bad) {
				strbuf_addf(&d->why, "%s: %s", f->name,
					    d->problem.buf);
				if (d->shown.len)
					strbuf_addf(&d->why, " (%s)",
						    d->shown.buf);
			}
			bad = 1;
			contract_report_add(&d->report, table_row(d->t),
					    table_line(d->t), (int)i, f->name,
					    d->problem.buf, d->shown.buf);
		}
	}
	if (bad) {
		d->report.bad_rows++;
		return 2;
	}
	return 0;
}

const struct cell *dataset_id(const struct dataset *d)
{
	return d->has_id ? &d->cells[d->ninputs] : NULL;
}

const struct cell *dataset_label(const struct dataset *d)
{
	return d->has_label ? &d->cells[d->ninputs + d->has_id] : NULL;
}

const char *dataset_why(const struct dataset *d)
{
	return strbuf_str(&d->why);
}

void dataset_close(struct dataset *d)
{
	if (!d)
		return;
	table_close(d->t);
	contract_report_free(&d->report);
	strbuf_release(&d->problem);
	strbuf_release(&d->shown);
	strbuf_release(&d->why);
	free(d->cells);
	free(d);
}
