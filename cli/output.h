/* Output conventions (PRODUCT.md): results on stdout, everything else on
 * stderr; colour only on a terminal without NO_COLOR; --json; GitHub
 * Actions annotations; progress bars only when stderr is a terminal. */
#ifndef MLOPS_CLI_OUTPUT_H
#define MLOPS_CLI_OUTPUT_H

#include <jansson.h>
#include <stdint.h>
#include <stdio.h>

#include "lib/core/error.h"

struct output_config {
	int json;
	const char *color; /* "auto", "always", "never" */
	int quiet;
	int verbose;
};

extern struct output_config output;

/* Decides colour for stdout and stderr from the config and environment. */
void output_setup(void);
int out_json(void);

enum style { STYLE_BOLD, STYLE_DIM, STYLE_RED, STYLE_GREEN, STYLE_YELLOW,
	     STYLE_CYAN, STYLE_RESET };
/* Escape sequence for stdout, "" when colour is off. */
const char *sty(enum style s);

void print_error(const char *fmt, ...) MLOPS_PRINTF(1, 2);
void print_warning(const char *fmt, ...) MLOPS_PRINTF(1, 2);
void print_hint(const char *fmt, ...) MLOPS_PRINTF(1, 2);
/* Informational line on stderr, silenced by -q. */
void print_info(const char *fmt, ...) MLOPS_PRINTF(1, 2);

/* Prints libmlops's last error (and hint, and a GitHub annotation when
 * it has a location) and returns the matching exit status. */
int report_error(void);

/* "::error file=F,line=L,col=C::MSG" when GITHUB_ACTIONS=true. */
void gh_annotation(const char *level, const char *file, unsigned line,
		   unsigned col, const char *msg);
int in_github_actions(void);

/* Appends Markdown to $GITHUB_STEP_SUMMARY when it is set (the job
 * summary of a GitHub Actions step). Quietly does nothing otherwise. */
void gh_step_summary(const char *markdown);

/* The Markdown form of a report (drift, monitor): on stdout when
 * print_it (--markdown), and appended to $GITHUB_STEP_SUMMARY in any
 * case. */
void report_markdown(const char *markdown, int print_it);
/* A report's HTML page (--html PATH) written, "mlops: wrote PATH" on
 * stderr: status, or the exit status of the failure (printed). */
int report_html_file(const char *path, const char *html, size_t len,
		     int status);

/* One JSON document on stdout (pretty, newline-terminated). */
void print_json(const json_t *j);

/* Flushes stdout; a write error (full disk, closed pipe) becomes an
 * error and EXIT_IO, never silent truncation. */
int finish_stdout(int status);

/* A progress bar on stderr, drawn only when stderr is a terminal and
 * neither --json nor -q is on. Redraws at most ten times a second. */
struct progress;
struct progress *progress_start(const char *label, uint64_t total);
void progress_update(struct progress *p, uint64_t done);
void progress_finish(struct progress *p);

/* A bar started on the first report, as lib/ reports progress: pass
 * progress_callback with a struct lazy_progress as its context. No bar
 * while the total is unknown (0), as for standard input. */
struct lazy_progress {
	const char *label;
	struct progress *bar;
};
void progress_callback(void *ctx, uint64_t done, uint64_t total);

/* "1.2 MiB" */
void human_size(char *buf, size_t len, uint64_t bytes);

#endif
