/* An alert as JSON: what a rule that fired, an event or a test says.
 * This object is the body of a generic webhook (documented in
 * mlops.yaml(5), ALERTS) and what Slack's and Teams' messages are made
 * from:
 *
 *   {"version": 1, "id": "<32 hex>", "kind": "rule" | "event" | "test",
 *    "name": "...", "severity": "info" | "warning" | "critical",
 *    "summary": "...", "time": "2025-01-01T00:00:00Z", "source": "serve",
 *    "model": {"name", "version", "digest"}, "env": "staging",
 *    "rule": {"metric", "feature", "op", "threshold", "value",
 *             "for_seconds"},
 *    "details": {...}}
 *
 * model, env, rule and details appear when known. */
#ifndef MLOPS_ALERT_MESSAGE_H
#define MLOPS_ALERT_MESSAGE_H

#include <jansson.h>

#include "../descriptor/alerts.h"

/* Who sends, about what: every field may be NULL but source. */
struct alert_context {
	const char *source;   /* "serve", "drift", "validate", "deploy", ... */
	const char *model, *version, *digest;
	const char *env;
};

/* Rule r held: value (of feature, for a per-feature metric). */
json_t *alert_rule_message(const struct alert_rule *r, double value,
			   const char *feature, const struct alert_context *c);
/* Event e happened: summary says what, details (taken; may be NULL)
 * adds facts. */
json_t *alert_event_message(enum alert_event_id e, enum alert_severity sev,
			    const char *summary, json_t *details,
			    const struct alert_context *c);
/* `mlops alert test`'s sample. */
json_t *alert_test_message(const struct alert_context *c);

/* 32 random hex digits: the delivery's id (receivers drop repeats). */
void alert_new_id(char out[33]);

#endif
