#include "parallel.h"

#include <pthread.h>
#include <stdlib.h>
#include <unistd.h>

#include "../core/error.h"
#include "../core/strbuf.h"

struct worker {
	size_t first, step, nrows, chunk;
	int (*fn)(void *ctx, size_t from, size_t n);
	void *ctx;
	int rc;
	char *message, *hint; /* the worker's error, for the caller */
	pthread_t t;
	int started;
};

/* The error a failed share left, kept for the caller's thread. */
static void keep_error(struct worker *w)
{
	const struct mlops_error *e = mlops_error_last();

	w->message = xstrdup(e->message);
	w->hint = e->hint ? xstrdup(e->hint) : NULL;
}

static void *work(void *arg)
{
	struct worker *w = arg;
	size_t c;

	for (c = w->first; !w->rc && c * w->chunk < w->nrows; c += w->step) {
		size_t from = c * w->chunk;
		size_t n = w->nrows - from < w->chunk ? w->nrows - from
						      : w->chunk;

		w->rc = w->fn(w->ctx, from, n);
	}
	if (w->rc)
		keep_error(w);
	if (w->rc && w->started)
		mlops_error_thread_exit();
	return NULL;
}

int parallel_rows(size_t nrows, size_t chunk, size_t nthread,
		  int (*fn)(void *ctx, size_t from, size_t n), void *ctx)
{
	size_t chunks = (nrows + chunk - 1) / chunk, i, nw;
	struct worker *w;
	int rc = 0;

	if (!nthread) {
		long n = sysconf(_SC_NPROCESSORS_ONLN);

		nthread = n > 0 ? (size_t)n : 1;
	}
	nw = nthread < chunks ? nthread : chunks;
	if (nw < 2) {
		struct worker one = { .step = 1, .nrows = nrows,
				      .chunk = chunk, .fn = fn, .ctx = ctx };

		work(&one); /* its error stays this thread's own */
		free(one.message);
		free(one.hint);
		return one.rc;
	}
	w = xcalloc(nw, sizeof(*w));
	for (i = 0; i < nw; i++) {
		w[i] = (struct worker){ .first = i, .step = nw,
					.nrows = nrows, .chunk = chunk,
					.fn = fn, .ctx = ctx, .started = 1 };
		if (pthread_create(&w[i].t, NULL, work, &w[i])) {
			w[i].started = 0; /* no thread: its share here */
			work(&w[i]);
		}
	}
	for (i = 0; i < nw; i++) {
		if (w[i].started)
			pthread_join(w[i].t, NULL);
		/* The first share that failed speaks for the call. */
		if (w[i].rc && !rc) {
			rc = w[i].rc;
			mlops_error_set(rc, "%s", w[i].message);
			if (w[i].hint)
				mlops_error_hint("%s", w[i].hint);
		}
		free(w[i].message);
		free(w[i].hint);
	}
	free(w);
	return rc;
}
