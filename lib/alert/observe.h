/* What commands measured, as observations rules test: a drift report
 * (dataset drift share, each column's PSI, Jensen-Shannon distance,
 * statistic and p-value, the prediction's PSI and Jensen-Shannon), a
 * data check (the share of invalid rows), live performance against the
 * golden-set baseline (each metric's drop or rise). */
#ifndef MLOPS_ALERT_OBSERVE_H
#define MLOPS_ALERT_OBSERVE_H

#include "../data/validate.h"
#include "../drift/drift.h"
#include "../monitor/check.h"
#include "rules.h"

/* predictions: the report's last column is the model's prediction. A
 * column's PSI and Jensen-Shannon distance are its test's statistic
 * when that is its test, else computed on the report's bins of it (the
 * plots'). */
void alert_observe_drift(struct alert_observations *o,
			 const struct drift_report *r, int predictions);
void alert_observe_data_check(struct alert_observations *o,
			      const struct data_check *c);
/* Live performance r (every version over one window) against the
 * golden-set baseline of b's version, as monitor: rules measure it:
 * accuracy_drop, precision_drop, recall_drop, f1_drop, auc_drop and
 * r2_drop are baseline - live; log_loss_rise, rmse_rise and mae_rise
 * live - baseline. Absolute, in the metric's own units (monitor's
 * max_drop: 0.05, not 5%), positive when the model got worse. From the
 * whole window of b's version only; nothing when it has fewer than
 * b->min_labels labelled rows (monitor's "not enough labels"), nor for
 * a metric either side lacks (b->metrics NULL: no baseline). */
void alert_observe_performance(struct alert_observations *o,
			       const struct perf_result *r,
			       const struct monitor_baseline *b);

#endif
