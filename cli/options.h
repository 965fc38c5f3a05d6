/* One table per command drives option parsing, its --help text and its
 * shell-completion words. The parser never prints and never exits: it
 * returns a status and a message the caller acts on. */
#ifndef MLOPS_CLI_OPTIONS_H
#define MLOPS_CLI_OPTIONS_H

#include <stdio.h>

#include "lib/core/strbuf.h"

enum opt_type {
	OPT_END = 0,
	OPT_BOOL,   /* int *, set to 1 (--no-NAME sets 0) */
	OPT_STRING, /* const char ** */
	OPT_INT,    /* long * */
	OPT_CHOICE, /* const char ** constrained to `choices` */
	OPT_LIST,   /* struct strv *, repeatable */
};

#define OPT_HIDDEN 1u  /* parsed but not shown in help or completion */
/* cmd_spec.flags: its stdout is a report of how it went (package,
 * validate, deploy, ...), which -q silences unless --json asks for it;
 * not data asked for (predict, inspect, history, ...). */
#define CMD_REPORT 2u

struct opt {
	enum opt_type type;
	char short_name;
	const char *long_name;
	void *value;
	const char *argh; /* "FILE": the argument's name in help */
	const char *help;
	const char *const *choices; /* OPT_CHOICE values, NULL-terminated */
	const char *complete;       /* "file", "file:EXT", "dir" or NULL */
	unsigned flags;
	long min, max;              /* OPT_INT: the range, when min < max */
};

struct strv {
	const char **v;
	size_t n, alloc;
};

#define OPT_BOOLEAN(s, l, v, h) { OPT_BOOL, s, l, v, NULL, h, NULL, NULL, 0 }
#define OPT_STR(s, l, v, a, h, c) { OPT_STRING, s, l, v, a, h, NULL, c, 0 }
#define OPT_NUM(s, l, v, a, h) { OPT_INT, s, l, v, a, h, NULL, NULL, 0 }
/* A whole number from lo to hi: anything else is a usage error naming
 * the option, the range and the value. */
#define OPT_RANGE(s, l, v, a, h, lo, hi) \
	{ OPT_INT, s, l, v, a, h, NULL, NULL, 0, lo, hi }
#define OPT_ENUM(s, l, v, a, h, ch) { OPT_CHOICE, s, l, v, a, h, ch, NULL, 0 }
#define OPT_MULTI(s, l, v, a, h, c) { OPT_LIST, s, l, v, a, h, NULL, c, 0 }
#define OPT_TERMINATOR { OPT_END, 0, NULL, NULL, NULL, NULL, NULL, NULL, 0 }

struct cmd_spec {
	const char *name;
	const char *summary;        /* one line, for `mlops help` */
	const char *synopsis;       /* "[-f FILE] BUNDLE" */
	const char *description;    /* a paragraph for --help */
	const struct opt *opts;
	const char *args_complete;  /* positional completion: "file:mlpkg" */
	int (*run)(int argc, const char **argv);
	unsigned flags;             /* OPT_HIDDEN: not listed; CMD_REPORT */
};

enum parse_flags {
	PARSE_STOP_AT_NON_OPTION = 1, /* global options before a command */
};

enum parse_result {
	PARSE_OK = 0,
	PARSE_HELP = 1,   /* -h / --help seen */
	PARSE_ERROR = -1, /* message in err */
};

/* Parses argv[0..argc) against `opts` and then `common` (either may be
 * NULL). Leaves the positional arguments in argv and their count in
 * *argc. */
int options_parse(int *argc, const char **argv, const struct opt *opts,
		  const struct opt *common, unsigned flags, struct strbuf *err);

/* --help text: usage line, description, options, common options. */
void options_help(FILE *out, const struct cmd_spec *spec,
		  const struct opt *common);
/* The one-line usage, for errors. */
void options_usage(FILE *out, const struct cmd_spec *spec);

/* "a,b,,c" -> {"a","b","","c",NULL}; free with free_list(). */
char **split_list(const char *s);
void free_list(char **v);

void strv_push(struct strv *sv, const char *s);
void strv_clear(struct strv *sv);

#endif
