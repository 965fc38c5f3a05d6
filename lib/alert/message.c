/* Alerts as JSON: the generic webhook's body, the source of Slack's and
 * Teams' messages. */
#include "message.h"

#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "../core/jsonutil.h"
#include "../core/number.h"
#include "../core/strbuf.h"
#include "../core/timeutil.h"

#define MESSAGE_VERSION 1

void alert_new_id(char out[33])
{
	static const char hex[] = "0123456789abcdef";
	unsigned char b[16];
	size_t i;

	if (RAND_bytes(b, sizeof(b)) != 1) {
		/* No entropy: unique enough for a delivery id. */
		struct timespec t;

		clock_gettime(CLOCK_REALTIME, &t);
		for (i = 0; i < sizeof(b); i++)
			b[i] = (unsigned char)((uint64_t)t.tv_nsec >> (i % 8 * 8) ^
					       (uint64_t)t.tv_sec >> (i % 4 * 8) ^
					       (unsigned)rand());
	}
	for (i = 0; i < sizeof(b); i++) {
		out[2 * i] = hex[b[i] >> 4];
		out[2 * i + 1] = hex[b[i] & 15];
	}
	out[32] = '\0';
}

static json_t *base(const char *kind, const char *name,
		    enum alert_severity sev, const char *summary,
		    const struct alert_context *c)
{
	char id[33], when[32];
	json_t *o = json_object();

	alert_new_id(id);
	time_iso8601((int64_t)time(NULL), when);
	json_object_set_new(o, "version", json_integer(MESSAGE_VERSION));
	json_object_set_new(o, "id", json_string(id));
	json_object_set_new(o, "kind", json_string(kind));
	json_object_set_new(o, "name", json_string(name));
	json_object_set_new(o, "severity",
			    json_string(alert_severity_name(sev)));
	json_object_set_new(o, "summary", json_string(summary));
	json_object_set_new(o, "time", json_string(when));
	json_object_set_new(o, "source", json_string(c->source));
	if (c->model) {
		json_t *m = json_pack("{s:s}", "name", c->model);

		if (c->version)
			json_object_set_new(m, "version",
					    json_string(c->version));
		if (c->digest)
			json_object_set_new(m, "digest", json_string(c->digest));
		json_object_set_new(o, "model", m);
	}
	if (c->env)
		json_object_set_new(o, "env", json_string(c->env));
	return o;
}

/* " on demo 1.2.0" / " in staging": where it happened, for summaries. */
static void add_where(struct strbuf *sb, const struct alert_context *c)
{
	if (c->model)
		strbuf_addf(sb, " (%s%s%s)", c->model, c->version ? " " : "",
			    c->version ? c->version : "");
	if (c->env)
		strbuf_addf(sb, " in %s", c->env);
}

json_t *alert_rule_message(const struct alert_rule *r, double value,
			   const char *feature, const struct alert_context *c)
{
	struct strbuf sb = STRBUF_INIT;
	char t[NUMBER_FORMAT_MAX];
	json_t *o, *rule;

	/* The value to 4 digits for people (the JSON has all of them), the
	 * threshold as written. */
	number_format(r->threshold, t);
	strbuf_addf(&sb, "%s%s%s%s = %.4g %s %s", alert_metrics[r->metric].name,
		    feature ? "(" : "", feature ? feature : "",
		    feature ? ")" : "", value, alert_op_name(r->op), t);
	add_where(&sb, c);
	o = base("rule", r->name, r->severity, sb.buf, c);
	rule = json_object();
	json_object_set_new(rule, "metric",
			    json_string(alert_metrics[r->metric].name));
	if (feature)
		json_object_set_new(rule, "feature", json_string(feature));
	json_object_set_new(rule, "op", json_string(alert_op_name(r->op)));
	json_object_set_new(rule, "threshold", json_number(r->threshold));
	json_object_set_new(rule, "value", json_number(value));
	json_object_set_new(rule, "for_seconds", json_number(r->for_s));
	json_object_set_new(o, "rule", rule);
	strbuf_release(&sb);
	return o;
}

json_t *alert_event_message(enum alert_event_id e, enum alert_severity sev,
			    const char *summary, json_t *details,
			    const struct alert_context *c)
{
	json_t *o = base("event", alert_event_names[e], sev, summary, c);

	if (details)
		json_object_set_new(o, "details", details);
	return o;
}

json_t *alert_test_message(const struct alert_context *c)
{
	struct strbuf sb = STRBUF_INIT;
	json_t *o;

	strbuf_addstr(&sb, "a test of this notifier from mlops alert test");
	add_where(&sb, c);
	o = base("test", "test", SEVERITY_INFO, sb.buf, c);
	strbuf_release(&sb);
	return o;
}
