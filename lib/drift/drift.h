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

enum drift_test {
	DT_AUTO, DT_KS, DT_CHISQUARE, DT_Z, DT_PSI, DT_JENSENSHANNON,
	DT_WASSERSTEIN, DT_HELLINGER, DT_KL_DIV, DT_MANNW, DT_T_TEST,
	DT_CVM, DT_ANDERSON, DT_COUNT
};

const char *drift_test_name(enum drift_test t);
int drift_test_from_name(const char *name, enum drift_test *t);
/* 1 when the test gives a p-value (drift when p < threshold), 0 for a
 * distance (drift when distance >= threshold). */
int drift_test_is_pvalue(enum drift_test t);
double drift_test_default_threshold(enum drift_test t);

struct profile;

struct drift_override {
	const char *column;
	enum drift_test test;
	double threshold; /* NAN: the test's default */
};

/* What makes a run's finding (exit 1): dataset drift (the share of
 * drifted columns reaches drift_share), or any drifted column. A changed
 * missing share and prediction drift are findings either way. */
enum drift_fail_on { DRIFT_FAIL_DATASET = 0, DRIFT_FAIL_COLUMN };

struct drift_opts {
	enum drift_test test;   /* DT_AUTO: by type and size */
	double threshold;       /* NAN: the test's default */
	double drift_share;     /* default 0.5 */
	enum drift_fail_on fail_on;
	double missing_threshold; /* absolute change of the missing share */
	enum bin_rule binning;
	int quantiles;          /* BIN_QUANTILE */
	const double *edges;    /* BIN_FIXED */
	size_t nedges;
	const struct drift_override *overrides;
	size_t noverrides;
	const char *const *columns; /* NULL: every column */
	size_t ncolumns;
	/* Without columns: a column not to compare (the label, which is no
	 * feature). NULL: none. */
	const char *leave_out;
	const char *const *na_values;
	/* Called now and then while reading: bytes read of both files. */
	void (*progress)(void *ctx, uint64_t done, uint64_t total);
	void *progress_ctx;
	/* The reference as a profile already in memory (a bundle's);
	 * otherwise a reference path ending in .json is read as one. */
	const struct profile *profile;
	/* Prediction drift: the model's outputs on both samples, compared
	 * as one more numeric column, "prediction". With a profile the
	 * reference side is the profile's own prediction column. */
	int predictions;
	const double *pred_ref, *pred_cur;
	size_t npred_ref, npred_cur;
};

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
