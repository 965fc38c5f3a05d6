#include "profile.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../core/error.h"
#include "../core/fsutil.h"
#include "../core/strbuf.h"
#include "sort.h"
#include "stats.h"

#define PROFILE_MAX_BYTES (256u << 20)

size_t profile_bin(const struct profile_column *c, double v)
{
	double w, x;
	long i;

	if (c->nbins < 2 || !(c->max > c->min))
		return 0;
	w = (c->max - c->min) / (double)c->nbins;
	if (!(v > c->min)) /* NaN too */
		return 0;
	if (v >= c->max)
		return c->nbins - 1;
	if (isfinite(w) && isfinite(v - c->min))
		x = floor((v - c->min) / w);
	else /* a span beyond the largest double: halves do not overflow */
		x = floor((v / 2 - c->min / 2) /
			  ((c->max / 2 - c->min / 2) / (double)c->nbins));
	i = x >= 0 ? (long)fmin(x, (double)c->nbins) : 0;
	return i >= (long)c->nbins ? c->nbins - 1 : (size_t)i;
}

/* Sturges' count, kept between 10 and 64 so that live windows fill. */
static size_t bin_count_for(uint64_t n)
{
	size_t k = (size_t)ceil(log2((double)(n ? n : 1)) + 1);

	return k < 10 ? 10 : k > 64 ? 64 : k;
}

