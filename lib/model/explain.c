/* model_explain: the backend's explanations, prepared once on first use
 * (a server may never be asked), under a lock so that concurrent
 * requests prepare it once; a model that cannot be explained gives the
 * same error every call. */
#include <math.h>
#include <pthread.h>
#include <stdlib.h>

#include "../core/error.h"
#include "../core/strbuf.h"
#include "model.h"

struct model_explainer {
	pthread_mutex_t mu;
	int done, rc;
	char *message, *hint;
};

struct model_explainer *model_explainer_new(void)
{
	struct model_explainer *e = xcalloc(1, sizeof(*e));

	pthread_mutex_init(&e->mu, NULL);
	return e;
}

void model_explainer_free(struct model_explainer *e)
{
	if (!e)
		return;
	pthread_mutex_destroy(&e->mu);
	free(e->message);
	free(e->hint);
	free(e);
}

size_t model_explain_width(const struct model *m)
{
	return m->noutputs * (m->nfeatures + 1);
}

int model_explain_ready(struct model *m)
{
	struct model_explainer *e = m->explainer;
	int rc;

	pthread_mutex_lock(&e->mu);
	if (!e->done) {
		if (!m->backend->explain_prepare) {
			e->rc = mlops_error_set(MLOPS_EINPUT, "the %s runtime "
						"gives no explanations",
						m->backend->name);
		} else {
			e->rc = m->backend->explain_prepare(m);
		}
		if (e->rc) {
			const struct mlops_error *err = mlops_error_last();

			e->message = xstrdup(err->message);
			e->hint = err->hint ? xstrdup(err->hint) : NULL;
		}
		e->done = 1;
	}
	rc = e->rc;
	pthread_mutex_unlock(&e->mu);
	if (rc) {
		mlops_error_set(rc, "cannot explain this model: %s", e->message);
		if (e->hint)
			mlops_error_hint("%s", e->hint);
	}
	return rc;
}

int model_explain(struct model *m, const double *rows, size_t nrows,
		  double *out)
{
	int rc = model_explain_ready(m);

	if (rc || !nrows)
		return rc;
	return m->backend->explain(m, rows, nrows, out);
}

struct by_size {
	const double *phi;
};

static int larger_first(const void *a, const void *b, void *ctx)
{
	const double *phi = ((const struct by_size *)ctx)->phi;
	size_t i = *(const size_t *)a, j = *(const size_t *)b;
	double x = fabs(phi[i]), y = fabs(phi[j]);

	if (x != y)
		return x > y ? -1 : 1;
	return i < j ? -1 : i > j;
}

size_t model_explain_top(const double *phi, size_t nfeatures, size_t n,
			 size_t *idx)
{
	struct by_size ctx = { phi };
	size_t i, k;

	if (n > nfeatures)
		n = nfeatures;
	for (i = 0; i < nfeatures; i++)
		idx[i] = i;
	if (n * 8 >= nfeatures) {
		qsort_r(idx, nfeatures, sizeof(size_t), larger_first, &ctx);
		return n;
	}
	/* A few of many: select them one by one. */
	for (k = 0; k < n; k++) {
		size_t best = k;

		for (i = k + 1; i < nfeatures; i++)
			if (larger_first(&idx[i], &idx[best], &ctx) < 0)
				best = i;
		i = idx[k];
		idx[k] = idx[best];
		idx[best] = i;
	}
	return n;
}
