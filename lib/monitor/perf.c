#include "perf.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../core/error.h"
#include "../core/strbuf.h"
#include "outcome.h"

#define HOUR_MS 3600000LL
#define DAY_MS (24 * HOUR_MS)
/* Distinct class names a binary version may show before its rows are
 * called unreadable: two classes and a few wrong labels. */
#define MAX_NAMES 64

struct bucket {
	int64_t start;
	size_t first, n; /* its labelled rows in the version's arrays */
	uint64_t predictions, labelled, unreadable, bad_labels;
};

struct pversion {
	char *model, *version;
	enum model_task task;
	int task_known, from_bundle;
	char **classes; /* multiclass, or binary once resolved */
	size_t nclasses;
	/* Binary: the class names seen, before knowing which is which. */
	char **names;
	size_t nnames;
	double max_p[MAX_NAMES];
	uint64_t npred[MAX_NAMES];
	int32_t *lab, *pred;
	double *prob;   /* binary: n; multiclass: n * nclasses */
	double *yv, *pv; /* regression */
	size_t n, alloc;
	struct bucket *b;
	size_t nb, balloc;
	const char *problem;
};

struct perf {
	struct perf_opts o;
	struct pversion *v;
	size_t nv, valloc, last;
	int64_t last_ts;
	struct outcome_reader rd;
	struct perf_group *groups;
	size_t ngroups;
};

static const char *const by_names[] = { "none", "hour", "day", "week", NULL };

int perf_by_from_name(const char *name, enum perf_by *out)
{
	for (int i = 0; by_names[i]; i++)
		if (!strcmp(name, by_names[i])) {
			*out = (enum perf_by)i;
			return 0;
		}
	return -1;
}

const char *perf_by_name(enum perf_by by)
{
	return by_names[by];
}

