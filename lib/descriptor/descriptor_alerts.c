/* The alerts: section of mlops.yaml, walked strictly: every mistake is an
 * error at file:line:col, an unknown metric or event with the nearest
 * known one. */
#include "descriptor.h"

#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../core/number.h"
#include "../core/strbuf.h"
#include "../core/suggest.h"
#include "alerts.h"
#include "walk.h"

#define DEFAULT_COOLDOWN_S 3600.0
#define MAX_DURATION_S (366 * 86400.0)

static int env_name_ok(const char *s)
{
	if (!(isalpha((unsigned char)*s) || *s == '_'))
		return 0;
	for (; *s; s++)
		if (!(isalnum((unsigned char)*s) || *s == '_'))
			return 0;
	return 1;
}

static int get_duration(struct walker *w, const struct ynode *map,
			const char *key, const char *what, double def,
			double *out)
{
	const struct ynode *v = ynode_map_get(map, key);
	struct strbuf sb = STRBUF_INIT;
	int rc;

	*out = def;
	if (!v)
		return 0;
	strbuf_addf(&sb, "%s.%s", what, key);
	rc = walk_parse_duration(w, v, sb.buf, out);
	if (!rc && *out > MAX_DURATION_S)
		rc = walk_err_node(w, v, "%s must be at most 366 days", sb.buf);
	strbuf_release(&sb);
	return rc;
}

/* A URL written in mlops.yaml is carried in every bundle made from it:
 * an http(s) URL with a host, and nothing in it that is a credential. */
static int check_literal_url(struct walker *w, const struct notifier_spec *n,
			     const struct ynode *v, const char *what)
{
	int userinfo;
	char *host = alert_url_host(n->url, &userinfo);

	if (!host)
		return walk_err_node(w, v, "%s.url must be an http:// or https:// "
				     "URL with a host (no spaces)", what);
	free(host);
	if (userinfo)
		return walk_err_node(w, v, "%s.url holds user information (a "
				     "password): written here, it would be in "
				     "every bundle; give the URL with url_env or "
				     "url_file", what);
	if (n->kind != NOTIFIER_WEBHOOK)
		return walk_err_node(w, v, "%s: the URL of a %s incoming webhook "
				     "is its credential: written here, it would "
				     "be in every bundle; give it with url_env "
				     "or url_file", what,
				     n->kind == NOTIFIER_SLACK ? "Slack"
							       : "Teams");
	return 0;
}

