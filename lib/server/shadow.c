#include "shadow.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../core/error.h"
#include "../core/strbuf.h"
#include "../core/timeutil.h"
#include "oip.h"
#include "shadow_stats.h"

struct job {
	struct job *next;
	const struct route_def *rd;
	enum route route;
	char *url, *method, *ctype, *hlen, *body;
	size_t len;
	struct serving *live;
	unsigned status;
	uint64_t ns;
	struct score_capture rows;
};

struct shadow {
	int refs;
	struct serving *sv;      /* the candidate */
	struct shadow_opts o;
	struct metrics *sink;    /* the candidate's own counters, never the
				  * live version's */
	pthread_t worker;
	int started;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	int stop, busy;
	struct job *head, *tail;
	size_t queued;
	int sample_fd;           /* -1: none */
	struct shadow_stats st;  /* under lock */
};

static void job_free(struct job *j)
{
	if (!j)
		return;
	free(j->url);
	free(j->method);
	free(j->ctype);
	free(j->hlen);
	free(j->body);
	serving_put(j->live);
	score_capture_release(&j->rows);
	free(j);
}

/* The candidate answers j as the live version did, through the same
 * handler; its status, time and rows. */
static unsigned answer(struct shadow *sh, const struct job *j, uint64_t *ns,
		       struct score_capture *rows)
{
	json_t *out = NULL;
	unsigned status;
	uint64_t t0 = mono_ns();

	score_capture_begin(rows);
	if (j->route == ROUTE_OIP_INFER) {
		/* The live URL may name the live version: the candidate is
		 * asked by its own name. */
		struct oip_binary bin = { 0 };
		struct strbuf url = STRBUF_INIT;
		const char *allow = NULL;

		strbuf_addf(&url, "/v2/models/%s/infer", sh->sv->bm->d->name);
		bin.header_length = j->hlen;
		status = oip_handle(sh->sv, 1, j->method, url.buf, j->body,
				    j->len, &bin, &out, &allow);
		oip_binary_release(&bin);
		strbuf_release(&url);
	} else {
		struct route_call call = { sh->sv, sh->o.server, j->url,
					   j->method, j->ctype, j->body,
					   j->len };

		status = j->rd->fn ? j->rd->fn(&call, &out) : 404;
	}
	*ns = mono_ns() - t0;
	score_capture_end();
	json_decref(out);
	mlops_error_clear();
	return status ? status : 404;
}

static void *work(void *arg)
{
	struct shadow *sh = arg;

	pthread_mutex_lock(&sh->lock);
	for (;;) {
		struct score_capture rows;
		struct strbuf sample = STRBUF_INIT;
		struct job *j;
		unsigned status;
		uint64_t ns;

		while (!sh->head && !sh->stop)
			pthread_cond_wait(&sh->cond, &sh->lock);
		if (sh->stop)
			break;
		j = sh->head;
		sh->head = j->next;
		if (!sh->head)
			sh->tail = NULL;
		sh->queued--;
		sh->busy = 1;
		pthread_mutex_unlock(&sh->lock);
		status = answer(sh, j, &ns, &rows);
		pthread_mutex_lock(&sh->lock);
		shadow_stats_compare(&sh->st, j->live, j->status, j->ns,
				     &j->rows, sh->sv, status, ns, &rows,
				     sh->sample_fd >= 0 ? &sample : NULL);
		sh->busy = 0;
		pthread_mutex_unlock(&sh->lock);
		/* Written outside the lock: readers never wait on a disk. */
		if (sample.len && write(sh->sample_fd, sample.buf, sample.len) < 0)
			mlops_error_clear();
		strbuf_release(&sample);
		score_capture_release(&rows);
		job_free(j);
		pthread_mutex_lock(&sh->lock);
	}
	pthread_mutex_unlock(&sh->lock);
	mlops_error_thread_exit();
	return NULL;
}

int shadow_start(struct shadow **out, struct serving *candidate,
		 const char *model, const struct shadow_opts *o)
{
	struct shadow *sh = xcalloc(1, sizeof(*sh));

	*out = NULL;
	sh->refs = 1;
	sh->sv = candidate;
	sh->o = *o;
	sh->o.sample_path = NULL;
	if (!sh->o.queue)
		sh->o.queue = 256;
	if (!sh->o.sample_max)
		sh->o.sample_max = 1000;
	sh->sample_fd = -1;
	pthread_mutex_init(&sh->lock, NULL);
	pthread_cond_init(&sh->cond, NULL);
	shadow_stats_init(&sh->st, model, candidate, o->tolerance,
			  sh->o.sample_max, o->edges, o->nedges);
	/* Its predictions count in a sink of its own: the live metrics,
	 * drift and stores see only what clients were answered. */
	sh->sink = xcalloc(1, sizeof(*sh->sink));
	candidate->metrics = sh->sink;
	candidate->version_slot = metrics_version(sh->sink, model,
						  candidate->bm->d->version);
	candidate->max_batch = o->max_batch ? o->max_batch : 10000;
	candidate->shadow = 1;
	if (o->sample_path) {
		sh->sample_fd = open(o->sample_path, O_WRONLY | O_CREAT |
						     O_APPEND | O_CLOEXEC, 0640);
		if (sh->sample_fd < 0) {
			int e = errno;

			shadow_put(sh);
			return mlops_error_errno(MLOPS_EIO, e, "cannot open the "
						 "shadow sample '%s'",
						 o->sample_path);
		}
		sh->st.sample_path = xstrdup(o->sample_path);
	}
	if (pthread_create(&sh->worker, NULL, work, sh)) {
		shadow_put(sh);
		return mlops_error_set(MLOPS_EIO, "cannot start the shadow's "
				       "worker thread");
	}
	sh->started = 1;
	*out = sh;
	return 0;
}

