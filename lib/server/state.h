/* The state directory of a fleet instance (mlops serve --state DIR): the
 * bundles uploaded to it (bundles/<hex>.mlpkg, content-addressed) and
 * state.json, what it serves: the stable digest, the one before it, the
 * canary and its weight, the shadow, and a history of changes. The server is its
 * only writer; every change is written atomically (temporary file,
 * fsync, rename, fsync of the directory). */
#ifndef MLOPS_SERVER_STATE_H
#define MLOPS_SERVER_STATE_H

#include <jansson.h>

#define STATE_FILE "state.json"
#define STATE_HISTORY_MAX 100

struct serve_state {
	char stable[80];   /* "" when none */
	char previous[80]; /* the stable one before it: what rollback restores */
	char canary[80];
	unsigned weight;   /* of the canary, percent */
	char shadow[80];   /* answers a copy of the traffic; "" when none */
	json_t *history;   /* [{time, action, digest, version, weight}] */
};

/* Reads DIR/state.json (absent: empty state), creating DIR and
 * DIR/bundles (0700). A malformed file is EINPUT naming it (and st
 * holds nothing to release). */
int state_load(const char *dir, struct serve_state *st);
int state_save(const char *dir, const struct serve_state *st);
/* Appends an entry (the oldest dropped past STATE_HISTORY_MAX). */
void state_note(struct serve_state *st, const char *action,
		const char *digest, const char *version, unsigned weight);
void state_release(struct serve_state *st);
/* DIR/bundles/<hex>.mlpkg (the caller frees). */
char *state_bundle_path(const char *dir, const char *digest);
/* "sha256:" and 64 lower-case hex digits. */
int digest_valid(const char *digest);

#endif
