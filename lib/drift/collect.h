/* The values of each column in both samples, read from CSV or JSON lines:
 * numbers for numeric columns, counts per category for the others, the
 * missing values counted, the first bad value recorded as the column's
 * error. Internal to lib/drift. */
#ifndef MLOPS_DRIFT_COLLECT_H
#define MLOPS_DRIFT_COLLECT_H

#include <stddef.h>

#include "../core/error.h"
#include "opts.h"
#include "profile.h"
#include "values.h"

struct descriptor;

struct cats {
	char **names;
	double *count[2];
	size_t n, cap;
	size_t *slots;
	size_t nslots;
};

struct col {
	const char *name;
	const struct field *field; /* from the signature, or NULL */
	int categorical;
	int present[2];
	struct dbuf num[2];
	struct cats cats;    /* both samples' counts, after collect_merge */
	struct cats cur;     /* the current sample's, while reading */
	size_t missing[2];
	char *error;
	char *cur_error;     /* the current sample's, while reading */
	const struct profile_column *prof; /* the reference is a profile */
};

/* The columns to compare (the signature's inputs, or the reference's
 * columns, narrowed by opts->columns). *owned keeps the names. */
int collect_columns(const char *reference, const struct descriptor *d,
		    const struct drift_opts *o, struct col **cols, size_t *n,
		    char ***owned);
/* Without a signature: numeric when the first 1000 reference values are
 * all numbers. */
int collect_infer_types(const char *reference, const struct drift_opts *o,
			struct col *cols, size_t n);
/* With a signature: bool, string and category inputs are categorical. */
void collect_type_by_signature(struct col *cols, size_t n);
/* Reads one sample (which: 0 reference, 1 current). */
int collect_read(const char *path, int which, const struct drift_opts *o,
		 struct col *cols, size_t n, unsigned long long *rows,
		 uint64_t base, uint64_t total);
/* Records a sample's first error for the column; later ones are
 * dropped. */
void col_error(struct col *c, int which, const char *fmt, ...)
	MLOPS_PRINTF(3, 4);
/* After both samples are read (each by its own thread): one table of
 * categories with both counts, one error (the reference's first). */
void collect_merge(struct col *cols, size_t n);
/* A file's size, for progress (0 when unknown). */
uint64_t collect_total_bytes(const char *path, const struct drift_opts *o);
/* The reference side from a profile: its columns (narrowed by
 * opts->columns), the sample as values, the category counts, the
 * missing counts. */
int collect_from_profile(const struct profile *p, const struct drift_opts *o,
			 struct col **cols, size_t *n);
/* Appends a value to a numeric column's sample (which: 0 or 1). */
void collect_push(struct col *c, int which, double v);
void collect_free(struct col *cols, size_t n);

#endif