static uint64_t xorshift(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

void profile_numeric_column(struct profile_column *pc, double *v, size_t n,
			    size_t sample, const struct profile_column *like)
{
	double ss;
	size_t i;

	pc->count = n;
	if (!n)
		return;
	stats_sort(v, n);
	pc->min = v[0];
	pc->max = v[n - 1];
	sample_moments(v, n, &pc->mean, &ss);
	pc->std = sqrt(ss / (double)n);
	if (!isfinite(pc->mean) || !isfinite(pc->std)) {
		/* Finite values whose squares (or sum) overflow: the same
		 * moments on values scaled into range. */
		double sc = fmax(fabs(pc->min), fabs(pc->max)), m;
		double *w = xmalloc(sizeof(double) * n);

		for (i = 0; i < n; i++)
			w[i] = v[i] / sc;
		sample_moments(w, n, &m, &ss);
		pc->mean = m * sc;
		pc->std = sqrt(ss / (double)n) * sc;
		free(w);
	}
	pc->nbins = bin_count_for(n);
	if (like && !like->categorical && like->nbins) {
		/* The template's histogram range, so that the two merge. */
		pc->min = like->min;
		pc->max = like->max;
		pc->nbins = like->nbins;
	}
	pc->bins = xcalloc(pc->nbins, sizeof(double));
	for (i = 0; i < n; i++)
		pc->bins[profile_bin(pc, v[i])]++;
	for (i = 0; i < PROFILE_QUANTILES; i++) {
		double pos = (double)(n - 1) * (double)i / (PROFILE_QUANTILES - 1);
		size_t lo = (size_t)floor(pos);

		pc->quantiles[i] = lo + 1 < n ? bin_lerp(v[lo], v[lo + 1],
							 pos - (double)lo)
					      : v[n - 1];
	}
	/* A uniform sample (reservoir, fixed seed: profiles are
	 * reproducible); every value when they fit. */
	pc->nsample = n < sample ? n : sample;
	pc->sample = xmalloc(sizeof(double) * (pc->nsample ? pc->nsample : 1));
	if (n <= sample) {
		memcpy(pc->sample, v, sizeof(double) * n);
	} else {
		uint64_t seed = 0x9e3779b97f4a7c15ULL;

		memcpy(pc->sample, v, sizeof(double) * sample);
		for (i = sample; i < n; i++) {
			uint64_t j = xorshift(&seed) % (i + 1);

			if (j < sample)
				pc->sample[j] = v[i];
		}
		stats_sort(pc->sample, pc->nsample);
	}
}

void profile_add_numeric(struct profile *p, const char *name, double *v,
			 size_t n, size_t sample)
{
	struct profile_column *pc;

	p->columns = xrealloc(p->columns, sizeof(*p->columns) * (p->ncolumns + 1));
	pc = &p->columns[p->ncolumns++];
	memset(pc, 0, sizeof(*pc));
	pc->name = xstrdup(name);
	profile_numeric_column(pc, v, n, sample, NULL);
}

static json_t *nums(const double *v, size_t n)
{
	json_t *a = json_array();
	size_t i;

	for (i = 0; i < n; i++)
		json_array_append_new(a, json_real(v[i]));
	return a;
}

json_t *profile_to_json(const struct profile *p)
{
	json_t *cols = json_array();
	size_t i, j;

	for (i = 0; i < p->ncolumns; i++) {
		const struct profile_column *c = &p->columns[i];
		json_t *o = json_pack("{s:s, s:s, s:I, s:I}", "name", c->name,
				      "type", c->categorical ? "categorical"
							     : "numeric",
				      "count", (json_int_t)c->count, "missing",
				      (json_int_t)c->missing);

		if (c->error) {
			json_object_set_new(o, "error", json_string(c->error));
		} else if (c->categorical) {
			json_t *cats = json_object();

			for (j = 0; j < c->ncats; j++)
				json_object_set_new(cats, c->cats[j],
						    json_real(c->cat_counts[j]));
			json_object_set_new(o, "categories", cats);
		} else if (c->count) {
			json_object_set_new(o, "min", json_real(c->min));
			json_object_set_new(o, "max", json_real(c->max));
			json_object_set_new(o, "mean", json_real(c->mean));
			json_object_set_new(o, "std", json_real(c->std));
			json_object_set_new(o, "histogram", nums(c->bins, c->nbins));
			json_object_set_new(o, "quantiles",
					    nums(c->quantiles, PROFILE_QUANTILES));
			json_object_set_new(o, "sample", nums(c->sample, c->nsample));
		}
		json_array_append_new(cols, o);
	}
	return json_pack("{s:i, s:s, s:I, s:o}", "mlops_profile", PROFILE_FORMAT,
			 "source", p->source, "rows", (json_int_t)p->rows,
			 "columns", cols);
}

static int read_nums(const json_t *a, double **out, size_t *n, size_t want)
{
	size_t i;
	const json_t *v;

	if (!json_is_array(a) || (want && json_array_size(a) != want))
		return -1;
	*n = json_array_size(a);
	*out = xmalloc(sizeof(double) * (*n ? *n : 1));
	json_array_foreach(a, i, v) {
		if (!json_is_number(v))
			return -1;
		(*out)[i] = json_number_value(v);
	}
	return 0;
}

static int read_column(const json_t *o, struct profile_column *c)
{
	const char *type = json_string_value(json_object_get(o, "type"));
	const json_t *v;

	if (!json_is_string(json_object_get(o, "name")) || !type ||
	    !json_is_integer(json_object_get(o, "count")) ||
	    !json_is_integer(json_object_get(o, "missing")) ||
	    json_integer_value(json_object_get(o, "count")) < 0 ||
	    json_integer_value(json_object_get(o, "missing")) < 0)
		return -1;
	c->name = xstrdup(json_string_value(json_object_get(o, "name")));
	c->categorical = !strcmp(type, "categorical");
	c->count = (uint64_t)json_integer_value(json_object_get(o, "count"));
	c->missing = (uint64_t)json_integer_value(json_object_get(o, "missing"));
	if ((v = json_object_get(o, "error"))) {
		c->error = xstrdup(json_is_string(v) ? json_string_value(v) : "?");
		return 0;
	}
	if (c->categorical) {
		const char *k;
		size_t i = 0;

		v = json_object_get(o, "categories");
		if (!json_is_object(v))
			return -1;
		c->ncats = json_object_size(v);
		c->cats = xcalloc(c->ncats + 1, sizeof(char *));
		c->cat_counts = xcalloc(c->ncats + 1, sizeof(double));
		json_object_foreach((json_t *)v, k, o) {
			if (!json_is_number(o) || json_number_value(o) < 0)
				return -1;
			c->cats[i] = xstrdup(k);
			c->cat_counts[i++] = json_number_value(o);
		}
		return 0;
	}
	if (!c->count)
		return 0;
	{
		double *q = NULL;
		size_t nq;
		int rc;

		/* Present, not defaulted: a profile is outside input. */
		if (!json_is_number(json_object_get(o, "min")) ||
		    !json_is_number(json_object_get(o, "max")) ||
		    !json_is_number(json_object_get(o, "mean")) ||
		    !json_is_number(json_object_get(o, "std")) ||
		    json_number_value(json_object_get(o, "std")) < 0)
			return -1;
		c->min = json_number_value(json_object_get(o, "min"));
		c->max = json_number_value(json_object_get(o, "max"));
		c->mean = json_number_value(json_object_get(o, "mean"));
		c->std = json_number_value(json_object_get(o, "std"));
		rc = read_nums(json_object_get(o, "quantiles"), &q, &nq,
			       PROFILE_QUANTILES);
		if (!rc)
			memcpy(c->quantiles, q, sizeof(c->quantiles));
		free(q);
		if (rc || read_nums(json_object_get(o, "histogram"), &c->bins,
				    &c->nbins, 0) < 0 ||
		    read_nums(json_object_get(o, "sample"), &c->sample,
			      &c->nsample, 0) < 0 ||
		    !c->nbins || !(c->max >= c->min) || c->nsample > c->count)
			return -1;
		for (nq = 0; nq < c->nbins; nq++)
			if (!(c->bins[nq] >= 0))
				return -1;
		for (nq = 1; nq < c->nsample; nq++)
			if (c->sample[nq] < c->sample[nq - 1])
				return -1;
	}
	return 0;
}

int profile_from_json(const json_t *j, struct profile **out)
{
	const json_t *cols = json_object_get(j, "columns"), *v;
	struct profile *p;
	size_t i;

	*out = NULL;
	if (json_integer_value(json_object_get(j, "mlops_profile")) !=
		    PROFILE_FORMAT ||
	    !json_is_array(cols))
		return mlops_error_set(MLOPS_EINPUT, "not an mlops profile "
				       "(format %d)", PROFILE_FORMAT);
	p = xcalloc(1, sizeof(*p));
	p->ncolumns = json_array_size(cols);
	p->columns = xcalloc(p->ncolumns ? p->ncolumns : 1, sizeof(*p->columns));
	p->rows = (uint64_t)json_integer_value(json_object_get(j, "rows"));
	p->source = xstrdup(json_is_string(json_object_get(j, "source"))
				    ? json_string_value(json_object_get(j, "source"))
				    : "profile");
	json_array_foreach(cols, i, v) {
		if (read_column(v, &p->columns[i]) < 0) {
			profile_free(p);
			return mlops_error_set(MLOPS_EINPUT, "the profile's column "
					       "%zu is malformed", i + 1);
		}
	}
	*out = p;
	return 0;
}

int profile_load_if(const char *path, struct profile **out)
{
	struct strbuf sb = STRBUF_INIT;
	json_t *j;
	int rc;
	size_t n = strlen(path);

	*out = NULL;
	/* A profile is JSON ending in .json; data is .csv or .jsonl. */
	if (n < 5 || strcmp(path + n - 5, ".json"))
		return 0;
	if (fs_read_file(path, PROFILE_MAX_BYTES, &sb) < 0)
		return -1;
	j = json_loadb(sb.buf, sb.len, 0, NULL);
	strbuf_release(&sb);
	if (!j || !json_object_get(j, "mlops_profile")) {
		json_decref(j);
		return mlops_error_set(MLOPS_EINPUT, "%s is not an mlops profile "
				       "(make one with mlops drift profile)",
				       path);
	}
	rc = profile_from_json(j, out);
	json_decref(j);
	return rc < 0 ? rc : 1;
}

const struct profile_column *profile_find(const struct profile *p,
					  const char *name)
{
	size_t i;

	for (i = 0; p && i < p->ncolumns; i++)
		if (!strcmp(p->columns[i].name, name))
			return &p->columns[i];
	return NULL;
}

int profile_merge(struct profile *a, const struct profile *b)
{
	size_t i, j, k;

	if (a->ncolumns != b->ncolumns)
		return mlops_error_set(MLOPS_EINPUT, "profiles of different "
				       "columns cannot be merged");
	for (i = 0; i < a->ncolumns; i++) {
		struct profile_column *x = &a->columns[i];
		const struct profile_column *y = &b->columns[i];

		if (strcmp(x->name, y->name) || x->categorical != y->categorical ||
		    (!x->categorical && x->count && y->count &&
		     (x->nbins != y->nbins || x->min != y->min || x->max != y->max)))
			return mlops_error_set(MLOPS_EINPUT, "column '%s' differs "
					       "between the profiles (names, "
					       "types and histogram edges must "
					       "match)", x->name);
	}
	for (i = 0; i < a->ncolumns; i++) {
		struct profile_column *x = &a->columns[i];
		const struct profile_column *y = &b->columns[i];

		x->missing += y->missing;
		if (x->categorical) {
			for (j = 0; j < y->ncats; j++) {
				for (k = 0; k < x->ncats; k++)
					if (!strcmp(x->cats[k], y->cats[j]))
						break;
				if (k == x->ncats) {
					x->cats = xrealloc(x->cats, sizeof(char *) *
								    (x->ncats + 2));
					x->cat_counts = xrealloc(x->cat_counts,
								 sizeof(double) *
									 (x->ncats + 2));
					x->cats[k] = xstrdup(y->cats[j]);
					x->cat_counts[k] = 0;
					x->ncats++;
				}
				x->cat_counts[k] += y->cat_counts[j];
			}
			x->count += y->count;
			continue;
		}
		if (!y->count)
			continue;
		if (x->count) {
			double n1 = (double)x->count, n2 = (double)y->count,
			       mean = (n1 * x->mean + n2 * y->mean) / (n1 + n2);
			double var = (n1 * (x->std * x->std +
					    (x->mean - mean) * (x->mean - mean)) +
				      n2 * (y->std * y->std +
					    (y->mean - mean) * (y->mean - mean))) /
				     (n1 + n2);

			for (j = 0; j < x->nbins; j++)
				x->bins[j] += y->bins[j];
			x->mean = mean;
			x->std = sqrt(var);
		}
		/* Samples: concatenated (a larger, still uniform-by-weight
		 * sample); quantiles from it. */
		x->sample = xrealloc(x->sample, sizeof(double) *
							(x->nsample + y->nsample + 1));
		memcpy(x->sample + x->nsample, y->sample,
		       sizeof(double) * y->nsample);
		x->nsample += y->nsample;
		stats_sort(x->sample, x->nsample);
		if (!x->count) {
			x->min = y->min;
			x->max = y->max;
			x->mean = y->mean;
			x->std = y->std;
			x->nbins = y->nbins;
			x->bins = xmalloc(sizeof(double) * y->nbins);
			memcpy(x->bins, y->bins, sizeof(double) * y->nbins);
		}
		x->count += y->count;
		for (j = 0; j < PROFILE_QUANTILES; j++) {
			double pos = (double)(x->nsample - 1) * (double)j /
				     (PROFILE_QUANTILES - 1);
			size_t lo = (size_t)floor(pos);

			x->quantiles[j] = lo + 1 < x->nsample
				? x->sample[lo] + (x->sample[lo + 1] - x->sample[lo]) *
							  (pos - (double)lo)
				: x->sample[x->nsample - 1];
		}
	}
	a->rows += b->rows;
	return 0;
}

void profile_free(struct profile *p)
{
	size_t i, j;

	if (!p)
		return;
	for (i = 0; i < p->ncolumns; i++) {
		struct profile_column *c = &p->columns[i];

		free(c->name);
		free(c->bins);
		free(c->sample);
		for (j = 0; j < c->ncats; j++)
			free(c->cats[j]);
		free(c->cats);
		free(c->cat_counts);
		free(c->error);
	}
	free(p->columns);
	free(p->source);
	free(p);
}
