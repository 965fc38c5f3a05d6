/* The alerts: section's words, its resolved JSON form (what a bundle
 * carries) and the reading back of that form. */
#include "alerts.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../core/error.h"
#include "../core/jsonutil.h"
#include "../core/number.h"
#include "../core/strbuf.h"

const struct alert_metric alert_metrics[AM_COUNT] = {
	[AM_DATASET_DRIFT_SHARE] = { "dataset_drift_share", METRIC_SHARE },
	[AM_FEATURE_PSI] = { "feature_psi", METRIC_PER_FEATURE },
	[AM_FEATURE_JENSENSHANNON] = { "feature_jensenshannon",
				       METRIC_PER_FEATURE },
	[AM_FEATURE_STATISTIC] = { "feature_statistic", METRIC_PER_FEATURE },
	[AM_FEATURE_P_VALUE] = { "feature_p_value",
				 METRIC_PER_FEATURE | METRIC_SHARE },
	[AM_PREDICTION_PSI] = { "prediction_psi", 0 },
	[AM_PREDICTION_JENSENSHANNON] = { "prediction_jensenshannon", 0 },
	[AM_INVALID_ROW_SHARE] = { "invalid_row_share", METRIC_SHARE },
	[AM_ERROR_RATE] = { "error_rate", METRIC_SHARE },
	[AM_LATENCY_P95_MS] = { "latency_p95_ms", 0 },
	[AM_ACCURACY_DROP] = { "accuracy_drop", 0 },
	[AM_PRECISION_DROP] = { "precision_drop", 0 },
	[AM_RECALL_DROP] = { "recall_drop", 0 },
	[AM_F1_DROP] = { "f1_drop", 0 },
	[AM_AUC_DROP] = { "auc_drop", 0 },
	[AM_R2_DROP] = { "r2_drop", 0 },
	[AM_LOG_LOSS_RISE] = { "log_loss_rise", 0 },
	[AM_RMSE_RISE] = { "rmse_rise", 0 },
	[AM_MAE_RISE] = { "mae_rise", 0 },
};

const char *const alert_metric_names[AM_COUNT + 1] = {
	"dataset_drift_share", "feature_psi", "feature_jensenshannon",
	"feature_statistic", "feature_p_value", "prediction_psi",
	"prediction_jensenshannon", "invalid_row_share", "error_rate",
	"latency_p95_ms", "accuracy_drop", "precision_drop", "recall_drop",
	"f1_drop", "auc_drop", "r2_drop", "log_loss_rise", "rmse_rise",
	"mae_rise", NULL,
};

const char *const alert_event_names[EV_COUNT + 1] = {
	"deploy_succeeded", "deploy_failed", "rolled_back", "canary_aborted",
	"reload_failed", "data_check_failed", NULL,
};

static const char *const op_names[] = { ">", ">=", "<", "<=", NULL };
static const char *const severity_names[] = { "info", "warning", "critical",
					      NULL };
static const char *const kind_names[] = { "webhook", "slack", "teams", NULL };

const char *alert_op_name(enum alert_op op) { return op_names[op]; }
const char *alert_severity_name(enum alert_severity s)
{
	return severity_names[s];
}
const char *notifier_kind_name(enum notifier_kind k) { return kind_names[k]; }

int alert_op_holds(enum alert_op op, double v, double t)
{
	switch (op) {
	case ALERT_GT:
		return v > t;
	case ALERT_GE:
		return v >= t;
	case ALERT_LT:
		return v < t;
	case ALERT_LE:
		break;
	}
	return v <= t;
}

char *alert_rule_condition(const struct alert_rule *r)
{
	struct strbuf sb = STRBUF_INIT;
	char num[NUMBER_FORMAT_MAX];

	number_format(r->threshold, num);
	strbuf_addstr(&sb, alert_metrics[r->metric].name);
	if (r->feature)
		strbuf_addf(&sb, "(%s)", r->feature);
	strbuf_addf(&sb, " %s %s", op_names[r->op], num);
	return strbuf_detach(&sb);
}

