/* Rows spread over threads: a backend whose prediction of one row needs
 * nothing from the others hands its rows here in chunks. */
#ifndef MLOPS_MODEL_PARALLEL_H
#define MLOPS_MODEL_PARALLEL_H

#include <stddef.h>

/* Calls fn(ctx, from, n) for consecutive chunks of at most `chunk` rows
 * covering [0, nrows), on up to nthread threads (0: one per core; the
 * caller's thread when one is enough). The first error wins; its message
 * is the caller's error after the call. */
int parallel_rows(size_t nrows, size_t chunk, size_t nthread,
		  int (*fn)(void *ctx, size_t from, size_t n), void *ctx);

#endif
