/* Live performance judged against a bundle: its version's groups pass
 * when every monitor: rule holds (a metric fell at most its allowed
 * drop, or rose at most its allowed rise, from the golden-set baseline)
 * and every quality gate the metrics of live data can answer holds
 * (latency_p95_ms cannot: stored rows carry no per-row latency). A group
 * with fewer than min_labels labelled rows is not judged ("not enough
 * labels"); a rule or gate whose live or baseline value is null (AUC of
 * a window with one class) is "not computed" and does not fail. */
#ifndef MLOPS_MONITOR_CHECK_H
#define MLOPS_MONITOR_CHECK_H

#include "../descriptor/descriptor.h"
#include "../quality/metrics.h"
#include "perf.h"

struct monitor_baseline {
	const char *model, *version;     /* the bundle's */
	const struct metric_value *metrics; /* on the golden set */
	size_t nmetrics;
	const struct gate *gates;
	size_t ngates;
	const struct monitor_rule *rules;
	size_t nrules;
	long long min_labels;
};

/* Fills status and checks of r's groups: 1 when a group of the bundle's
 * version failed, else 0. Groups of other versions stay unchecked. */
int monitor_check(struct perf_result *r, const struct monitor_baseline *b);

/* The limit a rule allows against its baseline, in the metric's units
 * (a relative rule's percent of |baseline|). */
double monitor_rule_allowed(const struct perf_check *c);

#endif
