#include "env_opts.h"

#include "cli/command.h"
#include "cli/exit_status.h"
#include "cli/output.h"
#include "lib/core/jsonutil.h"
#include "lib/core/strbuf.h"
#include "lib/deploy/deploy.h"

struct env_cli env_cli = { .timeout = 60 };

int env_command_start(const struct cmd_spec *spec, struct descriptor **d,
		      const struct environment **e)
{
	if (!env_cli.env)
		return command_usage_error(spec, "--env ENV is required");
	if (env_cli.timeout < 1 || env_cli.timeout > 86400)
		return command_usage_error(spec, "--timeout must be 1 to 86400");
	return env_find(env_cli.file, env_cli.env, d, e);
}

int env_find(const char *file, const char *name, struct descriptor **d,
	     const struct environment **e)
{
	struct strbuf names = STRBUF_INIT;
	size_t i;

	*e = NULL;
	if (descriptor_load(d, file ? file : "mlops.yaml") < 0)
		return report_error();
	*e = descriptor_environment(*d, name);
	if (*e)
		return -1;
	for (i = 0; i < (*d)->nenvironments; i++)
		strbuf_addf(&names, "%s%s", i ? ", " : "",
			    (*d)->environments[i].name);
	print_error("no environment '%s' in %s (%s)", name, (*d)->file,
		    names.len ? names.buf : "it declares none");
	strbuf_release(&names);
	descriptor_free(*d);
	*d = NULL;
	return EXIT_USAGE;
}

void env_say(void *ctx, const char *line)
{
	(void)ctx;
	print_info("mlops: %s", line);
}

void deploy_opts_fill(struct deploy_opts *o, const struct descriptor *d)
{
	o->dir = d->dir;
	o->timeout_s = (double)env_cli.timeout;
	o->smoke.timeout_s = (double)env_cli.timeout;
	o->smoke.api_key = smoke_env_api_key();
	o->smoke.cainfo = env_cli.cacert;
	o->force_unlock = env_cli.force_unlock;
	o->dry_run = env_cli.dry_run;
	o->no_tag = env_cli.no_tag;
	o->push_tags = env_cli.push_tags;
	o->say = env_say;
}

int deploy_report(const char *what, const char *env, int rc,
		  const struct deploy_result *r)
{
	if (rc < 0)
		return report_error();
	if (out_json()) {
		json_t *j = json_pack("{s:s, s:s, s:I, s:b, s:b, s:I, s:s?, "
				      "s:b, s:s?}",
				      "action", what, "env", env, "revision",
				      (json_int_t)r->revision, "deployed",
				      r->deployed, "unverified",
				      r->deployed && r->smoke_skipped,
				      "rollback_revision",
				      (json_int_t)r->rollback_revision, "tag",
				      r->tag, "tag_pushed", r->tag_pushed,
				      "error", rc ? r->why : NULL);

		print_json(j);
		json_decref(j);
	} else if (rc) {
		print_error("%s failed: %s", what, r->why);
		if (r->rollback_revision)
			print_info("mlops: rolled back (revision %ld)",
				   r->rollback_revision);
	} else if (r->deployed && r->smoke_skipped) {
		printf("%s: revision %ld of %s is deployed (unverified: its "
		       "smoke tests did not run)\n", what, r->revision, env);
	} else if (r->deployed) {
		printf("%s: revision %ld of %s is deployed\n", what, r->revision,
		       env);
	}
	if (rc) {
		struct strbuf m = STRBUF_INIT;

		strbuf_addf(&m, "%s to %s failed: %s", what, env, r->why);
		gh_annotation("error", NULL, 0, 0, m.buf);
		strbuf_release(&m);
	}
	/* Smoke tests that could not run are the environment's failure
	 * (as smoke's exit 5), not a finding about the model. */
	return finish_stdout(!rc ? EXIT_OK
			     : r->smoke_skipped ? EXIT_NETWORK : EXIT_FINDING);
}
