/* The store writer's queue of scored rows, copied into large blocks:
 * a request thread copies its row into the block being filled (no
 * allocation of its own), and the writer takes whole blocks and gives
 * them back to be filled again. Allocating and freeing a row each made
 * the two sides contend in malloc, and walking a list of single rows
 * held the queue's lock for as long as a batch took to walk
 * (bench/store).
 *
 * Not thread-safe: the writer's lock guards it. */
#ifndef MLOPS_STORE_ROWQUEUE_H
#define MLOPS_STORE_ROWQUEUE_H

#include <stddef.h>

#include "pstore.h"

struct rowq_block;

struct rowq {
	struct rowq_block *head, *tail; /* filled in order; tail filling */
	struct rowq_block *spare;       /* blocks given back, to reuse */
	size_t rows;                    /* queued */
	size_t nspare;
};

#define ROWQ_INIT { NULL, NULL, NULL, 0, 0 }

/* The lengths of p's seven strings, for rowq_push: measured before the
 * lock is taken. Returns the bytes the row takes in a block; 0 for a
 * string of 4 GiB or more, which no block holds. */
size_t rowq_measure(const struct pstore_prediction *p, size_t len[7]);

/* Appends a copy of p (len from rowq_measure). */
void rowq_push(struct rowq *q, const struct pstore_prediction *p,
	       const size_t len[7]);

/* A large row: a block of its own, made and filled before the lock is
 * taken, then appended with rowq_link (or freed with free()). */
struct rowq_block *rowq_block_of(const struct pstore_prediction *p,
				 const size_t len[7]);
void rowq_link(struct rowq *q, struct rowq_block *b);

/* Detaches the oldest whole blocks, up to max_rows rows but at least
 * one block when any row is queued: their rows in *n. NULL when empty. */
struct rowq_block *rowq_take(struct rowq *q, size_t max_rows, size_t *n);

/* The rows of taken blocks, in order, as predictions pointing into
 * them: out has room for the n rowq_take gave. */
void rowq_unpack(const struct rowq_block *b, struct pstore_prediction *out);

/* Gives taken blocks back: a few are kept for reuse, the rest freed. */
void rowq_give_back(struct rowq *q, struct rowq_block *b);

/* Frees every block, queued or spare; taken ones: rowq_free_blocks. */
void rowq_release(struct rowq *q);
void rowq_free_blocks(struct rowq_block *b);

#endif
