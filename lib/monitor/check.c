#include "check.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../core/strbuf.h"
#include "../quality/evaluate.h"

/* A difference this small against the limit is rounding: a metric that
 * fell by exactly its allowed drop (0.90 - 0.85 is 0.05000000000000004)
 * holds. */
#define ROUNDING 1e-12

static double metric_of(const struct metric_value *m, size_t n,
			const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(m[i].name, name))
			return m[i].value;
	return NAN;
}

double monitor_rule_allowed(const struct perf_check *c)
{
	return c->relative ? c->limit / 100 * fabs(c->baseline) : c->limit;
}

static void check_rule(struct perf_check *c, const struct monitor_rule *rule,
		       const struct monitor_baseline *b,
		       const struct perf_group *g)
{
	double moved;

	c->kind = rule->rise ? "max_rise" : "max_drop";
	c->metric = rule->metric;
	c->limit = rule->limit;
	c->relative = rule->relative;
	c->baseline = metric_of(b->metrics, b->nmetrics, rule->metric);
	c->value = metric_of(g->metrics, g->nmetrics, rule->metric);
	c->computed = !isnan(c->baseline) && !isnan(c->value);
	moved = rule->rise ? c->value - c->baseline : c->baseline - c->value;
	c->pass = !c->computed || moved - monitor_rule_allowed(c) <=
					  ROUNDING * (1 + fabs(c->baseline));
}

static void check_gate(struct perf_check *c, const struct gate *gate,
		       const struct perf_group *g)
{
	c->kind = "gate";
	c->metric = gate->metric;
	c->op = gate_op_name(gate->op);
	c->limit = gate->value;
	c->baseline = NAN;
	c->value = metric_of(g->metrics, g->nmetrics, gate->metric);
	c->computed = !isnan(c->value);
	c->pass = !c->computed || quality_gate_passes(gate, c->value);
}

int monitor_check(struct perf_result *r, const struct monitor_baseline *b)
{
	int failed = 0;

	for (size_t i = 0; i < r->ngroups; i++) {
		struct perf_group *g = &r->groups[i];
		size_t j;

		g->status = PERF_UNCHECKED;
		if (!b || strcmp(g->model, b->model) ||
		    strcmp(g->version, b->version) ||
		    (!b->nrules && !b->ngates))
			continue;
		if (g->used < (uint64_t)b->min_labels) {
			g->status = PERF_FEW_LABELS;
			continue;
		}
		free(g->checks);
		g->checks = xcalloc(b->nrules + b->ngates + 1, sizeof(*g->checks));
		g->nchecks = 0;
		for (j = 0; j < b->nrules; j++)
			check_rule(&g->checks[g->nchecks++], &b->rules[j], b, g);
		for (j = 0; j < b->ngates; j++)
			if (metric_fits_task(b->gates[j].metric, g->task))
				check_gate(&g->checks[g->nchecks++], &b->gates[j],
					   g);
		g->status = PERF_PASS;
		for (j = 0; j < g->nchecks; j++)
			if (!g->checks[j].pass)
				g->status = PERF_FAIL;
		failed |= g->status == PERF_FAIL;
	}
	return failed;
}
