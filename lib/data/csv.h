/* A streaming RFC 4180 CSV reader: quoted fields, doubled quotes,
 * newlines inside quotes, CRLF, a UTF-8 byte-order mark. Records are
 * split in place in a growing buffer; fields stay valid until the next
 * call and are NUL-terminated. Memory is bounded by the longest record
 * (capped at CSV_MAX_RECORD). */
#ifndef MLOPS_DATA_CSV_H
#define MLOPS_DATA_CSV_H

#include <stddef.h>
#include <stdint.h>

#define CSV_MAX_RECORD (64u << 20)
#define CSV_MAX_FIELDS 100000

struct csv_field {
	char *p;     /* NUL-terminated */
	size_t len;
	int quoted;
};

struct csv_reader;

/* Reads from fd (not closed here); `name` is used in errors. */
int csv_open(struct csv_reader **out, int fd, const char *name);
/* Reads len bytes of data (copied). Nothing moves in memory then: the
 * fields of every record stay valid until csv_close. */
int csv_open_mem(struct csv_reader **out, const void *data, size_t len,
		 const char *name);
/* 0 and a record, 1 at the end, or EINPUT / EIO. */
int csv_next(struct csv_reader *r, struct csv_field **fields, size_t *n);
/* The physical line on which the last record started (1-based). */
uint64_t csv_line(const struct csv_reader *r);
/* Bytes consumed so far (for progress). */
uint64_t csv_offset(const struct csv_reader *r);
void csv_close(struct csv_reader *r);

/* Non-zero: scan a byte at a time instead of 16 (SSE2) at a time. The
 * two must split every input alike; tests and benchmarks set it. */
extern int csv_portable;

#endif
