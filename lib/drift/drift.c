#include "drift.h"

#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/mman.h>
#include <unistd.h>

#include "../core/error.h"
#include "../core/strbuf.h"
#include "collect.h"
#include "edf.h"
#include "profile.h"
#include "profile_predict.h"
#include "stats.h"

#define AUTO_SMALL 1000 /* reference rows: p-value tests up to here */

/* ---- Tests ---- */

static enum drift_test auto_test(int categorical, size_t n_ref,
				 size_t distinct)
{
	if (n_ref <= AUTO_SMALL) {
		if (categorical)
			return distinct > 2 ? DT_CHISQUARE : DT_Z;
		if (distinct <= 5)
			return distinct > 2 ? DT_CHISQUARE : DT_Z;
		return DT_KS;
	}
	if (!categorical && distinct > 5)
		return DT_WASSERSTEIN;
	return DT_JENSENSHANNON;
}

static size_t pooled_distinct(const double *a, size_t na, const double *b,
			      size_t nb)
{
	size_t i = 0, j = 0, k = 0;

	while (i < na || j < nb) {
		double v = (j >= nb || (i < na && a[i] <= b[j])) ? a[i] : b[j];

		while (i < na && a[i] == v)
			i++;
		while (j < nb && b[j] == v)
			j++;
		k++;
	}
	return k;
}

static double std_ddof0(const double *v, size_t n)
{
	double m, ss;

	sample_moments(v, n, &m, &ss);
	return sqrt(ss / (double)n);
}

static void keep_bins(struct drift_column *r, const double *ca,
		      const double *cb, size_t k, double na, double nb)
{
	r->nbins = k;
	r->ref_share = xmalloc(sizeof(double) * (k ? k : 1));
	r->cur_share = xmalloc(sizeof(double) * (k ? k : 1));
	bin_shares(ca, k, na, 0, r->ref_share);
	bin_shares(cb, k, nb, 0, r->cur_share);
}

static double binned_distance(enum drift_test t, const double *ca,
			      const double *cb, size_t k, double na, double nb)
{
	double *r = xmalloc(sizeof(double) * (k ? k : 1));
	double *c = xmalloc(sizeof(double) * (k ? k : 1)), s;
	int smooth = t == DT_PSI || t == DT_KL_DIV;

	bin_shares(ca, k, na, smooth, r);
	bin_shares(cb, k, nb, smooth, c);
	switch (t) {
	case DT_PSI:
		s = psi(r, c, k);
		break;
	case DT_KL_DIV:
		s = kl_div(r, c, k);
		break;
	case DT_JENSENSHANNON:
		s = jensenshannon(r, c, k);
		break;
	default:
		s = hellinger(r, c, k);
	}
	free(r);
	free(c);
	return s;
}

static void method_str(struct drift_column *r, const char *fmt, ...)
	MLOPS_PRINTF(2, 3);
static void method_str(struct drift_column *r, const char *fmt, ...)
{
	struct strbuf sb = STRBUF_INIT;
	va_list ap;

	va_start(ap, fmt);
	strbuf_vaddf(&sb, fmt, ap);
	va_end(ap);
	free(r->method);
	r->method = strbuf_detach(&sb);
}

static const char *rule_name(enum bin_rule b)
{
	static const char *const names[] = { "auto", "sturges", "doane",
					     "quantile", "fixed", "values" };

	return names[b];
}

static void madvise_huge(void *p, size_t bytes)
{
	uintptr_t start = ((uintptr_t)p + (2u << 20) - 1) & ~(uintptr_t)((2u << 20) - 1);
	uintptr_t end = ((uintptr_t)p + bytes) & ~(uintptr_t)((2u << 20) - 1);

	if (end > start)
		madvise((void *)start, end - start, MADV_HUGEPAGE);
}

/* What one analysing thread keeps between columns. */
struct worker {
	uint64_t *scratch;
	size_t cap;
};

