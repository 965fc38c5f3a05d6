/* What commands measured, as observations rules test: a drift report
 * (dataset drift share, each column's PSI, Jensen-Shannon distance,
 * statistic and p-value, the prediction's PSI and Jensen-Shannon), a
 * data check (the share of invalid rows). */
#ifndef MLOPS_ALERT_OBSERVE_H
#define MLOPS_ALERT_OBSERVE_H

#include "../data/validate.h"
#include "../drift/drift.h"
#include "rules.h"

/* predictions: the report's last column is the model's prediction. A
 * column's PSI and Jensen-Shannon distance are its test's statistic
 * when that is its test, else computed on the report's bins of it (the
 * plots'). */
void alert_observe_drift(struct alert_observations *o,
			 const struct drift_report *r, int predictions);
void alert_observe_data_check(struct alert_observations *o,
			      const struct data_check *c);

#endif
