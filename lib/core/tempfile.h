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
};

/* Creates "<dir of target>/.<base of target>.tmp-XXXXXX" with `mode`
 * (before umask). */
int tempfile_create(struct tempfile *t, const char *target, mode_t mode);
/* fsync, close, rename over the target. Frees t. */
int tempfile_commit(struct tempfile *t);
/* Close and unlink. Frees t. Safe to call twice. */
void tempfile_discard(struct tempfile *t);
/* Async-signal-safe: unlink every registered temporary file. */
void tempfile_remove_all(void);

#endif
