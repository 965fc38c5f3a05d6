/* Reading both samples of every column (see collect.h). */
#include "collect.h"

#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "../core/error.h"
#include "../core/strbuf.h"
#include "../core/number.h"
#include "../data/contract.h"
#include "../data/table.h"

#define INFER_ROWS 1000

/* Categories: an open-addressing table from text to index, with counts
 * per sample. */


static uint64_t hash_str(const char *s, size_t len)
{
	uint64_t h = 1469598103934665603ULL;
	size_t i;

	for (i = 0; i < len; i++)
		h = (h ^ (unsigned char)s[i]) * 1099511628211ULL;
	return h;
}

static void cats_grow(struct cats *c)
{
	size_t i;

	c->nslots = c->nslots ? c->nslots * 2 : 64;
	free(c->slots);
	c->slots = xmalloc(sizeof(size_t) * c->nslots);
	for (i = 0; i < c->nslots; i++)
		c->slots[i] = SIZE_MAX;
	for (i = 0; i < c->n; i++) {
		size_t s = hash_str(c->names[i], strlen(c->names[i])) &
			   (c->nslots - 1);

		while (c->slots[s] != SIZE_MAX)
			s = (s + 1) & (c->nslots - 1);
		c->slots[s] = i;
	}
}

static void cats_add_n(struct cats *c, const char *text, size_t len,
		       int which, double add)
{
	size_t s;

	if (2 * (c->n + 1) > c->nslots)
		cats_grow(c);
	s = hash_str(text, len) & (c->nslots - 1);
	while (c->slots[s] != SIZE_MAX) {
		const char *n = c->names[c->slots[s]];

		if (strlen(n) == len && !memcmp(n, text, len)) {
			c->count[which][c->slots[s]] += add;
			return;
		}
		s = (s + 1) & (c->nslots - 1);
	}
	if (c->n == c->cap) {
		c->cap = c->cap ? c->cap * 2 : 16;
		c->names = xrealloc(c->names, sizeof(char *) * c->cap);
		c->count[0] = xrealloc(c->count[0], sizeof(double) * c->cap);
		c->count[1] = xrealloc(c->count[1], sizeof(double) * c->cap);
	}
	c->names[c->n] = xstrndup(text, len);
	c->count[0][c->n] = which == 0 ? add : 0;
	c->count[1][c->n] = which == 1 ? add : 0;
	c->slots[s] = c->n++;
}

static void cats_add(struct cats *c, const char *text, size_t len, int which)
{
	cats_add_n(c, text, len, which, 1);
}

static void cats_free(struct cats *c)
{
	size_t i;

	for (i = 0; i < c->n; i++)
		free(c->names[i]);
	free(c->names);
	free(c->count[0]);
	free(c->count[1]);
	free(c->slots);
}

/* ---- Reading ---- */

static int open_table(const char *path, const struct drift_opts *o,
		      struct table **t)
{
	struct table_opts to = { 0 };

	to.na_values = o->na_values;
	return table_open(t, path, &to);
}

/* The columns to compare: the signature's inputs, or the reference
 * file's columns; narrowed by --columns. */
/* Named by --columns; without it, every column but the one left out. */
static int column_wanted(const struct drift_opts *o, const char *name)
{
	size_t j;

	if (!o->ncolumns)
		return !o->leave_out || strcmp(o->leave_out, name);
	for (j = 0; j < o->ncolumns; j++)
		if (!strcmp(o->columns[j], name))
			return 1;
	return 0;
}

int collect_columns(const char *reference, const struct descriptor *d,
			  const struct drift_opts *o, struct col **cols,
			  size_t *n, char ***owned)
{
	const char *const *names = NULL;
	struct table *t = NULL;
	size_t i, k = 0, total = 0;
	char **copy = NULL;

	*cols = NULL;
	*n = 0;
	*owned = NULL;
	if (d) {
		total = d->ninputs;
	} else {
		if (open_table(reference, o, &t) < 0 ||
		    table_bind(t, NULL, 0, NULL) < 0) {
			table_close(t);
			return -1;
		}
		names = table_unbound(t);
		while (names && names[total])
			total++;
		copy = xcalloc(total + 1, sizeof(char *));
		for (i = 0; i < total; i++)
			copy[i] = xstrdup(names[i]);
		table_close(t);
	}
	*cols = xcalloc(total ? total : 1, sizeof(struct col));
	for (i = 0; i < total; i++) {
		const char *name = d ? d->inputs[i].name : copy[i];

		if (!column_wanted(o, name))
			continue;
		(*cols)[k].name = name;
		(*cols)[k].field = d ? &d->inputs[i] : NULL;
		k++;
	}
	*n = k;
	*owned = copy;
	for (i = 0; i < o->ncolumns; i++) {
		size_t j;

		for (j = 0; j < k; j++)
			if (!strcmp((*cols)[j].name, o->columns[i]))
				break;
		if (j == k)
			return mlops_error_set(MLOPS_EUSAGE, "no column '%s' in %s",
					       o->columns[i],
					       d ? "the signature" : reference);
	}
	if (!k)
		return mlops_error_set(MLOPS_EINPUT, "%s has no columns to compare",
				       reference);
	return 0;
}


