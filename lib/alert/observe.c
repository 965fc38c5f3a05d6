#include "observe.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

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

/* The alert metric of each monitor: metric, with whether it is a rise
 * (the metric is better when smaller). */
static const struct {
	const char *metric;
	enum alert_metric_id id;
	int rise;
} perf_metrics[] = {
	{ "accuracy", AM_ACCURACY_DROP, 0 }, { "precision", AM_PRECISION_DROP, 0 },
	{ "recall", AM_RECALL_DROP, 0 },     { "f1", AM_F1_DROP, 0 },
	{ "auc", AM_AUC_DROP, 0 },	     { "r2", AM_R2_DROP, 0 },
	{ "log_loss", AM_LOG_LOSS_RISE, 1 }, { "rmse", AM_RMSE_RISE, 1 },
	{ "mae", AM_MAE_RISE, 1 },
};

void alert_observe_performance(struct alert_observations *o,
			       const struct perf_result *r,
			       const struct monitor_baseline *b)
{
	const struct perf_group *g = NULL;
	size_t i, j;

	for (i = 0; b->metrics && i < r->ngroups && !g; i++)
		if (r->groups[i].whole && !strcmp(r->groups[i].model, b->model) &&
		    !strcmp(r->groups[i].version, b->version))
			g = &r->groups[i];
	if (!g || g->used < (uint64_t)(b->min_labels > 0 ? b->min_labels : 0))
		return;
	for (i = 0; i < sizeof(perf_metrics) / sizeof(perf_metrics[0]); i++) {
		double live = perf_group_metric(g, perf_metrics[i].metric);
		double base = NAN;

		for (j = 0; j < b->nmetrics; j++)
			if (!strcmp(b->metrics[j].name, perf_metrics[i].metric))
				base = b->metrics[j].value;
		if (isnan(live) || isnan(base))
			continue;
		alert_obs_add(o, perf_metrics[i].id, NULL,
			      perf_metrics[i].rise ? live - base : base - live);
	}
}
