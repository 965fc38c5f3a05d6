/* mlops: global options, then dispatch to a command (git-style). */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "command.h"
#include "exit_status.h"
#include "cli/manpage.h"
#include "lib/core/libversions.h"
#include "lib/core/strbuf.h"
#include "lib/core/suggest.h"
#include "lib/core/tempfile.h"
#include "output.h"

static const char *opt_chdir;
static int opt_version;

const struct opt global_opts[] = {
	OPT_STR('C', NULL, &opt_chdir, "DIR",
		"run as if started in DIR", "dir"),
	OPT_BOOLEAN(0, "version", &opt_version,
		    "print the version and the libraries' versions"),
	OPT_TERMINATOR,
};

static void on_fatal_signal(int sig)
{
	/* Remove half-written files, then die of the same signal so the
	 * parent sees how we ended. */
	tempfile_remove_all();
	signal(sig, SIG_DFL);
	raise(sig);
}

static void setup_signals(void)
{
	signal(SIGINT, on_fatal_signal);
	signal(SIGTERM, on_fatal_signal);
	signal(SIGHUP, on_fatal_signal);
	/* A closed pipe is an error on write (EPIPE), reported quietly. */
	signal(SIGPIPE, SIG_IGN);
}

void main_help(FILE *out)
{
	const struct man_guide *g;
	int i;

	fprintf(out, "usage: mlops [-C DIR] [--json] [--color=WHEN] [-q] [-v] "
		     "<command> [<args>]\n"
		     "       mlops --version\n"
		     "       mlops help [<command> | <topic>]\n\n"
		     "Take a trained model from a laptop to production and "
		     "keep it healthy there.\n\nCommands:\n");
	for (i = 0; commands[i]; i++)
		if (!(commands[i]->flags & OPT_HIDDEN))
			fprintf(out, "  %-12s%s\n", commands[i]->name,
				commands[i]->summary);
	fprintf(out, "\nTopics ('mlops help TOPIC'):\n");
	for (g = man_guides; g->topic; g++)
		fprintf(out, "  %-12s%s: %s(%d)\n", g->topic, g->summary,
			g->page, g->section);
	fprintf(out, "\nGlobal options:\n"
		     "  -C DIR                    run as if started in DIR\n"
		     "      --version             print versions and exit\n"
		     "      --json                one JSON document on stdout\n"
		     "      --color=WHEN          auto, always, never\n"
		     "  -q, --quiet               only errors on stderr; no "
		     "report on stdout\n"
		     "                            but --json (each command's "
		     "--help says)\n"
		     "  -v, --verbose             more detail on stderr\n"
		     "\nExit status: 0 success, 1 a finding (validation failed, "
		     "drift, smoke test failed),\n2 usage error, 3 bad input, "
		     "4 I/O failure, 5 network failure, 6 internal error.\n"
		     "See 'mlops help <command>' and mlops(1).\n");
}

static int print_version(void)
{
	struct lib_version libs[MLOPS_NLIBS];
	int i;

	mlops_library_versions(libs);
	if (out_json()) {
		json_t *o = json_object(), *l = json_object();

		json_object_set_new(o, "version", json_string(MLOPS_VERSION));
		for (i = 0; i < MLOPS_NLIBS; i++)
			json_object_set_new(l, libs[i].name,
					    json_string(libs[i].version));
		json_object_set_new(o, "libraries", l);
		print_json(o);
		json_decref(o);
		return EXIT_OK;
	}
	printf("mlops %s\n", MLOPS_VERSION);
	for (i = 0; i < MLOPS_NLIBS; i++)
		printf("  %-14s %s\n", libs[i].name, libs[i].version);
	return EXIT_OK;
}

static int cmd_version(int argc, const char **argv)
{
	int rc = command_parse(&cmd_version_spec, &argc, argv);

	if (rc >= 0)
		return rc;
	if (argc)
		return command_usage_error(&cmd_version_spec,
					   "'version' takes no arguments");
	return print_version();
}

const struct cmd_spec cmd_version_spec = {
	.name = "version",
	.summary = "print the version of mlops and of its libraries",
	.synopsis = "[--json]",
	.opts = NULL,
	.run = cmd_version,
};

static int opt_text;

/* A guide (mlops.yaml(5), mlops-glm(5)) has no short help to fall back
 * on: without man(1) or the page, say which page and where it is. */