/* Without a signature: numeric when the first 1000 values of the
 * reference are all numbers. */
/* A file opened with the columns bound, and a row's cells. */
struct bound {
	struct table *t;
	struct cell *cells;
	int *present;
};

static int bound_open(struct bound *r, const char *path,
		      const struct drift_opts *o, const struct col *cols,
		      size_t n)
{
	const char **names = xcalloc(n ? n : 1, sizeof(char *));
	size_t i;
	int rc;

	r->t = NULL;
	r->cells = xcalloc(n ? n : 1, sizeof(struct cell));
	r->present = xcalloc(n ? n : 1, sizeof(int));
	for (i = 0; i < n; i++)
		names[i] = cols[i].name;
	rc = open_table(path, o, &r->t);
	if (!rc)
		rc = table_bind(r->t, names, n, r->present);
	free(names);
	return rc;
}

/* rc from the reading loop: the end of the file (1) is success. */
static int bound_close(struct bound *r, int rc)
{
	table_close(r->t);
	free(r->cells);
	free(r->present);
	return rc == 1 ? 0 : rc;
}

int collect_infer_types(const char *reference, const struct drift_opts *o,
			struct col *cols, size_t n)
{
	struct bound r;
	size_t i, rows = 0;
	int rc = bound_open(&r, reference, o, cols, n);

	while (!rc && rows < INFER_ROWS && (rc = table_next(r.t, r.cells)) == 0) {
		rows++;
		for (i = 0; i < n; i++) {
			const struct cell *c = &r.cells[i];
			double v;

			if (c->kind == CELL_NULL || c->kind == CELL_ABSENT)
				continue;
			if (contract_cell_number(c, &v))
				cols[i].categorical = 1;
		}
	}
	return bound_close(&r, rc);
}

void col_error(struct col *c, int which, const char *fmt, ...)
{
	char **slot = which ? &c->cur_error : &c->error;
	struct strbuf sb = STRBUF_INIT;
	va_list ap;

	if (*slot)
		return;
	va_start(ap, fmt);
	strbuf_vaddf(&sb, fmt, ap);
	va_end(ap);
	*slot = strbuf_detach(&sb);
}

static void nul_error(struct col *c, int which, const struct table *t)
{
	col_error(c, which, "%s row %llu: the value contains a NUL byte",
		  table_name(t), (unsigned long long)table_row(t));
}

static void take_cell(struct col *c, const struct cell *cell, int which,
		      const struct table *t)
{
	/* The samples are read at once by two threads: each has its own
	 * categories and error until collect_merge. */
	struct cats *cats = which ? &c->cur : &c->cats;
	double v;

	if (cell->kind == CELL_NULL || cell->kind == CELL_ABSENT) {
		c->missing[which]++;
		return;
	}
	if (which ? c->cur_error : c->error)
		return;
	/* A NUL byte inside a field: looked for where a field is refused,
	 * or measured anyway (a category's length), not in every field. */
	if (!c->categorical) {
		int64_t mant;
		int st, scale;

		if (cell->kind == CELL_TEXT &&
		    values_decimal(cell->text, cell->len, &mant, &scale)) {
			values_push_decimal(&c->num[which], mant, scale);
			return;
		}
		st = contract_cell_number(cell, &v);
		if (!st) {
			values_push(&c->num[which], v);
			return;
		}
		if (st == NUMBER_NUL) {
			nul_error(c, which, t);
			return;
		}
		col_error(c, which, "%s row %llu: '%s' is %s", table_name(t),
			  (unsigned long long)table_row(t),
			  cell->kind == CELL_TEXT ? cell->text : "?",
			  st == NUMBER_NONFINITE || st == NUMBER_RANGE
				  ? number_problem(st) : "not a number");
		return;
	}
	if (c->field && c->field->type == VT_BOOL) {
		struct strbuf problem = STRBUF_INIT, shown = STRBUF_INIT;

		if (cell->kind == CELL_TEXT && strlen(cell->text) != cell->len) {
			nul_error(c, which, t);
			return;
		}

		if (contract_convert(c->field, cell, &v, &problem, &shown)) {
			col_error(c, which, "%s row %llu: %s", table_name(t),
				  (unsigned long long)table_row(t), problem.buf);
		} else {
			cats_add(cats, v ? "true" : "false", v ? 4 : 5, which);
		}
		strbuf_release(&problem);
		strbuf_release(&shown);
		return;
	}
	if (cell->kind == CELL_TEXT) {
		size_t len = strlen(cell->text);

		if (len != cell->len)
			nul_error(c, which, t);
		else
			cats_add(cats, cell->text, len, which);
	} else if (cell->kind == CELL_BOOL) {
		cats_add(cats, cell->b ? "true" : "false", cell->b ? 4 : 5,
			 which);
	} else if (cell->kind == CELL_NUMBER) {
		char buf[NUMBER_FORMAT_MAX];

		cats_add(cats, buf, number_format(cell->num, buf), which);
	} else {
		col_error(c, which, "%s row %llu: not a value", table_name(t),
			  (unsigned long long)table_row(t));
	}
}

