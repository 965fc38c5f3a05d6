/* A registry's WWW-Authenticate challenge, taken apart. */
#ifndef MLOPS_REGISTRY_CHALLENGE_H
#define MLOPS_REGISTRY_CHALLENGE_H

/* "Bearer realm=\"https://x\",service=\"y\"" and "realm" ->
 * "https://x" (the caller frees); NULL when the key is not there. */
char *registry_challenge_param(const char *challenge, const char *key);

#endif
