#include "performance.h"

#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../core/error.h"
#include "../core/timeutil.h"
#include "../monitor/report.h"
#include "../monitor/run.h"
#include "../alert/observe.h"
#include "serving.h"

#define HOUR_MS 3600000LL
#define MAX_WINDOWS 3

/* A version's golden-set evaluation, kept while the version serves. */
struct baseline {
	char *digest;
	struct evaluation ev;
	int has;
	int used; /* by the last refresh */
};

/* A model's drops over its alerts window, for the live alerts. */
struct model_obs {
	char *name, *digest;
	struct alert_observations o;
};

struct perf_watch {
	struct perf_watch_opts o;
	char *shown_url;
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t wake;
	int stop, wanted, done_once;
	uint64_t last_ns;
	perf_models_fn *list;    /* the models; NULL: none */
	void *list_arg;
	json_t *doc;             /* the last result (or error), owned */
	unsigned status;         /* its status */
	struct strbuf gauges;    /* the last result's gauges */
	struct model_obs *obs;   /* the last result's drops */
	size_t nobs;
	/* The thread's own: */
	struct pstore *st;
	struct baseline *base;
	size_t nbase;
};

/* One refresh's results, before they replace the last ones. */
struct result {
	json_t *models;
	struct strbuf fam[3]; /* the gauges' lines, per family */
	struct model_obs *obs;
	size_t nobs;
};

struct window {
	char name[24];
	int64_t since_ms;
	struct perf *p;
	struct perf_result r;
};

/* "1h", "24h", "7d": a window's name from its length. */
static void window_name(int64_t ms, char *buf, size_t len)
{
	if (ms % (24 * HOUR_MS) == 0 && ms > 24 * HOUR_MS)
		snprintf(buf, len, "%lldd", (long long)(ms / (24 * HOUR_MS)));
	else if (ms % HOUR_MS == 0)
		snprintf(buf, len, "%lldh", (long long)(ms / HOUR_MS));
	else if (ms % 60000 == 0)
		snprintf(buf, len, "%lldm", (long long)(ms / 60000));
	else
		snprintf(buf, len, "%llds", (long long)(ms / 1000));
}

/* The windows of sv's model; *alerts: the one its alerts test (its
 * monitor.window, else 24h). */
static size_t windows_of(const struct serving *sv, int64_t now,
			 struct window *w, size_t *alerts)
{
	int64_t lens[MAX_WINDOWS] = { HOUR_MS, 24 * HOUR_MS, 0 };
	size_t n = 2, i;
	long long extra = sv->bm->d->monitor.window_ms;

	if (extra && extra != lens[0] && extra != lens[1])
		lens[n++] = extra;
	*alerts = 1;
	for (i = 0; i < n; i++) {
		memset(&w[i], 0, sizeof(w[i]));
		window_name(lens[i], w[i].name, sizeof(w[i].name));
		w[i].since_ms = now - lens[i];
		if (extra && lens[i] == extra)
			*alerts = i;
	}
	return n;
}

struct scan_ctx {
	struct window *w;
	size_t n;
};

/* One scan of the longest window feeds every window. */
static int add_to_windows(void *ctx, const struct pstore_outcome *o)
{
	struct scan_ctx *c = ctx;

	for (size_t i = 0; i < c->n; i++)
		if (o->ts_ms >= c->w[i].since_ms) {
			int rc = perf_add(c->w[i].p, o->ts_ms, o->model,
					  o->version, o->output_json,
					  o->label_json);

			if (rc)
				return rc;
		}
	return 0;
}

static const char *const families[] = {
	"mlops_model_performance", "Live model performance: a metric of a "
	"window's labelled rows in the prediction store (equal to "
	"scikit-learn's).",
	"mlops_model_performance_labelled_rows", "Labelled rows a window's "
	"performance is computed from.",
	"mlops_model_performance_pass", "1 when the serving version holds its "
	"monitor rules and gates over the window, 0 when not (absent: not "
	"judged).",
};