static void sort_sample(double *v, size_t n, struct worker *w)
{
	if (2 * n > w->cap) {
		free(w->scratch);
		w->cap = 2 * n;
		w->scratch = xmalloc(sizeof(uint64_t) * w->cap);
		/* Touched once a column: huge pages fault in 512x less often. */
		madvise_huge(w->scratch, sizeof(uint64_t) * w->cap);
	}
	stats_sort_with(v, n, w->scratch);
}

static void test_numeric(struct col *c, const struct drift_opts *o,
			 enum drift_test t, struct drift_column *r,
			 struct worker *w)
{
	int sa, sb;
	double *a = values_doubles(&c->num[0], &sa);
	double *b = values_doubles(&c->num[1], &sb);
	double *ca = NULL, *cb = NULL;
	double *values = NULL, *edges = NULL, na, nb;
	size_t n1 = c->num[0].n, n2 = c->num[1].n, distinct, k = 0;
	enum bin_rule rule = o->binning;
	int ex;

	if (!sa)
		sort_sample(a, n1, w);
	if (!sb)
		sort_sample(b, n2, w);
	na = (double)n1;
	nb = (double)n2;
	distinct = pooled_distinct(a, n1, b, n2);
	if (t == DT_AUTO)
		t = auto_test(0, c->prof ? (size_t)c->prof->count : n1, distinct);
	r->test = t;
	/* Bins: for the binned tests, and for every plot. */
	if (rule == BIN_AUTO)
		rule = count_distinct(a, n1) > 20 ? BIN_STURGES : BIN_VALUES;
	if (rule == BIN_VALUES || t == DT_CHISQUARE || t == DT_Z) {
		k = bin_values(a, n1, b, n2, &values, &ca, &cb);
		if (rule == BIN_VALUES || t == DT_CHISQUARE || t == DT_Z) {
			r->labels = xcalloc(k ? k : 1, sizeof(char *));
			for (size_t i = 0; i < k; i++) {
				char buf[32];

				snprintf(buf, sizeof(buf), "%.6g", values[i]);
				r->labels[i] = xstrdup(buf);
			}
		}
		if (rule != BIN_VALUES)
			method_str(r, "one bin per value, %zu value%s", k,
				   plural(k));
	}
	if (!r->labels && c->prof && c->prof->nbins &&
	    (rule == BIN_STURGES || rule == BIN_DOANE)) {
		/* The profile's own histogram: exact counts of the whole
		 * reference, the current values binned the same way. */
		const struct profile_column *pc = c->prof;
		double width = (pc->max - pc->min) / (double)pc->nbins;
		size_t i;

		k = pc->nbins;
		ca = xmalloc(sizeof(double) * k);
		memcpy(ca, pc->bins, sizeof(double) * k);
		cb = xcalloc(k, sizeof(double));
		for (i = 0; i < n2; i++)
			cb[profile_bin(pc, b[i])]++;
		edges = xmalloc(sizeof(double) * (k + 1));
		for (i = 0; i <= k; i++)
			edges[i] = isfinite(width) ? pc->min + (double)i * width
						   : bin_edge(pc->min, pc->max, i, k);
		edges[0] = -INFINITY;
		edges[k] = INFINITY;
		r->edges = edges;
		na = (double)pc->count;
		method_str(r, "binned: the profile's %zu equal-width bins over "
			   "the reference's range, outer bins open", k);
	} else if (!r->labels) {
		size_t ne;

		if (rule == BIN_QUANTILE)
			ne = bin_edges_quantile(a, n1, o->quantiles ? o->quantiles : 10,
						&edges);
		else if (rule == BIN_FIXED) {
			ne = o->nedges;
			edges = xmalloc(sizeof(double) * ne);
			memcpy(edges, o->edges, sizeof(double) * ne);
			edges[0] = -INFINITY;
			edges[ne - 1] = INFINITY;
		} else
			ne = bin_edges_equal(rule, a, n1, b, n2, &edges);
		k = ne - 1;
		ca = xcalloc(k, sizeof(double));
		cb = xcalloc(k, sizeof(double));
		bin_count(a, n1, edges, ne, ca);
		bin_count(b, n2, edges, ne, cb);
		r->edges = edges;
		if (rule == BIN_QUANTILE)
			method_str(r, "binned: %zu reference quantile bins, outer "
				   "bins open", k);
		else if (rule == BIN_FIXED)
			method_str(r, "binned: %zu fixed bins, outer bins open", k);
		else
			method_str(r, "binned: %s, %zu equal-width bins over both "
				   "samples", rule_name(rule), k);
	} else if (!r->method) {
		method_str(r, "one bin per value, %zu value%s", k,
				   plural(k));
	}
	keep_bins(r, ca, cb, k, na, nb);
	switch (t) {
	case DT_KS:
		ks_2samp(a, n1, b, n2, &r->statistic, &r->p_value, &ex);
		method_str(r, "%s", ex ? "exact" : "asymptotic");
		break;
	case DT_CHISQUARE: {
		int dof;

		chi2_contingency(ca, cb, k, &r->statistic, &r->p_value, &dof);
		method_str(r, "2 x %zu contingency table, %d degrees of freedom%s",
			   k, dof, dof == 1 ? ", Yates" : "");
		break;
	}
	case DT_Z:
		if (k > 2) {
			col_error(c, 0, "the z test needs a binary column (%zu "
				  "distinct values)", k);
			break;
		}
		z_test(ca[0], na, cb[0], nb, &r->statistic, &r->p_value);
		method_str(r, "two proportions, pooled");
		break;
	case DT_WASSERSTEIN: {
		double sd = c->prof ? c->prof->std : std_ddof0(a, n1);

		r->statistic = wasserstein(a, n1, b, n2) / (sd > 0.001 ? sd : 0.001);
		method_str(r, "normed by the reference's standard deviation");
		break;
	}
	case DT_MANNW: {
		double u;

		mann_whitney(a, n1, b, n2, ALT_TWO_SIDED, &u, &r->p_value);
		r->statistic = u;
		method_str(r, "%s, two-sided",
			   (n1 <= 8 || n2 <= 8) && distinct == n1 + n2
				   ? "exact" : "asymptotic with continuity and "
					       "tie correction");
		break;
	}
	case DT_T_TEST:
		t_test(a, n1, b, n2, &r->statistic, &r->p_value);
		method_str(r, "equal variances");
		break;
	case DT_CVM:
		cramer_von_mises(a, n1, b, n2, &r->statistic, &r->p_value, &ex);
		method_str(r, "%s", ex ? "exact" : "asymptotic");
		break;
	case DT_ANDERSON:
		if (anderson_2samp(a, n1, b, n2, &r->statistic, &r->p_value) < 0)
			col_error(c, 0, "anderson needs 4 values or more");
		method_str(r, "k-sample, midranks; p-value interpolated, capped "
			   "to [0.001, 0.25]");
		break;
	default:
		r->statistic = binned_distance(t, ca, cb, k, na, nb);
	}
	if (c->prof && (t == DT_KS || t == DT_WASSERSTEIN || t == DT_MANNW ||
			t == DT_T_TEST || t == DT_CVM || t == DT_ANDERSON ||
			r->labels)) {
		char *m = r->method;

		r->method = NULL;
		if (c->prof->nsample < c->prof->count)
			method_str(r, "approximate: a sample of %zu of %llu "
				   "reference values (on it: %s)", c->prof->nsample,
				   (unsigned long long)c->prof->count, m ? m : "");
		else
			method_str(r, "%s (the profile holds every reference "
				   "value)", m ? m : "");
		free(m);
	}
	free(values);
	free(ca);
	free(cb);
}