char *alert_url_host(const char *url, int *userinfo)
{
	const char *p, *end, *q;
	size_t i;

	if (userinfo)
		*userinfo = 0;
	if (!strncmp(url, "https://", 8))
		p = url + 8;
	else if (!strncmp(url, "http://", 7))
		p = url + 7;
	else
		return NULL;
	for (i = 0; url[i]; i++)
		if ((unsigned char)url[i] <= ' ' || url[i] == 0x7f)
			return NULL;
	end = p + strcspn(p, "/?#");
	/* The last '@' of the authority ends user information, as curl
	 * reads it. */
	for (q = end; q > p && q[-1] != '@'; q--)
		;
	if (q > p) {
		if (userinfo)
			*userinfo = 1;
		p = q;
	}
	if (end == p || *p == ':')
		return NULL;
	return xstrndup(p, (size_t)(end - p));
}

void alerts_config_free(struct alerts_config *a)
{
	size_t i;

	if (!a)
		return;
	for (i = 0; a->notifiers && i < a->nnotifiers; i++) {
		struct notifier_spec *n = &a->notifiers[i];

		free(n->name);
		free(n->url);
		free(n->url_env);
		free(n->url_file);
		free(n->secret_env);
		free(n->secret_file);
	}
	free(a->notifiers);
	for (i = 0; a->rules && i < a->nrules; i++) {
		free(a->rules[i].name);
		free(a->rules[i].feature);
	}
	free(a->rules);
	free(a->dead_letter);
	free(a);
}

static void set_str(json_t *o, const char *key, const char *v)
{
	if (v)
		json_object_set_new(o, key, json_string(v));
}

json_t *alerts_config_to_json(const struct alerts_config *a)
{
	json_t *o = json_object(), *notify = json_array(), *rules = json_array();
	json_t *events = json_array();
	size_t i;

	for (i = 0; i < a->nnotifiers; i++) {
		const struct notifier_spec *n = &a->notifiers[i];
		json_t *j = json_object();

		json_object_set_new(j, "kind",
				    json_string(kind_names[n->kind]));
		set_str(j, "name", n->name);
		set_str(j, "url", n->url);
		set_str(j, "url_env", n->url_env);
		set_str(j, "url_file", n->url_file);
		set_str(j, "secret_env", n->secret_env);
		set_str(j, "secret_file", n->secret_file);
		json_array_append_new(notify, j);
	}
	for (i = 0; i < a->nrules; i++) {
		const struct alert_rule *r = &a->rules[i];
		json_t *j = json_object();

		json_object_set_new(j, "name", json_string(r->name));
		json_object_set_new(j, "metric",
				    json_string(alert_metrics[r->metric].name));
		set_str(j, "feature", r->feature);
		json_object_set_new(j, "op", json_string(op_names[r->op]));
		json_object_set_new(j, "threshold", json_number(r->threshold));
		json_object_set_new(j, "for_seconds", json_number(r->for_s));
		json_object_set_new(j, "cooldown_seconds",
				    json_number(r->cooldown_s));
		json_object_set_new(j, "severity",
				    json_string(severity_names[r->severity]));
		json_array_append_new(rules, j);
	}
	for (i = 0; i < EV_COUNT; i++)
		if (a->events & (1u << i))
			json_array_append_new(events,
					      json_string(alert_event_names[i]));
	json_object_set_new(o, "notify", notify);
	json_object_set_new(o, "rules", rules);
	json_object_set_new(o, "events", events);
	set_str(o, "dead_letter", a->dead_letter);
	json_object_set_new(o, "evaluate_every_seconds",
			    json_number(a->evaluate_every_s));
	json_object_set_new(o, "window_seconds", json_number(a->window_s));
	json_object_set_new(o, "timeout_seconds", json_number(a->timeout_s));
	json_object_set_new(o, "retry_for_seconds",
			    json_number(a->retry_for_s));
	return o;
}

static int pick(const char *s, const char *const *names)
{
	int i;

	for (i = 0; s && names[i]; i++)
		if (!strcmp(s, names[i]))
			return i;
	return -1;
}

static char *dup_opt(const json_t *o, const char *key)
{
	const char *s = json_str(o, key);

	return s && *s ? xstrdup(s) : NULL;
}

/* A duration in seconds: present, finite, from 0 to a year. */
static int seconds(const json_t *o, const char *key, double *out)
{
	const json_t *v = json_object_get(o, key);

	if (!json_is_number(v))
		return -1;
	*out = json_number_value(v);
	return *out >= 0 && *out <= 366 * 86400.0 ? 0 : -1;
}

