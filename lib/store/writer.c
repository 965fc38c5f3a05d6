#include "writer.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../core/error.h"
#include "../core/strbuf.h"
#include "../core/timeutil.h"
#include "rowqueue.h"

/* Rows a retention step deletes in one transaction: short enough that
 * the queue never waits long behind it. */
#define PRUNE_CHUNK 1000

/* Feedback waiting for the writer; copied, so that a caller that gave
 * up waiting may go (the last of the two frees it). */
struct fb_job {
	struct pstore_feedback *f;
	size_t n, stored, unknown;
	int rc, done, abandoned;
	char *message; /* the error's, for the caller's thread */
	struct fb_job *next;
	struct strbuf text;
};

struct pstore_writer {
	struct pstore *st;
	struct pstore_writer_opts o;
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t wake;  /* the writer's */
	pthread_cond_t done;  /* feedback callers' */
	struct rowq q;
	struct fb_job *jobs, *jobs_tail;
	int stopping;
	uint64_t stop_by;     /* mono_ns */
	struct pstore_writer_stats s;
	/* Retention: when it runs next; rows still to delete for size. */
	uint64_t retain_next;
	uint64_t size_want;
	int retain_busy;      /* more to delete than one step took */
};

static void free_job(struct fb_job *j)
{
	free(j->f);
	free(j->message);
	strbuf_release(&j->text);
	free(j);
}

/* A deadline for pthread_cond_timedwait, ms from now. */
static struct timespec deadline_in(unsigned ms)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += ms / 1000;
	ts.tv_nsec += (long)(ms % 1000) * 1000000L;
	if (ts.tv_nsec >= 1000000000L) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000L;
	}
	return ts;
}

/* Writes up to one batch of the queue; called with the lock held, which
 * it drops while the database works. 0 when the queue gave nothing. */
static int write_batch(struct pstore_writer *w)
{
	struct pstore_prediction *rows;
	struct rowq_block *take;
	size_t n;
	int rc;

	take = rowq_take(&w->q, w->o.batch, &n);
	if (!take)
		return 0;
	w->s.depth -= n;
	pthread_mutex_unlock(&w->lock);
	rows = xmalloc(n * sizeof(*rows));
	rowq_unpack(take, rows);
	rc = pstore_write_predictions(w->st, rows, n);
	/* Once more: a lost connection is opened again by the backend. */
	if (rc < 0)
		rc = pstore_write_predictions(w->st, rows, n);
	mlops_error_clear();
	free(rows);
	pthread_mutex_lock(&w->lock);
	rowq_give_back(&w->q, take);
	if (rc < 0)
		w->s.failed += n;
	else
		w->s.written += n;
	return 1;
}

static void run_job(struct pstore_writer *w, struct fb_job *j)
{
	size_t stored = 0, unknown = 0;
	int rc;

	pthread_mutex_unlock(&w->lock);
	rc = pstore_write_feedback(w->st, j->f, j->n, &stored, &unknown);
	pthread_mutex_lock(&w->lock);
	j->rc = rc;
	j->stored = stored;
	j->unknown = unknown;
	if (rc < 0)
		j->message = xstrdup(mlops_error_last()->message);
	mlops_error_clear();
	j->done = 1;
	if (j->abandoned)
		free_job(j);
	else
		pthread_cond_broadcast(&w->done);
}

/* One bounded step of retention (lock held, dropped while working). */
static void retain_step(struct pstore_writer *w)
{
	struct pstore_pruned p = { 0 };
	int64_t now = pstore_now_ms();
	int rc = 0, more = 0;

	pthread_mutex_unlock(&w->lock);
	/* (A cut-off at or before 1970: nothing is that old, and 0 would
	 * mean no cut-off.) */
	if (w->o.retain_ms > 0 && now - w->o.retain_ms > 0) {
		rc = pstore_prune_chunk(w->st, now - w->o.retain_ms,
					PRUNE_CHUNK, &p);
		more = !rc && p.predictions == PRUNE_CHUNK;
	}
	if (!rc && !more && w->o.retain_bytes) {
		uint64_t size = 0, rows = 0, fb = 0;

		if (!w->size_want) {
			rc = pstore_size(w->st, &size);
			if (!rc && size > w->o.retain_bytes)
				rc = pstore_count(w->st, &rows, &fb);
			if (!rc && rows)
				w->size_want = (size - w->o.retain_bytes) /
						       (size / rows + 1) + 1;
		}
		if (!rc && w->size_want) {
			size_t n = w->size_want < PRUNE_CHUNK
					   ? (size_t)w->size_want
					   : PRUNE_CHUNK;
			uint64_t before = p.predictions;

			rc = pstore_prune_chunk(w->st, 0, n, &p);
			w->size_want -= rc ? w->size_want
					   : p.predictions - before < n
						     ? w->size_want
						     : n;
			/* Measured again once the estimate is spent. */
			if (!rc && !w->size_want)
				rc = pstore_compact(w->st);
			more = !rc && p.predictions > before;
		}
	}
	mlops_error_clear();
	pthread_mutex_lock(&w->lock);
	w->s.pruned += p.predictions;
	if (rc)
		w->s.prune_errors++;
	w->retain_busy = more;
	if (!more)
		w->retain_next = mono_ns() + (uint64_t)w->o.retain_every_ms *
						     1000000u;
}

