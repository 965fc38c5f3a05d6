/* The delivery thread: a queue of (alert, notifier) deliveries, each
 * sent when due, retried with backoff, dead-lettered when it keeps
 * failing or the sink stops before it went out. */
#include "sink.h"

#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../core/error.h"
#include "../core/strbuf.h"
#include "../core/timeutil.h"
#include "deadletter.h"

#define DEFAULT_MAX_QUEUE 1000
#define BACKOFF_FIRST_S 0.5
#define BACKOFF_MAX_S 30.0
/* How often a waiting thread looks at alert_sink_hurry(). */
#define POLL_S 0.1
/* Less of retry_for than this left: no fair try (a connection alone may
 * take it). */
#define MIN_ATTEMPT_S 0.1

struct delivery {
	struct delivery *next;
	size_t notifier;
	json_t *alert;
	unsigned attempts;
	double posted, next_at; /* monotonic seconds */
	long status;
	char why[256];
};

struct alert_sink;

/* One sending thread a notifier: a service that hangs delays no other. */
struct lane {
	struct alert_sink *s;
	size_t notifier;
	pthread_t thread;
	int started;
	size_t queued;  /* its deliveries waiting (the bound is per lane) */
};

struct alert_sink {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct lane *lanes;
	struct notifier *n;
	size_t nn;
	struct alert_sink_opts o;
	char *dead_letter;
	struct delivery *head;
	int stopping;
	double deadline;        /* while stopping */
	size_t failed;
	struct delivery_result *results;
	size_t nresults, aresults;
	unsigned rng;
};

/* Set by a signal handler in one thread, read by the sending threads:
 * a lock-free atomic (async-signal-safe, and seen across threads, which
 * volatile sig_atomic_t is not made for). */
static int hurry;

void alert_sink_hurry(void)
{
	__atomic_store_n(&hurry, 1, __ATOMIC_RELAXED);
}

static int hurried(void)
{
	return __atomic_load_n(&hurry, __ATOMIC_RELAXED);
}

static double now_s(void)
{
	return (double)mono_ns() / 1e9;
}

void alert_log(void (*log)(void *ctx, enum sink_log level, const char *line),
	       void *ctx, enum sink_log level, const char *fmt, ...)
{
	struct strbuf sb = STRBUF_INIT;
	va_list ap;

	if (!log)
		return;
	va_start(ap, fmt);
	strbuf_vaddf(&sb, fmt, ap);
	va_end(ap);
	log(ctx, level, sb.buf);
	strbuf_release(&sb);
}

#define say(s, level, ...) alert_log((s)->o.log, (s)->o.log_ctx, level, \
				     __VA_ARGS__)

/* Called with the lock held. */
static void note_result(struct alert_sink *s, const struct delivery *d,
			int delivered, int dead)
{
	struct delivery_result *r;

	if (!delivered)
		s->failed++;
	if (!s->o.keep_results)
		return;
	ARRAY_GROW(s->results, s->nresults + 1, s->aresults);
	r = &s->results[s->nresults++];
	memset(r, 0, sizeof(*r));
	r->notifier = d->notifier;
	r->delivered = delivered;
	r->status = d->status;
	r->attempts = d->attempts;
	r->seconds = now_s() - d->posted;
	r->dead_lettered = dead;
	snprintf(r->why, sizeof(r->why), "%s", d->why);
}

/* A delivery that will not go out: to the dead-letter file, when there
 * is one. Called with the lock held (the file is written rarely). */
