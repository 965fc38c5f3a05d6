/* Canary analysis: the stable and the canary version of a fleet compared
 * on what their servers' /metrics say about the requests of one step
 * (counters read before and after, summed over the instances): error
 * rate, p99 latency of the prediction routes, and the drift (PSI) of the
 * canary's predictions from the stable ones'. A shadow is judged the
 * same way on the requests mirrored to it (mlops_shadow_*: the live
 * answers beside the shadow's), plus the agreement of their rows. */
#ifndef MLOPS_DEPLOY_CANARY_H
#define MLOPS_DEPLOY_CANARY_H

#include <stddef.h>

#include "../descriptor/descriptor.h"

#define CANARY_BUCKETS 32

/* One version's counters (cumulative, as scraped). */
struct version_stats {
	double requests, errors;          /* prediction routes */
	double lat_le[CANARY_BUCKETS], lat_cum[CANARY_BUCKETS];
	size_t nlat;                      /* the last is +Inf */
	double pred_le[CANARY_BUCKETS], pred_cum[CANARY_BUCKETS];
	size_t npred;
	double rows, agreed;              /* a shadow's rows compared */
};

struct canary_verdict {
	int passed;
	char why[320];                    /* the first failed check */
	double requests[2];               /* stable, canary */
	double error_rate[2];
	double p99_ms[2];                 /* NaN: no requests */
	double psi;                       /* NaN: not judged */
	double agreement;                 /* a shadow's; NaN: no rows */
};

/* Adds the counters of `version` in Prometheus text to s (several
 * instances add up). EINPUT when the text is not Prometheus text. */
int canary_scrape(const char *text, size_t len, const char *version,
		  struct version_stats *s);
/* Adds the counters of one side of a shadow ("live": the answers
 * clients got, "shadow": the candidate's) to s; the shadow side also
 * gets the rows compared and agreed. */
int shadow_scrape(const char *text, size_t len, const char *side,
		  struct version_stats *s);
/* after - before: what happened during the step. */
void canary_delta(struct version_stats *after,
		  const struct version_stats *before);
/* The checks of e (defaults in mlops.yaml(5)) on one step. */
void canary_judge(const struct environment *e,
		  const struct version_stats *stable,
		  const struct version_stats *canary,
		  struct canary_verdict *v);
/* The canary's checks on a shadow beside the live answers, then its
 * agreement (checks.min_agreement, when set). */
void shadow_judge(const struct environment *e,
		  const struct version_stats *live,
		  const struct version_stats *shadow,
		  struct canary_verdict *v);

#endif
