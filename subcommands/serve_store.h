/* serve's prediction store options (--store, --redact, --hash,
 * --retain, --retain-size, --store-queue): checked, then the store
 * opened and its writer started. */
#ifndef MLOPS_SUBCOMMANDS_SERVE_STORE_H
#define MLOPS_SUBCOMMANDS_SERVE_STORE_H

#include "cli/options.h"

struct recorder;

struct serve_store_opts {
	const char *url;
	struct strv *redact, *hash;
	const char *hash_key_file;
	const char *retain, *retain_size, *retain_every, *flush;
	long queue;
};

/* Usage errors, before anything is opened: 0 or an exit status (the
 * message printed). */
int serve_store_check(const struct serve_store_opts *o);
struct descriptor;
/* That every --redact and --hash FIELD is an input of the model d
 * describes: 0 or the exit status (message printed). */
int serve_store_check_fields(const struct serve_store_opts *o,
			     const struct descriptor *d, int log_payloads);
/* Opens the store (creating its schema) and starts its writer: 0 with
 * *out (NULL without --store), or the exit status (message printed). */
int serve_store_start(const struct serve_store_opts *o,
		      struct recorder **out);
/* Writes what is queued (up to timeout_ms) and says how it went. */
void serve_store_stop(struct recorder *rec, unsigned timeout_ms);

#endif
