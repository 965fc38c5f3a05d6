/* Alerts: rules with `for` and cooldown on a clock of our own, the
 * per-feature choice, the HMAC signature (RFC 4231's vectors), the host
 * a message may show, Slack's escaping, the section's JSON round trip,
 * a latency quantile. */
#include <math.h>
#include <string.h>

#include "../../lib/alert/message.h"
#include "../../lib/alert/notifier.h"
#include "../../lib/alert/rules.h"
#include "../../lib/core/error.h"
#include "../../lib/core/strbuf.h"
#include "../../lib/descriptor/alerts.h"
#include "../../lib/descriptor/descriptor.h"
#include "../../lib/server/metrics.h"
#include "tap.h"

static const char yaml[] =
	"name: t\n"
	"version: 1.0.0\n"
	"model: {path: m.json, runtime: xgboost, task: binary-classification}\n"
	"signature:\n"
	"  inputs:\n"
	"    - {name: income, type: float}\n"
	"    - {name: age, type: int}\n"
	"alerts:\n"
	"  notify:\n"
	"    - webhook: {url: 'https://hooks.example.com:8443/x', "
	"secret_env: K}\n"
	"    - slack: {name: ops, url_file: slack.url}\n"
	"  rules:\n"
	"    - {name: held, when: error_rate > 0.1, for: 10s, cooldown: 1m}\n"
	"    - {name: now, when: error_rate >= 0.1, cooldown: 0}\n"
	"    - {name: psi, when: feature_psi > 0.2}\n"
	"    - {name: low, when: feature_p_value < 0.05, feature: age, "
	"severity: critical}\n"
	"  events: [rolled_back, reload_failed]\n"
	"  window: 2m\n";

/* How many alerts named `name` one evaluation at time t fires. */
static size_t fires(const struct alerts_config *a, struct alert_rule_state *st,
		    const struct alert_observations *o, double t,
		    const char *name)
{
	struct alert_context c = { "test", NULL, NULL, NULL, NULL };
	json_t *fired = json_array(), *x;
	size_t i, n = 0;

	alert_rules_eval(a, st, o, t, 0, &c, fired);
	json_array_foreach(fired, i, x)
		n += !strcmp(json_string_value(json_object_get(x, "name")), name);
	json_decref(fired);
	return n;
}

static void rules(const struct alerts_config *a)
{
	struct alert_rule_state st[8];
	struct alert_observations hi = { 0 }, lo = { 0 }, none = { 0 };
	struct alert_observations feat = { 0 };
	struct alert_context c = { "test", "m", "1.0.0", NULL, NULL };
	json_t *fired = json_array();
	const json_t *r;

	memset(st, 0, sizeof(st));
	alert_obs_add(&hi, AM_ERROR_RATE, NULL, 0.5);
	alert_obs_add(&lo, AM_ERROR_RATE, NULL, 0.01);
	alert_obs_add(&none, AM_ERROR_RATE, NULL, NAN);
	is_int(none.n, 0, "a NaN value is no observation");
	is_int(fires(a, st, &hi, 100, "held"), 0, "for: 10s: not at once");
	is_int(fires(a, st, &hi, 105, "held"), 0, "nor after 5 s");
	is_int(fires(a, st, &hi, 110, "held"), 1, "after 10 s of holding");
	is_int(fires(a, st, &hi, 120, "held"), 0, "cooldown 1m: not again");
	is_int(fires(a, st, &hi, 169, "held"), 0, "nor at 59 s");
	is_int(fires(a, st, &hi, 170, "held"), 1, "again after the cooldown");
	is_int(fires(a, st, &lo, 175, "held"), 0, "not holding: nothing");
	is_int(fires(a, st, &hi, 240, "held"), 0,
	       "holding again: for starts over");
	is_int(fires(a, st, &hi, 250, "held"), 1, "  and ends 10 s later");
	is_int(fires(a, st, &none, 251, "held"), 0,
	       "nothing observed: does not hold");
	is_int(fires(a, st, &hi, 252, "now"), 1, "cooldown 0: every time");
	is_int(fires(a, st, &hi, 252.1, "now"), 1, "  every time");

	alert_obs_add(&feat, AM_FEATURE_PSI, "income", 0.3);
	alert_obs_add(&feat, AM_FEATURE_PSI, "age", 0.9);
	alert_obs_add(&feat, AM_FEATURE_P_VALUE, "income", 0.001);
	alert_obs_add(&feat, AM_FEATURE_P_VALUE, "age", 0.5);
	alert_rules_eval(a, NULL, &feat, 0, 1, &c, fired);
	is_int(json_array_size(fired), 1,
	       "one-off: psi fires; low (age's p-value 0.5) does not");
	r = json_object_get(json_array_get(fired, 0), "rule");
	is_str(json_string_value(json_object_get(r, "feature")), "age",
	       "any feature: the one furthest past the threshold");
	is_num(json_number_value(json_object_get(r, "value")), 0.9, 0,
	       "  its value");
	like(json_string_value(json_object_get(json_array_get(fired, 0),
					       "summary")),
	     "feature_psi(age) = 0.9 > 0.2 (m 1.0.0)", "the summary");
	alert_obs_release(&hi);
	alert_obs_release(&lo);
	alert_obs_release(&none);
	alert_obs_release(&feat);
	json_decref(fired);
}

