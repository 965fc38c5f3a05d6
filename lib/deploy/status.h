/* What runs in an environment and whether it is healthy (mlops status):
 * the ledger's deployed revision beside what the environment serves. */
#ifndef MLOPS_DEPLOY_STATUS_H
#define MLOPS_DEPLOY_STATUS_H

#include <jansson.h>

#include "deploy.h"
#include "ledger.h"

/* A local or fleet environment's status (root: its directory, dep: the
 * ledger's deployed revision, NULL when none; o: the API key and CA the
 * servers are asked with). *out:
 *   local: {env, kind: "local", root, url, revision, version,
 *           deployed_digest, unverified, current, served_digest, ready,
 *           server, shadow (its GET /shadow, or null), healthy};
 *           healthy when current is the deployed
 *           revision and, with a url, the server is ready and serves it.
 *   fleet: {env, kind: "fleet", root, revision, version, deployed_digest,
 *           instances: fleet_status()'s rows with "healthy", healthy};
 *           an instance is healthy when ready, serving the deployed
 *           revision, with no canary; the fleet when all are.
 * A kubernetes environment is MLOPS_EUSAGE (the cluster knows). */
int env_status(json_t **out, const struct environment *e, const char *root,
	       const struct revision *dep, const struct deploy_opts *o);

#endif
