/* Labels that arrive in files: a CSV file with columns id and label
 * (others ignored), checked against the task, stored in batches. */
#ifndef MLOPS_STORE_INGEST_H
#define MLOPS_STORE_INGEST_H

#include <stdint.h>

#include "label.h"
#include "pstore.h"

struct feedback_report {
	uint64_t rows;    /* data rows read */
	uint64_t stored;  /* labels stored (or replaced) */
	uint64_t unknown; /* ids with no prediction in the store */
	uint64_t invalid; /* bad ids and labels, not stored */
};

/* Told of each invalid row: its line in the file, its id (may be ""),
 * why. */
typedef void feedback_invalid_fn(void *ctx, uint64_t line, const char *id,
				 const char *why);

/* path "-": standard input. 0, EINPUT for a file that is not CSV with
 * id and label columns, EIO for one that cannot be read, the store's
 * error when it fails (the batches before it stay stored). */
int feedback_ingest_csv(struct pstore *st, const char *path,
			const struct label_rules *rules,
			struct feedback_report *rep, feedback_invalid_fn *fn,
			void *ctx);

#endif
