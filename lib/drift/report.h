/* A drift report as JSON, Markdown (for $GITHUB_STEP_SUMMARY) and one
 * self-contained HTML page with an inline SVG plot per column (shares per
 * bin only: no raw rows). */
#ifndef MLOPS_DRIFT_REPORT_H
#define MLOPS_DRIFT_REPORT_H

#include <jansson.h>

#include "../core/strbuf.h"
#include "drift.h"

/* The verdict in a sentence, with the rule that gave it: "2 of 8 columns
 * drifted (25%, dataset threshold 50%): no dataset drift". */
void drift_report_verdict(const struct drift_report *r, struct strbuf *out);
json_t *drift_report_json(const struct drift_report *r);
void drift_report_markdown(const struct drift_report *r, struct strbuf *out);
void drift_report_html(const struct drift_report *r, struct strbuf *out);
struct drift_cells {
	char statistic[32], p_value[32], threshold[32];
};
/* A column's statistic, p-value and threshold, formatted. */
void drift_format_column(const struct drift_column *c,
			 struct drift_cells *f);

#endif