static void signature(void)
{
	struct strbuf sb = STRBUF_INIT;

	notifier_signature("Jefe", 4, "what do ya want for nothing?", 28, &sb);
	is_str(sb.buf, "sha256=5bdcc146bf60754e6a042426089575c75a003f089d27398"
		       "39dec58b964ec3843", "HMAC-SHA256: RFC 4231 test case 2");
	strbuf_release(&sb);
}

static void hosts(void)
{
	char *h;
	int ui = -1;

	h = alert_url_host("https://hooks.slack.com/services/T0/B0/XYZ", &ui);
	is_str(h, "hooks.slack.com", "the host, not the path");
	is_int(ui, 0, "  no user information");
	free(h);
	h = alert_url_host("http://user:secret@127.0.0.1:8080?x=1", &ui);
	is_str(h, "127.0.0.1:8080", "no user information, a port kept");
	is_int(ui, 1, "  user information said");
	free(h);
	h = alert_url_host("http://a@b@127.0.0.1/x@y", NULL);
	is_str(h, "127.0.0.1", "the last @ of the authority ends it (curl's "
	       "reading); an @ in the path is the path's");
	free(h);
	ok(!alert_url_host("ftp://x/", NULL), "not http(s): no host");
	ok(!alert_url_host("https:///x", NULL), "no host: none");
	ok(!alert_url_host("https://u@/x", NULL), "only user information: none");
	ok(!alert_url_host("https://a b/", NULL), "a space: not a URL");
	ok(!alert_url_host("https://a/\n", NULL), "a newline: not a URL");
}

/* A rule named past what a title or a fact holds, in two-byte
 * characters after an odd number of bytes: the cut must not split one
 * (jansson refuses what is not UTF-8: Teams got an empty body, Slack no
 * header). Its name "<!channel>": no ping from Slack's text. */
static void long_names(void)
{
	struct alert_rule r = { 0 };
	struct alert_context c = { "test", NULL, NULL, NULL, NULL };
	struct strbuf name = STRBUF_INIT, sb = STRBUF_INIT;
	json_t *a, *p, *blocks;
	int i;

	strbuf_addstr(&name, "x<!channel> ");
	for (i = 0; i < 120; i++)
		strbuf_addstr(&name, "\xc3\xa9");
	c.model = name.buf;
	r.name = name.buf;
	r.metric = AM_ERROR_RATE;
	r.threshold = 0.5;
	a = alert_rule_message(&r, 0.75, NULL, &c);
	notifier_payload(NOTIFIER_TEAMS, a, &sb);
	p = json_loads(sb.buf, 0, NULL);
	ok(p && json_object_get(p, "attachments"),
	   "Teams: a long non-ASCII name, a whole message");
	like(json_string_value(json_object_get(json_array_get(json_object_get(
		     json_object_get(json_array_get(json_object_get(p,
			     "attachments"), 0), "content"), "body"), 0), "text")),
	     "mlops rule: x<!channel> \xc3\xa9", "  its title, cut whole");
	json_decref(p);
	strbuf_reset(&sb);
	notifier_payload(NOTIFIER_SLACK, a, &sb);
	p = json_loads(sb.buf, 0, NULL);
	blocks = json_object_get(p, "blocks");
	is_str(json_string_value(json_object_get(json_array_get(blocks, 0),
						 "type")),
	       "header", "Slack: the header block is there");
	is_int(json_array_size(json_object_get(json_array_get(blocks, 2),
					       "fields")), 7,
	       "  and every fact (the model's cut whole)");
	like(json_string_value(json_object_get(p, "text")),
	     "[info] x&lt;!channel&gt; ", "  the name escaped in its text");
	json_decref(p);
	json_decref(a);
	strbuf_release(&sb);
	strbuf_release(&name);
}