void shadow_get(struct shadow *sh)
{
	__atomic_add_fetch(&sh->refs, 1, __ATOMIC_RELAXED);
}

void shadow_put(struct shadow *sh)
{
	struct job *j;

	if (!sh || __atomic_sub_fetch(&sh->refs, 1, __ATOMIC_ACQ_REL) > 0)
		return;
	if (sh->started) {
		pthread_mutex_lock(&sh->lock);
		sh->stop = 1;
		pthread_cond_signal(&sh->cond);
		pthread_mutex_unlock(&sh->lock);
		pthread_join(sh->worker, NULL);
	}
	while ((j = sh->head)) {
		sh->head = j->next;
		job_free(j);
	}
	if (sh->sample_fd >= 0)
		close(sh->sample_fd);
	shadow_stats_release(&sh->st);
	serving_put(sh->sv);
	free(sh->sink);
	pthread_cond_destroy(&sh->cond);
	pthread_mutex_destroy(&sh->lock);
	free(sh);
}

const struct serving *shadow_candidate(const struct shadow *sh)
{
	return sh->sv;
}

static char *dup_or_null(const char *s)
{
	return s ? xstrdup(s) : NULL;
}

int shadow_offer(struct shadow *sh, struct shadow_request *r)
{
	struct job *j;

	pthread_mutex_lock(&sh->lock);
	if (sh->queued >= sh->o.queue) {
		sh->st.dropped++;
		pthread_mutex_unlock(&sh->lock);
		score_capture_release(r->rows);
		return 0;
	}
	sh->queued++; /* the place is taken before the copy is made */
	pthread_mutex_unlock(&sh->lock);
	j = xcalloc(1, sizeof(*j));
	j->rd = r->rd;
	j->route = r->route;
	j->url = xstrdup(r->url);
	j->method = xstrdup(r->method);
	j->ctype = dup_or_null(r->content_type);
	j->hlen = dup_or_null(r->header_length);
	j->body = xmalloc(r->len + 1);
	memcpy(j->body, r->body, r->len);
	j->body[r->len] = '\0';
	j->len = r->len;
	j->live = r->live;
	serving_get(j->live);
	j->status = r->status;
	j->ns = r->ns;
	j->rows = *r->rows;
	memset(r->rows, 0, sizeof(*r->rows));
	pthread_mutex_lock(&sh->lock);
	if (sh->tail)
		sh->tail->next = j;
	else
		sh->head = j;
	sh->tail = j;
	sh->st.mirrored++;
	pthread_cond_signal(&sh->cond);
	pthread_mutex_unlock(&sh->lock);
	return 1;
}

int shadow_idle(struct shadow *sh, unsigned ms)
{
	uint64_t end = mono_ns() + (uint64_t)ms * 1000000u;

	for (;;) {
		int idle;

		pthread_mutex_lock(&sh->lock);
		idle = !sh->queued && !sh->busy;
		pthread_mutex_unlock(&sh->lock);
		if (idle)
			return 0;
		if (mono_ns() >= end)
			return -1;
		usleep(1000);
	}
}

json_t *shadow_json(struct shadow *sh)
{
	json_t *j;

	pthread_mutex_lock(&sh->lock);
	j = shadow_stats_json(&sh->st, sh->queued, sh->o.queue);
	pthread_mutex_unlock(&sh->lock);
	return j;
}

void shadow_metrics(struct shadow *const *sh, size_t n, struct strbuf *o)
{
	const struct shadow_stats **st = xcalloc(n + 1, sizeof(*st));
	size_t *queued = xcalloc(n + 1, sizeof(*queued));
	size_t i;

	/* Each one's figures under its lock, all rendered family by
	 * family (Prometheus wants a family's samples together). */
	for (i = 0; i < n; i++)
		if (sh[i])
			pthread_mutex_lock(&sh[i]->lock);
	for (i = 0; i < n; i++)
		if (sh[i]) {
			st[i] = &sh[i]->st;
			queued[i] = sh[i]->queued;
		}
	shadow_stats_metrics(st, queued, n, o);
	for (i = 0; i < n; i++)
		if (sh[i])
			pthread_mutex_unlock(&sh[i]->lock);
	free(queued);
	free(st);
}
