#include "env_opts.h"

#include "cli/command.h"
#include "cli/exit_status.h"
#include "cli/output.h"
#include "lib/core/strbuf.h"

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
