#include "command.h"

#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "exit_status.h"
#include "output.h"

/* In the order of the lifecycle, as `mlops help` lists them. */
const struct cmd_spec *const commands[] = {
	&cmd_init_spec,
	&cmd_package_spec,
	&cmd_inspect_spec,
	&cmd_validate_spec,
	&cmd_unpack_spec,
	&cmd_predict_spec,
	&cmd_serve_spec,
	&cmd_smoke_spec,
	&cmd_deploy_spec,
	&cmd_rollback_spec,
	&cmd_history_spec,
	&cmd_status_spec,
	&cmd_drift_spec,
	&cmd_alert_spec,
	&cmd_feedback_spec,
	&cmd_monitor_spec,
	&cmd_store_spec,
	&cmd_image_spec,
	&cmd_push_spec,
	&cmd_pull_spec,
	&cmd_tags_spec,
	&cmd_login_spec,
	&cmd_logout_spec,
	&cmd_help_spec,
	&cmd_version_spec,
	&cmd_complete_spec,
	NULL,
};

static const char *const color_choices[] = { "auto", "always", "never",
					     NULL };

const struct opt common_opts[] = {
	OPT_BOOLEAN(0, "json", &output.json,
		    "print one JSON document on stdout"),
	OPT_ENUM(0, "color", &output.color, "WHEN",
		 "colour: auto (default), always, never", color_choices),
	OPT_BOOLEAN('q', "quiet", &output.quiet,
		    "print only errors on stderr"),
	OPT_BOOLEAN('v', "verbose", &output.verbose, "print more on stderr"),
	OPT_TERMINATOR,
};

const struct opt *command_common_opts(const struct cmd_spec *spec)
{
	static struct opt shown[sizeof(common_opts) / sizeof(*common_opts)];
	size_t i;

	memcpy(shown, common_opts, sizeof(shown));
	for (i = 0; shown[i].type; i++)
		if (shown[i].value == &output.quiet &&
		    (spec->flags & CMD_REPORT))
			shown[i].help = "stdout: only --json; stderr: only "
					"errors";
	return shown;
}

/* -q on a command whose stdout reports how it went: the exit status
 * says it, so the report goes nowhere; errors stay on stderr. At the
 * descriptor, so that nothing a command prints slips through. */
static void quiet_report(const struct cmd_spec *spec)
{
	int fd;

	if (!(spec->flags & CMD_REPORT) || !output.quiet || output.json)
		return;
	fflush(stdout);
	fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	if (fd != STDOUT_FILENO) {
		dup2(fd, STDOUT_FILENO);
		close(fd);
	}
}

const struct cmd_spec *command_find(const char *name)
{
	int i;

	for (i = 0; commands[i]; i++)
		if (!strcmp(commands[i]->name, name))
			return commands[i];
	return NULL;
}

void print_parse_error(struct strbuf *err)
{
	char *nl = strchr(err->buf, '\n');

	/* The first line is the error, the rest a hint. */
	if (nl)
		*nl = '\0';
	print_error("%s", err->buf);
	if (nl)
		fprintf(stderr, "%s\n", nl + 1);
}

int command_usage_error(const struct cmd_spec *spec, const char *fmt, ...)
{
	struct strbuf sb = STRBUF_INIT;
	va_list ap;

	va_start(ap, fmt);
	strbuf_vaddf(&sb, fmt, ap);
	va_end(ap);
	output_setup();
	print_error("%s", sb.buf);
	options_usage(stderr, spec);
	fprintf(stderr, "Try 'mlops %s --help' for more.\n", spec->name);
	strbuf_release(&sb);
	return EXIT_USAGE;
}

int command_parse(const struct cmd_spec *spec, int *argc, const char **argv)
{
	struct strbuf err = STRBUF_INIT;
	int rc, n = *argc - 1;

	rc = options_parse(&n, argv + 1, spec->opts, common_opts, 0, &err);
	output_setup();
	if (rc == PARSE_HELP) {
		options_help(stdout, spec, command_common_opts(spec));
		strbuf_release(&err);
		return EXIT_OK;
	}
	if (rc == PARSE_ERROR) {
		print_parse_error(&err);
		options_usage(stderr, spec);
		strbuf_release(&err);
		return EXIT_USAGE;
	}
	strbuf_release(&err);
	quiet_report(spec);
	*argc = n;
	memmove(argv, argv + 1, (size_t)(n + 1) * sizeof(*argv));
	return -1;
}
