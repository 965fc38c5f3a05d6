/* Registry credentials (see creds.c). */
#ifndef MLOPS_REGISTRY_CREDS_H
#define MLOPS_REGISTRY_CREDS_H

#include <stddef.h>

char *docker_config_path(void);
/* *user and *pass are NULL when none are known (not an error). */
int creds_lookup(const char *host, char **user, char **pass);
int creds_store(const char *host, const char *user, const char *pass);
int creds_remove(const char *host, int *removed);
char *base64_encode(const void *data, size_t len);

#endif