/* A model's windows' gauge lines, into their families. */
static void gauges_of(struct strbuf *fam, const struct window *w, size_t n)
{
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < w[i].r.ngroups; j++) {
			const struct perf_group *g = &w[i].r.groups[j];
			struct strbuf lab = STRBUF_INIT;

			if (!g->whole)
				continue;
			strbuf_addf(&lab, "window=\"%s\",model=\"", w[i].name);
			metrics_label(&lab, g->model);
			strbuf_addstr(&lab, "\",model_version=\"");
			metrics_label(&lab, g->version);
			strbuf_addch(&lab, '"');
			for (size_t k = 0; k < g->nmetrics; k++)
				if (!isnan(g->metrics[k].value))
					strbuf_addf(&fam[0], "%s{metric=\"%s\",%s} "
						    "%.17g\n", families[0],
						    g->metrics[k].name, lab.buf,
						    g->metrics[k].value);
			strbuf_addf(&fam[1], "%s{%s} %llu\n", families[2], lab.buf,
				    (unsigned long long)g->used);
			if (g->status == PERF_PASS || g->status == PERF_FAIL)
				strbuf_addf(&fam[2], "%s{%s} %d\n", families[4],
					    lab.buf, g->status == PERF_PASS);
			strbuf_release(&lab);
		}
}

/* The golden-set evaluation of sv's version, made once per version. */
static struct baseline *baseline_of(struct perf_watch *pw, struct serving *sv)
{
	struct baseline *b;
	size_t i;

	for (i = 0; i < pw->nbase; i++)
		if (!strcmp(pw->base[i].digest, sv->digest)) {
			pw->base[i].used = 1;
			return &pw->base[i];
		}
	pw->base = xrealloc(pw->base, (pw->nbase + 1) * sizeof(*pw->base));
	b = &pw->base[pw->nbase];
	memset(b, 0, sizeof(*b));
	if (monitor_baseline_eval(sv->bm, &b->ev, &b->has) < 0) {
		evaluation_free(&b->ev);
		return NULL;
	}
	b->digest = xstrdup(sv->digest);
	b->used = 1;
	pw->nbase++;
	return b;
}

/* Versions no longer served: their baselines go. */
static void baselines_prune(struct perf_watch *pw)
{
	size_t i, n = 0;

	for (i = 0; i < pw->nbase; i++) {
		if (pw->base[i].used) {
			pw->base[i].used = 0;
			pw->base[n++] = pw->base[i];
			continue;
		}
		free(pw->base[i].digest);
		evaluation_free(&pw->base[i].ev);
	}
	pw->nbase = n;
}

/* sv's model over its windows, into res: its entry of "models", its
 * gauges, its drops. 0, or < 0 (the error set). */
static int refresh_model(struct perf_watch *pw, struct serving *sv,
			 int64_t now, struct result *res)
{
	const struct descriptor *d = sv->bm->d;
	struct window w[MAX_WINDOWS];
	struct monitor_baseline base;
	struct scan_ctx ctx = { w, 0 };
	struct baseline *bl = baseline_of(pw, sv);
	struct model_obs *mo;
	json_t *windows;
	int64_t since;
	size_t i, alerts;
	int rc = 0;

	if (!bl)
		return -1;
	if (!pw->st && (rc = pstore_open(&pw->st, pw->o.store_url, 0)) < 0)
		return rc;
	ctx.n = windows_of(sv, now, w, &alerts);
	for (i = 0; i < ctx.n; i++) {
		struct perf_opts po = { w[i].since_ms, now, PERF_BY_NONE };
		struct perf_known k = { d->name, d->version, sv->bm->m->task,
					sv->bm->m->labels, sv->bm->m->nlabels };

		w[i].p = perf_new(&po);
		perf_know(w[i].p, &k);
	}
	for (i = 1, since = w[0].since_ms; i < ctx.n; i++)
		if (w[i].since_ms < since)
			since = w[i].since_ms;
	rc = pstore_scan_outcomes(pw->st, since, 0, d->name, 0, add_to_windows,
				  &ctx);
	if (rc) {
		/* A database gone away: the next try connects again. */
		pstore_close(pw->st);
		pw->st = NULL;
	}
	monitor_baseline_of(&base, sv->bm, bl->has ? &bl->ev : NULL, -1);
	windows = json_object();
	for (i = 0; !rc && i < ctx.n; i++) {
		struct monitor_report m = { 0 };

		perf_compute(w[i].p, &w[i].r);
		m.store = pw->shown_url;
		m.since_ms = w[i].since_ms;
		m.until_ms = now;
		m.model = d->name;
		m.bundle = sv->path ? sv->path : sv->digest;
		m.bundle_name = d->name;
		m.bundle_version = d->version;
		m.bundle_digest = sv->digest;
		m.baseline = bl->has ? bl->ev.metrics : NULL;
		m.nbaseline = bl->ev.nmetrics;
		m.baseline_rows = bl->ev.used;
		m.judged = base.nrules || base.ngates;
		m.min_labels = base.min_labels;
		m.r = &w[i].r;
		m.failed = monitor_check(&w[i].r, &base);
		json_object_set_new(windows, w[i].name, monitor_report_json(&m));
	}
	if (!rc) {
		json_object_set_new(res->models, d->name,
				    json_pack("{s:s, s:s, s:s, s:o}", "version",
					      d->version, "digest", sv->digest,
					      "alerts_window", w[alerts].name,
					      "windows", windows));
		windows = NULL;
		gauges_of(res->fam, w, ctx.n);
		res->obs = xrealloc(res->obs, (res->nobs + 1) *
						      sizeof(*res->obs));
		mo = &res->obs[res->nobs++];
		memset(mo, 0, sizeof(*mo));
		mo->name = xstrdup(d->name);
		mo->digest = xstrdup(sv->digest);
		alert_observe_performance(&mo->o, &w[alerts].r, &base);
	}
	json_decref(windows);
	for (i = 0; i < ctx.n; i++)
		perf_free(w[i].p);
	return rc < 0 ? rc : rc ? MLOPS_EINTERNAL : 0;
}