static void give_up(struct alert_sink *s, struct delivery *d)
{
	const struct notifier *n = &s->n[d->notifier];
	const char *name = json_string_value(json_object_get(d->alert, "name"));
	char when[32];
	json_t *rec;
	int dead = 0;

	if (s->dead_letter) {
		time_iso8601((int64_t)time(NULL), when);
		rec = json_object();
		json_object_set_new(rec, "time", json_string(when));
		json_object_set_new(rec, "notifier", json_string(n->name));
		json_object_set_new(rec, "kind",
				    json_string(notifier_kind_name(n->kind)));
		if (n->host)
			json_object_set_new(rec, "host", json_string(n->host));
		json_object_set_new(rec, "attempts",
				    json_integer((json_int_t)d->attempts));
		json_object_set_new(rec, "error", json_string(d->why));
		json_object_set(rec, "alert", d->alert);
		if (dead_letter_append(s->dead_letter, rec) == 0) {
			dead = 1;
		} else {
			say(s, SINK_ERROR, "alert '%s' for %s is lost: %s",
			    name ? name : "?", n->label,
			    mlops_error_last()->message);
			mlops_error_clear();
		}
		json_decref(rec);
	}
	if (dead)
		say(s, SINK_WARNING, "alert '%s' not delivered to %s: %s "
		    "(%u attempt%s); kept in %s", name ? name : "?", n->label,
		    d->why, d->attempts, plural(d->attempts), s->dead_letter);
	else if (!s->dead_letter)
		say(s, SINK_WARNING, "alert '%s' not delivered to %s: %s "
		    "(%u attempt%s)", name ? name : "?", n->label, d->why,
		    d->attempts, plural(d->attempts));
	note_result(s, d, 0, dead);
}

static void delivery_free(struct delivery *d)
{
	json_decref(d->alert);
	free(d);
}

/* Backoff before attempt k + 1: 0.5 s doubled each time, up to 30 s,
 * with "equal jitter" (half fixed, half random) so that many senders
 * do not retry in step. */
static double backoff(struct alert_sink *s, unsigned attempts)
{
	double d = BACKOFF_FIRST_S * pow(2, attempts > 16 ? 16 : attempts - 1);

	if (d > BACKOFF_MAX_S)
		d = BACKOFF_MAX_S;
	return d / 2 + d / 2 * ((double)rand_r(&s->rng) / RAND_MAX);
}

static int cancelled(void *ctx)
{
	struct alert_sink *s = ctx;
	int stopping;
	double deadline;

	if (hurried())
		return 1;
	pthread_mutex_lock(&s->mu);
	stopping = s->stopping;
	deadline = s->deadline;
	pthread_mutex_unlock(&s->mu);
	return stopping && now_s() >= deadline;
}

/* Whether a delivery for notifier i waits. Lock held. */
static int has_work(const struct alert_sink *s, size_t i)
{
	const struct delivery *d;

	for (d = s->head; d; d = d->next)
		if (d->notifier == i)
			return 1;
	return 0;
}

/* Notifier i's due delivery with the earliest time, unlinked; NULL when
 * none is due (*wake: when the next one is). Lock held. */
static struct delivery *take_due(struct alert_sink *s, size_t i, double now,
				 double *wake)
{
	struct delivery **p, **best = NULL;
	struct delivery *d;

	for (p = &s->head; *p; p = &(*p)->next)
		if ((*p)->notifier == i &&
		    (!best || (*p)->next_at < (*best)->next_at))
			best = p;
	if (!best)
		return NULL;
	if ((*best)->next_at > now) {
		*wake = (*best)->next_at;
		return NULL;
	}
	d = *best;
	*best = d->next;
	d->next = NULL;
	s->lanes[i].queued--;
	return d;
}

static void enqueue(struct alert_sink *s, struct delivery *d)
{
	struct delivery **p = &s->head;

	while (*p)
		p = &(*p)->next;
	*p = d;
	s->lanes[d->notifier].queued++;
}

