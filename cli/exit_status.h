/* Exit statuses of every mlops command (PRODUCT.md, mlops(1)).
 * Findings (1) and failures (3-6) are never the same code: CI must tell
 * "the model drifted" from "the tool crashed". */
#ifndef MLOPS_CLI_EXIT_STATUS_H
#define MLOPS_CLI_EXIT_STATUS_H

#include "lib/core/error.h"

enum exit_status {
	EXIT_OK = 0,       /* success, nothing found */
	EXIT_FINDING = 1,  /* validation failed, drift, smoke failed, ... */
	EXIT_USAGE = 2,    /* bad flag, missing argument */
	EXIT_INPUT = 3,    /* bad input data or descriptor */
	EXIT_IO = 4,       /* file missing, disk full, permission */
	EXIT_NETWORK = 5,  /* registry, instance, timeout */
	EXIT_INTERNAL = 6, /* a bug */
};

/* lib error classes are the negated exit statuses. */
static inline int exit_status_from_error(int code)
{
	if (code <= MLOPS_EUSAGE && code >= MLOPS_EINTERNAL)
		return -code;
	return EXIT_INTERNAL;
}

#endif
