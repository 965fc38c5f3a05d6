/* The model's outputs over a dataset, as one more profile column: the
 * reference for prediction drift (mlops drift --predictions, serve's live
 * drift). Binary classifiers and regressors profile their first output
 * (probability, value), multiclass models the predicted class. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../core/error.h"
#include "../core/strbuf.h"
#include "../data/dataset.h"
#include "profile.h"
#include "profile_predict.h"

#define CHUNK 4096

int predictions_of(struct bundled_model *bm, const char *path,
		   const struct table_opts *to, double **out, size_t *n)
{
	const struct descriptor *d = bm->d;
	struct dataset_opts o = { 0 };
	struct dataset *ds = NULL;
	size_t k = bm->m->noutputs, cap = CHUNK, rows = 0, i;
	double *x, *y, *res;
	int rc;

	*out = NULL;
	*n = 0;
	if (to)
		o.table = *to;
	o.unknown = UNKNOWN_IGNORE;
	rc = dataset_open(&ds, path, d->inputs, d->ninputs, &o);
	if (rc)
		return rc;
	x = xmalloc(sizeof(double) * CHUNK * (d->ninputs ? d->ninputs : 1));
	y = xmalloc(sizeof(double) * CHUNK * (k ? k : 1));
	res = xmalloc(sizeof(double) * cap);
	for (;;) {
		size_t got = 0;

		while (got < CHUNK &&
		       (rc = dataset_next(ds, x + got * d->ninputs)) != 1 && rc >= 0)
			if (rc == 0)
				got++;
		if (rc < 0)
			break;
		if (got && (rc = model_predict(bm->m, x, got, y)) < 0)
			break;
		if (rows + got > cap) {
			cap = (rows + got) * 2;
			res = xrealloc(res, sizeof(double) * cap);
		}
		for (i = 0; i < got; i++) {
			const double *r = y + i * k;

			if (d->model.task == TASK_MULTICLASS && k > 1) {
				size_t best = 0, j;

				for (j = 1; j < k; j++)
					if (r[j] > r[best])
						best = j;
				res[rows + i] = (double)best;
			} else {
				res[rows + i] = r[0];
			}
		}
		rows += got;
		if (rc == 1 || got < CHUNK) {
			rc = 0;
			break;
		}
	}
	dataset_close(ds);
	free(x);
	free(y);
	if (rc < 0) {
		free(res);
		return rc;
	}
	*out = res;
	*n = rows;
	return 0;
}

int profile_add_predictions(struct profile *p, struct bundled_model *bm,
			    const char *path, size_t sample)
{
	double *v;
	size_t n;
	int rc = predictions_of(bm, path, NULL, &v, &n);

	if (rc)
		return rc;
	profile_add_numeric(p, PREDICTION_COLUMN, v, n, sample);
	free(v);
	return 0;
}
