#include "livedrift.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../drift/binning.h"
#include "../drift/profile_predict.h"
#include "../drift/stats.h"
#include "metrics.h"

#define EPOCHS 4
#define PSI_THRESHOLD 0.1
#define JS_THRESHOLD 0.1

struct live_feature {
	const char *name;
	int input;            /* index in the row; -1: the prediction */
	int categorical;
	const struct profile_column *pc;
	size_t nbins;
	double *ref;          /* reference shares */
	size_t *value_bin;    /* category inputs: value index -> bin */
	size_t nvalues;
	uint64_t *counts;     /* EPOCHS x nbins */
};

struct live_drift {
	struct live_feature *f;
	size_t nf;
	size_t window, epoch_len;
	int multiclass;
	size_t ninputs, noutputs; /* per row */
	uint64_t seen;        /* rows observed */
	uint64_t epoch_id;    /* seen / epoch_len when last rotated */
};

static int category_index(const struct profile_column *pc, const char *name)
{
	size_t i;

	for (i = 0; i < pc->ncats; i++)
		if (!strcmp(pc->cats[i], name))
			return (int)i;
	return -1;
}

/* Bins of a feature: the profile's histogram, or one per reference
 * category plus one for values the reference never had. */
static int setup(struct live_feature *lf, const struct profile_column *pc,
		 const struct field *fd)
{
	size_t i;

	lf->pc = pc;
	if (!pc || pc->error || !pc->count)
		return -1;
	if (!pc->categorical) {
		lf->nbins = pc->nbins;
		lf->ref = xmalloc(sizeof(double) * lf->nbins);
		for (i = 0; i < lf->nbins; i++)
			lf->ref[i] = pc->bins[i] / (double)pc->count;
		return 0;
	}
	/* Model inputs of categorical columns are numbers: bool 0/1, a
	 * category its index in the signature's values. */
	if (!fd || (fd->type != VT_BOOL && fd->type != VT_CATEGORY))
		return -1;
	lf->categorical = 1;
	lf->nbins = pc->ncats + 1;
	lf->ref = xcalloc(lf->nbins, sizeof(double));
	for (i = 0; i < pc->ncats; i++)
		lf->ref[i] = pc->cat_counts[i] / (double)pc->count;
	lf->nvalues = fd->type == VT_BOOL ? 2 : fd->nvalues;
	lf->value_bin = xmalloc(sizeof(size_t) * (lf->nvalues ? lf->nvalues : 1));
	for (i = 0; i < lf->nvalues; i++) {
		const char *name = fd->type == VT_BOOL ? (i ? "true" : "false")
						       : fd->values[i];
		int k = category_index(pc, name);

		lf->value_bin[i] = k < 0 ? pc->ncats : (size_t)k;
	}
	return 0;
}

struct live_drift *live_drift_new(const struct profile *p,
				  const struct descriptor *d, size_t window,
				  enum model_task task, size_t noutputs)
{
	struct live_drift *ld;
	size_t i;

	if (!p || !window)
		return NULL;
	ld = xcalloc(1, sizeof(*ld));
	ld->f = xcalloc(d->ninputs + 1, sizeof(*ld->f));
	ld->window = window < EPOCHS ? EPOCHS : window;
	ld->epoch_len = ld->window / EPOCHS;
	ld->multiclass = task == TASK_MULTICLASS && noutputs > 1;
	ld->ninputs = d->ninputs;
	ld->noutputs = noutputs;
	for (i = 0; i <= d->ninputs; i++) {
		struct live_feature *lf = &ld->f[ld->nf];
		const char *name = i < d->ninputs ? d->inputs[i].name
						  : PREDICTION_COLUMN;

		lf->name = name;
		lf->input = i < d->ninputs ? (int)i : -1;
		if (setup(lf, profile_find(p, name),
			  i < d->ninputs ? &d->inputs[i] : NULL) < 0) {
			free(lf->ref);
			free(lf->value_bin);
			memset(lf, 0, sizeof(*lf));
			continue;
		}
		lf->counts = xcalloc(EPOCHS * lf->nbins, sizeof(uint64_t));
		ld->nf++;
	}
	if (!ld->nf) {
		live_drift_free(ld);
		return NULL;
	}
	return ld;
}

static double prediction_value(const struct live_drift *ld, const double *y,
			       size_t k)
{
	size_t j, best = 0;

	if (!ld->multiclass)
		return y[0];
	for (j = 1; j < k; j++)
		if (y[j] > y[best])
			best = j;
	return (double)best;
}

void live_drift_observe(struct live_drift *ld, const double *x,
			const double *y, size_t n)
{
	uint64_t first, id;
	size_t r, i, epoch;

	if (!ld || !n)
		return;
	first = __atomic_fetch_add(&ld->seen, n, __ATOMIC_RELAXED);
	id = (first + n - 1) / ld->epoch_len;
	/* The first to enter a new epoch clears its counters, which last
	 * held the epoch a whole window ago. */
	{
		uint64_t cur = __atomic_load_n(&ld->epoch_id, __ATOMIC_RELAXED);

		if (id > cur && __atomic_compare_exchange_n(&ld->epoch_id, &cur, id,
							    0, __ATOMIC_RELAXED,
							    __ATOMIC_RELAXED))
			/* Atomic stores, as the readers (/drift, the live
			 * alerts thread) load them: no data race. */
			for (i = 0; i < ld->nf; i++) {
				uint64_t *c = ld->f[i].counts +
					      (id % EPOCHS) * ld->f[i].nbins;

				for (r = 0; r < ld->f[i].nbins; r++)
					__atomic_store_n(&c[r], 0,
							 __ATOMIC_RELAXED);
			}
	}
	epoch = (size_t)(id % EPOCHS);
	for (i = 0; i < ld->nf; i++) {
		struct live_feature *lf = &ld->f[i];
		uint64_t *c = lf->counts + epoch * lf->nbins;

		for (r = 0; r < n; r++) {
			double v;
			size_t b;

			if (lf->input < 0)
				v = prediction_value(ld, y + r * ld->noutputs,
						     ld->noutputs);
			else
				v = x[r * ld->ninputs + (size_t)lf->input];
			if (isnan(v))
				continue;
			if (lf->categorical) {
				size_t vi = (size_t)v;

				b = v >= 0 && vi < lf->nvalues ? lf->value_bin[vi]
							       : lf->nbins - 1;
			} else {
				b = profile_bin(lf->pc, v);
			}
			__atomic_add_fetch(&c[b], 1, __ATOMIC_RELAXED);
		}
	}
}

