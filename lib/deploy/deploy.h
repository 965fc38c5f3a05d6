/* Deploying a bundle to a local environment, and rolling back: lock,
 * ledger, release, switch, reload, wait for the new version, smoke
 * tests; on failure the last deployed revision is restored (a new
 * revision, "Rollback to N") and the failed one marked failed. A pending
 * revision left by a killed deploy is found and resolved by the next
 * deploy or rollback. */
#ifndef MLOPS_DEPLOY_DEPLOY_H
#define MLOPS_DEPLOY_DEPLOY_H

#include "../descriptor/descriptor.h"
#include "run.h"

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

#endif