/* {url | url_env | url_file, secret_env | secret_file, name} */
static int parse_notifier(struct walker *w, struct notifier_spec *n,
			  const struct ynode *item, const char *what)
{
	static const char *const kinds[] = { "webhook", "slack", "teams",
					     NULL };
	static const char *const keys[] = { "name", "url", "url_env",
					    "url_file", "secret_env",
					    "secret_file", NULL };
	const struct ynode *body, *v;
	struct strbuf sub = STRBUF_INIT;
	int rc, kind = -1, i;

	if (item->kind != YNODE_MAP || item->n != 1) {
		rc = walk_err_node(w, item, "%s must be one of webhook:, slack: or "
				   "teams: with its settings, such as {slack: "
				   "{url_env: SLACK_WEBHOOK_URL}}", what);
		return rc;
	}
	for (i = 0; kinds[i]; i++)
		if (!strcmp(kinds[i], item->keys[0]->text))
			kind = i;
	if (kind < 0) {
		walk_err_node(w, item->keys[0], "%s: unknown notifier '%s'", what,
			      item->keys[0]->text);
		walk_hint_choices(item->keys[0]->text, kinds);
		return MLOPS_EINPUT;
	}
	n->kind = (enum notifier_kind)kind;
	body = item->items[0];
	strbuf_addf(&sub, "%s.%s", what, kinds[kind]);
	rc = walk_want_kind(w, body, YNODE_MAP, sub.buf);
	if (!rc && (v = ynode_map_get(body, "secret")))
		rc = walk_err_node(w, v, "%s: a secret is never "
				   "written in mlops.yaml; name where it is: "
				   "secret_env: VARIABLE or secret_file: PATH",
				   sub.buf);
	if (!rc)
		rc = walk_check_keys(w, body, sub.buf, keys);
	if (!rc)
		rc = walk_get_str(w, body, "name", 0, sub.buf, &n->name);
	if (!rc)
		rc = walk_get_str(w, body, "url", 0, sub.buf, &n->url);
	if (!rc)
		rc = walk_get_str(w, body, "url_env", 0, sub.buf, &n->url_env);
	if (!rc)
		rc = walk_get_str(w, body, "url_file", 0, sub.buf, &n->url_file);
	if (!rc)
		rc = walk_get_str(w, body, "secret_env", 0, sub.buf,
				  &n->secret_env);
	if (!rc)
		rc = walk_get_str(w, body, "secret_file", 0, sub.buf,
				  &n->secret_file);
	if (rc)
		goto done;
	if (!!n->url + !!n->url_env + !!n->url_file != 1) {
		rc = walk_err_node(w, body, "%s: give the URL once: url, url_env "
				   "(a variable holding it) or url_file (a file "
				   "holding it)", sub.buf);
	} else if (n->url) {
		rc = check_literal_url(w, n, ynode_map_get(body, "url"),
				       sub.buf);
	}
	if (rc)
		goto done;
	if ((n->url_env && !env_name_ok(n->url_env)) ||
	    (n->secret_env && !env_name_ok(n->secret_env))) {
		v = ynode_map_get(body, n->url_env && !env_name_ok(n->url_env)
						? "url_env" : "secret_env");
		rc = walk_err_node(w, v, "%s: '%s' is not an environment "
				   "variable's name", sub.buf, v->text);
	} else if (n->kind != NOTIFIER_WEBHOOK &&
		   (n->secret_env || n->secret_file)) {
		v = ynode_map_get(body, n->secret_env ? "secret_env"
						      : "secret_file");
		rc = walk_err_node(w, v, "%s: only webhook: notifiers sign "
				   "with a secret (the URL is %s's secret)",
				   sub.buf, kinds[kind]);
	} else if (n->secret_env && n->secret_file) {
		rc = walk_err_node(w, body, "%s: secret_env or secret_file, not "
				   "both", sub.buf);
	}
	if (!rc && !n->name)
		n->name = xstrdup(kinds[kind]);
done:
	strbuf_release(&sub);
	return rc;
}

/* "METRIC OP NUMBER": the metric a known one, the operator one of
 * > >= < <=, the number finite. */
static int parse_when(struct walker *w, struct alert_rule *r,
		      const struct ynode *v, const char *what)
{
	static const char *const ops[] = { ">=", "<=", ">", "<" };
	static const enum alert_op op_of[] = { ALERT_GE, ALERT_LE, ALERT_GT,
					       ALERT_LT };
	const char *s, *start;
	char *word;
	size_t i;
	int m, st;

	if (v->kind != YNODE_SCALAR || ynode_is_null(v))
		goto bad;
	s = v->text;
	while (*s == ' ')
		s++;
	start = s;
	while (isalnum((unsigned char)*s) || *s == '_')
		s++;
	if (s == start)
		goto bad;
	word = xstrndup(start, (size_t)(s - start));
	for (m = 0; m < AM_COUNT; m++)
		if (!strcmp(word, alert_metric_names[m]))
			break;
	if (m == AM_COUNT) {
		walk_err_node(w, v, "%s.when: unknown metric '%s'", what, word);
		walk_hint_choices(word, alert_metric_names);
		free(word);
		return MLOPS_EINPUT;
	}
	free(word);
	r->metric = (enum alert_metric_id)m;
	while (*s == ' ')
		s++;
	for (i = 0; i < sizeof(ops) / sizeof(*ops); i++)
		if (!strncmp(s, ops[i], strlen(ops[i])))
			break;
	if (i == sizeof(ops) / sizeof(*ops))
		goto bad;
	r->op = op_of[i];
	s += strlen(ops[i]);
	if (!*s)
		goto bad;
	st = number_parse_str(s, &r->threshold);
	if (st == NUMBER_NONFINITE || st == NUMBER_RANGE)
		return walk_err_node(w, v, "%s.when: the threshold is %s", what,
				     number_problem(st));
	if (st)
		goto bad;
	if ((alert_metrics[m].flags & METRIC_SHARE) &&
	    !(r->threshold >= 0 && r->threshold <= 1))
		return walk_err_node(w, v, "%s.when: %s is a share: the threshold "
				     "lies in [0, 1]", what, alert_metric_names[m]);
	return 0;
bad:
	return walk_err_node(w, v, "%s.when must read METRIC OP NUMBER, such as "
			     "\"dataset_drift_share > 0.5\" (OP: > >= < <=)",
			     what);
}