/* The window's shares of a feature, summed over the epochs. */
static uint64_t window_counts(const struct live_feature *lf, double *cur)
{
	uint64_t total = 0;
	size_t e, b;

	for (b = 0; b < lf->nbins; b++) {
		uint64_t n = 0;

		for (e = 0; e < EPOCHS; e++)
			n += __atomic_load_n(&lf->counts[e * lf->nbins + b],
					     __ATOMIC_RELAXED);
		cur[b] = (double)n;
		total += n;
	}
	return total;
}

struct distances {
	uint64_t rows;
	double psi, js;
};

static struct distances measure(const struct live_feature *lf)
{
	struct distances d = { 0, NAN, NAN };
	double *cur = xmalloc(sizeof(double) * lf->nbins);
	double *cs = xmalloc(sizeof(double) * lf->nbins);
	double *rs = xmalloc(sizeof(double) * lf->nbins);

	d.rows = window_counts(lf, cur);
	if (d.rows) {
		/* PSI with Evidently's smoothing of empty bins; JS raw. */
		bin_shares(lf->ref, lf->nbins, 1.0, 1, rs);
		bin_shares(cur, lf->nbins, (double)d.rows, 1, cs);
		d.psi = psi(rs, cs, lf->nbins);
		bin_shares(cur, lf->nbins, (double)d.rows, 0, cs);
		d.js = jensenshannon(lf->ref, cs, lf->nbins);
	}
	free(cur);
	free(cs);
	free(rs);
	return d;
}

static json_t *num(double v)
{
	return isnan(v) ? json_null() : json_real(v);
}

json_t *live_drift_json(struct live_drift *ld)
{
	json_t *features = json_array(), *pred = json_null();
	size_t i;

	for (i = 0; i < ld->nf; i++) {
		struct distances d = measure(&ld->f[i]);
		json_t *o = json_pack("{s:s, s:s, s:I, s:o, s:o, s:b}", "feature",
				      ld->f[i].name, "type",
				      ld->f[i].categorical ? "categorical"
							   : "numeric",
				      "rows", (json_int_t)d.rows, "psi",
				      num(d.psi), "jensenshannon", num(d.js),
				      "drifted",
				      d.rows && (d.psi >= PSI_THRESHOLD ||
						 d.js >= JS_THRESHOLD));

		if (ld->f[i].input < 0) {
			json_decref(pred);
			pred = o;
		} else {
			json_array_append_new(features, o);
		}
	}
	return json_pack("{s:I, s:I, s:{s:f, s:f}, s:o, s:o}", "window",
			 (json_int_t)ld->window, "rows_seen",
			 (json_int_t)__atomic_load_n(&ld->seen, __ATOMIC_RELAXED),
			 "thresholds", "psi", PSI_THRESHOLD, "jensenshannon",
			 JS_THRESHOLD, "features", features, "prediction", pred);
}

void live_drift_metrics(struct live_drift *const *lds,
			const char *const *models, size_t n, struct strbuf *o)
{
	size_t i, k, any = 0;

	for (k = 0; k < n; k++) {
		struct live_drift *ld = lds[k];

		for (i = 0; ld && i < ld->nf; i++) {
			struct distances d = measure(&ld->f[i]);

			if (!d.rows)
				continue;
			if (!any++)
				strbuf_addstr(o, "# HELP mlops_feature_drift Drift "
						 "of live requests from the "
						 "bundle's reference, over the "
						 "window.\n# TYPE "
						 "mlops_feature_drift gauge\n");
			strbuf_addstr(o, "mlops_feature_drift{model=\"");
			metrics_label(o, models[k]);
			strbuf_addstr(o, "\",feature=\"");
			metrics_label(o, ld->f[i].name);
			strbuf_addf(o, "\",test=\"psi\"} %.9g\n", d.psi);
			strbuf_addstr(o, "mlops_feature_drift{model=\"");
			metrics_label(o, models[k]);
			strbuf_addstr(o, "\",feature=\"");
			metrics_label(o, ld->f[i].name);
			strbuf_addf(o, "\",test=\"jensenshannon\"} %.9g\n",
				    d.js);
		}
	}
	for (k = any = 0; k < n; k++) {
		if (!lds[k])
			continue;
		if (!any++)
			strbuf_addstr(o, "# HELP mlops_drift_window_rows Rows the "
					 "live drift window holds at most.\n"
					 "# TYPE mlops_drift_window_rows gauge\n");
		strbuf_addstr(o, "mlops_drift_window_rows{model=\"");
		metrics_label(o, models[k]);
		strbuf_addf(o, "\"} %zu\n", lds[k]->window);
	}
}

void live_drift_free(struct live_drift *ld)
{
	size_t i;

	if (!ld)
		return;
	for (i = 0; i < ld->nf; i++) {
		free(ld->f[i].ref);
		free(ld->f[i].value_bin);
		free(ld->f[i].counts);
	}
	free(ld->f);
	free(ld);
}
