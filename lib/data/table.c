#include "table.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../core/fsutil.h"
#include "../core/error.h"
#include "../core/strbuf.h"
#include "csv.h"

#define JSONL_MAX_LINE (64u << 20)

const char *const table_default_na[] = { "", "NA", "NaN", "null", NULL };

struct table {
	char *name;
	enum table_format format;
	const char *const *na;
	int fd;
	uint64_t size, row, bytes;
	/* CSV */
	struct csv_reader *csv;
	char **header;
	size_t nheader;
	/* JSON lines */
	FILE *f;
	char *line;
	size_t line_cap;
	uint64_t lineno;
	json_t *obj;
	/* binding */
	char **names;
	size_t nnames;
	long *index; /* CSV column of each bound name, -1 when absent */
	char **unbound;
	int header_read;
	unsigned char na_first[256]; /* first bytes of the NA tokens */
};

static int ends_with(const char *s, const char *suffix)
{
	size_t a = strlen(s), b = strlen(suffix);

	return a >= b && !strcmp(s + a - b, suffix);
}

int table_open(struct table **out, const char *path,
	       const struct table_opts *opts)
{
	struct table *t = xcalloc(1, sizeof(*t));
	struct stat st;
	size_t i;

	*out = NULL;
	t->name = xstrdup(path);
	t->na = opts && opts->na_values ? opts->na_values : table_default_na;
	for (i = 0; t->na[i]; i++)
		t->na_first[(unsigned char)t->na[i][0]] = 1;
	t->format = opts ? opts->format : TABLE_AUTO;
	if (t->format == TABLE_AUTO)
		t->format = ends_with(path, ".jsonl") || ends_with(path, ".ndjson")
				    ? TABLE_JSONL
				    : TABLE_CSV;
	if (!strcmp(path, "-")) {
		struct stat in;

		t->fd = 0;
		/* `< data.csv`: still an input that no output may replace. */
		if (fstat(0, &in) == 0 && S_ISREG(in.st_mode))
			fs_note_input("standard input", &in);
	} else {
		t->fd = fs_open_regular(path, NULL);
		if (t->fd < 0) {
			int rc = t->fd;

			if (rc == MLOPS_EIO && access(path, F_OK) == 0)
				mlops_error_hint("to read a pipe, give - and "
						 "send the data to standard "
						 "input");

			free(t->name);
			free(t);
			return rc;
		}
		if (fstat(t->fd, &st) == 0 && S_ISREG(st.st_mode))
			t->size = (uint64_t)st.st_size;
		else if (fstat(t->fd, &st) == 0 && S_ISDIR(st.st_mode)) {
			close(t->fd);
			free(t->name);
			free(t);
			return mlops_error_set(MLOPS_EIO, "'%s' is a directory",
					       path);
		}
		posix_fadvise(t->fd, 0, 0, POSIX_FADV_SEQUENTIAL);
	}
	if (t->format == TABLE_CSV) {
		csv_open(&t->csv, t->fd, path);
	} else {
		t->f = fdopen(t->fd, "r");
		if (!t->f) {
			int rc = mlops_error_errno(MLOPS_EIO, errno,
						   "cannot read '%s'", path);

			table_close(t);
			return rc;
		}
	}
	*out = t;
	return 0;
}

void table_close(struct table *t)
{
	size_t i;

	if (!t)
		return;
	csv_close(t->csv);
	if (t->f) {
		if (t->fd == 0)
			t->f = NULL; /* leave stdin open */
		else
			fclose(t->f);
	} else if (t->fd > 0) {
		close(t->fd);
	}
	for (i = 0; i < t->nheader; i++)
		free(t->header[i]);
	free(t->header);
	for (i = 0; i < t->nnames; i++)
		free(t->names[i]);
	free(t->names);
	free(t->index);
	for (i = 0; t->unbound && t->unbound[i]; i++)
		free(t->unbound[i]);
	free(t->unbound);
	json_decref(t->obj);
	free(t->line);
	free(t->name);
	free(t);
}

