/* serve's side of the prediction store: each scored row becomes a row
 * of the store (inputs less --redact fields, --hash fields as keyed
 * hashes, the answer, the time), handed to the store's writer without
 * waiting. */
#ifndef MLOPS_SERVER_RECORD_H
#define MLOPS_SERVER_RECORD_H

#include <stddef.h>

#include "../core/strbuf.h"
#include "../store/writer.h"

struct serving;
struct score_rows;
struct scores;

struct recorder_opts {
	const char *const *redact; /* inputs left out of the store */
	size_t nredact;
	const char *const *hash;   /* inputs stored as HMAC-SHA256 hex */
	size_t nhash;
	const void *hash_key;      /* the HMAC key (copied) */
	size_t hash_key_len;
};

struct recorder;

/* Records through w, which it owns from then on. */
struct recorder *recorder_new(struct pstore_writer *w,
			      const struct recorder_opts *o);
/* The scored rows r of request rid (sc: what the model said). */
void recorder_rows(struct recorder *rec, const struct serving *s,
		   const struct score_rows *r, const struct scores *sc,
		   const char *rid);
struct pstore_writer *recorder_writer(struct recorder *rec);
/* The store's counters, Prometheus text. */
void recorder_metrics(struct recorder *rec, struct strbuf *text);
/* Flushes (up to timeout_ms) and frees; the rows left unwritten, *last
 * (may be NULL) the writer's final counters. */
uint64_t recorder_stop(struct recorder *rec, unsigned timeout_ms,
		       struct pstore_writer_stats *last);

/* HMAC-SHA256 of data with key, 64 lower-case hex digits and a NUL. */
void recorder_hmac_hex(const void *key, size_t key_len, const void *data,
		       size_t len, char out[65]);

#endif
