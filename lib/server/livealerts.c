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
#include "performance.h"
#include "serving.h"

/* With no alerts: how often to look for a version that has some. */
#define IDLE_S 5.0

/* A model served, its alerts in use. */
struct watched {
	char *name;
	struct serving *cur;             /* whose alerts (a reference) */
	const struct alerts_config *a;   /* cur's; NULL: none */
	struct alert_sink *sink;
	/* The thread's own. */
	struct alert_rule_state *state;
	struct lookback window;          /* error rate, latency */
	int served;                      /* at the last look */
};

struct live_alerts {
	struct server *srv;
	struct live_alerts_opts o;
	pthread_t thread;
	int started;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int stop;
	/* Changed by the thread, under mu (events read them). */
	struct watched **w;
	size_t n;
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
		say(la, SINK_ERROR, "alerts of %s: %s", d->name,
		    mlops_error_last()->message);
		mlops_error_clear();
	} else {
		say(la, SINK_INFO, "alerts of %s: %zu rule%s, %zu notifier%s; "
		    "undelivered alerts go to %s", d->name, a->nrules,
		    plural(a->nrules), a->nnotifiers, plural(a->nnotifiers),
		    dead);
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

/* The version of w's model served now (sv, taken): its alerts in use
 * (the sink and the rules' state started again when they differ from
 * the last version's). */
static void follow_version(struct live_alerts *la, struct watched *w,
			   struct serving *sv)
{
	const struct alerts_config *na = sv->bm->d->alerts;
	struct alert_sink *old_sink = NULL, *new_sink = NULL;
	struct serving *old;
	int same;

	if (sv == w->cur) {
		serving_put(sv);
		return;
	}
	same = same_alerts(w->a, na);
	if (!same && na)
		new_sink = start_sink(la, sv->bm->d);
	pthread_mutex_lock(&la->mu);
	old = w->cur;
	w->cur = sv;
	w->a = na;
	if (!same) {
		old_sink = w->sink;
		w->sink = new_sink;
	}
	pthread_mutex_unlock(&la->mu);
	if (!same) {
		alert_sink_stop(old_sink, la->o.flush_s, NULL, NULL);
		free(w->state);
		w->state = na ? xcalloc(na->nrules + 1, sizeof(*w->state))
			      : NULL;
	}
	serving_put(old);
}

static void watched_free(struct live_alerts *la, struct watched *w)
{
	alert_sink_stop(w->sink, la->o.flush_s, NULL, NULL);
	serving_put(w->cur);
	free(w->state);
	lookback_release(&w->window);
	free(w->name);
	free(w);
}

/* The models served now, each its own alerts: new models are watched,
 * those no longer served dropped (their alerts flushed). */
static void follow_models(struct live_alerts *la)
{
	struct serving **svs = NULL;
	size_t n = server_models(la->srv, &svs), i, j, kept;
	struct watched **gone;

	for (j = 0; j < la->n; j++)
		la->w[j]->served = 0;
	for (i = 0; i < n; i++) {
		struct watched *w = NULL;

		for (j = 0; j < la->n && !w; j++)
			if (!strcmp(la->w[j]->name, svs[i]->bm->d->name))
				w = la->w[j];
		if (!w) {
			w = xcalloc(1, sizeof(*w));
			w->name = xstrdup(svs[i]->bm->d->name);
			lookback_init(&w->window);
			pthread_mutex_lock(&la->mu);
			la->w = xrealloc(la->w, (la->n + 1) * sizeof(*la->w));
			la->w[la->n++] = w;
			pthread_mutex_unlock(&la->mu);
		}
		w->served = 1;
		follow_version(la, w, svs[i]);
	}
	free(svs);
	gone = xcalloc(la->n + 1, sizeof(*gone));
	pthread_mutex_lock(&la->mu);
	for (i = kept = j = 0; i < la->n; i++)
		if (la->w[i]->served)
			la->w[kept++] = la->w[i];
		else
			gone[j++] = la->w[i];
	la->n = kept;
	pthread_mutex_unlock(&la->mu);
	for (i = 0; i < j; i++)
		watched_free(la, gone[i]);
	free(gone);
}

static uint64_t since(uint64_t now, uint64_t then)
{
	return now >= then ? now - then : now; /* a recycled slot restarted */
}

static void observe_requests(struct watched *w, double now,
			     struct alert_observations *o)
{
	struct prediction_totals cur, b;
	uint64_t req, err, lat[LATENCY_BUCKETS], count;
	size_t i;

	metrics_prediction_totals(w->cur->metrics, w->name, &cur);
	if (!lookback_take(&w->window, now, w->a->window_s, &cur, &b, NULL))
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

static void observe_drift(struct watched *w, struct alert_observations *o)
{
	json_t *j = live_drift_json(w->cur->drift), *f, *p;
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

/* 1 when a rule of a tests a drop or rise of live performance. */
static int uses_performance(const struct alerts_config *a)
{
	for (int m = AM_ACCURACY_DROP; m <= AM_MAE_RISE; m++)
		if (alert_uses_metric(a, (enum alert_metric_id)m))
			return 1;
	return 0;
}

static void evaluate(struct live_alerts *la, struct watched *w)
{
	struct alert_observations o = { 0 };
	struct alert_context c;
	json_t *fired = json_array(), *x;
	double now = now_s();
	size_t i;

	observe_requests(w, now, &o);
	if (w->cur->drift)
		observe_drift(w, &o);
	if (la->o.performance && uses_performance(w->a))
		perf_watch_observe(la->o.performance, w->cur, &o);
	context(w->cur, &c);
	alert_rules_eval(w->a, w->state, &o, now, 0, &c, fired);
	json_array_foreach(fired, i, x) {
		say(la, SINK_WARNING, "alert '%s' fired: %s", json_str(x, "name"),
		    json_str(x, "summary"));
		pthread_mutex_lock(&la->mu);
		alert_sink_post(w->sink, x);
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
		double wait = IDLE_S;
		struct timespec ts;
		size_t i;

		pthread_mutex_unlock(&la->mu);
		follow_models(la);
		for (i = 0; i < la->n; i++) {
			if (!la->w[i]->a)
				continue;
			evaluate(la, la->w[i]);
			if (la->w[i]->a->evaluate_every_s < wait)
				wait = la->w[i]->a->evaluate_every_s;
		}
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
	pthread_mutex_init(&la->mu, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&la->cv, &ca);
	pthread_condattr_destroy(&ca);
	/* The models' alerts at once: an event may come before the
	 * thread's first look. */
	follow_models(la);
	la->started = !pthread_create(&la->thread, NULL, run, la);
	if (!la->started) {
		live_alerts_stop(la);
		return mlops_error_set(MLOPS_EIO, "cannot start the live "
				       "alerts thread");
	}
	*out = la;
	return 0;
}

void live_alerts_event(struct live_alerts *la, const char *model,
		       enum alert_event_id e, enum alert_severity sev,
		       const char *summary)
{
	const struct alerts_config **sent;
	struct alert_context c;
	size_t i, j, nsent = 0;
	json_t *m;

	if (!la)
		return;
	pthread_mutex_lock(&la->mu);
	sent = xcalloc(la->n + 1, sizeof(*sent));
	for (i = 0; model && i < la->n; i++)
		if (!strcmp(la->w[i]->name, model)) {
			if (la->w[i]->sink && alert_wants_event(la->w[i]->a, e)) {
				context(la->w[i]->cur, &c);
				m = alert_event_message(e, sev, summary, NULL, &c);
				alert_sink_post(la->w[i]->sink, m);
				json_decref(m);
			}
			goto done;
		}
	/* A model none of whose versions serves: the server's event, to
	 * the notifiers of every model that subscribes to it, once per
	 * alerts: section. */
	memset(&c, 0, sizeof(c));
	c.source = "serve";
	c.model = model;
	for (i = 0; i < la->n; i++) {
		struct watched *w = la->w[i];

		if (!w->sink || !alert_wants_event(w->a, e))
			continue;
		for (j = 0; j < nsent && !same_alerts(sent[j], w->a); j++)
			;
		if (j < nsent)
			continue;
		sent[nsent++] = w->a;
		m = alert_event_message(e, sev, summary, NULL, &c);
		alert_sink_post(w->sink, m);
		json_decref(m);
	}
done:
	pthread_mutex_unlock(&la->mu);
	free(sent);
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
	for (size_t i = 0; i < la->n; i++)
		watched_free(la, la->w[i]);
	free(la->w);
	pthread_mutex_destroy(&la->mu);
	pthread_cond_destroy(&la->cv);
	free(la);
}
