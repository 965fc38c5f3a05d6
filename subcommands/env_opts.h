/* What deploy, rollback, history and status share: finding --env in
 * mlops.yaml, the deploy options taken from it, printing progress and
 * the outcome. */
#ifndef MLOPS_SUBCOMMANDS_ENV_OPTS_H
#define MLOPS_SUBCOMMANDS_ENV_OPTS_H

#include "cli/options.h"
#include "lib/descriptor/descriptor.h"

/* The options of deploy, rollback and history (one command runs per
 * process, so one set serves them all). */
struct env_cli {
	const char *env, *file, *cacert;
	long timeout;
	int force_unlock, dry_run, no_tag, push_tags;
};
extern struct env_cli env_cli;

#define ENV_OPTIONS                                                          \
	OPT_STR(0, "env", &env_cli.env, "ENV",                                \
		"the environment, as named in mlops.yaml (required)", "env"), \
	OPT_STR('f', "file", &env_cli.file, "FILE",                           \
		"the descriptor with the environments (default: mlops.yaml)", \
		"file")
#define CHANGE_OPTIONS                                                       \
	OPT_NUM(0, "timeout", &env_cli.timeout, "SECONDS",                    \
		"wait this long for the version, and for each smoke test "    \
		"(default: 60)"),                                             \
	OPT_BOOLEAN(0, "force-unlock", &env_cli.force_unlock,                 \
		    "take the environment's lock even if another deploy "     \
		    "holds it"),                                              \
	OPT_BOOLEAN(0, "no-tag", &env_cli.no_tag,                             \
		    "write no NAME#ENV#N git tag"),                           \
	OPT_BOOLEAN(0, "push-tags", &env_cli.push_tags,                       \
		    "push the tag to origin (libgit2; MLOPS_GIT_TOKEN or "    \
		    "the ssh agent)"),                                        \
	OPT_BOOLEAN(0, "dry-run", &env_cli.dry_run,                           \
		    "say what would happen; change nothing"),                 \
	OPT_STR(0, "cacert", &env_cli.cacert, "FILE",                         \
		"https: trust this CA (PEM) for the smoke tests", "file")

struct cmd_spec;
/* After command_parse: --env given and valid, the environment found.
 * Returns an exit status, or -1 to go on. */
int env_command_start(const struct cmd_spec *spec, struct descriptor **d,
		      const struct environment **e);

/* Loads FILE (default mlops.yaml) and finds environment `name`; prints
 * the error (with the names there are) and returns an exit status, or
 * -1 to go on. */
int env_find(const char *file, const char *name, struct descriptor **d,
	     const struct environment **e);
/* For deploy_opts.say: one line on stderr, silenced by -q. */
void env_say(void *ctx, const char *line);

struct deploy_opts;
struct deploy_result;
/* Options every deploy and rollback take from the
 * environment (MLOPS_API_KEY for smoke tests, the project directory). */
void deploy_opts_fill(struct deploy_opts *o, const struct descriptor *d);
/* What happened, as JSON or lines; the exit status. */
int deploy_report(const char *what, const char *env, int rc,
		  const struct deploy_result *r);

#endif
