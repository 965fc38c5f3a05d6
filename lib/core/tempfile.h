/* Temporary files that become their final name by rename(2), and that a
 * signal handler can remove: nothing half-written is ever left behind.
 * The CLI calls tempfile_remove_all() from its SIGINT/SIGTERM handler. */
#ifndef MLOPS_CORE_TEMPFILE_H
#define MLOPS_CORE_TEMPFILE_H

#include <sys/types.h>

struct tempfile {
	int fd;
	char *path;   /* the temporary name */
	char *target; /* the final name */
	int slot;
	int output; /* named by the user: checked against the inputs */
};

/* Creates "<dir of target>/.<base of target>.tmp-XXXXXX" with `mode`
 * (before umask). */
int tempfile_create(struct tempfile *t, const char *target, mode_t mode);
/* The same for an output the user named (predict -o, package -o, ...):
 * refused (EUSAGE) when the target is a file this process reads, checked
 * again at commit, so that an input is never replaced. */
int tempfile_create_output(struct tempfile *t, const char *target,
			   mode_t mode);
/* fsync, close, rename over the target. Frees t. */
int tempfile_commit(struct tempfile *t);
/* Close and unlink. Frees t. Safe to call twice. */
void tempfile_discard(struct tempfile *t);
/* Async-signal-safe: unlink every registered temporary file. */
void tempfile_remove_all(void);

#endif
