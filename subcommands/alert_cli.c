#include "alert_cli.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "cli/exit_status.h"
#include "cli/output.h"
#include "lib/alert/deadletter.h"
#include "lib/core/fsutil.h"
#include "lib/deploy/run.h"

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

/* The first SIGTERM or SIGINT hurries the deliveries (what is left goes
 * to the dead-letter file); a second one ends the process at once,
 * whatever the sender is stuck in. */
static void on_stop(int sig)
{
	struct sigaction dfl;

	memset(&dfl, 0, sizeof(dfl));
	dfl.sa_handler = SIG_DFL;
	sigemptyset(&dfl.sa_mask);
	sigaction(SIGTERM, &dfl, NULL);
	sigaction(SIGINT, &dfl, NULL);
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

void alert_cli_notify(const struct descriptor *d,
		      const struct alert_observations *o, json_t *alerts,
		      const char *source)
{
	struct alert_context c;
	struct strbuf names = STRBUF_INIT;
	size_t n, i;

	alert_cli_context(&c, d, source);
	alert_rules_eval(d->alerts, NULL, o, 0, 1, &c, alerts);
	n = json_array_size(alerts);
	for (i = 0; i < n; i++)
		strbuf_addf(&names, "%s'%s'", i ? ", " : "",
			    json_string_value(json_object_get(
				    json_array_get(alerts, i), "name")));
	if (n)
		print_info("mlops: alert%s: %s", plural(n), names.buf);
	else
		print_info("mlops: no alert rule holds (%zu rule%s)",
			   d->alerts->nrules, plural(d->alerts->nrules));
	strbuf_release(&names);
	alert_cli_send(d, alerts);
}

const struct descriptor *alert_cli_need(const struct descriptor *d,
					const struct descriptor *proj)
{
	const struct descriptor *with = d ? d : proj;

	if (with && with->alerts)
		return with;
	if (with)
		print_error("--notify: %s has no alerts: section", with->file);
	else
		print_error("--notify needs the alerts: of a descriptor: "
			    "--bundle, -f FILE or ./mlops.yaml");
	print_hint("see ALERTS in mlops help mlops.yaml");
	return NULL;
}

json_t *alert_cli_deploy_events(const struct descriptor *d, const char *what,
			     const char *env, const char *bundle, int rc,
			     const struct deploy_result *r)
{
	struct alert_context c;
	struct strbuf sum = STRBUF_INIT;
	const char *why = rc < 0 ? mlops_error_last()->message : r->why;
	const char *subject = bundle ? bundle : env;

	json_t *alerts = json_array();

	/* Refused before anything changed (nothing to roll back to, a bad
	 * option): nothing happened to tell anyone about. */
	if (!d || !d->alerts ||
	    (rc < 0 && mlops_error_last()->code == MLOPS_EUSAGE))
		goto done;
	alert_cli_context(&c, d, what);
	c.version = NULL; /* the project's, not necessarily what went out */
	c.env = env;
	if (r->canary_aborted) {
		strbuf_addf(&sum, "the canary of %s in %s was aborted: %s",
			    subject, env, why);
		alert_cli_event(alerts, d, EV_CANARY_ABORTED, SEVERITY_WARNING,
				&c, sum.buf, NULL);
	}
	if (rc == 0 && r->deployed) {
		strbuf_reset(&sum);
		if (bundle)
			strbuf_addf(&sum, "%s is deployed to %s: revision %ld%s",
				    bundle, env, r->revision, r->smoke_skipped
				    ? " (unverified: its smoke tests did not "
				      "run)" : "");
		else
			strbuf_addf(&sum, "%s is rolled back: revision %ld",
				    env, r->revision);
		alert_cli_event(alerts, d, bundle ? EV_DEPLOY_SUCCEEDED
						  : EV_ROLLED_BACK,
				bundle ? SEVERITY_INFO : SEVERITY_WARNING, &c,
				sum.buf, json_pack("{s:I}", "revision",
						   (json_int_t)r->revision));
	} else if (rc != 0) {
		strbuf_reset(&sum);
		if (bundle)
			strbuf_addf(&sum, "deploy of %s to %s failed: %s",
				    bundle, env, why);
		else
			strbuf_addf(&sum, "rollback of %s failed: %s", env, why);
		alert_cli_event(alerts, d, EV_DEPLOY_FAILED, SEVERITY_CRITICAL,
				&c, sum.buf, json_pack("{s:s}", "action",
						       what));
	}
	if (rc > 0 && r->rollback_revision) {
		strbuf_reset(&sum);
		strbuf_addf(&sum, "%s is rolled back after the failed %s: "
			    "revision %ld", env, what, r->rollback_revision);
		alert_cli_event(alerts, d, EV_ROLLED_BACK, SEVERITY_WARNING,
				&c, sum.buf, json_pack("{s:I}", "revision",
						       (json_int_t)
							       r->rollback_revision));
	}
done:
	strbuf_release(&sum);
	return alerts;
}