static int read_header(struct table *t)
{
	struct csv_field *f;
	size_t n, i, j;
	int rc = csv_next(t->csv, &f, &n);

	if (rc == 1)
		return mlops_error_set(MLOPS_EINPUT, "'%s' is empty: a CSV file "
				       "needs a header row", t->name);
	if (rc)
		return rc;
	t->header = xcalloc(n, sizeof(char *));
	t->nheader = n;
	for (i = 0; i < n; i++) {
		t->header[i] = xstrndup(f[i].p, f[i].len);
		for (j = 0; j < i; j++)
			if (!strcmp(t->header[j], t->header[i]))
				return mlops_error_set(MLOPS_EINPUT, "%s:1: "
						       "column '%s' appears "
						       "twice in the header",
						       t->name, t->header[i]);
	}
	return 0;
}

/* JSON lines: the next non-blank line as an object. 1 at the end. */
static int next_object(struct table *t)
{
	json_error_t err;
	ssize_t n;

	for (;;) {
		errno = 0;
		n = getline(&t->line, &t->line_cap, t->f);
		if (n < 0) {
			if (errno)
				return mlops_error_errno(MLOPS_EIO, errno,
							 "cannot read '%s'",
							 t->name);
			return 1;
		}
		t->lineno++;
		t->bytes += (uint64_t)n;
		if ((size_t)n > JSONL_MAX_LINE)
			return mlops_error_set(MLOPS_EINPUT, "%s:%llu: a line is "
					       "longer than 64 MiB", t->name,
					       (unsigned long long)t->lineno);
		if (strspn(t->line, " \t\r\n") == (size_t)n)
			continue;
		json_decref(t->obj);
		/* Integers as doubles: 1e30 written as digits reads as in
		 * CSV, not as "too big integer" (core/number.h). */
		t->obj = json_loadb(t->line, (size_t)n,
				    JSON_REJECT_DUPLICATES | JSON_DECODE_ANY |
					    JSON_DECODE_INT_AS_REAL,
				    &err);
		if (!t->obj || !json_is_object(t->obj)) {
			mlops_error_set(MLOPS_EINPUT, "%s:%llu: %s", t->name,
					(unsigned long long)t->lineno,
					t->obj ? "each line must be a JSON object"
					       : err.text);
			mlops_error_location(t->name, (unsigned)t->lineno, 0);
			return MLOPS_EINPUT;
		}
		return 0;
	}
}

int table_bind(struct table *t, const char *const *names, size_t n,
	       int *present)
{
	size_t i, j, nun = 0;
	int rc;

	t->names = xcalloc(n + 1, sizeof(char *));
	t->nnames = n;
	t->index = xcalloc(n + 1, sizeof(long));
	for (i = 0; i < n; i++)
		t->names[i] = xstrdup(names[i]);
	if (t->format == TABLE_CSV) {
		rc = read_header(t);
		if (rc)
			return rc;
		t->unbound = xcalloc(t->nheader + 1, sizeof(char *));
		for (i = 0; i < n; i++) {
			t->index[i] = -1;
			for (j = 0; j < t->nheader; j++)
				if (!strcmp(t->header[j], names[i]))
					t->index[i] = (long)j;
			present[i] = t->index[i] >= 0;
		}
		for (j = 0; j < t->nheader; j++) {
			for (i = 0; i < n; i++)
				if (t->index[i] == (long)j)
					break;
			if (i == n)
				t->unbound[nun++] = xstrdup(t->header[j]);
		}
		return 0;
	}
	/* JSON lines: read the first object now to learn its keys. */
	rc = next_object(t);
	if (rc < 0)
		return rc;
	t->header_read = rc == 0 ? 1 : 2;
	for (i = 0; i < n; i++)
		present[i] = 1;
	if (t->obj) {
		const char *key;
		json_t *v;

		t->unbound = xcalloc(json_object_size(t->obj) + 1,
				     sizeof(char *));
		json_object_foreach(t->obj, key, v) {
			for (i = 0; i < n; i++)
				if (!strcmp(key, names[i]))
					break;
			if (i == n)
				t->unbound[nun++] = xstrdup(key);
		}
	} else {
		t->unbound = xcalloc(1, sizeof(char *));
	}
	return 0;
}