static void test_categorical(struct col *c, enum drift_test t,
			     struct drift_column *r)
{
	size_t k = c->cats.n, i;
	double na = (double)(r->n_ref), nb = (double)(r->n_cur);
	double *ca = c->cats.count[0], *cb = c->cats.count[1];

	if (t == DT_AUTO)
		t = auto_test(1, r->n_ref, k);
	r->test = t;
	r->labels = xcalloc(k ? k : 1, sizeof(char *));
	for (i = 0; i < k; i++)
		r->labels[i] = xstrdup(c->cats.names[i]);
	keep_bins(r, ca, cb, k, na, nb);
	switch (t) {
	case DT_KS:
	case DT_WASSERSTEIN:
	case DT_MANNW:
	case DT_T_TEST:
	case DT_CVM:
	case DT_ANDERSON:
		col_error(c, 0, "%s needs a numeric column; '%s' is categorical",
			  drift_test_name(t), c->name);
		return;
	case DT_CHISQUARE: {
		int dof;

		chi2_contingency(ca, cb, k, &r->statistic, &r->p_value, &dof);
		method_str(r, "2 x %zu contingency table, %d degrees of freedom%s",
			   k, dof, dof == 1 ? ", Yates" : "");
		return;
	}
	case DT_Z:
		if (k > 2) {
			col_error(c, 0, "the z test needs a binary column (%zu "
				  "categories)", k);
			return;
		}
		z_test(ca[0], na, cb[0], nb, &r->statistic, &r->p_value);
		method_str(r, "two proportions, pooled");
		return;
	default:
		r->statistic = binned_distance(t, ca, cb, k, na, nb);
		method_str(r, "one bin per category, %zu categor%s", k,
			   k == 1 ? "y" : "ies");
	}
}

