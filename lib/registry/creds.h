/* Registry credentials (see creds.c). */
#ifndef MLOPS_REGISTRY_CREDS_H
#define MLOPS_REGISTRY_CREDS_H

#include <stddef.h>

char *docker_config_path(void);
/* The one precedence rule for credentials: a user and a password given
 * on the command line (either may be NULL), each completed from
 * MLOPS_REGISTRY_USER / MLOPS_REGISTRY_PASSWORD (empty counts as
 * unset). *user and *pass point
 * at the arguments or the environment (not copies); both NULL when
 * nothing was given. A user without a password or a password without a
 * user is EUSAGE. */
int creds_given(const char *flag_user, const char *flag_pass,
		const char **user, const char **pass);
/* creds_given without flags, then the docker config's "auths" for host.
 * *user and *pass (malloc'd) are NULL when none are known (not an
 * error). */
int creds_lookup(const char *host, char **user, char **pass);
int creds_store(const char *host, const char *user, const char *pass);
int creds_remove(const char *host, int *removed);
char *base64_encode(const void *data, size_t len);

#endif