static int retain_due(const struct pstore_writer *w)
{
	return (w->o.retain_ms > 0 || w->o.retain_bytes) &&
	       (w->retain_busy || mono_ns() >= w->retain_next);
}

static void *writer_main(void *arg)
{
	struct pstore_writer *w = arg;

	pthread_mutex_lock(&w->lock);
	for (;;) {
		if (!w->stopping && !w->jobs && w->s.depth < w->o.batch &&
		    !retain_due(w)) {
			struct timespec ts = deadline_in(w->o.flush_ms);

			pthread_cond_timedwait(&w->wake, &w->lock, &ts);
		}
		/* Everything queued, in batches; then feedback, which now
		 * finds every prediction queued before it. */
		while (w->q.rows && !(w->stopping && mono_ns() > w->stop_by))
			if (!write_batch(w))
				break;
		while (w->jobs) {
			struct fb_job *j = w->jobs;

			w->jobs = j->next;
			if (!w->jobs)
				w->jobs_tail = NULL;
			run_job(w, j);
		}
		if (w->stopping)
			break;
		if (retain_due(w) && w->s.depth < w->o.batch)
			retain_step(w);
	}
	pthread_mutex_unlock(&w->lock);
	mlops_error_thread_exit();
	return NULL;
}

int pstore_writer_start(struct pstore_writer **out, struct pstore *st,
			const struct pstore_writer_opts *o)
{
	struct pstore_writer *w = xcalloc(1, sizeof(*w));
	int err;

	*out = NULL;
	w->st = st;
	w->o = *o;
	if (!w->o.capacity)
		w->o.capacity = 65536;
	/* 4096: a fifth less of the writer's CPU a row than 512 (fewer
	 * commits, index pages written once for more rows; bench/store). */
	if (!w->o.batch)
		w->o.batch = 4096;
	if (!w->o.flush_ms)
		w->o.flush_ms = 200;
	if (!w->o.retain_every_ms)
		w->o.retain_every_ms = 60000;
	pthread_mutex_init(&w->lock, NULL);
	pthread_cond_init(&w->wake, NULL);
	pthread_cond_init(&w->done, NULL);
	/* Retention's first step at once: a store past its limits when
	 * serve starts is brought back to them. */
	w->retain_next = mono_ns();
	err = pthread_create(&w->thread, NULL, writer_main, w);
	if (err) {
		pstore_close(st);
		pthread_mutex_destroy(&w->lock);
		pthread_cond_destroy(&w->wake);
		pthread_cond_destroy(&w->done);
		free(w);
		return mlops_error_errno(MLOPS_EIO, err, "cannot start the "
					 "prediction store's writer");
	}
	*out = w;
	return 0;
}

/* Rows this large are copied before the queue's lock is taken, into a
 * block of their own: a megabyte's copy would hold up every request. */
#define LARGE_ROW (16u * 1024u)

int pstore_writer_put(struct pstore_writer *w,
		      const struct pstore_prediction *p)
{
	size_t len[7], size = rowq_measure(p, len);
	struct rowq_block *own = size > LARGE_ROW ? rowq_block_of(p, len)
						  : NULL;

	pthread_mutex_lock(&w->lock);
	if (!size || w->s.depth >= w->o.capacity || w->stopping) {
		w->s.dropped++;
		pthread_mutex_unlock(&w->lock);
		free(own);
		return -1;
	}
	if (own)
		rowq_link(&w->q, own);
	else
		rowq_push(&w->q, p, len);
	w->s.depth++;
	w->s.queued++;
	if (w->s.depth == w->o.batch)
		pthread_cond_signal(&w->wake);
	pthread_mutex_unlock(&w->lock);
	return 0;
}