static void analyse(struct col *c, const struct drift_opts *o,
		    const unsigned long long rows[2], struct drift_column *r,
		    struct worker *w)
{
	enum drift_test t = o->test;
	double threshold = o->threshold;
	int numeric_only = t == DT_KS || t == DT_WASSERSTEIN || t == DT_MANNW ||
			   t == DT_T_TEST || t == DT_CVM || t == DT_ANDERSON,
	    fell_back = 0;
	size_t i;

	r->name = xstrdup(c->name);
	r->categorical = c->categorical;
	r->statistic = r->p_value = NAN;
	r->missing_ref = c->missing[0];
	r->missing_cur = c->missing[1];
	r->n_ref = c->categorical ? (size_t)rows[0] - c->missing[0]
		   : c->prof	  ? (size_t)c->prof->count
				  : c->num[0].n;
	r->n_cur = c->categorical ? (size_t)rows[1] - c->missing[1] : c->num[1].n;
	/* A numeric-only test set for every column leaves the categorical
	 * ones to the automatic choice; named for a column, it is an error. */
	if (numeric_only && c->categorical) {
		t = DT_AUTO;
		threshold = NAN;
		fell_back = 1;
	}
	for (i = 0; i < o->noverrides; i++)
		if (!strcmp(o->overrides[i].column, c->name)) {
			fell_back = 0;
			if (o->overrides[i].test != DT_AUTO)
				t = o->overrides[i].test;
			if (!isnan(o->overrides[i].threshold))
				threshold = o->overrides[i].threshold;
		}
	if (rows[0] && rows[1] && c->present[0] && c->present[1]) {
		double mr = (double)c->missing[0] / (double)rows[0];
		double mc = (double)c->missing[1] / (double)rows[1];

		r->missing_drifted = fabs(mc - mr) > o->missing_threshold;
	}
	if (!c->error && !r->n_ref)
		col_error(c, 0, "no values in the reference");
	if (!c->error && !r->n_cur)
		col_error(c, 0, "no values in the current data");
	if (!c->error) {
		if (c->categorical)
			test_categorical(c, t, r);
		else
			test_numeric(c, o, t, r, w);
	}
	/* Tested: the column's values are not needed any more. */
	values_free(&c->num[0]);
	values_free(&c->num[1]);
	if (r->test == DT_AUTO)
		r->test = t;
	if (fell_back && r->method && !c->error) {
		char *m = r->method;

		r->method = NULL;
		method_str(r, "%s; %s is for numeric columns", m,
			   drift_test_name(o->test));
		free(m);
	}
	r->threshold = isnan(threshold) ? drift_test_default_threshold(r->test)
					: threshold;
	if (c->error) {
		r->error = xstrdup(c->error);
		r->statistic = r->p_value = NAN;
		return;
	}
	if (!drift_test_is_pvalue(r->test))
		r->p_value = NAN;
	if (r->test == DT_KS)
		r->drifted = r->p_value <= r->threshold;
	else if (drift_test_is_pvalue(r->test))
		r->drifted = r->p_value < r->threshold;
	else
		r->drifted = r->statistic >= r->threshold;
}

