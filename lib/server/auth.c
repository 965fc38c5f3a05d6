#include "auth.h"

#include <openssl/crypto.h>
#include <string.h>
#include <strings.h>

const char *auth_presented(struct MHD_Connection *c)
{
	const char *key, *auth;

	key = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "X-API-Key");
	if (key)
		return key;
	auth = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Authorization");
	if (auth && strlen(auth) > 7 && !strncasecmp(auth, "Bearer ", 7))
		return auth + 7;
	return NULL;
}

int auth_key_ok(const char *const *keys, size_t nkeys, const char *given)
{
	size_t i, n = given ? strlen(given) : 0;
	int match = 0;

	if (!given || !n || n > 512)
		return 0;
	for (i = 0; i < nkeys; i++) {
		size_t kn = strlen(keys[i]);

		if (kn == n)
			match |= CRYPTO_memcmp(keys[i], given, n) == 0;
		else
			(void)CRYPTO_memcmp(given, given, n);
	}
	return match;
}
