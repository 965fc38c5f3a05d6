/* Deploying a bundle to a local environment, and rolling back: lock,
 * ledger, release, switch, reload, wait for the new version, smoke
 * tests; on failure the last deployed revision is restored (a new
 * revision, "Rollback to N") and the failed one marked failed. A pending
 * revision left by a killed deploy is found and resolved by the next
 * deploy or rollback. */
#ifndef MLOPS_DEPLOY_DEPLOY_H
#define MLOPS_DEPLOY_DEPLOY_H

#include "../core/error.h"
#include "../descriptor/descriptor.h"
#include "smoke.h"

struct sig_key;

struct deploy_opts {
	const char *dir;        /* the project: relative roots start here */
	const char *reason;     /* the revision's description */
	double timeout_s;       /* waiting for the new version, and each smoke test */
	int no_rollback;
	int no_tag;             /* no NAME#ENV#N git tag */
	int push_tags;          /* push it to origin */
	int force_unlock;
	int dry_run;
	/* Smoke tests must run: a deploy whose smoke tests cannot (none
	 * declared, no url, no server) fails instead of going live
	 * unverified. Not for going back to a deployed revision. */
	int require_smoke;
	struct smoke_opts smoke;
	/* Keys that must each have signed the bundle (the environment's
	 * require_signature, --require-signature); checked before anything
	 * changes. */
	const struct sig_key *require_signature[2];
	/* Progress lines for people ("installed releases/...", ...). */
	void (*say)(void *ctx, const char *line);
	void *say_ctx;
};

struct deploy_result {
	long revision;          /* the revision this run created first */
	int deployed;           /* 1: it is live */
	long rollback_revision; /* 0: no rollback happened */
	char why[512];          /* why it failed */
	char *tag;              /* the git tag written, if any */
	int tag_pushed;         /* --push-tags: it reached origin */
	/* The smoke tests could not run (no server, no url): live but
	 * unverified, or with require_smoke, failed for that reason. */
	int smoke_skipped;
	struct smoke_result *smoke;
	size_t nsmoke;
};

/* Deploys bundle (a path) to environment e (local or fleet). 0 deployed
 * (smoke_skipped: unverified); 1 failed (rolled back unless told not to;
 * why says why; smoke_skipped: the smoke tests could not run under
 * require_smoke); <0 an error before anything changed (require_smoke
 * with no smoke tests, no url or no server: MLOPS_EINPUT, MLOPS_EUSAGE,
 * MLOPS_ENET), or during the rollback. */
int deploy_run(const struct environment *e, const char *bundle,
		 const struct deploy_opts *o, struct deploy_result *r);
/* Back to revision `to` (0: the deployed one before the current). */
int rollback_run(const struct environment *e, long to,
		   const struct deploy_opts *o, struct deploy_result *r);
void deploy_result_free(struct deploy_result *r);
/* What `mlops status` does first: a pending revision whose deploy is
 * gone is resolved as the next deploy would (marked failed, the last
 * deployed revision put back). 0 done or nothing to do; 1 a deploy is
 * under way (the error says who holds the lock); <0 an error. */
int deploy_recover(const struct environment *e, const struct deploy_opts *o);

/* Progress for people, through o->say. */
void deploy_say(const struct deploy_opts *o, const char *fmt, ...)
	MLOPS_PRINTF(2, 3);
void deploy_why(struct deploy_result *r, const char *fmt, ...)
	MLOPS_PRINTF(2, 3);
/* Tests only: MLOPS_TEST_KILL_AT=STEP kills this process with SIGKILL
 * when the deploy reaches STEP (pending, installed, switched,
 * signalled, smoked, shipped, canary, rolling), to prove the next
 * command recovers from a deploy killed there; MLOPS_TEST_PAUSE_AT=STEP
 * stops it there once (SIGSTOP), for a test to break something first. */
void deploy_test_point(const char *step);

#endif
