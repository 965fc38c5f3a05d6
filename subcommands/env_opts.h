/* What deploy, rollback and history share: finding --env in mlops.yaml
 * and printing progress. */
#ifndef MLOPS_SUBCOMMANDS_ENV_OPTS_H
#define MLOPS_SUBCOMMANDS_ENV_OPTS_H

#include "lib/descriptor/descriptor.h"

/* Loads FILE (default mlops.yaml) and finds environment `name`; prints
 * the error (with the names there are) and returns an exit status, or
 * -1 to go on. */
int env_find(const char *file, const char *name, struct descriptor **d,
	     const struct environment **e);
/* For deploy_opts.say: one line on stderr, silenced by -q. */
void env_say(void *ctx, const char *line);

struct deploy_opts;
struct deploy_result;
/* cmd_deploy.c: options every deploy and rollback take from the
 * environment (MLOPS_API_KEY for smoke tests, the project directory). */
void deploy_opts_fill(struct deploy_opts *o, const struct descriptor *d,
		      long timeout, const char *cacert);
/* cmd_deploy.c: what happened, as JSON or lines; the exit status. */
int deploy_report(const char *what, const char *env, int rc,
		  const struct deploy_result *r);

#endif
