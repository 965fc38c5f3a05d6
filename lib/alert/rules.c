/* Rule evaluation: the condition on the observed value, `for` and
 * cooldown. */
#include "rules.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../core/strbuf.h"

void alert_obs_add(struct alert_observations *o, enum alert_metric_id m,
		   const char *feature, double value)
{
	struct alert_obs *x;

	if (isnan(value))
		return;
	ARRAY_GROW(o->v, o->n + 1, o->alloc);
	x = &o->v[o->n++];
	x->metric = m;
	x->feature = feature ? xstrdup(feature) : NULL;
	x->value = value;
}

void alert_obs_release(struct alert_observations *o)
{
	size_t i;

	for (i = 0; i < o->n; i++)
		free(o->v[i].feature);
	free(o->v);
	memset(o, 0, sizeof(*o));
}

/* How far past the threshold v is, in the direction of the operator:
 * larger is further. */
static double excess(enum alert_op op, double v, double t)
{
	return op == ALERT_GT || op == ALERT_GE ? v - t : t - v;
}

/* The observation r tests: its feature's, or (any feature) the one
 * furthest past the threshold. NULL when nothing was observed. */
static const struct alert_obs *observed(const struct alert_rule *r,
					const struct alert_observations *o)
{
	const struct alert_obs *best = NULL;
	size_t i;

	for (i = 0; i < o->n; i++) {
		const struct alert_obs *x = &o->v[i];

		if (x->metric != r->metric)
			continue;
		if (r->feature && (!x->feature || strcmp(x->feature, r->feature)))
			continue;
		if (!best || excess(r->op, x->value, r->threshold) >
				     excess(r->op, best->value, r->threshold))
			best = x;
	}
	return best;
}

size_t alert_rules_eval(const struct alerts_config *a,
			struct alert_rule_state *state,
			const struct alert_observations *o, double now,
			int oneshot, const struct alert_context *c,
			json_t *fired)
{
	size_t i, n = 0;

	for (i = 0; i < a->nrules; i++) {
		const struct alert_rule *r = &a->rules[i];
		const struct alert_obs *x = observed(r, o);
		int holds = x && alert_op_holds(r->op, x->value, r->threshold);
		struct alert_rule_state one = { 0 }, *st;

		st = oneshot || !state ? &one : &state[i];
		if (!holds) {
			st->holding = 0;
			continue;
		}
		if (!st->holding) {
			st->holding = 1;
			st->since = now;
		}
		if (!oneshot && now - st->since < r->for_s)
			continue;
		if (!oneshot && st->fired && now - st->last_fired < r->cooldown_s)
			continue;
		st->fired = 1;
		st->last_fired = now;
		json_array_append_new(fired, alert_rule_message(r, x->value,
								x->feature, c));
		n++;
	}
	return n;
}

int alert_wants_event(const struct alerts_config *a, enum alert_event_id e)
{
	return a && (a->events & (1u << e));
}

int alert_uses_metric(const struct alerts_config *a, enum alert_metric_id m)
{
	size_t i;

	for (i = 0; a && i < a->nrules; i++)
		if (a->rules[i].metric == m)
			return 1;
	return 0;
}