static int notifier_from_json(const json_t *j, struct notifier_spec *n)
{
	int kind = pick(json_str(j, "kind"), kind_names);

	if (kind < 0)
		return -1;
	n->kind = (enum notifier_kind)kind;
	n->name = dup_opt(j, "name");
	n->url = dup_opt(j, "url");
	n->url_env = dup_opt(j, "url_env");
	n->url_file = dup_opt(j, "url_file");
	n->secret_env = dup_opt(j, "secret_env");
	n->secret_file = dup_opt(j, "secret_file");
	if (!n->name || !!n->url + !!n->url_env + !!n->url_file != 1 ||
	    (n->secret_env && n->secret_file) ||
	    (n->kind != NOTIFIER_WEBHOOK && (n->secret_env || n->secret_file)))
		return -1;
	if (n->url) {
		char *host = alert_url_host(n->url, NULL);
		int bad = !host;

		free(host);
		if (bad)
			return -1;
	}
	return 0;
}

static int rule_from_json(const json_t *j, struct alert_rule *r)
{
	int metric = pick(json_str(j, "metric"), alert_metric_names);
	int op = pick(json_str(j, "op"), op_names);
	int sev = pick(json_str(j, "severity"), severity_names);
	const json_t *t = json_object_get(j, "threshold");

	r->name = dup_opt(j, "name");
	r->feature = dup_opt(j, "feature");
	if (!r->name || metric < 0 || op < 0 || sev < 0 || !json_is_number(t))
		return -1;
	r->metric = (enum alert_metric_id)metric;
	r->op = (enum alert_op)op;
	r->severity = (enum alert_severity)sev;
	r->threshold = json_number_value(t);
	if (!isfinite(r->threshold) ||
	    (r->feature && !(alert_metrics[metric].flags & METRIC_PER_FEATURE)))
		return -1;
	if (seconds(j, "for_seconds", &r->for_s) ||
	    seconds(j, "cooldown_seconds", &r->cooldown_s))
		return -1;
	return 0;
}

int alerts_config_from_json(const json_t *j, struct alerts_config **out)
{
	struct alerts_config *a = xcalloc(1, sizeof(*a));
	const json_t *notify = json_object_get(j, "notify");
	const json_t *rules = json_object_get(j, "rules");
	const json_t *events = json_object_get(j, "events"), *v;
	const char *what = NULL;
	size_t i, k;

	*out = NULL;
	if (!json_is_array(notify) || !json_array_size(notify) ||
	    json_array_size(notify) > ALERT_NOTIFIERS_MAX ||
	    !json_is_array(rules) || json_array_size(rules) > ALERT_RULES_MAX ||
	    !json_is_array(events)) {
		what = "alerts";
		goto bad;
	}
	a->notifiers = xcalloc(json_array_size(notify), sizeof(*a->notifiers));
	json_array_foreach(notify, i, v) {
		a->nnotifiers++;
		if (notifier_from_json(v, &a->notifiers[i]) < 0) {
			what = "alerts.notify";
			goto bad;
		}
	}
	a->rules = xcalloc(json_array_size(rules) + 1, sizeof(*a->rules));
	json_array_foreach(rules, i, v) {
		a->nrules++;
		if (rule_from_json(v, &a->rules[i]) < 0) {
			what = "alerts.rules";
			goto bad;
		}
		for (k = 0; k < i; k++)
			if (!strcmp(a->rules[k].name, a->rules[i].name)) {
				what = "alerts.rules (a name twice)";
				goto bad;
			}
	}
	json_array_foreach(events, i, v) {
		int e = pick(json_string_value(v), alert_event_names);

		if (e < 0) {
			what = "alerts.events";
			goto bad;
		}
		a->events |= 1u << e;
	}
	a->dead_letter = dup_opt(j, "dead_letter");
	if (seconds(j, "evaluate_every_seconds", &a->evaluate_every_s) ||
	    seconds(j, "window_seconds", &a->window_s) ||
	    seconds(j, "timeout_seconds", &a->timeout_s) ||
	    seconds(j, "retry_for_seconds", &a->retry_for_s) ||
	    a->evaluate_every_s < 0.1 || a->window_s < 1 ||
	    a->timeout_s < 0.1 || a->retry_for_s < a->timeout_s) {
		what = "alerts (timings)";
		goto bad;
	}
	*out = a;
	return 0;
bad:
	alerts_config_free(a);
	return mlops_error_set(MLOPS_EINPUT, "the bundle's descriptor is "
			       "malformed: %s", what);
}
