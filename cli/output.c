#include "output.h"

#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "exit_status.h"
#include "lib/core/fsutil.h"
#include "termsafe.h"
#include "lib/core/jsonutil.h"
#include "lib/core/strbuf.h"

struct output_config output = { 0, "auto", 0, 0 };
static int color_stdout, color_stderr;

static int color_wanted(int fd)
{
	const char *no_color = getenv("NO_COLOR");
	const char *term = getenv("TERM");

	if (output.json)
		return 0;
	if (!strcmp(output.color, "always"))
		return 1;
	if (!strcmp(output.color, "never"))
		return 0;
	if (no_color && *no_color)
		return 0;
	if (term && !strcmp(term, "dumb"))
		return 0;
	return isatty(fd);
}

void output_setup(void)
{
	color_stdout = color_wanted(1);
	color_stderr = color_wanted(2);
	termsafe_install();
}

int out_json(void)
{
	return output.json;
}

static const char *const codes[] = {
	"\033[1m", "\033[2m", "\033[31m", "\033[32m", "\033[33m", "\033[36m",
	"\033[0m",
};

const char *sty(enum style s)
{
	return color_stdout ? codes[s] : "";
}

static const char *esty(enum style s)
{
	return color_stderr ? codes[s] : "";
}

static void vprint_prefixed(const char *prefix, enum style s, const char *fmt,
			    va_list ap)
{
	fflush(stdout);
	fprintf(stderr, "mlops: %s%s:%s ", esty(s), prefix, esty(STYLE_RESET));
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

void print_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vprint_prefixed("error", STYLE_RED, fmt, ap);
	va_end(ap);
}

void print_warning(const char *fmt, ...)
{
	va_list ap;

	if (output.quiet)
		return;
	va_start(ap, fmt);
	vprint_prefixed("warning", STYLE_YELLOW, fmt, ap);
	va_end(ap);
}

