/* A registry's WWW-Authenticate header. */
#include "fuzz.h"

#include "lib/registry/challenge.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const keys[] = { "realm", "service", "scope", "error" };
	char *s = fuzz_string(data, size);
	size_t i;

	for (i = 0; i < 4; i++)
		free(registry_challenge_param(s, keys[i]));
	free(s);
	return 0;
}