/* One attempt, the lock not held; then the outcome, with it. */
static void attempt(struct alert_sink *s, CURL *curl, struct delivery *d)
{
	const struct notifier *n = &s->n[d->notifier];
	const char *id = json_string_value(json_object_get(d->alert, "id"));
	struct strbuf body = STRBUF_INIT;
	struct attempt a;
	double now = now_s(), left = d->posted + s->o.retry_for_s - now;
	double limit = s->o.timeout_s, delay;

	pthread_mutex_lock(&s->mu);
	if (s->stopping && s->deadline - now < limit)
		limit = s->deadline - now;
	pthread_mutex_unlock(&s->mu);
	if (left < limit)
		limit = left;
	notifier_payload(n->kind, d->alert, &body);
	d->attempts++;
	notifier_attempt(curl, n, body.buf, body.len, id ? id : "-",
			 (long)(limit * 1000), cancelled, s, &a);
	strbuf_release(&body);
	d->status = a.status;
	snprintf(d->why, sizeof(d->why), "%s", a.why);
	pthread_mutex_lock(&s->mu);
	now = now_s();
	if (a.delivered) {
		say(s, SINK_INFO, "alert '%s' delivered to %s (HTTP %ld, %u "
		    "attempt%s)", json_string_value(json_object_get(d->alert,
								       "name")),
		    n->label, a.status, d->attempts, plural(d->attempts));
		note_result(s, d, 1, 0);
		delivery_free(d);
		return;
	}
	delay = backoff(s, d->attempts);
	if (a.retry_after > delay)
		delay = a.retry_after;
	if (!a.retry ||
	    now + delay + MIN_ATTEMPT_S > d->posted + s->o.retry_for_s) {
		if (a.retry)
			snprintf(d->why + strlen(d->why),
				 sizeof(d->why) - strlen(d->why),
				 "; gave up after %.0f s", now - d->posted);
		give_up(s, d);
		delivery_free(d);
		return;
	}
	say(s, SINK_INFO, "alert '%s' to %s: %s; retrying in %.1f s",
	    json_string_value(json_object_get(d->alert, "name")), n->label,
	    d->why, delay);
	d->next_at = now + delay;
	enqueue(s, d);
}

/* A delivery whose retry_for ran out (but for less than MIN_ATTEMPT_S)
 * while it waited for its lane, the notifier busy with earlier ones:
 * given up without a try that could not be a fair one. Lock held. */
static void expire(struct alert_sink *s, struct delivery *d, double now)
{
	size_t used = strlen(d->why);

	if (!used)
		snprintf(d->why, sizeof(d->why), "not sent within retry_for "
			 "(%.0f s): the notifier was busy with earlier "
			 "deliveries", s->o.retry_for_s);
	else
		snprintf(d->why + used, sizeof(d->why) - used, "; gave up after "
			 "%.0f s", now - d->posted);
	give_up(s, d);
	delivery_free(d);
}

static void wait_until(struct alert_sink *s, double when)
{
	struct timespec ts;
	double now = now_s(), wall;

	if (when > now + POLL_S)
		when = now + POLL_S;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	wall = (double)ts.tv_sec + (double)ts.tv_nsec / 1e9 + (when - now);
	ts.tv_sec = (time_t)wall;
	ts.tv_nsec = (long)((wall - (double)ts.tv_sec) * 1e9);
	pthread_cond_timedwait(&s->cv, &s->mu, &ts);
}

static void *run(void *arg)
{
	struct lane *lane = arg;
	struct alert_sink *s = lane->s;
	CURL *curl = curl_easy_init();

	pthread_mutex_lock(&s->mu);
	for (;;) {
		double now = now_s(), wake = INFINITY;
		struct delivery *d;

		if (s->stopping && hurried() && s->deadline > now)
			s->deadline = now;
		if (s->stopping && (!has_work(s, lane->notifier) ||
				    now >= s->deadline))
			break;
		d = take_due(s, lane->notifier, now, &wake);
		if (!d) {
			if (s->stopping && s->deadline < wake)
				wake = s->deadline;
			wait_until(s, wake);
			continue;
		}
		if (now + MIN_ATTEMPT_S > d->posted + s->o.retry_for_s) {
			expire(s, d, now);
			continue;
		}
		pthread_mutex_unlock(&s->mu);
		if (!curl) {
			snprintf(d->why, sizeof(d->why), "libcurl could not "
				 "start");
			pthread_mutex_lock(&s->mu);
			give_up(s, d);
			delivery_free(d);
			continue;
		}
		attempt(s, curl, d);
	}
	pthread_mutex_unlock(&s->mu);
	if (curl)
		curl_easy_cleanup(curl);
	mlops_error_thread_exit();
	return NULL;
}

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;

static void curl_start(void)
{
	curl_global_init(CURL_GLOBAL_DEFAULT);
}

