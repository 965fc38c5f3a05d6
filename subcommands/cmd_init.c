/* mlops init: write a commented mlops.yaml to start from. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/command.h"
#include "cli/exit_status.h"
#include "cli/output.h"
#include "lib/core/fsutil.h"
#include "lib/core/strbuf.h"
#include "lib/descriptor/names.h"

extern const char init_template[];
extern const size_t init_template_len;

static const char *opt_name;
static const char *opt_runtime = "xgboost";
static const char *opt_file = "mlops.yaml";
static int opt_force;

static const char *const runtimes[] = { "xgboost", "glm", NULL };

static const struct opt options[] = {
	OPT_STR(0, "name", &opt_name, "NAME",
		"model name (default: the directory's name)", NULL),
	OPT_ENUM(0, "runtime", &opt_runtime, "RUNTIME",
		 "xgboost (default) or glm", runtimes),
	OPT_STR('f', "file", &opt_file, "FILE",
		"where to write (default: mlops.yaml)", "file:yaml"),
	OPT_BOOLEAN(0, "force", &opt_force, "overwrite an existing file"),
	OPT_TERMINATOR,
};

/* The directory's name, made to fit the GTO name grammar. */
static char *default_name(void)
{
	char *cwd = getcwd(NULL, 0);
	struct strbuf sb = STRBUF_INIT;
	const char *p;

	for (p = cwd ? fs_basename(cwd) : ""; *p; p++) {
		unsigned char c = (unsigned char)*p;

		if (isalnum(c) || c == '-' || c == '_')
			strbuf_addch(&sb, (char)tolower(c));
		else if (sb.len && sb.buf[sb.len - 1] != '-')
			strbuf_addch(&sb, '-');
	}
	while (sb.len && !isalnum((unsigned char)sb.buf[sb.len - 1]))
		strbuf_setlen(&sb, sb.len - 1);
	while (sb.len && !isalnum((unsigned char)sb.buf[0]))
		memmove(sb.buf, sb.buf + 1, sb.len--);
	free(cwd);
	if (!sb.len)
		strbuf_addstr(&sb, "my-model");
	return strbuf_detach(&sb);
}

static void substitute(struct strbuf *out, const char *text, size_t len,
		       const char *const *vars)
{
	size_t i = 0;

	while (i < len) {
		int v, hit = 0;

		for (v = 0; vars[v]; v += 2) {
			size_t n = strlen(vars[v]);

			if (i + n <= len && !memcmp(text + i, vars[v], n)) {
				strbuf_addstr(out, vars[v + 1]);
				i += n;
				hit = 1;
				break;
			}
		}
		if (!hit)
			strbuf_addch(out, text[i++]);
	}
}

static int cmd_init(int argc, const char **argv)
{
	struct strbuf text = STRBUF_INIT;
	char *name;
	const char *vars[7];
	int rc = command_parse(&cmd_init_spec, &argc, argv);

	if (rc >= 0)
		return rc;
	if (argc)
		return command_usage_error(&cmd_init_spec,
					   "unexpected argument '%s'", argv[0]);
	name = opt_name ? xstrdup(opt_name) : default_name();
	if (!name_is_gto(name)) {
		print_error("name '%s' is not valid: letters, digits, '-', '_' "
			    "and '/', starting and ending with a letter or digit",
			    name);
		free(name);
		return EXIT_USAGE;
	}
	if (!opt_force && fs_exists(opt_file)) {
		print_error("'%s' already exists", opt_file);
		print_hint("pass --force to overwrite it");
		free(name);
		return EXIT_USAGE;
	}
	vars[0] = "@NAME@";
	vars[1] = name;
	vars[2] = "@RUNTIME@";
	vars[3] = opt_runtime;
	vars[4] = "@MODEL_PATH@";
	vars[5] = !strcmp(opt_runtime, "glm") ? "model.glm.json" : "model.json";
	vars[6] = NULL;
	substitute(&text, init_template, init_template_len, vars);
	rc = fs_write_atomic(opt_file, text.buf, text.len, 0666);
	strbuf_release(&text);
	if (rc) {
		free(name);
		return report_error();
	}
	if (out_json()) {
		json_t *o = json_pack("{s:s, s:s, s:s}", "path", opt_file, "name",
				      name, "runtime", opt_runtime);

		print_json(o);
		json_decref(o);
	} else {
		printf("wrote %s for model '%s' (runtime %s)\n", opt_file, name,
		       opt_runtime);
		print_info("next: put the model file in place, describe its "
			   "inputs under signature, then run 'mlops package'");
	}
	free(name);
	return EXIT_OK;
}

const struct cmd_spec cmd_init_spec = {
	.name = "init",
	.summary = "write a commented mlops.yaml to start from",
	.synopsis = "[--name NAME] [--runtime RUNTIME] [-f FILE] [--force]",
	.description = "Write a commented mlops.yaml for a new model project. "
		       "An existing file is\nnever overwritten without --force.",
	.opts = options,
	.run = cmd_init,
};
