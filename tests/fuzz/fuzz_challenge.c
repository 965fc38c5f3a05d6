/* A registry's WWW-Authenticate and Location headers. */
#include "fuzz.h"

#include "lib/registry/challenge.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const keys[] = { "realm", "service", "scope", "error" };
	char *s = fuzz_string(data, size);
	size_t i;

	for (i = 0; i < 4; i++)
		free(registry_challenge_param(s, keys[i]));
	free(registry_location("https://registry.example:5000", s));
	free(registry_location("http://127.0.0.1", s));
	free(s);
	return 0;
}
