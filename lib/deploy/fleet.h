/* A fleet environment's rollouts, through each instance's admin API:
 * the bundle uploaded where it is missing, then activated all at once,
 * one instance at a time (rolling), or as a canary whose weight climbs
 * through the steps while canary analysis (canary.h) compares it with
 * the stable version; smoke tests against every instance at the end. */
#ifndef MLOPS_DEPLOY_FLEET_H
#define MLOPS_DEPLOY_FLEET_H

#include <jansson.h>

#include "../descriptor/descriptor.h"
#include "run.h"

/* Makes every instance of e serve digest (bundle: a local copy to
 * upload) following strategy. 0 live everywhere; -1 failed, r->why
 * says why (a canary is taken back to weight 0 first; instances a
 * rolling rollout switched are left for the rollback). All at once (and
 * so every rollback) switches every instance it can reach even when
 * another fails. */
int fleet_rollout(const struct environment *e, const char *digest,
		  const char *bundle, const struct descriptor *d,
		  enum env_strategy strategy, const struct deploy_opts *o,
		  struct deploy_result *r);
/* What each instance serves: [{url, admin, reachable, ready, stable:
 * {digest, version}, canary, weight, shadow: {digest, version,
 * agreement, rows}, error}]. */
json_t *fleet_status(const struct environment *e, const struct deploy_opts *o);

#endif
