/* What a drift run is asked to do: the tests by name, overrides per
 * column, the dataset rule, binning and columns. A leaf of lib/drift:
 * the readers (collect.h, profile.h) and the descriptor's drift section
 * (config.h) need these words, not the engine (drift.h). */
#ifndef MLOPS_DRIFT_OPTS_H
#define MLOPS_DRIFT_OPTS_H

#include <stddef.h>
#include <stdint.h>

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

#endif
