#include "observe.h"

#include <math.h>
#include <stdlib.h>

#include "../core/strbuf.h"
#include "../drift/binning.h"
#include "../drift/stats.h"

/* PSI (empty bins smoothed as for the psi test) or Jensen-Shannon
 * distance (raw shares) on a column's report bins. */
static double binned(const struct drift_column *c, enum drift_test t)
{
	double *r, *s, v;

	if (c->test == t)
		return c->statistic;
	if (!c->nbins || !c->ref_share || !c->cur_share)
		return NAN;
	if (t == DT_JENSENSHANNON)
		return jensenshannon(c->ref_share, c->cur_share, c->nbins);
	r = xmalloc(sizeof(double) * c->nbins);
	s = xmalloc(sizeof(double) * c->nbins);
	bin_shares(c->ref_share, c->nbins, 1.0, 1, r);
	bin_shares(c->cur_share, c->nbins, 1.0, 1, s);
	v = psi(r, s, c->nbins);
	free(r);
	free(s);
	return v;
}

void alert_observe_drift(struct alert_observations *o,
			 const struct drift_report *r, int predictions)
{
	size_t i;

	if (r->ntested)
		alert_obs_add(o, AM_DATASET_DRIFT_SHARE, NULL, r->share);
	for (i = 0; i < r->ncolumns; i++) {
		const struct drift_column *c = &r->columns[i];

		if (c->error)
			continue;
		if (predictions && i == r->ncolumns - 1) {
			alert_obs_add(o, AM_PREDICTION_PSI, NULL,
				      binned(c, DT_PSI));
			alert_obs_add(o, AM_PREDICTION_JENSENSHANNON, NULL,
				      binned(c, DT_JENSENSHANNON));
			continue;
		}
		alert_obs_add(o, AM_FEATURE_PSI, c->name, binned(c, DT_PSI));
		alert_obs_add(o, AM_FEATURE_JENSENSHANNON, c->name,
			      binned(c, DT_JENSENSHANNON));
		alert_obs_add(o, AM_FEATURE_STATISTIC, c->name, c->statistic);
		alert_obs_add(o, AM_FEATURE_P_VALUE, c->name, c->p_value);
	}
}

void alert_observe_data_check(struct alert_observations *o,
			      const struct data_check *c)
{
	if (c->report.rows)
		alert_obs_add(o, AM_INVALID_ROW_SHARE, NULL,
			      (double)c->report.bad_rows /
				      (double)c->report.rows);
}
