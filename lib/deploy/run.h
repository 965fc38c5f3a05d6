/* What every way of going live shares (a local deploy, a fleet rollout,
 * a rollback): the options, the result, progress lines for people and
 * the test points. Below deploy.c and fleet.c, so that neither needs the
 * other's header for these. */
#ifndef MLOPS_DEPLOY_RUN_H
#define MLOPS_DEPLOY_RUN_H

#include "../core/attributes.h"
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
	int canary_aborted;     /* a canary was taken off (weight 0) */
	struct smoke_result *smoke;
	size_t nsmoke;
};

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
