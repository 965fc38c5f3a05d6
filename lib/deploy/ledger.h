/* An environment's release ledger: append-only JSON lines, fsync'd, one
 * line per change of a revision's status; a revision's state is its last
 * line. Statuses follow Helm: pending, deployed, superseded, failed. */
#ifndef MLOPS_DEPLOY_LEDGER_H
#define MLOPS_DEPLOY_LEDGER_H

#include <stddef.h>

#include "../descriptor/names.h"

#define LEDGER_FILE "ledger.jsonl"
#define LEDGER_TORN_FILE "ledger.jsonl.torn"

struct revision {
	long number;
	char status[16];
	char digest[80];     /* sha256:... */
	char name[NAME_MAX_LEN + 1];
	char version[VERSION_MAX_LEN + 1];
	char updated[32];    /* ISO 8601 */
	char description[256];
	long pid;            /* of the deploy that wrote it */
	int unverified;      /* went live with smoke tests that could not
			      * run (no server, no url) */
	char host[64];
};

struct ledger {
	struct revision *revs; /* by number, 1..n (index number - 1); a
				* number no line names has number 0 */
	size_t n;
	/* Damage found while reading, for the caller to report. */
	size_t damaged;        /* complete lines that are not ledger lines */
	unsigned first_damaged;/* the first one's line number */
	size_t torn;           /* bytes of a last line cut by a crash */
};

/* Reads ROOT/ledger.jsonl (none: empty). Never fails on its contents: a
 * last line without its newline that does not parse was cut by a crash
 * or a full disk (torn, left out); a damaged line elsewhere is left out
 * and counted, so history, status and rollback to a known revision keep
 * working. Only I/O errors fail. */
int ledger_read(const char *root, struct ledger *l);
/* Appends r (updated, pid and host filled in) and fsyncs. A torn last
 * line is first moved to ROOT/ledger.jsonl.torn and cut off, so every
 * line stays whole; a complete last line without its newline gets one. */
int ledger_append(const char *root, struct revision *r);
/* What ledger_read left out, as a sentence for the user ("" when
 * nothing was): fills buf, returns whether there was damage. */
int ledger_damage(const struct ledger *l, const char *root, char *buf,
		  size_t len);
/* The newest revision with this status, or NULL. */
const struct revision *ledger_last(const struct ledger *l,
				   const char *status);
void ledger_free(struct ledger *l);

#endif