int collect_read(const char *path, int which, const struct drift_opts *o,
		 struct col *cols, size_t n, unsigned long long *rows,
		 uint64_t base, uint64_t total)
{
	struct bound r;
	size_t i;
	int rc = bound_open(&r, path, o, cols, n);

	if (!rc)
		for (i = 0; i < n; i++) {
			cols[i].present[which] = r.present[i];
			if (!r.present[i])
				col_error(&cols[i], which, "no column '%s' in %s",
					  cols[i].name, path);
		}
	while (!rc && (rc = table_next(r.t, r.cells)) == 0) {
		++*rows;
		for (i = 0; i < n; i++)
			take_cell(&cols[i], &r.cells[i], which, r.t);
		if (o->progress && (*rows & 0xffff) == 0)
			o->progress(o->progress_ctx, base + table_bytes(r.t), total);
	}
	return bound_close(&r, rc);
}


void collect_free(struct col *cols, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		values_free(&cols[i].num[0]);
		values_free(&cols[i].num[1]);
		cats_free(&cols[i].cats);
		cats_free(&cols[i].cur);
		free(cols[i].error);
		free(cols[i].cur_error);
	}
	free(cols);
}

uint64_t collect_total_bytes(const char *path, const struct drift_opts *o)
{
	struct table *t;
	uint64_t total = 0;

	if (!open_table(path, o, &t)) {
		total += table_size(t);
		table_close(t);
	}
	mlops_error_clear();
	return total;
}

void collect_merge(struct col *cols, size_t n)
{
	size_t i, j;

	for (i = 0; i < n; i++) {
		struct col *c = &cols[i];

		for (j = 0; j < c->cur.n; j++)
			cats_add_n(&c->cats, c->cur.names[j],
				   strlen(c->cur.names[j]), 1, c->cur.count[1][j]);
		cats_free(&c->cur);
		memset(&c->cur, 0, sizeof(c->cur));
		if (!c->error) {
			c->error = c->cur_error;
			c->cur_error = NULL;
		}
	}
}

void collect_type_by_signature(struct col *cols, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		cols[i].categorical = cols[i].field->type == VT_BOOL ||
				      cols[i].field->type == VT_STRING ||
				      cols[i].field->type == VT_CATEGORY;
}

int collect_from_profile(const struct profile *p, const struct drift_opts *o,
			 struct col **cols, size_t *n)
{
	size_t i, j, k = 0;

	*cols = xcalloc(p->ncolumns ? p->ncolumns : 1, sizeof(struct col));
	for (i = 0; i < p->ncolumns; i++) {
		const struct profile_column *pc = &p->columns[i];
		struct col *c;

		if (!column_wanted(o, pc->name))
			continue;
		if (!strcmp(pc->name, PREDICTION_COLUMN))
			continue; /* not in the data: see drift_compute */
		c = &(*cols)[k++];
		c->name = pc->name;
		c->categorical = pc->categorical;
		c->prof = pc;
		c->present[0] = 1;
		c->missing[0] = (size_t)pc->missing;
		if (pc->error) {
			col_error(c, 0, "%s", pc->error);
			continue;
		}
		for (j = 0; j < pc->nsample; j++)
			values_push(&c->num[0], pc->sample[j]);
		for (j = 0; j < pc->ncats; j++)
			cats_add_n(&c->cats, pc->cats[j], strlen(pc->cats[j]), 0,
				   pc->cat_counts[j]);
	}
	*n = k;
	for (i = 0; i < o->ncolumns; i++)
		if (!profile_find(p, o->columns[i]))
			return mlops_error_set(MLOPS_EUSAGE, "no column '%s' in "
					       "the profile", o->columns[i]);
	return k ? 0 : mlops_error_set(MLOPS_EINPUT, "the profile has no "
					"columns to compare");
}

void collect_push(struct col *c, int which, double v)
{
	values_push(&c->num[which], v);
}
