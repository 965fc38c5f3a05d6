/* Headers of a registry's answers, taken apart: the WWW-Authenticate
 * challenge and Location. */
#ifndef MLOPS_REGISTRY_CHALLENGE_H
#define MLOPS_REGISTRY_CHALLENGE_H

/* "Bearer realm=\"https://x\",service=\"y\"" and "realm" ->
 * "https://x" (the caller frees); NULL when the key is not there. */
char *registry_challenge_param(const char *challenge, const char *key);

/* Where a Location header points, against the registry's base URL
 * ("https://host:port"): absolute http(s) URLs as they are, "//host/p"
 * with the base's scheme, paths below the base. NULL (the caller frees
 * otherwise) when it is empty or holds spaces or control characters. */
char *registry_location(const char *base, const char *location);

#endif