int alert_sink_start(struct alert_sink **out, const struct alerts_config *a,
		     const char *dir, const struct alert_sink_opts *o)
{
	struct alert_sink *s = xcalloc(1, sizeof(*s));
	pthread_condattr_t ca;
	size_t i;

	*out = NULL;
	pthread_once(&curl_once, curl_start);
	s->o = *o;
	if (!s->o.max_queue)
		s->o.max_queue = DEFAULT_MAX_QUEUE;
	s->dead_letter = o->dead_letter ? xstrdup(o->dead_letter) : NULL;
	s->rng = (unsigned)mono_ns() ^ (unsigned)time(NULL);
	s->n = xcalloc(a->nnotifiers + 1, sizeof(*s->n));
	s->nn = a->nnotifiers;
	for (i = 0; i < a->nnotifiers; i++)
		notifier_resolve(&s->n[i], &a->notifiers[i], dir);
	pthread_mutex_init(&s->mu, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&s->cv, &ca);
	pthread_condattr_destroy(&ca);
	s->lanes = xcalloc(s->nn + 1, sizeof(*s->lanes));
	for (i = 0; i < s->nn; i++) {
		s->lanes[i].s = s;
		s->lanes[i].notifier = i;
		s->lanes[i].started = !pthread_create(&s->lanes[i].thread, NULL,
						      run, &s->lanes[i]);
		if (!s->lanes[i].started) {
			alert_sink_stop(s, 0, NULL, NULL);
			return mlops_error_set(MLOPS_EIO, "cannot start the "
					       "alert delivery threads");
		}
	}
	*out = s;
	return 0;
}

void alert_sink_post(struct alert_sink *s, const json_t *alert)
{
	size_t i;

	if (!s || !alert)
		return;
	pthread_mutex_lock(&s->mu);
	for (i = 0; i < s->nn; i++) {
		struct delivery *d = xcalloc(1, sizeof(*d));

		d->notifier = i;
		/* Each delivery its own copy: jansson values are not for
		 * sharing between threads (the lanes read, the caller frees). */
		d->alert = json_deep_copy(alert);
		d->posted = d->next_at = now_s();
		if (s->lanes[i].queued >= s->o.max_queue || s->stopping) {
			snprintf(d->why, sizeof(d->why), "%s",
				 s->stopping ? "posted after the sender stopped"
					     : "the delivery queue is full");
			give_up(s, d);
			delivery_free(d);
			continue;
		}
		enqueue(s, d);
	}
	pthread_cond_broadcast(&s->cv);
	pthread_mutex_unlock(&s->mu);
}

size_t alert_sink_stop(struct alert_sink *s, double flush_s,
		       struct delivery_result **results, size_t *nresults)
{
	struct delivery *d;
	size_t failed, i;

	if (results)
		*results = NULL;
	if (nresults)
		*nresults = 0;
	if (!s)
		return 0;
	pthread_mutex_lock(&s->mu);
	s->stopping = 1;
	s->deadline = now_s() + (flush_s > 0 ? flush_s : 0);
	pthread_cond_broadcast(&s->cv);
	pthread_mutex_unlock(&s->mu);
	for (i = 0; i < s->nn; i++)
		if (s->lanes[i].started)
			pthread_join(s->lanes[i].thread, NULL);
	pthread_mutex_lock(&s->mu);
	while ((d = s->head)) {
		s->head = d->next;
		s->lanes[d->notifier].queued--;
		snprintf(d->why + strlen(d->why), sizeof(d->why) - strlen(d->why),
			 "%snot sent before the sender stopped",
			 d->why[0] ? "; " : "");
		give_up(s, d);
		delivery_free(d);
	}
	pthread_mutex_unlock(&s->mu);
	failed = s->failed;
	if (results) {
		*results = s->results;
		*nresults = s->nresults;
		s->results = NULL;
	}
	free(s->results);
	for (i = 0; i < s->nn; i++)
		notifier_release(&s->n[i]);
	free(s->n);
	free(s->lanes);
	free(s->dead_letter);
	pthread_mutex_destroy(&s->mu);
	pthread_cond_destroy(&s->cv);
	free(s);
	return failed;
}

const struct notifier *alert_sink_notifier(const struct alert_sink *s,
					   size_t i)
{
	return i < s->nn ? &s->n[i] : NULL;
}

size_t alert_sink_notifiers(const struct alert_sink *s)
{
	return s->nn;
}

const char *alert_sink_dead_letter(const struct alert_sink *s)
{
	return s->dead_letter;
}
