#include "cli/manpage.h"

#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

#define NO_PROGRAM (-127)

/* Runs argv; its exit status, NO_PROGRAM when it is not installed, -1
 * when it died. */
static int run(char *const argv[], int quiet)
{
	posix_spawn_file_actions_t fa;
	pid_t pid;
	int status, rc;

	posix_spawn_file_actions_init(&fa);
	if (quiet) {
		posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
		posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
	}
	rc = posix_spawnp(&pid, argv[0], &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	if (rc != 0)
		return NO_PROGRAM;
	while (waitpid(pid, &status, 0) < 0)
		;
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* The page file beside this binary: DIR/man/PAGE.S in a build tree,
 * DIR/../share/man/manS/PAGE.S under an installed prefix. 0 when found. */
static int find_beside_binary(const char *page, int section,
			      struct strbuf *file)
{
	char *exe = realpath("/proc/self/exe", NULL), *slash;
	int found = -1;

	if (!exe)
		return -1;
	slash = strrchr(exe, '/');
	if (slash) {
		*slash = '\0';
		strbuf_reset(file);
		strbuf_addf(file, "%s/man/%s.%d", exe, page, section);
		found = access(file->buf, R_OK);
		if (found) {
			strbuf_reset(file);
			strbuf_addf(file, "%s/../share/man/man%d/%s.%d", exe,
				    section, page, section);
			found = access(file->buf, R_OK);
		}
	}
	free(exe);
	if (found)
		strbuf_reset(file);
	return found;
}

enum manpage_status manpage_show(const char *page, int section,
				 struct strbuf *file)
{
	struct strbuf path = STRBUF_INIT, sect = STRBUF_INIT;
	enum manpage_status st;
	int rc;

	fflush(stdout);
	strbuf_addf(&sect, "%d", section);
	if (!find_beside_binary(page, section, &path)) {
		char *show[] = { "man", "-l", path.buf, NULL };

		rc = run(show, 0);
	} else {
		char *where[] = { "man", "-w", sect.buf, (char *)page, NULL };
		char *show[] = { "man", sect.buf, (char *)page, NULL };

		/* man's own path: found only when installed where it looks. */
		rc = run(where, 1);
		if (rc != 0 && rc != NO_PROGRAM) {
			st = MANPAGE_NOT_FOUND;
			goto done;
		}
		if (rc == 0)
			rc = run(show, 0);
	}
	st = rc == 0 ? MANPAGE_SHOWN
	     : rc == NO_PROGRAM ? MANPAGE_NO_MAN : MANPAGE_FAILED;
done:
	if (file) {
		strbuf_reset(file);
		strbuf_addstr(file, path.buf);
	}
	strbuf_release(&path);
	strbuf_release(&sect);
	return st;
}

const struct man_guide man_guides[] = {
	{ "mlops.yaml", "mlops.yaml", 5, "the descriptor, every key" },
	{ "glm", "mlops-glm", 5, "the built-in linear model format" },
	{ NULL, NULL, 0, NULL },
};

const struct man_guide *man_guide_find(const char *topic)
{
	const struct man_guide *g;

	for (g = man_guides; g->topic; g++)
		if (!strcmp(topic, g->topic) || !strcmp(topic, g->page))
			return g;
	return NULL;
}
