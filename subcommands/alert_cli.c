#include "alert_cli.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "cli/exit_status.h"
#include "cli/output.h"
#include "lib/alert/deadletter.h"
#include "lib/core/fsutil.h"

/* Deliveries that went out are progress (-v); problems are warnings,
 * but where a report lists every outcome (ctx non-NULL). */
static void log_line(void *ctx, enum sink_log level, const char *line)
{
	if (level == SINK_ERROR)
		print_error("%s", line);
	else if (level == SINK_WARNING && !ctx)
		print_warning("%s", line);
	else if (output.verbose)
		print_info("mlops: %s", line);
}

struct alert_sink *alert_cli_start(const struct descriptor *d,
				   int keep_results, int no_dead_letter,
				   int *rc)
{
	const struct alerts_config *a = d ? d->alerts : NULL;
	struct alert_sink_opts o = { 0 };
	struct alert_sink *s = NULL;
	char *dead = NULL;

	*rc = EXIT_OK;
	if (!a)
		return NULL;
	if (!no_dead_letter)
		dead = a->dead_letter ? fs_join(d->dir, a->dead_letter)
				      : alert_default_dead_letter();
	o.timeout_s = a->timeout_s;
	o.retry_for_s = a->retry_for_s;
	o.dead_letter = dead;
	o.keep_results = keep_results;
	o.log = log_line;
	o.log_ctx = keep_results ? (void *)d : NULL;
	if (alert_sink_start(&s, a, d->dir, &o) < 0)
		*rc = report_error();
	free(dead);
	return s;
}

void alert_cli_context(struct alert_context *c, const struct descriptor *d,
		       const char *source)
{
	memset(c, 0, sizeof(*c));
	c->source = source;
	if (d) {
		c->model = d->name;
		c->version = d->version;
	}
}

void alert_cli_post_all(struct alert_sink *s, json_t *alerts)
{
	json_t *a;
	size_t i;

	json_array_foreach(alerts, i, a)
		alert_sink_post(s, a);
	json_decref(alerts);
}

static volatile sig_atomic_t stopped_by;

static void on_stop(int sig)
{
	stopped_by = sig;
	alert_sink_hurry();
}

size_t alert_cli_finish(struct alert_sink *s, const struct descriptor *d,
			struct delivery_result **results, size_t *n)
{
	struct sigaction sa, old_term, old_int;
	size_t failed;

	if (!s)
		return 0;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_stop;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, &old_term);
	sigaction(SIGINT, &sa, &old_int);
	/* A little over retry_for: the last attempt may start just before
	 * it ends. */
	failed = alert_sink_stop(s, d->alerts->retry_for_s +
					    d->alerts->timeout_s,
				 results, n);
	sigaction(SIGTERM, &old_term, NULL);
	sigaction(SIGINT, &old_int, NULL);
	if (stopped_by)
		raise(stopped_by);
	return failed;
}

void alert_cli_event(json_t *out, const struct descriptor *d,
		     enum alert_event_id e, enum alert_severity sev,
		     const struct alert_context *c, const char *summary,
		     json_t *details)
{
	if (!d || !alert_wants_event(d->alerts, e)) {
		json_decref(details);
		return;
	}
	json_array_append_new(out, alert_event_message(e, sev, summary,
						       details, c));
}

void alert_cli_send(const struct descriptor *d, json_t *alerts)
{
	struct alert_sink *s;
	size_t n = json_array_size(alerts);
	int rc;

	if (!n || !(s = alert_cli_start(d, 0, 0, &rc))) {
		json_decref(alerts);
		return;
	}
	alert_cli_post_all(s, alerts);
	if (!alert_cli_finish(s, d, NULL, NULL))
		print_info("mlops: sent %zu alert%s to %zu notifier%s", n,
			   plural(n), d->alerts->nnotifiers,
			   plural(d->alerts->nnotifiers));
}
