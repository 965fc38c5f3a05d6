/* Rules of mlops.yaml's alerts: evaluated on observations (metric,
 * feature, value) that a command measured. A live rule (serve) fires
 * when its condition has held for `for` seconds, and not again within
 * `cooldown` seconds of its last firing, its state kept per rule; a
 * one-off run (drift, validate, monitor) is one observation: a rule
 * fires when it holds. */
#ifndef MLOPS_ALERT_RULES_H
#define MLOPS_ALERT_RULES_H

#include <jansson.h>
#include <stddef.h>

#include "../descriptor/alerts.h"
#include "message.h"

struct alert_obs {
	enum alert_metric_id metric;
	char *feature;       /* per-feature metrics; else NULL */
	double value;
};

struct alert_observations {
	struct alert_obs *v;
	size_t n, alloc;
};

/* A NaN value (nothing measured) is not added. */
void alert_obs_add(struct alert_observations *o, enum alert_metric_id m,
		   const char *feature, double value);
void alert_obs_release(struct alert_observations *o);

/* Where a live rule stands. */
struct alert_rule_state {
	int holding;        /* held at the last evaluation */
	double since;       /* since when (seconds, any monotonic clock) */
	int fired;          /* fired at least once */
	double last_fired;
};

/* Evaluates every rule of a on o at time now (seconds); each that fires
 * adds its alert (message.h) to `fired`. state: one per rule, zeroed
 * at first. oneshot: no `for`, no cooldown (and state may be NULL).
 * Returns how many fired. A rule with nothing observed does not hold.
 * A per-feature rule without `feature` holds when any feature's value
 * does; the alert names the one furthest past the threshold. */
size_t alert_rules_eval(const struct alerts_config *a,
			struct alert_rule_state *state,
			const struct alert_observations *o, double now,
			int oneshot, const struct alert_context *c,
			json_t *fired);

/* 1 when a subscribes to event e (alerts.events). */
int alert_wants_event(const struct alerts_config *a, enum alert_event_id e);

/* 1 when some rule of a tests metric m. */
int alert_uses_metric(const struct alerts_config *a, enum alert_metric_id m);

#endif
