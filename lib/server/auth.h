/* API keys on requests: what a client presented, and whether it is one
 * of ours (compared in constant time). Shared by the public listener
 * and the admin listener of mlops serve. */
#ifndef MLOPS_SERVER_AUTH_H
#define MLOPS_SERVER_AUTH_H

#include <microhttpd.h>
#include <stddef.h>

/* X-API-Key, else the token of "Authorization: Bearer" (the scheme is
 * case-blind, the key is not); NULL when neither. */
const char *auth_presented(struct MHD_Connection *c);
/* 1 when given is one of keys. The time taken does not depend on how
 * close a guess was. */
int auth_key_ok(const char *const *keys, size_t nkeys, const char *given);

#endif
