/* The command table and what every command shares. */
#ifndef MLOPS_CLI_COMMAND_H
#define MLOPS_CLI_COMMAND_H

#include "options.h"

extern const struct cmd_spec *const commands[];
extern const struct cmd_spec cmd_init_spec, cmd_package_spec,
	cmd_inspect_spec, cmd_validate_spec, cmd_unpack_spec, cmd_predict_spec,
	cmd_serve_spec, cmd_drift_spec, cmd_drift_profile_spec, cmd_monitor_spec, cmd_smoke_spec, cmd_deploy_spec, cmd_rollback_spec,
	cmd_history_spec, cmd_status_spec, cmd_image_spec, cmd_push_spec, cmd_pull_spec, cmd_tags_spec, cmd_login_spec,
	cmd_logout_spec, cmd_alert_spec, cmd_feedback_spec, cmd_store_spec, cmd_help_spec, cmd_version_spec, cmd_complete_spec;
/* Options every command accepts (--json, --color, -q, -v). */
extern const struct opt common_opts[];
/* common_opts as spec's --help shows them: -q says what it silences
 * there (CMD_REPORT). */
const struct opt *command_common_opts(const struct cmd_spec *spec);
/* Options only before the command (-C, --version). */
extern const struct opt global_opts[];

const struct cmd_spec *command_find(const char *name);

/* Parses a command's options (argv[0] is the command's name). Returns -1
 * to go on, or the exit status to return at once: 0 after --help, 2 on a
 * usage error (usage and message printed). With -q and no --json, a
 * CMD_REPORT command's stdout goes to /dev/null from here on. */
int command_parse(const struct cmd_spec *spec, int *argc, const char **argv);
/* Prints "mlops: error: MSG" and the usage line; returns EXIT_USAGE. */
int command_usage_error(const struct cmd_spec *spec, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Prints an options_parse() error: its first line as the error, the
 * rest (a "did you mean" hint) as is. */
void print_parse_error(struct strbuf *err);

/* main.c */
void main_help(FILE *out);
/* complete.c */
int cmd_complete(int argc, const char **argv);

#endif
