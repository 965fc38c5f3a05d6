/* Data drift between a reference and a current dataset: per column, a
 * test chosen by type and size (or by the caller), its statistic, p-value
 * or distance against a threshold, the missing-value share compared on
 * its own, and dataset drift when the share of drifted columns reaches
 * drift_share. A column that cannot be tested carries its error; the
 * others are still computed. */
#ifndef MLOPS_DRIFT_DRIFT_H
#define MLOPS_DRIFT_DRIFT_H

#include <stddef.h>
#include <stdint.h>

#include "../descriptor/descriptor.h"
#include "binning.h"
#include "opts.h"


struct drift_column {
	char *name;
	int categorical;
	enum drift_test test;
	char *method;       /* "exact", "asymptotic", "binned: sturges, 7 bins" */
	double statistic;
	double p_value;     /* NAN for distances */
	double threshold;
	int drifted;
	size_t n_ref, n_cur;        /* values compared (missing excluded) */
	size_t missing_ref, missing_cur;
	int missing_drifted;
	char *error;        /* set: this column was not tested */
	/* For plots: bins (numeric: edges k + 1; categorical: labels k) with
	 * the share of each sample in them. */
	size_t nbins;
	double *edges;
	char **labels;
	double *ref_share, *cur_share;
};

struct drift_report {
	struct drift_column *columns;
	size_t ncolumns;
	size_t ntested, ndrifted, nerrors, nmissing_drifted;
	double share;        /* ndrifted / ntested */
	double drift_share;
	int dataset_drift;
	enum drift_fail_on fail_on;
	int drifted;            /* the finding by fail_on: exit 1 */
	int prediction_drifted; /* with opts->predictions */
	unsigned long long ref_rows, cur_rows;
	char *reference, *current;
};

/* Reads both files (CSV or JSON lines) and computes the report. With a
 * descriptor, its signature types the columns and its drift: section
 * sets defaults that opts override; without one, a column is numeric
 * when its first 1000 reference values are all numbers. */
int drift_compute(const char *reference, const char *current,
		  const struct descriptor *d, const struct drift_opts *opts,
		  struct drift_report *out);
void drift_report_free(struct drift_report *r);

#endif