struct reader {
	const char *path;
	const struct drift_opts *o;
	struct col *cols;
	size_t n;
	unsigned long long *rows;
	int rc;
	struct strbuf err;
};

static void *read_current(void *arg)
{
	struct reader *r = arg;

	/* No progress from this thread: the reference's reports it. */
	struct drift_opts quiet = *r->o;

	quiet.progress = NULL;
	r->rc = collect_read(r->path, 1, &quiet, r->cols, r->n, r->rows, 0, 0);
	if (r->rc)
		strbuf_addstr(&r->err, mlops_error_last()->message);
	mlops_error_thread_exit();
	return NULL;
}

/* The current sample on a second thread while this one reads the
 * reference: the two files take the time of the larger. */
static int read_both(const char *reference, const char *current,
		     const struct drift_opts *o, struct col *cols, size_t n,
		     unsigned long long rows[2], uint64_t total)
{
	struct reader r = { current, o, cols, n, &rows[1], 0, STRBUF_INIT };
	pthread_t th;
	int rc, threaded = !pthread_create(&th, NULL, read_current, &r);

	if (!threaded)
		read_current(&r);
	rc = collect_read(reference, 0, o, cols, n, &rows[0], 0, total);
	if (threaded)
		pthread_join(th, NULL);
	if (!rc && r.rc)
		rc = mlops_error_set(r.rc, "%s", r.err.buf);
	strbuf_release(&r.err);
	if (!rc)
		collect_merge(cols, n);
	return rc;
}

/* Columns are analysed by up to ANALYSE_THREADS threads, each taking
 * the next column; every result has its own slot. */
#define ANALYSE_THREADS 2

struct pool {
	struct col *cols;
	const struct drift_opts *o;
	const unsigned long long *rows;
	struct drift_column *out;
	size_t n, next;
};

static void analyse_worker_here(struct pool *p)
{
	struct worker w = { NULL, 0 };
	size_t i;

	while ((i = __atomic_fetch_add(&p->next, 1, __ATOMIC_RELAXED)) < p->n)
		analyse(&p->cols[i], p->o, p->rows, &p->out[i], &w);
	free(w.scratch);
}

static void *analyse_worker(void *arg)
{
	analyse_worker_here(arg);
	mlops_error_thread_exit();
	return NULL;
}

static void analyse_all(struct col *cols, size_t n, const struct drift_opts *o,
			const unsigned long long rows[2],
			struct drift_column *out)
{
	struct pool p = { cols, o, rows, out, n, 0 };
	pthread_t th[ANALYSE_THREADS - 1];
	size_t started = 0, i;
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);

	for (i = 0; i + 1 < ANALYSE_THREADS && (long)i + 1 < cpus && i + 1 < n;
	     i++)
		if (!pthread_create(&th[i], NULL, analyse_worker, &p))
			started++;
	analyse_worker_here(&p);
	for (i = 0; i < started; i++)
		pthread_join(th[i], NULL);
}

/* The model's outputs as one more column, after the data columns. */
static int add_predictions(struct col **cols, size_t *n,
			   const struct profile *prof, const struct drift_opts *o)
{
	const struct profile_column *pc = prof ? profile_find(prof,
							      PREDICTION_COLUMN)
					       : NULL;
	struct col *c;
	size_t i;

	if (prof && !pc)
		return mlops_error_set(MLOPS_EINPUT, "the reference profile has "
				       "no predictions (profiles made by mlops "
				       "package have them)");
	*cols = xrealloc(*cols, sizeof(struct col) * (*n + 1));
	c = &(*cols)[(*n)++];
	memset(c, 0, sizeof(*c));
	c->name = PREDICTION_COLUMN;
	c->present[0] = c->present[1] = 1;
	c->prof = pc;
	if (pc)
		for (i = 0; i < pc->nsample; i++)
			collect_push(c, 0, pc->sample[i]);
	else
		for (i = 0; i < o->npred_ref; i++)
			collect_push(c, 0, o->pred_ref[i]);
	for (i = 0; i < o->npred_cur; i++)
		collect_push(c, 1, o->pred_cur[i]);
	return 0;
}

