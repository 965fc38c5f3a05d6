/* `mlops __complete WORD...`: the completion words for the last WORD,
 * computed from the same option tables that parse the command line. The
 * bash, zsh and fish scripts in completions/ are thin wrappers over it.
 * Output: one candidate a line, or a single directive line
 * "__files__ [EXT]" / "__dirs__" for the shell to complete paths. */
#include <string.h>

#include "command.h"
#include "exit_status.h"
#include "manpage.h"
#include "lib/core/error.h"
#include "lib/descriptor/descriptor.h"

static int starts_with(const char *s, const char *prefix)
{
	return !strncmp(s, prefix, strlen(prefix));
}

static void emit(const char *word, const char *cur)
{
	if (starts_with(word, cur))
		printf("%s\n", word);
}

static void emit_options(const struct opt *o, const char *cur)
{
	for (; o && o->type; o++) {
		char buf[128];

		if (o->flags & OPT_HIDDEN || !o->long_name)
			continue;
		snprintf(buf, sizeof(buf), "--%s%s", o->long_name,
			 o->type == OPT_CHOICE ? "=" : "");
		emit(buf, cur);
	}
}

static void emit_commands(const char *cur)
{
	int i;

	for (i = 0; commands[i]; i++)
		if (!(commands[i]->flags & OPT_HIDDEN))
			emit(commands[i]->name, cur);
}

static void emit_value(const struct opt *o, const char *prefix,
		       const char *cur)
{
	const char *const *c;

	if (o->choices) {
		for (c = o->choices; *c; c++) {
			char buf[256];

			snprintf(buf, sizeof(buf), "%s%s", prefix, *c);
			emit(buf, cur);
		}
		return;
	}
	if (!o->complete)
		return;
	if (!strcmp(o->complete, "env")) {
		/* The environments of ./mlops.yaml, quietly: a completion
		 * never prints an error. */
		struct descriptor *d = NULL;
		size_t i;

		if (descriptor_load(&d, "mlops.yaml") == 0)
			for (i = 0; i < d->nenvironments; i++)
				emit(d->environments[i].name, cur);
		descriptor_free(d);
		mlops_error_clear();
		return;
	}
	if (!strcmp(o->complete, "dir"))
		printf("__dirs__\n");
	else if (starts_with(o->complete, "file:"))
		printf("__files__ %s\n", o->complete + 5);
	else if (!strcmp(o->complete, "file"))
		printf("__files__\n");
}

static const struct opt *lookup(const struct opt *opts, const char *word,
				size_t len)
{
	for (; opts && opts->type; opts++) {
		if (len == 2 && word[0] == '-' && word[1] == opts->short_name)
			return opts;
		if (len > 2 && word[0] == '-' && word[1] == '-' &&
		    opts->long_name && strlen(opts->long_name) == len - 2 &&
		    !strncmp(word + 2, opts->long_name, len - 2))
			return opts;
	}
	return NULL;
}

static const struct opt *lookup2(const struct opt *a, const struct opt *b,
				 const char *word, size_t len)
{
	const struct opt *o = lookup(a, word, len);

	return o ? o : lookup(b, word, len);
}

int cmd_complete(int argc, const char **argv)
{
	const struct cmd_spec *spec = NULL;
	const char *cur = argc > 1 ? argv[argc - 1] : "";
	const struct opt *o;
	int i, ncur = argc - 1;

	/* Skip the global options to find the command. */
	for (i = 1; i < ncur; i++) {
		o = lookup2(global_opts, common_opts, argv[i], strlen(argv[i]));
		if (argv[i][0] != '-') {
			spec = command_find(argv[i]);
			break;
		}
		if (o && o->type != OPT_BOOL && !strchr(argv[i], '='))
			i++;
	}
	/* `drift profile` is a command of its own. */
	if (spec == &cmd_drift_spec && i + 1 < ncur &&
	    !strcmp(argv[i + 1], "profile")) {
		spec = &cmd_drift_profile_spec;
		i++;
	}
	/* --opt=value */
	if (starts_with(cur, "--") && strchr(cur, '=')) {
		size_t len = (size_t)(strchr(cur, '=') - cur);
		char prefix[128];

		o = lookup2(spec ? spec->opts : global_opts, common_opts, cur,
			    len);
		if (o && len + 2 < sizeof(prefix)) {
			memcpy(prefix, cur, len + 1);
			prefix[len + 1] = '\0';
			emit_value(o, prefix, cur);
		}
		return EXIT_OK;
	}
	if (!spec) {
		const char *prev = ncur > 1 ? argv[ncur - 1] : "";

		o = lookup(global_opts, prev, strlen(prev));
		if (o && o->type != OPT_BOOL && i > ncur - 1) {
			emit_value(o, "", cur);
			return EXIT_OK;
		}
		if (cur[0] == '-') {
			emit_options(global_opts, cur);
			emit_options(common_opts, cur);
			emit("--help", cur);
		} else {
			emit_commands(cur);
		}
		return EXIT_OK;
	}
	/* The value of the option just before. */
	if (ncur - 1 > i) {
		const char *prev = argv[ncur - 1];

		o = lookup2(spec->opts, common_opts, prev, strlen(prev));
		if (o && o->type != OPT_BOOL) {
			emit_value(o, "", cur);
			return EXIT_OK;
		}
	}
	if (cur[0] == '-') {
		emit_options(spec->opts, cur);
		emit_options(common_opts, cur);
		emit("--help", cur);
		return EXIT_OK;
	}
	if (spec == &cmd_drift_spec && i == ncur - 1)
		emit("profile", cur);
	if (spec == &cmd_store_spec && i == ncur - 1) {
		emit("info", cur);
		emit("prune", cur);
	}
	if (spec->args_complete) {
		if (!strcmp(spec->args_complete, "topic")) {
			const struct man_guide *g;

			emit_commands(cur);
			for (g = man_guides; g->topic; g++)
				emit(g->topic, cur);
		} else if (starts_with(spec->args_complete, "words:")) {
			/* Subcommands, at the first argument only. */
			const char *w = spec->args_complete + 6;

			while (*w && i == ncur - 1) {
				char word[64];
				size_t len = strcspn(w, ",");

				snprintf(word, sizeof(word), "%.*s", (int)len, w);
				emit(word, cur);
				w += len + (w[len] == ',');
			}
		} else if (starts_with(spec->args_complete, "file:"))
			printf("__files__ %s\n", spec->args_complete + 5);
		else if (!strcmp(spec->args_complete, "file"))
			printf("__files__\n");
		else if (!strcmp(spec->args_complete, "dir"))
			printf("__dirs__\n");
	}
	return EXIT_OK;
}

const struct cmd_spec cmd_complete_spec = {
	.name = "__complete",
	.summary = "completion words for shells (used by completions/)",
	.synopsis = "WORD...",
	.run = cmd_complete,
	.flags = OPT_HIDDEN,
};
