/* Error state of libmlops, in the manner of libgit2: functions return 0 or
 * a negative code and record a message that the caller reads back. */
#ifndef MLOPS_CORE_ERROR_H
#define MLOPS_CORE_ERROR_H

#include "attributes.h"

/* Error classes. They line up with the exit statuses of the CLI
 * (cli/exit_status.h): the CLI exits with the negated code. */
enum mlops_err {
	MLOPS_OK = 0,
	MLOPS_EUSAGE = -2,    /* the caller asked for something impossible */
	MLOPS_EINPUT = -3,    /* bad input data or descriptor */
	MLOPS_EIO = -4,       /* I/O or resource failure */
	MLOPS_ENET = -5,      /* network or remote failure */
	MLOPS_EINTERNAL = -6, /* a bug */
};

/* Records a message for class `code` and returns `code`, so that
 * `return mlops_error_set(MLOPS_EIO, "...")` reads well. */
int mlops_error_set(int code, const char *fmt, ...) MLOPS_PRINTF(2, 3);
/* The same, with ": strerror(errno)" appended. */
int mlops_error_errno(int code, int errnum, const char *fmt, ...)
	MLOPS_PRINTF(3, 4);
/* Attaches "what to do next" to the current error. */
void mlops_error_hint(const char *fmt, ...) MLOPS_PRINTF(1, 2);
/* Attaches a source location (for file:line:col and CI annotations). */
void mlops_error_location(const char *file, unsigned line, unsigned col);
/* Prefixes the current message with context ("while X: "). */
void mlops_error_prefix(const char *fmt, ...) MLOPS_PRINTF(1, 2);

struct mlops_error {
	int code;
	const char *message;
	const char *hint;     /* NULL when none */
	const char *file;     /* NULL when no location */
	unsigned line, col;
};

/* The last error of this thread; code 0 and message "" when none. */
const struct mlops_error *mlops_error_last(void);
void mlops_error_clear(void);
/* Frees this thread's error state; threads call it before they end. */
void mlops_error_thread_exit(void);

#endif
