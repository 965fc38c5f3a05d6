/* Rows of a data file, CSV or JSON lines, as cells for the columns a
 * caller binds by name. Streaming: one row in memory at a time. */
#ifndef MLOPS_DATA_TABLE_H
#define MLOPS_DATA_TABLE_H

#include <stddef.h>
#include <stdint.h>

enum cell_kind {
	CELL_ABSENT,  /* the column or key is not there */
	CELL_NULL,    /* empty, an NA token, or JSON null */
	CELL_TEXT,
	CELL_NUMBER,  /* JSON number */
	CELL_BOOL,    /* JSON true / false */
	CELL_INVALID, /* JSON object or array */
};

struct cell {
	enum cell_kind kind;
	const char *text; /* CELL_TEXT: NUL-terminated, valid until next row */
	size_t len;
	double num;
	int b;
};

enum table_format { TABLE_AUTO, TABLE_CSV, TABLE_JSONL };

/* A JSON value (NULL: absent) as a cell; text points into the value. */
struct json_t;
void cell_from_json(const struct json_t *v, struct cell *c);

struct table_opts {
	enum table_format format;  /* AUTO: by extension, else CSV */
	const char *const *na_values; /* NULL-terminated; NULL = defaults */
};

/* The default missing-value tokens: "", NA, NaN, null. */
extern const char *const table_default_na[];

struct table;

/* "-" reads standard input. */
int table_open(struct table **out, const char *path,
	       const struct table_opts *opts);
/* Chooses the columns to read; present[i] says whether column i exists
 * (CSV: in the header; JSON lines: always, absence is per row). */
int table_bind(struct table *t, const char *const *names, size_t n,
	       int *present);
/* Columns in the file that were not bound (CSV header; JSON lines: keys
 * of the first row). NULL-terminated, owned by t. */
const char *const *table_unbound(struct table *t);
/* 0 and cells[n] filled, 1 at the end, or EINPUT / EIO. */
int table_next(struct table *t, struct cell *cells);
uint64_t table_row(const struct table *t);   /* data row, 1-based */
uint64_t table_line(const struct table *t);  /* line in the file */
uint64_t table_bytes(const struct table *t); /* read so far */
uint64_t table_size(const struct table *t);  /* file size, 0 if unknown */
const char *table_name(const struct table *t);
enum table_format table_format(const struct table *t);
void table_close(struct table *t);

#endif
