/* A reference profile: what drift needs from a dataset without the
 * dataset. Per column: counts, missing, min/max/mean/std, a fixed-edge
 * histogram (equal width over [min, max], outer bins open), 101
 * quantiles, a bounded uniform sample (all values when they fit: then
 * the exact tests stay exact), and category counts. Mergeable: profiles
 * of the same columns with the same edges add up. */
#ifndef MLOPS_DRIFT_PROFILE_H
#define MLOPS_DRIFT_PROFILE_H

#include <jansson.h>
#include <stdint.h>

#include "opts.h"

struct descriptor;

#define PROFILE_FORMAT 1
/* The model's outputs, profiled as one more numeric column. */
#define PREDICTION_COLUMN "prediction"
#define PROFILE_SAMPLE_DEFAULT 10000
#define PROFILE_QUANTILES 101

struct profile_column {
	char *name;
	int categorical;
	uint64_t count, missing; /* values; missing cells */
	double min, max, mean, std;
	size_t nbins;            /* numeric: histogram over [min, max] */
	double *bins;
	double quantiles[PROFILE_QUANTILES];
	double *sample;          /* sorted */
	size_t nsample;
	char **cats;             /* categorical */
	double *cat_counts;
	size_t ncats;
	char *error;             /* a column that could not be profiled */
};

struct profile {
	struct profile_column *columns;
	size_t ncolumns;
	uint64_t rows;
	char *source;
};

/* Profiles a CSV or JSON-lines file (columns typed as drift types them;
 * opts->columns and na_values apply). sample: values kept per column.
 * like: a profile whose histogram ranges to use (so the two merge); its
 * min and max then describe the histogram, not this data. */
int profile_build(const char *path, const struct descriptor *d,
		  const struct drift_opts *opts, size_t sample,
		  const struct profile *like, struct profile **out);
/* One more numeric column from values (sorted in place). */
void profile_add_numeric(struct profile *p, const char *name, double *v,
			 size_t n, size_t sample);
/* Fills pc from n values (sorted in place): counts, moments, histogram
 * (like's edges when given), quantiles, a sample of at most `sample`. */
void profile_numeric_column(struct profile_column *pc, double *v, size_t n,
			    size_t sample, const struct profile_column *like);
json_t *profile_to_json(const struct profile *p);
/* EINPUT when the JSON is not a profile this version reads. */
int profile_from_json(const json_t *j, struct profile **out);
/* Reads FILE when it is a profile (JSON with "mlops_profile"): 1, with
 * *out set; 0 when it is not one (data); <0 on error. */
int profile_load_if(const char *path, struct profile **out);
/* Adds b into a (same columns and edges); EINPUT when they differ. */
int profile_merge(struct profile *a, const struct profile *b);
const struct profile_column *profile_find(const struct profile *p,
					  const char *name);
/* The histogram bin of v: equal width over [min, max], outer bins open. */
size_t profile_bin(const struct profile_column *c, double v);
void profile_free(struct profile *p);

#endif