static int64_t floor_div(int64_t a, int64_t b)
{
	int64_t q = a / b;

	return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

int64_t perf_bucket_start(enum perf_by by, int64_t t)
{
	int64_t d;

	switch (by) {
	case PERF_BY_HOUR:
		return floor_div(t, HOUR_MS) * HOUR_MS;
	case PERF_BY_DAY:
		return floor_div(t, DAY_MS) * DAY_MS;
	case PERF_BY_WEEK:
		/* 1970-01-01 was a Thursday: Monday is 3 days before. */
		d = floor_div(t, DAY_MS);
		return (d - (d + 3 - floor_div(d + 3, 7) * 7)) * DAY_MS;
	case PERF_BY_NONE:
		break;
	}
	return 0;
}

int64_t perf_bucket_end(enum perf_by by, int64_t start)
{
	return start + (by == PERF_BY_HOUR  ? HOUR_MS
			: by == PERF_BY_DAY ? DAY_MS
					    : 7 * DAY_MS);
}

const char *perf_status_name(enum perf_status s)
{
	static const char *const names[] = { "unchecked", "pass", "fail",
					     "not enough labels" };

	return names[s];
}

double perf_group_metric(const struct perf_group *g, const char *name)
{
	for (size_t i = 0; i < g->nmetrics; i++)
		if (!strcmp(g->metrics[i].name, name))
			return g->metrics[i].value;
	return NAN;
}

struct perf *perf_new(const struct perf_opts *o)
{
	struct perf *p = xcalloc(1, sizeof(*p));

	p->o = *o;
	p->last_ts = INT64_MIN;
	return p;
}

static char **copy_strings(char *const *v, size_t n)
{
	char **out = xcalloc(n + 1, sizeof(*out));

	for (size_t i = 0; i < n; i++)
		out[i] = xstrdup(v[i]);
	return out;
}

static struct pversion *version_of(struct perf *p, const char *model,
				   const char *version)
{
	struct pversion *v;
	size_t i;

	if (p->nv && !strcmp(p->v[p->last].version, version) &&
	    !strcmp(p->v[p->last].model, model))
		return &p->v[p->last];
	for (i = 0; i < p->nv; i++)
		if (!strcmp(p->v[i].version, version) &&
		    !strcmp(p->v[i].model, model))
			break;
	if (i == p->nv) {
		ARRAY_GROW(p->v, p->nv + 1, p->valloc);
		v = &p->v[p->nv++];
		memset(v, 0, sizeof(*v));
		v->model = xstrdup(model);
		v->version = xstrdup(version);
	}
	p->last = i;
	return &p->v[i];
}

void perf_know(struct perf *p, const struct perf_known *k)
{
	struct pversion *v = version_of(p, k->model, k->version);

	if (v->task_known)
		return;
	v->task = k->task;
	v->task_known = v->from_bundle = 1;
	if (k->task == TASK_MULTICLASS) {
		v->classes = copy_strings(k->classes, k->nclasses);
		v->nclasses = k->nclasses;
	} else if (k->task == TASK_BINARY && k->nclasses == 2) {
		/* Names 0 and 1 are the classes 0 and 1. */
		v->names = copy_strings(k->classes, 2);
		v->nnames = 2;
	}
}

static int intern(struct pversion *v, const char *text)
{
	size_t i;

	for (i = 0; i < v->nnames; i++)
		if (!strcmp(v->names[i], text))
			return (int)i;
	if (v->nnames == MAX_NAMES)
		return -1;
	v->names = xrealloc(v->names, (v->nnames + 1) * sizeof(*v->names));
	v->names[v->nnames] = xstrdup(text);
	v->max_p[v->nnames] = -INFINITY;
	v->npred[v->nnames] = 0;
	return (int)v->nnames++;
}

static int class_index(const struct pversion *v, const char *text)
{
	for (size_t i = 0; i < v->nclasses; i++)
		if (!strcmp(v->classes[i], text))
			return (int)i;
	return -1;
}

static void grow_rows(struct pversion *v)
{
	size_t k = v->task == TASK_MULTICLASS ? v->nclasses : 1;

	if (v->n < v->alloc)
		return;
	v->alloc = v->alloc ? v->alloc * 2 : 1024;
	if (v->task == TASK_REGRESSION) {
		v->yv = xrealloc(v->yv, v->alloc * sizeof(double));
		v->pv = xrealloc(v->pv, v->alloc * sizeof(double));
		return;
	}
	v->lab = xrealloc(v->lab, v->alloc * sizeof(int32_t));
	v->pred = xrealloc(v->pred, v->alloc * sizeof(int32_t));
	v->prob = xrealloc(v->prob, v->alloc * k * sizeof(double));
}

static enum model_task shape_of(const struct outcome_output *o)
{
	return o->has_probabilities ? TASK_MULTICLASS
	       : o->has_probability ? TASK_BINARY
				    : TASK_REGRESSION;
}

/* Whether a multiclass answer lists the version's classes, in order. */
static int same_classes(const struct pversion *v,
			const struct outcome_output *o)
{
	if (o->nclasses != v->nclasses)
		return 0;
	for (size_t i = 0; i < o->nclasses; i++)
		if (strcmp(o->classes[i], v->classes[i]))
			return 0;
	return 1;
}

/* 1 when the row was added; 0 when counted as unreadable or badly
 * labelled (in *b). */
static int add_row(struct perf *p, struct pversion *v, struct bucket *b,
		   const char *output_json, const char *label_json)
{
	struct outcome_output o;
	struct scalar label;
	int pred, lab;

	if (outcome_read_output(&p->rd, output_json, &o) < 0)
		goto unreadable;
	if (!v->task_known) {
		v->task = shape_of(&o);
		v->task_known = 1;
		if (v->task == TASK_MULTICLASS) {
			v->classes = copy_strings((char *const *)o.classes,
						  o.nclasses);
			v->nclasses = o.nclasses;
		}
	}
	if (shape_of(&o) != v->task)
		goto unreadable;
	if (outcome_read_label(&p->rd, label_json, &label) < 0)
		goto bad_label;
	grow_rows(v);
	switch (v->task) {
	case TASK_REGRESSION:
		if (!o.prediction.is_number)
			goto unreadable;
		if (!label.is_number)
			goto bad_label;
		v->pv[v->n] = o.prediction.num;
		v->yv[v->n] = label.num;
		break;
	case TASK_MULTICLASS:
		if (!same_classes(v, &o) ||
		    (pred = class_index(v, o.prediction.text)) < 0)
			goto unreadable;
		if ((lab = class_index(v, label.text)) < 0)
			goto bad_label;
		v->pred[v->n] = pred;
		v->lab[v->n] = lab;
		memcpy(v->prob + v->n * v->nclasses, o.probabilities,
		       v->nclasses * sizeof(double));
		break;
	case TASK_BINARY:
		if ((pred = intern(v, o.prediction.text)) < 0)
			goto unreadable;
		if ((lab = intern(v, label.text)) < 0)
			goto bad_label;
		v->npred[pred]++;
		if (o.probability > v->max_p[pred])
			v->max_p[pred] = o.probability;
		v->pred[v->n] = pred;
		v->lab[v->n] = lab;
		v->prob[v->n] = o.probability;
		break;
	}
	v->n++;
	b->n++;
	return 1;
unreadable:
	b->unreadable++;
	return 0;
bad_label:
	b->bad_labels++;
	return 0;
}

int perf_add(struct perf *p, int64_t ts_ms, const char *model,
	     const char *version, const char *output_json,
	     const char *label_json)
{
	struct pversion *v = version_of(p, model, version);
	int64_t start = p->o.by == PERF_BY_NONE
				? p->o.since_ms
				: perf_bucket_start(p->o.by, ts_ms);
	struct bucket *b;

	if (ts_ms < p->last_ts)
		return mlops_error_set(MLOPS_EINTERNAL, "the store returned rows "
				       "out of time order");
	p->last_ts = ts_ms;
	if (!v->nb || v->b[v->nb - 1].start != start) {
		ARRAY_GROW(v->b, v->nb + 1, v->balloc);
		b = &v->b[v->nb++];
		memset(b, 0, sizeof(*b));
		b->start = start;
		b->first = v->n;
	}
	b = &v->b[v->nb - 1];
	b->predictions++;
	if (!label_json)
		return 0;
	b->labelled++;
	add_row(p, v, b, output_json, label_json);
	return 0;
}

/* A binary version's two classes, from the bundle or the answers: the
 * index of class 0's and class 1's name in names, or a problem. */
static const char *binary_classes(struct pversion *v, int *c0, int *c1)
{
	size_t i, npredicted = 0;
	int a = -1, b = -1, digits = 1;

	if (v->from_bundle) {
		*c0 = 0;
		*c1 = 1;
		return v->nnames >= 2 ? NULL : "the bundle names no two classes";
	}
	for (i = 0; i < v->nnames; i++) {
		if (!v->npred[i])
			continue;
		npredicted++;
		digits &= !strcmp(v->names[i], "0") || !strcmp(v->names[i], "1");
		if (a < 0)
			a = (int)i;
		else
			b = (int)i;
	}
	if (!npredicted)
		return NULL;
	if (digits) {
		/* Labels 0 and 1: the class is the label. */
		*c0 = intern(v, "0");
		*c1 = intern(v, "1");
		return *c0 < 0 || *c1 < 0 ? "too many labels" : NULL;
	}
	if (npredicted != 2)
		return npredicted > 2 ? "a binary model with more than two "
					"predicted classes"
				      : "one class predicted: which is positive "
					"is not known; give --bundle";
	/* Class 1 is predicted at p >= threshold, class 0 below it. */
	*c1 = v->max_p[a] > v->max_p[b] ? a : b;
	*c0 = *c1 == a ? b : a;
	return NULL;
}

/* Turns a binary version's names into classes 0 and 1, leaving out (and
 * counting) rows of other names. */
static void resolve_binary(struct pversion *v)
{
	int c0 = -1, c1 = -1;
	int32_t *map;
	size_t i, j, out = 0;

	v->problem = binary_classes(v, &c0, &c1);
	if (v->problem)
		return;
	map = xcalloc(v->nnames + 1, sizeof(*map));
	for (i = 0; i < v->nnames; i++)
		map[i] = (int)i == c0 ? 0 : (int)i == c1 ? 1 : -1;
	if (c0 >= 0) {
		v->classes = copy_strings((char *const[]){ v->names[c0],
							   v->names[c1] }, 2);
		v->nclasses = 2;
	}
	for (j = 0; j < v->nb; j++) {
		struct bucket *b = &v->b[j];
		size_t first = out;

		for (i = b->first; i < b->first + b->n; i++) {
			int32_t pr = map[v->pred[i]], lb = map[v->lab[i]];

			if (pr < 0 || lb < 0) {
				*(pr < 0 ? &b->unreadable : &b->bad_labels) += 1;
				continue;
			}
			v->pred[out] = pr;
			v->lab[out] = lb;
			v->prob[out++] = v->prob[i];
		}
		b->first = first;
		b->n = out - first;
	}
	v->n = out;
	free(map);
}

/* Row i of an array a version without rows has not allocated. */
#define AT(a, i) ((a) ? (a) + (i) : (a))

static void score(const struct pversion *v, size_t first, size_t n,
		  struct perf_group *g)
{
	g->used = n;
	if (v->task == TASK_REGRESSION) {
		g->nmetrics = metrics_regression(AT(v->pv, first),
						 AT(v->yv, first), n, g->metrics);
	} else {
		size_t k = v->task == TASK_MULTICLASS ? v->nclasses : 1;
		struct class_rows r = { n, v->task == TASK_BINARY ? 2 : v->nclasses,
					v->task == TASK_BINARY, AT(v->lab, first),
					AT(v->pred, first), AT(v->prob, first * k) };

		g->nmetrics = metrics_classification(&r, g->metrics);
	}
}

static struct perf_group *new_group(struct perf *p, const struct pversion *v)
{
	struct perf_group *g;

	p->groups = xrealloc(p->groups, (p->ngroups + 1) * sizeof(*g));
	g = &p->groups[p->ngroups++];
	memset(g, 0, sizeof(*g));
	g->model = v->model;
	g->version = v->version;
	g->task = v->task;
	g->task_known = v->task_known;
	g->classes = v->classes;
	g->nclasses = v->nclasses;
	g->problem = v->problem;
	return g;
}

int perf_compute(struct perf *p, struct perf_result *r)
{
	size_t i, j;

	memset(r, 0, sizeof(*r));
	for (i = 0; i < p->nv; i++) {
		struct pversion *v = &p->v[i];
		struct perf_group *whole;

		if (v->task == TASK_BINARY && v->task_known && !v->classes)
			resolve_binary(v);
		whole = new_group(p, v);
		whole->whole = 1;
		whole->start_ms = p->o.since_ms;
		whole->end_ms = p->o.until_ms;
		for (j = 0; j < v->nb; j++) {
			const struct bucket *b = &v->b[j];

			whole->predictions += b->predictions;
			whole->labelled += b->labelled;
			whole->unreadable += b->unreadable;
			whole->bad_labels += b->bad_labels;
		}
		if (v->task_known && !v->problem)
			score(v, 0, v->n, whole);
		r->predictions += whole->predictions;
		r->labelled += whole->labelled;
		for (j = 0; p->o.by != PERF_BY_NONE && j < v->nb; j++) {
			const struct bucket *b = &v->b[j];
			struct perf_group *g = new_group(p, v);

			g->start_ms = b->start;
			g->end_ms = perf_bucket_end(p->o.by, b->start);
			g->predictions = b->predictions;
			g->labelled = b->labelled;
			g->unreadable = b->unreadable;
			g->bad_labels = b->bad_labels;
			if (v->task_known && !v->problem)
				score(v, b->first, b->n, g);
		}
	}
	r->groups = p->groups;
	r->ngroups = p->ngroups;
	return 0;
}

static void free_strings(char **v, size_t n)
{
	for (size_t i = 0; v && i < n; i++)
		free(v[i]);
	free(v);
}

void perf_free(struct perf *p)
{
	size_t i;

	if (!p)
		return;
	for (i = 0; i < p->nv; i++) {
		struct pversion *v = &p->v[i];

		free(v->model);
		free(v->version);
		free_strings(v->classes, v->nclasses);
		free_strings(v->names, v->nnames);
		free(v->lab);
		free(v->pred);
		free(v->prob);
		free(v->yv);
		free(v->pv);
		free(v->b);
	}
	for (i = 0; i < p->ngroups; i++)
		free(p->groups[i].checks);
	free(p->groups);
	free(p->v);
	outcome_reader_release(&p->rd);
	free(p);
}
