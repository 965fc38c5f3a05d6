/* The prediction store's writer: requests hand it scored rows and never
 * wait. A bounded queue, drained by one thread in batches (one
 * transaction each); when the queue is full a row is dropped and
 * counted. The same thread enforces retention in bounded chunks and
 * writes feedback (after the rows queued before it, so that a label
 * sent right after its prediction finds it). */
#ifndef MLOPS_STORE_WRITER_H
#define MLOPS_STORE_WRITER_H

#include <stddef.h>
#include <stdint.h>

#include "pstore.h"

struct pstore_writer_opts {
	size_t capacity;        /* rows queued at most (0: 65536) */
	size_t batch;           /* rows a transaction at most (0: 4096) */
	unsigned flush_ms;      /* a partial batch waits this (0: 200) */
	int64_t retain_ms;      /* keep rows this long; 0: for ever */
	uint64_t retain_bytes;  /* prune the oldest past this; 0: no limit */
	unsigned retain_every_ms; /* how often retention runs (0: 60000) */
};

struct pstore_writer;

/* Starts the writer thread on st, which it owns from then on (closed
 * by pstore_writer_stop, or here on failure). */
int pstore_writer_start(struct pstore_writer **out, struct pstore *st,
			const struct pstore_writer_opts *o);
/* Queues a copy of a row: 0, or -1 when the queue is full or a string
 * of the row is 4 GiB or more (the row is counted as dropped). Never
 * blocks on the database. */
int pstore_writer_put(struct pstore_writer *w,
		      const struct pstore_prediction *p);

/* Writes feedback after every row queued before it: waits for it up to
 * timeout_ms. 0, a store error (its message set), or MLOPS_EIO when
 * the writer did not get to it in time. */
int pstore_writer_feedback(struct pstore_writer *w,
			   const struct pstore_feedback *f, size_t n,
			   size_t *stored, size_t *unknown,
			   unsigned timeout_ms);

struct pstore_writer_stats {
	uint64_t queued;   /* rows accepted into the queue */
	uint64_t written;  /* rows committed */
	uint64_t dropped;  /* rows refused: the queue was full */
	uint64_t failed;   /* rows lost to a failed write */
	uint64_t pruned;   /* rows retention deleted */
	uint64_t depth;    /* rows waiting now */
	uint64_t prune_errors;
};

void pstore_writer_stats(struct pstore_writer *w,
			 struct pstore_writer_stats *s);

/* Writes what is queued (up to timeout_ms), stops the thread, closes
 * the store. Returns the rows left unwritten; *last (may be NULL): the
 * counters at the end. */
uint64_t pstore_writer_stop(struct pstore_writer *w, unsigned timeout_ms,
			    struct pstore_writer_stats *last);

#endif