static int show_guide(const struct man_guide *g)
{
	struct strbuf file = STRBUF_INIT;
	enum manpage_status st = manpage_show(g->page, g->section, &file);
	int rc = EXIT_OK;

	if (st == MANPAGE_NO_MAN) {
		print_error("cannot show %s(%d): man(1) is not installed",
			    g->page, g->section);
		if (file.len)
			print_hint("the page is %s (mandoc -a or groff -man "
				   "-Tutf8 also read it)", file.buf);
		rc = EXIT_IO;
	} else if (st == MANPAGE_NOT_FOUND) {
		print_error("no man page %s(%d) beside this mlops or on the man "
			    "path", g->page, g->section);
		print_hint("'make install' installs it; in a source tree, "
			   "'make man' builds it into build/man");
		rc = EXIT_IO;
	} else if (st == MANPAGE_FAILED) {
		/* man(1) said why, or its reader went away (| head). */
		rc = EXIT_IO;
	}
	strbuf_release(&file);
	return rc;
}

/* A command's man page (man(1)), else its --help text; mlops(1), else
 * the list of commands; a guide's page. */
static int cmd_help(int argc, const char **argv)
{
	const struct cmd_spec *spec;
	const struct man_guide *guide;
	int rc = command_parse(&cmd_help_spec, &argc, argv);

	if (rc >= 0)
		return rc;
	if (argc > 1)
		return command_usage_error(&cmd_help_spec,
					   "name one command or topic");
	if (!argc || (!strcmp(argv[0], "mlops") && opt_text)) {
		main_help(stdout);
		return EXIT_OK;
	}
	if (!strcmp(argv[0], "mlops")) {
		if (manpage_show("mlops", 1, NULL) != MANPAGE_SHOWN)
			main_help(stdout);
		return EXIT_OK;
	}
	guide = man_guide_find(argv[0]);
	if (guide)
		return show_guide(guide);
	spec = command_find(argv[0]);
	if (!spec || (spec->flags & OPT_HIDDEN))
		return command_usage_error(&cmd_help_spec,
					   "no such command or topic '%s'",
					   argv[0]);
	if (!opt_text) {
		struct strbuf page = STRBUF_INIT;
		int shown;

		strbuf_addf(&page, "mlops-%s", spec->name);
		shown = manpage_show(page.buf, 1, NULL) == MANPAGE_SHOWN;
		strbuf_release(&page);
		if (shown)
			return EXIT_OK;
	}
	options_help(stdout, spec, command_common_opts(spec));
	return EXIT_OK;
}

static const struct opt help_options[] = {
	OPT_BOOLEAN(0, "text", &opt_text,
		    "print the short help text, not the man page"),
	OPT_TERMINATOR,
};

const struct cmd_spec cmd_help_spec = {
	.name = "help",
	.summary = "show help for mlops, a command or a topic",
	.synopsis = "[<command> | mlops.yaml | glm] [--text]",
	.description = "Without a command: the commands. With one: its man page "
		       "(mlops-COMMAND(1)),\nor, without man(1) or the page, "
		       "or with --text, its short help. 'mlops.yaml'\nand "
		       "'glm' show mlops.yaml(5) and mlops-glm(5). Pages come "
		       "from beside the\nbinary (a build tree's build/man, an "
		       "installed PREFIX/share/man), else\nfrom man(1)'s own "
		       "path. Exit 4 when a topic's page cannot be shown.",
	.opts = help_options,
	.args_complete = "topic",
	.run = cmd_help,
};

static int unknown_command(const char *name)
{
	const char *names[64];
	const char *near;
	int i, n = 0;

	for (i = 0; commands[i] && n < 63; i++)
		if (!(commands[i]->flags & OPT_HIDDEN))
			names[n++] = commands[i]->name;
	names[n] = NULL;
	print_error("'%s' is not an mlops command", name);
	near = suggest_closest(name, names);
	if (near)
		print_hint("did you mean 'mlops %s'?", near);
	fprintf(stderr, "See 'mlops help' for the list of commands.\n");
	return EXIT_USAGE;
}

int main(int argc, const char **argv)
{
	struct strbuf err = STRBUF_INIT;
	const struct cmd_spec *spec;
	int rc, n = argc - 1;
	const char **args = argv + 1;

	setup_signals();
	rc = options_parse(&n, args, global_opts, common_opts,
			   PARSE_STOP_AT_NON_OPTION, &err);
	output_setup();
	if (rc == PARSE_HELP) {
		main_help(stdout);
		return finish_stdout(EXIT_OK);
	}
	if (rc == PARSE_ERROR) {
		print_parse_error(&err);
		fprintf(stderr, "usage: mlops [-C DIR] [--json] [--color=WHEN] "
				"[-q] [-v] <command> [<args>]\n");
		strbuf_release(&err);
		return EXIT_USAGE;
	}
	strbuf_release(&err);
	if (opt_version)
		return finish_stdout(print_version());
	if (!n) {
		main_help(stderr);
		return EXIT_USAGE;
	}
	if (opt_chdir && chdir(opt_chdir) < 0) {
		print_error("cannot change to '%s': %s", opt_chdir,
			    strerror(errno));
		return EXIT_IO;
	}
	spec = command_find(args[0]);
	if (!spec)
		return unknown_command(args[0]);
	return finish_stdout(spec->run(n, args));
}
