/* mlops smoke: a bundle's smoke tests against a running server. */
#include <stdlib.h>
#include <string.h>

#include "cli/command.h"
#include "cli/exit_status.h"
#include "cli/output.h"
#include "lib/bundle/meta.h"
#include "lib/deploy/smoke.h"

static const char *opt_bundle, *opt_file, *opt_cacert;
static long opt_timeout = 30;

static const struct opt options[] = {
	OPT_STR(0, "bundle", &opt_bundle, "BUNDLE",
		"the smoke tests of this bundle", "file:mlpkg"),
	OPT_STR('f', "file", &opt_file, "FILE",
		"the smoke tests of this descriptor (default: mlops.yaml)",
		"file"),
	OPT_NUM(0, "timeout", &opt_timeout, "SECONDS",
		"per test, retries included (default: 30)"),
	OPT_STR(0, "cacert", &opt_cacert, "FILE",
		"https: trust this CA (PEM) instead of the system's", "file"),
	OPT_TERMINATOR,
};

static json_t *results_json(const struct smoke_result *r, size_t n,
			    size_t failed)
{
	json_t *a = json_array();
	size_t i;

	for (i = 0; i < n; i++)
		json_array_append_new(
			a, json_pack("{s:s, s:b, s:I, s:f, s:I, s:s?}", "name",
				     r[i].name, "passed", r[i].passed, "status",
				     (json_int_t)r[i].status, "latency_ms",
				     r[i].latency_ms, "attempts",
				     (json_int_t)r[i].attempts, "why", r[i].why));
	return json_pack("{s:I, s:I, s:o}", "tests", (json_int_t)n, "failed",
			 (json_int_t)failed, "results", a);
}

static int cmd_smoke(int argc, const char **argv)
{
	struct smoke_opts o = { 0 };
	struct smoke_result *r = NULL;
	struct descriptor *d = NULL;
	const char *key = smoke_env_api_key();
	size_t failed, i, reached = 0;
	int rc = command_parse(&cmd_smoke_spec, &argc, argv);

	if (rc >= 0)
		return rc;
	if (argc != 1)
		return command_usage_error(&cmd_smoke_spec, "name the server's "
					   "URL (http://HOST:PORT)");
	if (strncmp(argv[0], "http://", 7) && strncmp(argv[0], "https://", 8))
		return command_usage_error(&cmd_smoke_spec, "'%s' is not an "
					   "http:// or https:// URL", argv[0]);
	if (opt_timeout < 1 || opt_timeout > 3600)
		return command_usage_error(&cmd_smoke_spec,
					   "--timeout must be 1 to 3600");
	if (bundle_or_file_descriptor(opt_bundle, opt_file, &d) < 0)
		return report_error();
	if (!d->nsmoke) {
		print_error("%s declares no smoke tests (smoke: in mlops.yaml)",
			    opt_bundle ? opt_bundle : d->file);
		descriptor_free(d);
		return EXIT_INPUT;
	}
	o.timeout_s = (double)opt_timeout;
	o.api_key = key;
	o.cainfo = opt_cacert;
	failed = smoke_run(argv[0], d, &o, &r);
	for (i = 0; i < d->nsmoke; i++)
		reached += r[i].reached;
	if (out_json()) {
		json_t *j = results_json(r, d->nsmoke, failed);

		print_json(j);
		json_decref(j);
	} else {
		for (i = 0; i < d->nsmoke; i++) {
			printf("%s%s%s  %-40s %6.1f ms", r[i].passed
						 ? sty(STYLE_GREEN) : sty(STYLE_RED),
			       r[i].passed ? "PASS" : "FAIL", sty(STYLE_RESET),
			       r[i].name, r[i].latency_ms);
			if (r[i].why)
				printf("  %s", r[i].why);
			printf("\n");
			if (r[i].why) {
				struct strbuf m = STRBUF_INIT;

				strbuf_addf(&m, "smoke test '%s' failed: %s",
					    r[i].name, r[i].why);
				gh_annotation("error", NULL, 0, 0, m.buf);
				strbuf_release(&m);
			}
		}
		printf("%zu of %zu smoke test%s passed\n", d->nsmoke - failed,
		       d->nsmoke, plural(d->nsmoke));
	}
	/* Nothing answered: the server is down, not the model wrong; an
	 * error, on stderr even with -q. */
	rc = !failed ? EXIT_OK : !reached ? EXIT_NETWORK : EXIT_FINDING;
	if (rc == EXIT_NETWORK && r[0].why)
		print_error("no smoke test reached the server: %s", r[0].why);
	smoke_results_free(r, d->nsmoke);
	descriptor_free(d);
	return finish_stdout(rc);
}

const struct cmd_spec cmd_smoke_spec = {
	.name = "smoke",
	.summary = "run a bundle's smoke tests against a server",
	.synopsis = "URL [--bundle BUNDLE | -f FILE] [--timeout SECONDS]",
	.description =
		"Send each smoke test of the descriptor (smoke: in mlops.yaml) "
		"to URL/predict and\ncheck the answer: status, prediction, "
		"probability within the tolerance, latency\nbudget. A server that "
		"is starting is waited for (retries with backoff).\nExit 0: all "
		"passed; 1: a test failed; 5: no answer.",
	.opts = options,
	.run = cmd_smoke,
	.flags = CMD_REPORT,
};