void print_hint(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fprintf(stderr, "%shint:%s ", esty(STYLE_CYAN), esty(STYLE_RESET));
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

void print_info(const char *fmt, ...)
{
	va_list ap;

	if (output.quiet)
		return;
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

int in_github_actions(void)
{
	const char *v = getenv("GITHUB_ACTIONS");

	return v && !strcmp(v, "true");
}

/* Workflow commands need %, CR and LF escaped in the message, and also
 * ':' and ',' in properties. */
static void gh_escape(struct strbuf *sb, const char *s, int property)
{
	for (; *s; s++) {
		if (*s == '%')
			strbuf_addstr(sb, "%25");
		else if (*s == '\r')
			strbuf_addstr(sb, "%0D");
		else if (*s == '\n')
			strbuf_addstr(sb, "%0A");
		else if (property && *s == ':')
			strbuf_addstr(sb, "%3A");
		else if (property && *s == ',')
			strbuf_addstr(sb, "%2C");
		else
			strbuf_addch(sb, *s);
	}
}

void gh_annotation(const char *level, const char *file, unsigned line,
		   unsigned col, const char *msg)
{
	struct strbuf sb = STRBUF_INIT;

	if (!in_github_actions())
		return;
	strbuf_addf(&sb, "::%s", level);
	if (file) {
		strbuf_addstr(&sb, " file=");
		gh_escape(&sb, file, 1);
		if (line)
			strbuf_addf(&sb, ",line=%u", line);
		if (col)
			strbuf_addf(&sb, ",col=%u", col);
	}
	strbuf_addstr(&sb, "::");
	gh_escape(&sb, msg, 0);
	/* Workflow commands are read from stdout, but stdout may be a
	 * --json document: GitHub reads stderr too. */
	fflush(stdout);
	fprintf(stderr, "%s\n", sb.buf);
	strbuf_release(&sb);
}

void gh_step_summary(const char *markdown)
{
	const char *path = getenv("GITHUB_STEP_SUMMARY");
	FILE *f;

	if (!path || !*path)
		return;
	f = fopen(path, "a");
	if (!f) {
		print_warning("cannot write the step summary '%s': %s", path,
			      strerror(errno));
		return;
	}
	fputs(markdown, f);
	if (fclose(f) != 0)
		print_warning("cannot write the step summary '%s'", path);
}

void report_markdown(const char *markdown, int print_it)
{
	if (print_it)
		fputs(markdown, stdout);
	gh_step_summary(markdown);
}

int report_html_file(const char *path, const char *html, size_t len,
		     int status)
{
	if (fs_write_output(path, html, len, 0644) < 0)
		return report_error();
	print_info("mlops: wrote %s", path);
	return status;
}

int report_error(void)
{
	const struct mlops_error *e = mlops_error_last();
	const char *msg = e->message && *e->message ? e->message
						    : "unknown failure";

	print_error("%s", msg);
	if (e->hint)
		print_hint("%s", e->hint);
	gh_annotation("error", e->file, e->line, e->col, msg);
	return exit_status_from_error(e->code ? e->code : MLOPS_EINTERNAL);
}

void print_json(const json_t *j)
{
	struct strbuf sb = STRBUF_INIT;

	json_dump_strbuf(j, JSON_DUMP_PRETTY, &sb);
	fwrite(sb.buf, 1, sb.len, stdout);
	fputc('\n', stdout);
	strbuf_release(&sb);
}

int finish_stdout(int status)
{
	if (fflush(stdout) != 0 || ferror(stdout)) {
		int err = errno;

		/* Keep the original failure if there was one. */
		if (err == EPIPE)
			return status ? status : EXIT_IO;
		print_error("cannot write to standard output: %s",
			    strerror(err));
		return status ? status : EXIT_IO;
	}
	return status;
}

void human_size(char *buf, size_t len, uint64_t bytes)
{
	static const char *const units[] = { "B", "KiB", "MiB", "GiB", "TiB" };
	double v = (double)bytes;
	int u = 0;

	while (v >= 1024 && u < 4) {
		v /= 1024;
		u++;
	}
	if (u == 0)
		snprintf(buf, len, "%llu B", (unsigned long long)bytes);
	else
		snprintf(buf, len, "%.1f %s", v, units[u]);
}

struct progress {
	pthread_mutex_t mu; /* push updates it from several threads */
	char *label;
	double delay; /* seconds before the first frame */
	uint64_t total, done;
	struct timespec start, last;
	int drawn;
};

static double since(const struct timespec *a, const struct timespec *b)
{
	return (double)(b->tv_sec - a->tv_sec) +
	       (double)(b->tv_nsec - a->tv_nsec) / 1e9;
}

struct progress *progress_start(const char *label, uint64_t total)
{
	const char *delay = getenv("MLOPS_PROGRESS_DELAY_MS");
	struct progress *p;

	if (output.json || output.quiet || !isatty(2))
		return NULL;
	p = xcalloc(1, sizeof(*p));
	pthread_mutex_init(&p->mu, NULL);
	/* Tests set the delay to 0 so that a bar shows however fast the
	 * machine is. */
	p->delay = delay && *delay ? atof(delay) / 1000.0 : 0.3;
	p->label = xstrdup(label);
	p->total = total;
	clock_gettime(CLOCK_MONOTONIC, &p->start);
	return p;
}

static void progress_draw(struct progress *p, const struct timespec *now)
{
	char done[32], total[32];
	double secs = since(&p->start, now);
	double frac = p->total ? (double)p->done / (double)p->total : 1;
	int width = 30, fill = (int)(frac * width), i;
	/* All mlops's own text: past the terminal filter, so that \r and
	 * erase-line work (cli/termsafe.h). */
	FILE *err = termsafe_raw_stderr();

	human_size(done, sizeof(done), p->done);
	human_size(total, sizeof(total), p->total);
	fflush(stderr);
	fprintf(err, "\r%s [", p->label);
	for (i = 0; i < width; i++)
		fputc(i < fill ? '#' : '.', err);
	fprintf(err, "] %3.0f%% %s/%s", frac * 100, done, total);
	if (secs > 0.5)
		fprintf(err, " %.0f MiB/s",
			(double)p->done / 1048576.0 / secs);
	fputs("\033[K", err);
	fflush(err);
	p->drawn = 1;
	p->last = *now;
}

void progress_update(struct progress *p, uint64_t done)
{
	struct timespec now;

	if (!p)
		return;
	pthread_mutex_lock(&p->mu);
	p->done = done;
	clock_gettime(CLOCK_MONOTONIC, &now);
	/* Nothing for quick jobs; then ten frames a second at most. */
	if (since(&p->start, &now) >= p->delay &&
	    !(p->drawn && since(&p->last, &now) < 0.1))
		progress_draw(p, &now);
	pthread_mutex_unlock(&p->mu);
}

void progress_callback(void *ctx, uint64_t done, uint64_t total)
{
	struct lazy_progress *lp = ctx;

	if (!total)
		return;
	if (!lp->bar)
		lp->bar = progress_start(lp->label, total);
	progress_update(lp->bar, done);
}

void progress_finish(struct progress *p)
{
	if (!p)
		return;
	if (p->drawn) {
		struct timespec now;

		clock_gettime(CLOCK_MONOTONIC, &now);
		p->done = p->total;
		progress_draw(p, &now);
		fputc('\n', termsafe_raw_stderr());
	}
	pthread_mutex_destroy(&p->mu);
	free(p->label);
	free(p);
}