static void payloads(void)
{
	struct alert_context c = { "test", "m<1>", NULL, NULL, "prod" };
	json_t *a = alert_event_message(EV_DEPLOY_FAILED, SEVERITY_CRITICAL,
					"<!channel> & more", NULL, &c), *p;
	struct strbuf sb = STRBUF_INIT;

	notifier_payload(NOTIFIER_SLACK, a, &sb);
	p = json_loads(sb.buf, 0, NULL);
	like(json_string_value(json_object_get(p, "text")),
	     "&lt;!channel&gt; &amp; more", "Slack: <, > and & escaped");
	json_decref(p);
	strbuf_reset(&sb);
	notifier_payload(NOTIFIER_WEBHOOK, a, &sb);
	p = json_loads(sb.buf, 0, NULL);
	ok(json_equal(p, a), "a webhook gets the alert itself");
	json_decref(p);
	strbuf_release(&sb);
	json_decref(a);
	long_names();
}

static void round_trip(void)
{
	struct descriptor *d = NULL;
	struct alerts_config *back = NULL;
	json_t *j, *j2;

	ok(descriptor_parse(&d, "t.yaml", ".", yaml, strlen(yaml)) == 0,
	   "the section parses");
	if (!d)
		return;
	is_int(d->alerts->nnotifiers, 2, "two notifiers");
	is_str(d->alerts->notifiers[0].name, "webhook", "a default name");
	is_num(d->alerts->window_s, 120, 0, "window: 2m");
	is_num(d->alerts->rules[2].cooldown_s, 3600, 0, "cooldown: 1h default");
	is_int(d->alerts->rules[3].severity, SEVERITY_CRITICAL, "severity");
	ok(alert_wants_event(d->alerts, EV_ROLLED_BACK) &&
	   !alert_wants_event(d->alerts, EV_DEPLOY_FAILED),
	   "the events listed, only");
	j = alerts_config_to_json(d->alerts);
	ok(alerts_config_from_json(j, &back) == 0, "read back from its JSON");
	j2 = back ? alerts_config_to_json(back) : NULL;
	ok(j2 && json_equal(j, j2), "the same section");
	json_object_set_new(json_array_get(json_object_get(j, "rules"), 0),
			    "metric", json_string("nope"));
	alerts_config_free(back);
	back = NULL;
	ok(alerts_config_from_json(j, &back) < 0 &&
	   mlops_error_last()->code == MLOPS_EINPUT,
	   "an unknown metric in a bundle: EINPUT");
	mlops_error_clear();
	json_decref(j);
	json_decref(j2);
	descriptor_free(d);
}

static void quantile(void)
{
	uint64_t b[LATENCY_BUCKETS] = { 0 };

	/* Buckets: ..., (1 ms, 2.5 ms] is index 5. 100 in it. */
	b[5] = 100;
	is_num(metrics_latency_quantile_ms(b, 100, 0.95), 1 + 1.5 * 0.95, 1e-9,
	       "p95 inside a bucket: linear, as histogram_quantile");
	ok(isnan(metrics_latency_quantile_ms(b, 0, 0.95)), "nothing: NaN");
	is_num(metrics_latency_quantile_ms(b, 200, 0.95), 5000, 0,
	       "beyond the last bound: the bound");
}

int main(void)
{
	struct descriptor *d = NULL;

	if (descriptor_parse(&d, "t.yaml", ".", yaml, strlen(yaml)) == 0)
		rules(d->alerts);
	else
		ok(0, "parse: %s", mlops_error_last()->message);
	descriptor_free(d);
	signature();
	hosts();
	payloads();
	round_trip();
	quantile();
	return done_testing();
}