static void model_obs_free(struct model_obs *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(v[i].name);
		free(v[i].digest);
		alert_obs_release(&v[i].o);
	}
	free(v);
}

static void result_release(struct result *res)
{
	json_decref(res->models);
	for (size_t f = 0; f < 3; f++)
		strbuf_release(&res->fam[f]);
	model_obs_free(res->obs, res->nobs);
	memset(res, 0, sizeof(*res));
}

/* Every model of svs (n) over its windows: 0, or < 0 (the error set). */
static int refresh(struct perf_watch *pw, struct serving **svs, size_t n,
		   struct result *res)
{
	int64_t now = wall_ms() + 1; /* windows end after this millisecond */
	size_t i;
	int rc = 0;

	memset(res, 0, sizeof(*res));
	res->models = json_object();
	for (i = 0; !rc && i < n; i++)
		rc = refresh_model(pw, svs[i], now, res);
	baselines_prune(pw);
	return rc;
}

/* The last result replaced by res (taken), or by the error; under the
 * lock. */
static void publish(struct perf_watch *pw, int failed, struct result *res)
{
	char when[32];

	json_decref(pw->doc);
	strbuf_reset(&pw->gauges);
	model_obs_free(pw->obs, pw->nobs);
	pw->obs = NULL;
	pw->nobs = 0;
	if (failed) {
		struct strbuf m = STRBUF_INIT;

		strbuf_addf(&m, "live performance not computed: %s",
			    mlops_error_last()->message);
		pw->doc = json_pack("{s:s}", "error", m.buf);
		strbuf_release(&m);
		pw->status = 503;
		result_release(res);
		return;
	}
	time_iso8601(time(NULL), when);
	pw->doc = json_pack("{s:s, s:f, s:O}", "computed_at", when,
			    "every_seconds", pw->o.every_ms / 1000.0, "models",
			    res->models);
	pw->status = 200;
	for (size_t f = 0; f < 3; f++) {
		strbuf_addf(&pw->gauges, "# HELP %s %s\n# TYPE %s gauge\n",
			    families[2 * f], families[2 * f + 1],
			    families[2 * f]);
		strbuf_add(&pw->gauges, strbuf_str(&res->fam[f]),
			   res->fam[f].len);
	}
	pw->obs = res->obs;
	pw->nobs = res->nobs;
	res->obs = NULL;
	res->nobs = 0;
	result_release(res);
}

static void *watch(void *arg)
{
	struct perf_watch *pw = arg;

	pthread_mutex_lock(&pw->lock);
	while (!pw->stop) {
		uint64_t now = mono_ns(), every = (uint64_t)pw->o.every_ms * 1000000u;

		if (pw->list && (!pw->done_once ||
				(pw->wanted && now - pw->last_ns >= every))) {
			struct serving **svs = NULL;
			/* Listed under the lock: perf_watch_follow(NULL)
			 * then knows list is no longer called. */
			size_t n = pw->list(pw->list_arg, &svs), i;
			struct result res;
			int failed;

			pw->wanted = 0;
			pthread_mutex_unlock(&pw->lock);
			failed = refresh(pw, svs, n, &res) < 0;
			for (i = 0; i < n; i++)
				serving_put(svs[i]);
			free(svs);
			pthread_mutex_lock(&pw->lock);
			publish(pw, failed, &res);
			mlops_error_clear();
			pw->last_ns = mono_ns();
			pw->done_once = 1;
			continue;
		}
		if (pw->list && pw->wanted) {
			struct timespec ts;
			uint64_t wait = every - (now - pw->last_ns);

			clock_gettime(CLOCK_MONOTONIC, &ts);
			ts.tv_sec += (time_t)(wait / 1000000000u);
			ts.tv_nsec += (long)(wait % 1000000000u);
			if (ts.tv_nsec >= 1000000000L) {
				ts.tv_sec++;
				ts.tv_nsec -= 1000000000L;
			}
			pthread_cond_timedwait(&pw->wake, &pw->lock, &ts);
		} else {
			pthread_cond_wait(&pw->wake, &pw->lock);
		}
	}
	pthread_mutex_unlock(&pw->lock);
	mlops_error_thread_exit();
	return NULL;
}