static int check_feature(struct walker *w, const struct descriptor *d,
			 struct alert_rule *r, const struct ynode *rule,
			 const char *what)
{
	const struct ynode *v = ynode_map_get(rule, "feature");
	const char **names;
	size_t i;

	if (!r->feature)
		return 0;
	if (!(alert_metrics[r->metric].flags & METRIC_PER_FEATURE))
		return walk_err_node(w, v, "%s.feature: %s is not measured per "
				     "feature (feature_psi, feature_jensenshannon, "
				     "feature_statistic and feature_p_value "
				     "are)", what, alert_metric_names[r->metric]);
	if (!d->ninputs)
		return 0;
	for (i = 0; i < d->ninputs; i++)
		if (!strcmp(d->inputs[i].name, r->feature))
			return 0;
	walk_err_node(w, v, "%s.feature: '%s' is not an input of the signature",
		      what, r->feature);
	names = xcalloc(d->ninputs + 1, sizeof(*names));
	for (i = 0; i < d->ninputs; i++)
		names[i] = d->inputs[i].name;
	walk_hint_choices(r->feature, names);
	free(names);
	return MLOPS_EINPUT;
}

static int parse_rule(struct walker *w, const struct descriptor *d,
		      struct alert_rule *r, const struct ynode *n,
		      const char *what)
{
	static const char *const keys[] = { "name", "when", "feature", "for",
					    "cooldown", "severity", NULL };
	static const char *const severities[] = { "info", "warning",
						  "critical", NULL };
	const struct ynode *v;
	int rc, sev = SEVERITY_WARNING;

	rc = walk_want_kind(w, n, YNODE_MAP, what);
	if (!rc)
		rc = walk_check_keys(w, n, what, keys);
	if (!rc)
		rc = walk_require_key(w, n, "when", what, &v);
	if (!rc)
		rc = parse_when(w, r, v, what);
	if (!rc)
		rc = walk_get_str(w, n, "name", 0, what, &r->name);
	if (!rc)
		rc = walk_get_str(w, n, "feature", 0, what, &r->feature);
	if (!rc)
		rc = check_feature(w, d, r, n, what);
	if (!rc)
		rc = get_duration(w, n, "for", what, 0, &r->for_s);
	if (!rc)
		rc = get_duration(w, n, "cooldown", what, DEFAULT_COOLDOWN_S,
				  &r->cooldown_s);
	if (!rc)
		rc = walk_get_enum(w, n, "severity", severities, 0, what, &sev);
	r->severity = (enum alert_severity)sev;
	if (!rc && !r->name)
		r->name = alert_rule_condition(r);
	return rc;
}

static int parse_rules(struct walker *w, const struct descriptor *d,
		       struct alerts_config *a, const struct ynode *n)
{
	struct strbuf item = STRBUF_INIT;
	size_t i, j;
	int rc = walk_want_kind(w, n, YNODE_SEQ, "alerts.rules");

	if (!rc && n->n > ALERT_RULES_MAX)
		rc = walk_err_node(w, n, "alerts.rules lists %zu rules; at most "
				   "%d", n->n, ALERT_RULES_MAX);
	if (rc)
		return rc;
	a->rules = xcalloc(n->n + 1, sizeof(*a->rules));
	for (i = 0; i < n->n && !rc; i++) {
		strbuf_reset(&item);
		strbuf_addf(&item, "alerts.rules[%zu]", i);
		a->nrules++;
		rc = parse_rule(w, d, &a->rules[i], n->items[i], item.buf);
		for (j = 0; j < i && !rc; j++)
			if (!strcmp(a->rules[j].name, a->rules[i].name))
				rc = walk_err_node(w, n->items[i], "%s: the name "
						   "'%s' is taken by rules[%zu]",
						   item.buf, a->rules[i].name, j);
	}
	strbuf_release(&item);
	return rc;
}