/* A copy of the feedback that lives as long as the job. */
static struct fb_job *job_new(const struct pstore_feedback *f, size_t n)
{
	struct fb_job *j = xcalloc(1, sizeof(*j));
	size_t *off = xcalloc(2 * n + 1, sizeof(*off));

	j->n = n;
	j->f = xcalloc(n + 1, sizeof(*j->f));
	for (size_t i = 0; i < n; i++) {
		off[2 * i] = j->text.len;
		strbuf_add(&j->text, f[i].id, strlen(f[i].id) + 1);
		off[2 * i + 1] = j->text.len;
		strbuf_add(&j->text, f[i].label_json,
			   strlen(f[i].label_json) + 1);
		j->f[i].ts_ms = f[i].ts_ms;
	}
	/* Pointers only once the text stops moving. */
	for (size_t i = 0; i < n; i++) {
		j->f[i].id = j->text.buf + off[2 * i];
		j->f[i].label_json = j->text.buf + off[2 * i + 1];
	}
	free(off);
	return j;
}

int pstore_writer_feedback(struct pstore_writer *w,
			   const struct pstore_feedback *f, size_t n,
			   size_t *stored, size_t *unknown,
			   unsigned timeout_ms)
{
	struct fb_job *j;
	struct timespec ts = deadline_in(timeout_ms);
	int rc = 0;

	*stored = *unknown = 0;
	if (!n)
		return 0;
	j = job_new(f, n);
	pthread_mutex_lock(&w->lock);
	if (w->stopping) {
		pthread_mutex_unlock(&w->lock);
		free_job(j);
		return mlops_error_set(MLOPS_EIO, "the prediction store is "
				       "shutting down");
	}
	if (w->jobs_tail)
		w->jobs_tail->next = j;
	else
		w->jobs = j;
	w->jobs_tail = j;
	pthread_cond_signal(&w->wake);
	while (!j->done)
		if (pthread_cond_timedwait(&w->done, &w->lock, &ts) ==
		    ETIMEDOUT)
			break;
	if (!j->done) {
		/* The writer frees it when it gets there. */
		j->abandoned = 1;
		pthread_mutex_unlock(&w->lock);
		return mlops_error_set(MLOPS_EIO, "the prediction store did "
				       "not take the feedback within %u ms",
				       timeout_ms);
	}
	pthread_mutex_unlock(&w->lock);
	if (j->rc < 0)
		rc = mlops_error_set(j->rc, "%s", j->message);
	*stored = j->stored;
	*unknown = j->unknown;
	free_job(j);
	return rc;
}

void pstore_writer_stats(struct pstore_writer *w,
			 struct pstore_writer_stats *s)
{
	pthread_mutex_lock(&w->lock);
	*s = w->s;
	pthread_mutex_unlock(&w->lock);
}

uint64_t pstore_writer_stop(struct pstore_writer *w, unsigned timeout_ms,
			    struct pstore_writer_stats *last)
{
	struct timespec ts;
	uint64_t left;

	if (!w)
		return 0;
	pthread_mutex_lock(&w->lock);
	w->stopping = 1;
	w->stop_by = mono_ns() + (uint64_t)timeout_ms * 1000000u;
	pthread_cond_signal(&w->wake);
	pthread_mutex_unlock(&w->lock);
	/* A little past the deadline: a batch under way may finish. */
	ts = deadline_in(timeout_ms + 2000);
	if (pthread_timedjoin_np(w->thread, NULL, &ts)) {
		/* Stuck in the database: leave it (the process is ending). */
		pthread_detach(w->thread);
		pthread_mutex_lock(&w->lock);
		if (last)
			*last = w->s;
		left = w->s.depth;
		pthread_mutex_unlock(&w->lock);
		return left;
	}
	if (last)
		*last = w->s;
	left = w->s.depth;
	rowq_release(&w->q);
	pstore_close(w->st);
	pthread_mutex_destroy(&w->lock);
	pthread_cond_destroy(&w->wake);
	pthread_cond_destroy(&w->done);
	free(w);
	return left;
}