int drift_compute(const char *reference, const char *current,
		  const struct descriptor *d, const struct drift_opts *o,
		  struct drift_report *out)
{
	struct col *cols = NULL;
	char **owned = NULL;
	size_t n = 0, i;
	unsigned long long rows[2] = { 0, 0 };
	uint64_t total = 0;
	struct profile *prof = NULL;
	int rc;

	memset(out, 0, sizeof(*out));
	rc = o->profile ? 2 : profile_load_if(reference, &prof);
	if (rc < 0)
		return rc;
	if (rc == 2)
		prof = (struct profile *)o->profile;
	if (rc >= 1) {
		/* The reference is a profile: only the current data is read. */
		rc = collect_from_profile(prof, o, &cols, &n);
		rows[0] = prof->rows;
		for (i = 0; d && !rc && i < n; i++) {
			size_t j;

			for (j = 0; j < d->ninputs; j++)
				if (!strcmp(d->inputs[j].name, cols[i].name))
					cols[i].field = &d->inputs[j];
		}
		if (!rc)
			rc = collect_read(current, 1, o, cols, n, &rows[1], 0, 0);
		if (!rc)
			collect_merge(cols, n);
	} else {
		rc = collect_columns(reference, d, o, &cols, &n, &owned);
		if (!rc && !d)
			rc = collect_infer_types(reference, o, cols, n);
		if (!rc && d)
			collect_type_by_signature(cols, n);
		if (!rc && o->progress)
			total = collect_total_bytes(reference, o);
		if (!rc)
			rc = read_both(reference, current, o, cols, n, rows, total);
	}
	if (!rc && o->predictions)
		rc = add_predictions(&cols, &n, prof, o);
	if (!rc) {
		out->columns = xcalloc(n, sizeof(struct drift_column));
		out->ncolumns = n;
		out->ref_rows = rows[0];
		out->cur_rows = rows[1];
		out->drift_share = o->drift_share > 0 ? o->drift_share : 0.5;
		out->reference = xstrdup(reference);
		out->current = xstrdup(current);
		analyse_all(cols, n, o, rows, out->columns);
		for (i = 0; i < n; i++) {
			struct drift_column *r = &out->columns[i];

			if (r->error) {
				out->nerrors++;
				continue;
			}
			/* Prediction drift is reported on its own, not as a
			 * feature in the dataset's share. */
			if (o->predictions && i == n - 1) {
				out->prediction_drifted = r->drifted;
				continue;
			}
			out->ntested++;
			out->ndrifted += r->drifted;
			out->nmissing_drifted += r->missing_drifted;
		}
		out->share = out->ntested ? (double)out->ndrifted /
						    (double)out->ntested
					  : 0;
		out->dataset_drift = out->ntested &&
				     out->share >= out->drift_share;
		out->fail_on = o->fail_on;
		out->drifted = (o->fail_on == DRIFT_FAIL_COLUMN
					? out->ndrifted > 0
					: out->dataset_drift) ||
			       out->nmissing_drifted || out->prediction_drifted;
	}
	collect_free(cols, n);
	if (prof != o->profile)
		profile_free(prof);
	for (i = 0; owned && owned[i]; i++)
		free(owned[i]);
	free(owned);
	return rc;
}

void drift_report_free(struct drift_report *r)
{
	size_t i, j;

	for (i = 0; i < r->ncolumns; i++) {
		struct drift_column *c = &r->columns[i];

		free(c->name);
		free(c->method);
		free(c->error);
		free(c->edges);
		if (c->labels)
			for (j = 0; j < c->nbins; j++)
				free(c->labels[j]);
		free(c->labels);
		free(c->ref_share);
		free(c->cur_share);
	}
	free(r->columns);
	free(r->reference);
	free(r->current);
	memset(r, 0, sizeof(*r));
}
