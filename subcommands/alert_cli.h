/* What commands that send alerts share (drift, validate and monitor
 * --notify, deploy, rollback, serve, alert test): a sink for the descriptor's
 * notifiers that logs on stderr, and its bounded finish, which SIGTERM
 * and SIGINT cut short (what is left goes to the dead-letter file). */
#ifndef MLOPS_SUBCOMMANDS_ALERT_CLI_H
#define MLOPS_SUBCOMMANDS_ALERT_CLI_H

#include <jansson.h>

#include "lib/alert/message.h"
#include "lib/alert/rules.h"
#include "lib/alert/sink.h"
#include "lib/descriptor/descriptor.h"

#define NOTIFY_OPTION(v)                                                     \
	OPT_BOOLEAN(0, "notify", v,                                           \
		    "send what the alerts: section of mlops.yaml asks for "   \
		    "(its rules, its events)")

/* A sink for d's notifiers, NULL when d has no alerts: section.
 * dead_letter: as mlops.yaml says (relative to d's directory), else
 * the default. keep_results and no_dead_letter for alert test. Prints
 * the error and returns NULL on failure too (*rc: the exit status). */
struct alert_sink *alert_cli_start(const struct descriptor *d,
				   int keep_results, int no_dead_letter,
				   int *rc);
/* The sink's context for d: the model, the source command. */
void alert_cli_context(struct alert_context *c, const struct descriptor *d,
		       const char *source);
/* Posts each alert of the array (taken). */
void alert_cli_post_all(struct alert_sink *s, json_t *alerts);
/* Lets deliveries finish (for at most the descriptor's retry_for), then
 * stops the sink; a SIGTERM or SIGINT meanwhile stops it at once and
 * is re-raised after. Returns how many failed. */
size_t alert_cli_finish(struct alert_sink *s, const struct descriptor *d,
			struct delivery_result **results, size_t *n);
/* Appends event e's alert to `out` when d's alerts: subscribe to it;
 * details (taken, may be NULL) adds facts. */
void alert_cli_event(json_t *out, const struct descriptor *d,
		     enum alert_event_id e, enum alert_severity sev,
		     const struct alert_context *c, const char *summary,
		     json_t *details);
/* Sends the alerts (taken) to d's notifiers and waits for them
 * (alert_cli_finish). Nothing when there are none. */
void alert_cli_send(const struct descriptor *d, json_t *alerts);

/* --notify: d's rules on o (a one-off run: each holds or not) and the
 * events already in `alerts` (taken), sent; names what fired on stderr. */
void alert_cli_notify(const struct descriptor *d,
		      const struct alert_observations *o, json_t *alerts,
		      const char *source);
/* For --notify: the descriptor with the alerts (d, else ./mlops.yaml's
 * proj), or NULL after printing why there is none. */
const struct descriptor *alert_cli_need(const struct descriptor *d,
					const struct descriptor *proj);

struct deploy_result;
/* deploy and rollback (what), rc as deploy_run and rollback_run return
 * it: deploy_succeeded, deploy_failed, canary_aborted, rolled_back, as
 * d's alerts: subscribe to them, to send (alert_cli_send) once the
 * outcome is reported. bundle: what was deployed (NULL for a rollback). */
json_t *alert_cli_deploy_events(const struct descriptor *d, const char *what,
			     const char *env, const char *bundle, int rc,
			     const struct deploy_result *r);

#endif
