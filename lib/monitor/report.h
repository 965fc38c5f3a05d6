/* A monitor run as JSON (--json), Markdown (--markdown, the GitHub step
 * summary) and one self-contained HTML page with a plot per metric
 * (--html): values over time per version with --by, else one bar per
 * version; the baseline and the limit drawn across. */
#ifndef MLOPS_MONITOR_REPORT_H
#define MLOPS_MONITOR_REPORT_H

#include <jansson.h>

#include "../core/strbuf.h"
#include "perf.h"

struct monitor_report {
	const char *store;          /* its URL, password masked */
	int64_t since_ms, until_ms;
	enum perf_by by;
	const char *model;          /* --model, or NULL */
	const char *bundle;         /* --bundle's path, or NULL */
	const char *bundle_name, *bundle_version, *bundle_digest;
	const struct metric_value *baseline; /* golden set; NULL: none */
	size_t nbaseline;
	uint64_t baseline_rows;
	int judged;                 /* there were rules or gates */
	long long min_labels;
	const struct perf_result *r;
	int failed;
};

json_t *monitor_report_json(const struct monitor_report *m);
/* "3 versions, 1,200 of 5,000 predictions labelled; 1.0.0 fails ...". */
void monitor_report_verdict(const struct monitor_report *m,
			    struct strbuf *out);
void monitor_report_markdown(const struct monitor_report *m,
			     struct strbuf *out);
void monitor_report_html(const struct monitor_report *m, struct strbuf *out);

/* For tables: the metric columns of r (those some group has), in the
 * order of monitor_metrics (at most MONITOR_COLS); returns the count. */
#define MONITOR_COLS 16
size_t monitor_columns(const struct perf_result *r, const char **cols);
/* A group's cells in every table (terminal, Markdown, HTML): its window,
 * predictions, labelled rows used, and a value per column. */
struct monitor_row {
	char window[48], predictions[24], used[24];
	char values[MONITOR_COLS][32];
};
void monitor_row_cells(const struct perf_group *g, enum perf_by by,
		       const char *const *cols, size_t ncols,
		       struct monitor_row *row);
/* A group's window as a table shows it: "total", "2025-01-03",
 * "2025-01-03 14:00", "week of 2025-01-06". */
void monitor_window_label(const struct perf_group *g, enum perf_by by,
			  char *buf, size_t len);
/* One line per failed check: "accuracy 0.8100 fell 0.0900 from the
 * baseline 0.9000 (max_drop 0.05)". */
void monitor_check_text(const struct perf_check *c, struct strbuf *out);

#endif