static int parse_events(struct walker *w, struct alerts_config *a,
			const struct ynode *n)
{
	size_t i;
	int rc = walk_want_kind(w, n, YNODE_SEQ, "alerts.events"), e;

	for (i = 0; !rc && i < n->n; i++) {
		const struct ynode *it = n->items[i];

		for (e = 0; e < EV_COUNT && it->kind == YNODE_SCALAR; e++)
			if (!strcmp(it->text, alert_event_names[e]))
				break;
		if (it->kind == YNODE_SCALAR && e < EV_COUNT) {
			a->events |= 1u << e;
			continue;
		}
		walk_err_node(w, it, "alerts.events: unknown event '%s'",
			      it->kind == YNODE_SCALAR ? it->text : "...");
		walk_hint_choices(it->kind == YNODE_SCALAR ? it->text : "",
				  alert_event_names);
		rc = MLOPS_EINPUT;
	}
	return rc;
}

static int parse_notify(struct walker *w, struct alerts_config *a,
			const struct ynode *n)
{
	struct strbuf item = STRBUF_INIT;
	size_t i;
	int rc = walk_want_kind(w, n, YNODE_SEQ, "alerts.notify");

	if (!rc && !n->n)
		rc = walk_err_node(w, n, "alerts.notify must list at least one "
				   "notifier");
	if (!rc && n->n > ALERT_NOTIFIERS_MAX)
		rc = walk_err_node(w, n, "alerts.notify lists %zu notifiers; at "
				   "most %d", n->n, ALERT_NOTIFIERS_MAX);
	if (rc)
		return rc;
	a->notifiers = xcalloc(n->n, sizeof(*a->notifiers));
	for (i = 0; i < n->n && !rc; i++) {
		strbuf_reset(&item);
		strbuf_addf(&item, "alerts.notify[%zu]", i);
		a->nnotifiers++;
		rc = parse_notifier(w, &a->notifiers[i], n->items[i], item.buf);
	}
	strbuf_release(&item);
	return rc;
}

static int parse_timings(struct walker *w, struct alerts_config *a,
			 const struct ynode *n)
{
	int rc = get_duration(w, n, "evaluate_every", "alerts", 15,
			      &a->evaluate_every_s);

	if (!rc && a->evaluate_every_s < 0.1)
		rc = walk_err_node(w, ynode_map_get(n, "evaluate_every"),
				   "alerts.evaluate_every must be at least 100ms");
	if (!rc)
		rc = get_duration(w, n, "window", "alerts", 60, &a->window_s);
	if (!rc && a->window_s < 1)
		rc = walk_err_node(w, ynode_map_get(n, "window"),
				   "alerts.window must be at least 1s");
	if (!rc)
		rc = get_duration(w, n, "timeout", "alerts", 10, &a->timeout_s);
	if (!rc && a->timeout_s < 0.1)
		rc = walk_err_node(w, ynode_map_get(n, "timeout"),
				   "alerts.timeout must be at least 100ms");
	if (!rc)
		rc = get_duration(w, n, "retry_for", "alerts", 60,
				  &a->retry_for_s);
	if (!rc && a->retry_for_s < a->timeout_s)
		rc = walk_err_node(w, ynode_map_get(n, "retry_for") ?
				   ynode_map_get(n, "retry_for") : n,
				   "alerts.retry_for (%gs) must be at least "
				   "alerts.timeout (%gs)", a->retry_for_s,
				   a->timeout_s);
	return rc;
}

int descriptor_parse_alerts(struct walker *w, struct descriptor *d,
			    const struct ynode *n)
{
	static const char *const keys[] = { "notify", "rules", "events",
					    "dead_letter", "evaluate_every",
					    "window", "timeout", "retry_for",
					    NULL };
	struct alerts_config *a;
	const struct ynode *v;
	int rc;

	rc = walk_want_kind(w, n, YNODE_MAP, "alerts");
	if (!rc)
		rc = walk_check_keys(w, n, "alerts", keys);
	if (!rc)
		rc = walk_require_key(w, n, "notify", "alerts", &v);
	if (rc)
		return rc;
	a = xcalloc(1, sizeof(*a));
	rc = parse_notify(w, a, v);
	v = ynode_map_get(n, "rules");
	if (!rc && v)
		rc = parse_rules(w, d, a, v);
	v = ynode_map_get(n, "events");
	if (!rc && v)
		rc = parse_events(w, a, v);
	if (!rc)
		rc = walk_get_str(w, n, "dead_letter", 0, "alerts",
				  &a->dead_letter);
	if (!rc)
		rc = parse_timings(w, a, n);
	if (rc) {
		alerts_config_free(a);
		return rc;
	}
	d->alerts = a;
	return 0;
}
