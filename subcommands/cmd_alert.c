/* mlops alert test: a sample alert to every notifier of the alerts:
 * section, each one's outcome reported. */
#include <stdlib.h>
#include <string.h>

#include "cli/command.h"
#include "cli/exit_status.h"
#include "cli/output.h"
#include "lib/bundle/meta.h"
#include "subcommands/alert_cli.h"

static const char *opt_bundle, *opt_file;

static const struct opt options[] = {
	OPT_STR(0, "bundle", &opt_bundle, "BUNDLE",
		"the notifiers of this bundle's descriptor", "file:mlpkg"),
	OPT_STR('f', "file", &opt_file, "FILE",
		"the notifiers of this descriptor (default: mlops.yaml)",
		"file:yaml"),
	OPT_TERMINATOR,
};

/* The worst outcome as an exit status: a notifier that could not be set
 * up (no variable, no file) by its error class, one that did not take
 * the alert EXIT_NETWORK. */
static int outcome(const struct notifier *n, const struct delivery_result *r)
{
	if (r->delivered)
		return EXIT_OK;
	if (n->problem)
		return exit_status_from_error(n->problem_code);
	return EXIT_NETWORK;
}

static int by_notifier(const void *a, const void *b)
{
	const struct delivery_result *x = a, *y = b;

	return (x->notifier > y->notifier) - (x->notifier < y->notifier);
}

static json_t *result_json(const struct notifier *n,
			   const struct delivery_result *r)
{
	json_t *o = json_pack("{s:s, s:s, s:b, s:I, s:I, s:f}", "name", n->name,
			      "kind", notifier_kind_name(n->kind), "delivered",
			      r->delivered, "status", (json_int_t)r->status,
			      "attempts", (json_int_t)r->attempts, "seconds",
			      r->seconds);

	if (n->host)
		json_object_set_new(o, "host", json_string(n->host));
	if (!r->delivered)
		json_object_set_new(o, "error", json_string(r->why));
	return o;
}

static void print_result(const struct notifier *n,
			 const struct delivery_result *r)
{
	printf("%s%-4s%s  %-32s ", r->delivered ? sty(STYLE_GREEN)
						 : sty(STYLE_RED),
	       r->delivered ? "ok" : "FAIL", sty(STYLE_RESET), n->label);
	if (r->delivered)
		printf("HTTP %ld in %.2f s (%u attempt%s)\n", r->status,
		       r->seconds, r->attempts, plural(r->attempts));
	else
		printf("%s (%u attempt%s)\n", r->why, r->attempts,
		       plural(r->attempts));
}

static int cmd_alert(int argc, const char **argv)
{
	struct descriptor *d = NULL;
	struct delivery_result *res = NULL;
	struct alert_context c;
	struct alert_sink *s;
	size_t n = 0, i, ok = 0;
	json_t *all;
	int rc = command_parse(&cmd_alert_spec, &argc, argv);

	if (rc >= 0)
		return rc;
	if (argc != 1 || strcmp(argv[0], "test"))
		return command_usage_error(&cmd_alert_spec, argc ? "unknown "
					   "subcommand '%s' (mlops alert test)"
					   : "name a subcommand: mlops alert "
					   "test%s", argc ? argv[0] : "");
	if (opt_bundle && opt_file)
		return command_usage_error(&cmd_alert_spec,
					   "--bundle or -f, not both");
	if (bundle_or_file_descriptor(opt_bundle, opt_file, &d) < 0)
		return report_error();
	if (!d->alerts) {
		print_error("%s has no alerts: section", opt_bundle ? opt_bundle
								    : d->file);
		print_hint("see ALERTS in mlops help mlops.yaml");
		descriptor_free(d);
		return EXIT_INPUT;
	}
	s = alert_cli_start(d, 1, 1, &rc);
	if (!s) {
		descriptor_free(d);
		return rc;
	}
	alert_cli_context(&c, d, "alert test");
	all = json_array();
	json_array_append_new(all, alert_test_message(&c));
	alert_cli_post_all(s, all);
	alert_cli_finish(s, d, &res, &n);
	qsort(res, n, sizeof(*res), by_notifier);
	all = json_array();
	for (i = 0; i < n; i++) {
		struct notifier nt;
		int st;

		/* The sink's notifiers are gone with it: read again for the
		 * report (labels, problems). */
		notifier_resolve(&nt, &d->alerts->notifiers[res[i].notifier],
				 d->dir);
		st = outcome(&nt, &res[i]);
		if (st == EXIT_NETWORK || (st && !rc))
			rc = st;
		ok += res[i].delivered;
		if (out_json())
			json_array_append_new(all, result_json(&nt, &res[i]));
		else
			print_result(&nt, &res[i]);
		notifier_release(&nt);
	}
	if (out_json()) {
		json_t *j = json_pack("{s:I, s:I, s:o}", "notifiers",
				      (json_int_t)n, "delivered",
				      (json_int_t)ok, "results", all);

		print_json(j);
		json_decref(j);
	} else {
		json_decref(all);
		printf("%zu of %zu notifier%s took the test alert\n", ok, n,
		       plural(n));
	}
	free(res);
	descriptor_free(d);
	return finish_stdout(rc);
}

const struct cmd_spec cmd_alert_spec = {
	.name = "alert",
	.summary = "send a test alert to every notifier of mlops.yaml",
	.synopsis = "test [--bundle BUNDLE | -f FILE]",
	.description =
		"mlops alert test sends a sample alert to each notifier of the "
		"alerts: section\n(webhook, Slack, Teams), with the retries of "
		"a real alert, and reports each\none's outcome. Nothing goes to "
		"the dead-letter file. Exit 0: every notifier\ntook it; 5: one "
		"did not (no answer, an HTTP error); 3 or 4: one could not\nbe "
		"set up (an unset variable, a missing file).",
	.opts = options,
	.args_complete = "words:test",
	.run = cmd_alert,
	.flags = CMD_REPORT,
};
