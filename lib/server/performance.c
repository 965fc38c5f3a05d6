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
#include "serving.h"

#define HOUR_MS 3600000LL
#define MAX_WINDOWS 3

struct perf_watch {
	struct perf_watch_opts o;
	char *shown_url;
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t wake;
	int stop, wanted, done_once;
	uint64_t last_ns;
	struct serving *sv;      /* the version to judge; a reference */
	json_t *doc;             /* the last result (or error), owned */
	unsigned status;         /* its status */
	struct strbuf gauges;    /* the last result's gauges */
	/* The thread's own: */
	struct pstore *st;
	char digest[80];         /* whose baseline ev is */
	struct evaluation ev;
	int has_baseline;
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

static size_t windows_of(const struct serving *sv, int64_t now,
			 struct window *w)
{
	int64_t lens[MAX_WINDOWS] = { HOUR_MS, 24 * HOUR_MS, 0 };
	size_t n = 2, i;
	long long extra = sv->bm->d->monitor.window_ms;

	if (extra && extra != lens[0] && extra != lens[1])
		lens[n++] = extra;
	for (i = 0; i < n; i++) {
		memset(&w[i], 0, sizeof(w[i]));
		window_name(lens[i], w[i].name, sizeof(w[i].name));
		w[i].since_ms = now - lens[i];
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

static void label_escaped(struct strbuf *o, const char *s)
{
	for (; *s; s++) {
		if (*s == '\\' || *s == '"')
			strbuf_addch(o, '\\');
		if (*s == '\n')
			strbuf_addstr(o, "\\n");
		else
			strbuf_addch(o, *s);
	}
}

static void gauges_of(struct strbuf *o, const struct window *w, size_t n)
{
	static const char *const fam[] = {
		"mlops_model_performance", "Live model performance: a metric "
		"of a window's labelled rows in the prediction store (equal to "
		"scikit-learn's).",
		"mlops_model_performance_labelled_rows", "Labelled rows a "
		"window's performance is computed from.",
		"mlops_model_performance_pass", "1 when the serving version "
		"holds its monitor rules and gates over the window, 0 when "
		"not (absent: not judged).",
	};

	for (size_t f = 0; f < 3; f++) {
		strbuf_addf(o, "# HELP %s %s\n# TYPE %s gauge\n", fam[2 * f],
			    fam[2 * f + 1], fam[2 * f]);
		for (size_t i = 0; i < n; i++)
			for (size_t j = 0; j < w[i].r.ngroups; j++) {
				const struct perf_group *g = &w[i].r.groups[j];
				struct strbuf lab = STRBUF_INIT;

				strbuf_addf(&lab, "window=\"%s\",model_version=\"",
					    w[i].name);
				label_escaped(&lab, g->version);
				strbuf_addch(&lab, '"');
				for (size_t k = 0; f == 0 && k < g->nmetrics; k++)
					if (!isnan(g->metrics[k].value))
						strbuf_addf(o, "%s{metric=\"%s\",%s} "
							    "%.17g\n", fam[0],
							    g->metrics[k].name,
							    lab.buf,
							    g->metrics[k].value);
				if (f == 1)
					strbuf_addf(o, "%s{%s} %llu\n", fam[2],
						    lab.buf,
						    (unsigned long long)g->used);
				if (f == 2 && (g->status == PERF_PASS ||
					       g->status == PERF_FAIL))
					strbuf_addf(o, "%s{%s} %d\n", fam[4], lab.buf,
						    g->status == PERF_PASS);
				strbuf_release(&lab);
			}
	}
}

/* A new result for sv: *doc and the gauges, or < 0 (the error set). */
static int refresh(struct perf_watch *pw, struct serving *sv, json_t **doc,
		   struct strbuf *gauges)
{
	const struct descriptor *d = sv->bm->d;
	int64_t now = (int64_t)time(NULL) * 1000, since;
	struct window w[MAX_WINDOWS];
	struct monitor_baseline base;
	struct scan_ctx ctx = { w, 0 };
	json_t *windows = json_object();
	char when[32];
	size_t i;
	int rc = 0;

	if (strcmp(pw->digest, sv->digest)) {
		evaluation_free(&pw->ev);
		pw->digest[0] = '\0';
		rc = monitor_baseline_eval(sv->bm, &pw->ev, &pw->has_baseline);
		if (rc < 0)
			return rc;
		snprintf(pw->digest, sizeof(pw->digest), "%s", sv->digest);
	}
	if (!pw->st && (rc = pstore_open(&pw->st, pw->o.store_url, 0)) < 0)
		return rc;
	ctx.n = windows_of(sv, now, w);
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
	monitor_baseline_of(&base, sv->bm, pw->has_baseline ? &pw->ev : NULL, -1);
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
		m.baseline = pw->has_baseline ? pw->ev.metrics : NULL;
		m.nbaseline = pw->ev.nmetrics;
		m.baseline_rows = pw->ev.used;
		m.judged = base.nrules || base.ngates;
		m.min_labels = base.min_labels;
		m.r = &w[i].r;
		m.failed = monitor_check(&w[i].r, &base);
		json_object_set_new(windows, w[i].name, monitor_report_json(&m));
	}
	if (!rc) {
		time_iso8601(now / 1000, when);
		*doc = json_pack("{s:s, s:f, s:o}", "computed_at", when,
				 "every_seconds", pw->o.every_ms / 1000.0,
				 "windows", windows);
		windows = NULL;
		gauges_of(gauges, w, ctx.n);
	}
	json_decref(windows);
	for (i = 0; i < ctx.n; i++)
		perf_free(w[i].p);
	return rc < 0 ? rc : rc ? MLOPS_EINTERNAL : 0;
}

static void *watch(void *arg)
{
	struct perf_watch *pw = arg;

	pthread_mutex_lock(&pw->lock);
	while (!pw->stop) {
		uint64_t now = mono_ns(), every = (uint64_t)pw->o.every_ms * 1000000u;

		if (!pw->done_once || (pw->wanted && now - pw->last_ns >= every)) {
			struct serving *sv = pw->sv;
			struct strbuf g = STRBUF_INIT;
			json_t *doc = NULL;
			unsigned status = 200;

			serving_get(sv);
			pw->wanted = 0;
			pthread_mutex_unlock(&pw->lock);
			if (refresh(pw, sv, &doc, &g) < 0) {
				struct strbuf m = STRBUF_INIT;

				strbuf_addf(&m, "live performance not computed: %s",
					    mlops_error_last()->message);
				doc = json_pack("{s:s}", "error", m.buf);
				strbuf_release(&m);
				status = 503;
				strbuf_reset(&g);
			}
			serving_put(sv);
			pthread_mutex_lock(&pw->lock);
			json_decref(pw->doc);
			pw->doc = doc;
			pw->status = status;
			strbuf_release(&pw->gauges);
			pw->gauges = g;
			pw->last_ns = mono_ns();
			pw->done_once = 1;
			continue;
		}
		if (pw->wanted) {
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

int perf_watch_start(struct perf_watch **out, const struct perf_watch_opts *o,
		     struct serving *sv)
{
	struct perf_watch *pw = xcalloc(1, sizeof(*pw));
	pthread_condattr_t ca;

	pw->o = *o;
	if (!pw->o.every_ms)
		pw->o.every_ms = 60000;
	pw->o.store_url = xstrdup(o->store_url);
	pw->shown_url = pstore_url_display(o->store_url);
	pw->sv = sv;
	serving_get(sv);
	pthread_mutex_init(&pw->lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&pw->wake, &ca);
	pthread_condattr_destroy(&ca);
	if (pthread_create(&pw->thread, NULL, watch, pw) != 0) {
		serving_put(sv);
		free((char *)pw->o.store_url);
		free(pw->shown_url);
		free(pw);
		return mlops_error_set(MLOPS_EIO, "cannot start the thread of "
				       "live performance");
	}
	*out = pw;
	return 0;
}

/* Notes the version answering now and asks for a newer result. */
static struct serving *ask(struct perf_watch *pw, struct serving *sv)
{
	struct serving *old = NULL;

	if (sv && sv != pw->sv) {
		serving_get(sv);
		old = pw->sv;
		pw->sv = sv;
	}
	pw->wanted = 1;
	pthread_cond_signal(&pw->wake);
	return old;
}

unsigned perf_watch_json(struct perf_watch *pw, struct serving *sv,
			 json_t **out)
{
	struct serving *old;
	unsigned status;

	pthread_mutex_lock(&pw->lock);
	old = ask(pw, sv);
	if (pw->doc) {
		*out = json_deep_copy(pw->doc);
		status = pw->status;
	} else {
		*out = json_pack("{s:s}", "error", "live performance is being "
				 "computed; ask again in a moment");
		status = 503;
	}
	pthread_mutex_unlock(&pw->lock);
	serving_put(old);
	return status;
}

void perf_watch_metrics(struct perf_watch *pw, struct serving *sv,
			struct strbuf *text)
{
	struct serving *old;

	pthread_mutex_lock(&pw->lock);
	old = ask(pw, sv);
	strbuf_add(text, strbuf_str(&pw->gauges), pw->gauges.len);
	pthread_mutex_unlock(&pw->lock);
	serving_put(old);
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
	serving_put(pw->sv);
	json_decref(pw->doc);
	strbuf_release(&pw->gauges);
	pstore_close(pw->st);
	evaluation_free(&pw->ev);
	free((char *)pw->o.store_url);
	free(pw->shown_url);
	free(pw);
}