const char *const *table_unbound(struct table *t)
{
	return (const char *const *)t->unbound;
}

static int is_na(const struct table *t, const char *s, size_t len)
{
	const char *const *na;

	/* Most fields are numbers no token starts like: one lookup. */
	if (!t->na_first[(unsigned char)s[0]])
		return 0;
	for (na = t->na; *na; na++)
		if (!strcmp(*na, s))
			return 1;
	(void)len;
	return 0;
}

static int next_csv(struct table *t, struct cell *cells)
{
	struct csv_field *f;
	size_t n, i;
	int rc;

	for (;;) {
		rc = csv_next(t->csv, &f, &n);
		if (rc)
			return rc;
		/* Blank lines carry no row. */
		if (n == 1 && f[0].len == 0 && !f[0].quoted && t->nheader > 1)
			continue;
		break;
	}
	if (n != t->nheader) {
		mlops_error_set(MLOPS_EINPUT, "%s:%llu: %zu fields, the header "
				"has %zu", t->name,
				(unsigned long long)csv_line(t->csv), n,
				t->nheader);
		mlops_error_location(t->name, (unsigned)csv_line(t->csv), 0);
		return MLOPS_EINPUT;
	}
	for (i = 0; i < t->nnames; i++) {
		struct cell *c = &cells[i];
		long k = t->index[i];

		if (k < 0) {
			c->kind = CELL_ABSENT;
			continue;
		}
		c->text = f[k].p;
		c->len = f[k].len;
		c->kind = is_na(t, f[k].p, f[k].len) ? CELL_NULL : CELL_TEXT;
	}
	return 0;
}

static int next_jsonl(struct table *t, struct cell *cells)
{
	size_t i;
	int rc;

	if (t->header_read == 2)
		return 1;
	if (t->header_read == 1) {
		t->header_read = 0; /* the first object is already read */
	} else {
		rc = next_object(t);
		if (rc)
			return rc;
	}
	for (i = 0; i < t->nnames; i++)
		cell_from_json(json_object_get(t->obj, t->names[i]), &cells[i]);
	return 0;
}

void cell_from_json(const json_t *v, struct cell *c)
{
	if (!v)
		c->kind = CELL_ABSENT;
	else if (json_is_null(v))
		c->kind = CELL_NULL;
	else if (json_is_string(v)) {
		c->kind = CELL_TEXT;
		c->text = json_string_value(v);
		c->len = json_string_length(v);
	} else if (json_is_number(v)) {
		c->kind = CELL_NUMBER;
		c->num = json_number_value(v);
	} else if (json_is_boolean(v)) {
		c->kind = CELL_BOOL;
		c->b = json_is_true(v);
	} else {
		c->kind = CELL_INVALID;
	}
}

int table_next(struct table *t, struct cell *cells)
{
	int rc = t->format == TABLE_CSV ? next_csv(t, cells)
					: next_jsonl(t, cells);

	if (rc == 0)
		t->row++;
	return rc;
}

uint64_t table_row(const struct table *t)
{
	return t->row;
}

uint64_t table_line(const struct table *t)
{
	return t->format == TABLE_CSV ? csv_line(t->csv) : t->lineno;
}

uint64_t table_bytes(const struct table *t)
{
	return t->format == TABLE_CSV ? csv_offset(t->csv) : t->bytes;
}

uint64_t table_size(const struct table *t)
{
	return t->size;
}

const char *table_name(const struct table *t)
{
	return t->name;
}

enum table_format table_format(const struct table *t)
{
	return t->format;
}
