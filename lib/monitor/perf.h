/* Live model performance: stored outcomes (what the model answered, the
 * label fed back later) grouped per model version and per time bucket,
 * with the metrics of lib/quality/metrics.h (equal to scikit-learn's) on
 * each group's labelled rows.
 *
 * Rows must come oldest first (pstore_scan_outcomes does): a bucket's
 * rows are then one run of its version's rows, and the version's whole
 * window is all of them, with no copy. Memory: per labelled row two
 * int32 and one double (binary), k doubles (k classes) or two doubles
 * (regression).
 *
 * The classes of a version: from a bundle (perf_know), else from the
 * answers themselves: a multiclass answer lists them in order; a binary
 * one names its class, the positive class being the one predicted with
 * the larger probability (class 1 is predicted at p >= threshold), or
 * "0"/"1" when those are the labels. */
#ifndef MLOPS_MONITOR_PERF_H
#define MLOPS_MONITOR_PERF_H

#include <stddef.h>
#include <stdint.h>

#include "../descriptor/descriptor.h"
#include "../quality/metrics.h"

enum perf_by { PERF_BY_NONE, PERF_BY_HOUR, PERF_BY_DAY, PERF_BY_WEEK };

/* "hour", "day", "week" (and "none"); -1 for anything else. */
int perf_by_from_name(const char *name, enum perf_by *out);
const char *perf_by_name(enum perf_by by);
/* The start of t's bucket: UTC hours, days, and ISO weeks (from Monday
 * 00:00 UTC). */
int64_t perf_bucket_start(enum perf_by by, int64_t t_ms);
int64_t perf_bucket_end(enum perf_by by, int64_t start_ms);

struct perf_opts {
	int64_t since_ms, until_ms; /* the window; until 0: open */
	enum perf_by by;
};

/* What a bundle says of its version. */
struct perf_known {
	const char *model, *version;
	enum model_task task;
	char *const *classes; /* classifiers: in output order */
	size_t nclasses;
};

/* The check of one rule on a group (lib/monitor/check.h fills them). */
struct perf_check {
	const char *kind;   /* "max_drop", "max_rise", "gate" */
	const char *metric;
	const char *op;     /* gates: ">=", ...; rules: NULL */
	double limit;       /* rules: as written; gates: the threshold */
	int relative;       /* rules: limit is percent of the baseline */
	double baseline;    /* rules: the golden set's value */
	double value;       /* live; NaN when not computed */
	int computed, pass;
};

enum perf_status {
	PERF_UNCHECKED,     /* no baseline or rules for this version */
	PERF_PASS,
	PERF_FAIL,
	PERF_FEW_LABELS,    /* under min_labels: not judged */
};

struct perf_group {
	const char *model, *version;
	int whole;          /* the whole window; else one bucket */
	int64_t start_ms, end_ms; /* end 0: open */
	enum model_task task;
	int task_known;
	char *const *classes;
	size_t nclasses;
	uint64_t predictions; /* rows scored */
	uint64_t labelled;    /* of them, with a label */
	uint64_t used;        /* of those, scored into the metrics */
	uint64_t unreadable;  /* an answer of another shape */
	uint64_t bad_labels;  /* a label that is no class (or number) */
	struct metric_value metrics[METRICS_MAX];
	size_t nmetrics;
	const char *problem;  /* why there are no metrics, or NULL */
	enum perf_status status;
	struct perf_check *checks;
	size_t nchecks;
};

struct perf_result {
	struct perf_group *groups; /* per version: whole window, then its
				    * buckets oldest first */
	size_t ngroups;
	uint64_t predictions, labelled;
};

struct perf;

struct perf *perf_new(const struct perf_opts *o);
/* Before any row of that version. */
void perf_know(struct perf *p, const struct perf_known *k);
/* One stored row; label_json NULL when none was fed back. 0, or
 * MLOPS_EINTERNAL when rows come out of time order. */
int perf_add(struct perf *p, int64_t ts_ms, const char *model,
	     const char *version, const char *output_json,
	     const char *label_json);
/* The groups and their metrics; r stays valid until perf_free. */
int perf_compute(struct perf *p, struct perf_result *r);
void perf_free(struct perf *p);

const char *perf_status_name(enum perf_status s);
/* A group's value of a metric, NaN when it has none. */
double perf_group_metric(const struct perf_group *g, const char *name);

#endif
