/* An environment's release ledger: append-only JSON lines, fsync'd, one
 * line per change of a revision's status; a revision's state is its last
 * line. Statuses follow Helm: pending, deployed, superseded, failed. */
#ifndef MLOPS_DEPLOY_LEDGER_H
#define MLOPS_DEPLOY_LEDGER_H

#include <stddef.h>

#define LEDGER_FILE "ledger.jsonl"

struct revision {
	long number;
	char status[16];
	char digest[80];     /* sha256:... */
	char name[128];
	char version[64];
	char updated[32];    /* ISO 8601 */
	char description[256];
	long pid;            /* of the deploy that wrote it */
	char host[64];
};

struct ledger {
	struct revision *revs; /* by number, 1..n (index number - 1) */
	size_t n;
};

/* Reads ROOT/ledger.jsonl (none: empty). A malformed line is EINPUT
 * naming it: the ledger is never rewritten, so nothing is lost. */
int ledger_read(const char *root, struct ledger *l);
/* Appends r (updated, pid and host filled in) and fsyncs. */
int ledger_append(const char *root, struct revision *r);
/* The newest revision with this status, or NULL. */
const struct revision *ledger_last(const struct ledger *l,
				   const char *status);
void ledger_free(struct ledger *l);

#endif
