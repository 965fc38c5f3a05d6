/* The alerts: section of mlops.yaml: where notifications go (webhook,
 * Slack, Teams), the rules on measured values that fire them, and the
 * lifecycle events that are sent as they happen. The words (metrics,
 * events) are defined here, so that the descriptor can refuse a word it
 * does not know and lib/alert can act on the ones it does. */
#ifndef MLOPS_DESCRIPTOR_ALERTS_H
#define MLOPS_DESCRIPTOR_ALERTS_H

#include <jansson.h>
#include <stddef.h>

/* How many of each a section may hold: mlops.yaml and a bundle's
 * descriptor are held to the same. */
#define ALERT_NOTIFIERS_MAX 100
#define ALERT_RULES_MAX 10000

enum alert_op { ALERT_GT, ALERT_GE, ALERT_LT, ALERT_LE };
enum alert_severity { SEVERITY_INFO, SEVERITY_WARNING, SEVERITY_CRITICAL };
enum notifier_kind { NOTIFIER_WEBHOOK, NOTIFIER_SLACK, NOTIFIER_TEAMS };

/* A metric rules can test: a value some command measures. */
#define METRIC_PER_FEATURE 1u /* one value per feature: `feature:` */
#define METRIC_SHARE 2u       /* a share: thresholds lie in [0, 1] */

struct alert_metric {
	const char *name;
	unsigned flags;
};

/* Every metric, in the order of enum alert_metric_id; names NULL-ended
 * in alert_metric_names. */
enum alert_metric_id {
	AM_DATASET_DRIFT_SHARE,
	AM_FEATURE_PSI,
	AM_FEATURE_JENSENSHANNON,
	AM_FEATURE_STATISTIC,
	AM_FEATURE_P_VALUE,
	AM_PREDICTION_PSI,
	AM_PREDICTION_JENSENSHANNON,
	AM_INVALID_ROW_SHARE,
	AM_ERROR_RATE,
	AM_LATENCY_P95_MS,
	AM_ACCURACY_DROP,
	AM_PRECISION_DROP,
	AM_RECALL_DROP,
	AM_F1_DROP,
	AM_AUC_DROP,
	AM_R2_DROP,
	AM_LOG_LOSS_RISE,
	AM_RMSE_RISE,
	AM_MAE_RISE,
	AM_COUNT
};
extern const struct alert_metric alert_metrics[AM_COUNT];
extern const char *const alert_metric_names[AM_COUNT + 1];

/* Lifecycle events, bit i of alerts_config.events. */
enum alert_event_id {
	EV_DEPLOY_SUCCEEDED,
	EV_DEPLOY_FAILED,
	EV_ROLLED_BACK,
	EV_CANARY_ABORTED,
	EV_RELOAD_FAILED,
	EV_DATA_CHECK_FAILED,
	EV_COUNT
};
extern const char *const alert_event_names[EV_COUNT + 1];

struct notifier_spec {
	enum notifier_kind kind;
	char *name;             /* as given (name:), else the kind's */
	/* Exactly one of the three: a literal URL, the variable holding
	 * it, or the file holding it. */
	char *url, *url_env, *url_file;
	/* Webhooks: the HMAC key's variable or file; neither: unsigned. */
	char *secret_env, *secret_file;
};

struct alert_rule {
	char *name;
	enum alert_metric_id metric;
	char *feature;          /* per-feature metrics: NULL is any */
	enum alert_op op;
	double threshold;
	double for_s;           /* it must hold this long (live rules) */
	double cooldown_s;      /* no second firing within this */
	enum alert_severity severity;
};

struct alerts_config {
	struct notifier_spec *notifiers;
	size_t nnotifiers;
	struct alert_rule *rules;
	size_t nrules;
	unsigned events;        /* 1u << enum alert_event_id */
	char *dead_letter;      /* NULL: the default under XDG state */
	double evaluate_every_s; /* serve: rules evaluated this often */
	double window_s;        /* serve: error rate and latency over this */
	double timeout_s;       /* one delivery attempt */
	double retry_for_s;     /* all attempts of one delivery */
};

const char *alert_op_name(enum alert_op op);
const char *alert_severity_name(enum alert_severity s);
const char *notifier_kind_name(enum notifier_kind k);
/* 1 when value op threshold holds. */
int alert_op_holds(enum alert_op op, double value, double threshold);
/* "feature_psi(income) > 0.1", "error_rate > 0.05": how the rule reads. */
char *alert_rule_condition(const struct alert_rule *r);

/* "host[:port]" of an http(s) URL without spaces or control characters,
 * or NULL when it is not one; *userinfo (may be NULL): 1 when the URL
 * holds user information (user:password@). */
char *alert_url_host(const char *url, int *userinfo);

void alerts_config_free(struct alerts_config *a);
/* The resolved form bundles carry, and back (checked again: EINPUT
 * naming what is malformed). */
json_t *alerts_config_to_json(const struct alerts_config *a);
int alerts_config_from_json(const json_t *j, struct alerts_config **out);

#endif