int perf_watch_start(struct perf_watch **out, const struct perf_watch_opts *o)
{
	struct perf_watch *pw = xcalloc(1, sizeof(*pw));
	pthread_condattr_t ca;

	pw->o = *o;
	if (!pw->o.every_ms)
		pw->o.every_ms = 60000;
	pw->o.store_url = xstrdup(o->store_url);
	pw->shown_url = pstore_url_display(o->store_url);
	pthread_mutex_init(&pw->lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&pw->wake, &ca);
	pthread_condattr_destroy(&ca);
	if (pthread_create(&pw->thread, NULL, watch, pw) != 0) {
		pthread_mutex_destroy(&pw->lock);
		pthread_cond_destroy(&pw->wake);
		free((char *)pw->o.store_url);
		free(pw->shown_url);
		free(pw);
		return mlops_error_set(MLOPS_EIO, "cannot start the thread of "
				       "live performance");
	}
	*out = pw;
	return 0;
}

void perf_watch_follow(struct perf_watch *pw, perf_models_fn *list,
		       void *arg)
{
	if (!pw)
		return;
	pthread_mutex_lock(&pw->lock);
	pw->list = list;
	pw->list_arg = arg;
	pthread_cond_signal(&pw->wake);
	pthread_mutex_unlock(&pw->lock);
}

/* Asks for a newer result; under the lock. */
static void ask(struct perf_watch *pw)
{
	pw->wanted = 1;
	pthread_cond_signal(&pw->wake);
}

unsigned perf_watch_json(struct perf_watch *pw, const struct serving *sv,
			 json_t **out)
{
	unsigned status;
	json_t *mine;

	pthread_mutex_lock(&pw->lock);
	ask(pw);
	if (pw->doc) {
		*out = json_deep_copy(pw->doc);
		status = pw->status;
	} else {
		*out = json_pack("{s:s}", "error", "live performance is being "
				 "computed; ask again in a moment");
		status = 503;
	}
	pthread_mutex_unlock(&pw->lock);
	mine = sv ? json_object_get(json_object_get(*out, "models"),
				    sv->bm->d->name) : NULL;
	if (mine) {
		json_object_set_new(*out, "model", json_string(sv->bm->d->name));
		json_object_set(*out, "windows", json_object_get(mine, "windows"));
	}
	return status;
}

void perf_watch_metrics(struct perf_watch *pw, struct strbuf *text)
{
	pthread_mutex_lock(&pw->lock);
	ask(pw);
	strbuf_add(text, strbuf_str(&pw->gauges), pw->gauges.len);
	pthread_mutex_unlock(&pw->lock);
}

void perf_watch_observe(struct perf_watch *pw, const struct serving *sv,
			struct alert_observations *o)
{
	pthread_mutex_lock(&pw->lock);
	ask(pw);
	for (size_t i = 0; i < pw->nobs; i++) {
		const struct model_obs *mo = &pw->obs[i];

		if (strcmp(mo->name, sv->bm->d->name) ||
		    strcmp(mo->digest, sv->digest))
			continue;
		for (size_t j = 0; j < mo->o.n; j++)
			alert_obs_add(o, mo->o.v[j].metric, mo->o.v[j].feature,
				      mo->o.v[j].value);
	}
	pthread_mutex_unlock(&pw->lock);
}

void perf_watch_stop(struct perf_watch *pw)
{
	if (!pw)
		return;
	pthread_mutex_lock(&pw->lock);
	pw->stop = 1;
	pthread_cond_signal(&pw->wake);
	pthread_mutex_unlock(&pw->lock);
	pthread_join(pw->thread, NULL);
	pthread_mutex_destroy(&pw->lock);
	pthread_cond_destroy(&pw->wake);
	json_decref(pw->doc);
	strbuf_release(&pw->gauges);
	model_obs_free(pw->obs, pw->nobs);
	pstore_close(pw->st);
	/* Twice: the first forgets which the last refresh used, the
	 * second frees them all. */
	baselines_prune(pw);
	baselines_prune(pw);
	free(pw->base);
	free((char *)pw->o.store_url);
	free(pw->shown_url);
	free(pw);
}
