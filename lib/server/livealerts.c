/* The live alerts thread of mlops serve (see livealerts.h). */
#include "livealerts.h"

#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../alert/deadletter.h"
#include "../alert/rules.h"
#include "../core/error.h"
#include "../core/fsutil.h"
#include "../core/jsonutil.h"
#include "../core/strbuf.h"
#include "../core/timeutil.h"
#include "../descriptor/alerts.h"
#include "livedrift.h"
#include "lookback.h"
#include "serving.h"

/* With no alerts: how often to look for a version that has some. */
#define IDLE_S 5.0

struct live_alerts {
	struct server *srv;
	struct live_alerts_opts o;
	pthread_t thread;
	int started;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int stop;
	/* Changed by the thread, under mu (events read them). */
	struct serving *cur;             /* whose alerts are in use */
	const struct alerts_config *a;   /* cur's; NULL: none */
	struct alert_sink *sink;
	/* The thread's own. */
	struct alert_rule_state *state;
	struct lookback window;          /* error rate, latency */
};

static double now_s(void)
{
	return (double)mono_ns() / 1e9;
}

#define say(la, level, ...) alert_log((la)->o.log, (la)->o.log_ctx, level, \
				      __VA_ARGS__)

static void context(const struct serving *sv, struct alert_context *c)
{
	memset(c, 0, sizeof(*c));
	c->source = "serve";
	c->model = sv->bm->d->name;
	c->version = sv->bm->d->version;
	c->digest = sv->digest;
}

static struct alert_sink *start_sink(struct live_alerts *la,
				     const struct descriptor *d)
{
	const struct alerts_config *a = d->alerts;
	struct alert_sink_opts so = { 0 };
	struct alert_sink *s = NULL;
	char *dead = a->dead_letter ? fs_join(d->dir, a->dead_letter)
				    : alert_default_dead_letter();

	so.timeout_s = a->timeout_s;
	so.retry_for_s = a->retry_for_s;
	so.dead_letter = dead;
	so.log = la->o.log;
	so.log_ctx = la->o.log_ctx;
	if (alert_sink_start(&s, a, d->dir, &so) < 0) {
		say(la, SINK_ERROR, "alerts: %s", mlops_error_last()->message);
		mlops_error_clear();
	} else {
		say(la, SINK_INFO, "alerts: %zu rule%s, %zu notifier%s; "
		    "undelivered alerts go to %s", a->nrules, plural(a->nrules),
		    a->nnotifiers, plural(a->nnotifiers), dead);
	}
	free(dead);
	return s;
}

static int same_alerts(const struct alerts_config *x,
		       const struct alerts_config *y)
{
	json_t *jx, *jy;
	int same;

	if (!x || !y)
		return x == y;
	jx = alerts_config_to_json(x);
	jy = alerts_config_to_json(y);
	same = json_equal(jx, jy);
	json_decref(jx);
	json_decref(jy);
	return same;
}

/* The version served now: its alerts in use (the sink and the rules'
 * state started again when they differ from the last version's). */
static void follow_version(struct live_alerts *la)
{
	struct serving *sv = server_acquire(la->srv), *old;
	/* Several models and no default one: no version to follow. */
	const struct alerts_config *na = sv ? sv->bm->d->alerts : NULL;
	struct alert_sink *old_sink = NULL, *new_sink = NULL;
	int same;

	if (sv == la->cur) {
		serving_put(sv);
		return;
	}
	same = same_alerts(la->a, na);
	if (!same && na)
		new_sink = start_sink(la, sv->bm->d);
	pthread_mutex_lock(&la->mu);
	old = la->cur;
	la->cur = sv;
	la->a = na;
	if (!same) {
		old_sink = la->sink;
		la->sink = new_sink;
	}
	pthread_mutex_unlock(&la->mu);
	if (!same) {
		alert_sink_stop(old_sink, la->o.flush_s, NULL, NULL);
		free(la->state);
		la->state = na ? xcalloc(na->nrules + 1, sizeof(*la->state))
			       : NULL;
	}
	serving_put(old);
}

static uint64_t since(uint64_t now, uint64_t then)
{
	return now >= then ? now - then : now; /* a recycled slot restarted */
}

static void observe_requests(struct live_alerts *la, double now,
			     struct alert_observations *o)
{
	struct prediction_totals cur, b;
	uint64_t req, err, lat[LATENCY_BUCKETS], count;
	size_t i;

	metrics_prediction_totals(la->cur->metrics, &cur);
	if (!lookback_take(&la->window, now, la->a->window_s, &cur, &b, NULL))
		return;
	req = since(cur.requests, b.requests);
	err = since(cur.errors, b.errors);
	count = since(cur.latency_count, b.latency_count);
	for (i = 0; i < LATENCY_BUCKETS; i++)
		lat[i] = since(cur.latency[i], b.latency[i]);
	if (req)
		alert_obs_add(o, AM_ERROR_RATE, NULL,
			      (double)(err > req ? req : err) / (double)req);
	if (count)
		alert_obs_add(o, AM_LATENCY_P95_MS, NULL,
			      metrics_latency_quantile_ms(lat, count, 0.95));
}

static double num(const json_t *o, const char *key)
{
	const json_t *v = json_object_get(o, key);

	return json_is_number(v) ? json_number_value(v) : NAN;
}

static void observe_drift(struct live_alerts *la,
			  struct alert_observations *o)
{
	json_t *j = live_drift_json(la->cur->drift), *f, *p;
	size_t i, with_rows = 0, drifted = 0;

	json_array_foreach(json_object_get(j, "features"), i, f) {
		if (!(num(f, "rows") > 0))
			continue;
		with_rows++;
		drifted += json_is_true(json_object_get(f, "drifted"));
		alert_obs_add(o, AM_FEATURE_PSI, json_str(f, "feature"),
			      num(f, "psi"));
		alert_obs_add(o, AM_FEATURE_JENSENSHANNON,
			      json_str(f, "feature"), num(f, "jensenshannon"));
	}
	if (with_rows)
		alert_obs_add(o, AM_DATASET_DRIFT_SHARE, NULL,
			      (double)drifted / (double)with_rows);
	p = json_object_get(j, "prediction");
	if (json_is_object(p) && num(p, "rows") > 0) {
		alert_obs_add(o, AM_PREDICTION_PSI, NULL, num(p, "psi"));
		alert_obs_add(o, AM_PREDICTION_JENSENSHANNON, NULL,
			      num(p, "jensenshannon"));
	}
	json_decref(j);
}

static void evaluate(struct live_alerts *la)
{
	struct alert_observations o = { 0 };
	struct alert_context c;
	json_t *fired = json_array(), *x;
	double now = now_s();
	size_t i;

	observe_requests(la, now, &o);
	if (la->cur->drift)
		observe_drift(la, &o);
	context(la->cur, &c);
	alert_rules_eval(la->a, la->state, &o, now, 0, &c, fired);
	json_array_foreach(fired, i, x) {
		say(la, SINK_WARNING, "alert '%s' fired: %s", json_str(x, "name"),
		    json_str(x, "summary"));
		pthread_mutex_lock(&la->mu);
		alert_sink_post(la->sink, x);
		pthread_mutex_unlock(&la->mu);
	}
	json_decref(fired);
	alert_obs_release(&o);
}

static void *run(void *arg)
{
	struct live_alerts *la = arg;

	pthread_mutex_lock(&la->mu);
	while (!la->stop) {
		double wait;
		struct timespec ts;

		pthread_mutex_unlock(&la->mu);
		follow_version(la);
		if (la->a)
			evaluate(la);
		wait = la->a ? la->a->evaluate_every_s : IDLE_S;
		clock_gettime(CLOCK_MONOTONIC, &ts);
		ts.tv_sec += (time_t)wait;
		ts.tv_nsec += (long)((wait - floor(wait)) * 1e9);
		if (ts.tv_nsec >= 1000000000L) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000L;
		}
		pthread_mutex_lock(&la->mu);
		while (!la->stop &&
		       pthread_cond_timedwait(&la->cv, &la->mu, &ts) == 0)
			;
	}
	pthread_mutex_unlock(&la->mu);
	mlops_error_thread_exit();
	return NULL;
}

int live_alerts_start(struct live_alerts **out, struct server *srv,
		      const struct live_alerts_opts *o)
{
	struct live_alerts *la = xcalloc(1, sizeof(*la));
	pthread_condattr_t ca;

	*out = NULL;
	la->srv = srv;
	la->o = *o;
	lookback_init(&la->window);
	pthread_mutex_init(&la->mu, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&la->cv, &ca);
	pthread_condattr_destroy(&ca);
	/* The first version's alerts at once: an event may come before the
	 * thread's first look. */
	follow_version(la);
	la->started = !pthread_create(&la->thread, NULL, run, la);
	if (!la->started) {
		live_alerts_stop(la);
		return mlops_error_set(MLOPS_EIO, "cannot start the live "
				       "alerts thread");
	}
	*out = la;
	return 0;
}

void live_alerts_event(struct live_alerts *la, enum alert_event_id e,
		       enum alert_severity sev, const char *summary)
{
	struct alert_context c;
	json_t *m;

	if (!la)
		return;
	pthread_mutex_lock(&la->mu);
	if (la->sink && alert_wants_event(la->a, e)) {
		context(la->cur, &c);
		m = alert_event_message(e, sev, summary, NULL, &c);
		alert_sink_post(la->sink, m);
		json_decref(m);
	}
	pthread_mutex_unlock(&la->mu);
}

void live_alerts_stop(struct live_alerts *la)
{
	if (!la)
		return;
	pthread_mutex_lock(&la->mu);
	la->stop = 1;
	pthread_cond_signal(&la->cv);
	pthread_mutex_unlock(&la->mu);
	if (la->started)
		pthread_join(la->thread, NULL);
	alert_sink_stop(la->sink, la->o.flush_s, NULL, NULL);
	serving_put(la->cur);
	free(la->state);
	lookback_release(&la->window);
	pthread_mutex_destroy(&la->mu);
	pthread_cond_destroy(&la->cv);
	free(la);
}
