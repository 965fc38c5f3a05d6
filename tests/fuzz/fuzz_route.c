/* URLs of the public listener: the route a URL names and the model (and
 * version) it names (/models/{name}/..., /v2/models/{name}/versions/
 * {v}/...), and the route OIP URLs are counted by. */
#include "fuzz.h"

#include <string.h>

#include "lib/server/oip.h"
#include "lib/server/routes.h"

/* Names served: those whose length is odd, to take both branches. */
static int known(void *arg, const char *name, size_t len)
{
	(void)arg;
	(void)name;
	return len % 2;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *url = fuzz_string(data, size);
	size_t n = strlen(url);
	struct route_target t;
	const struct route_def *rd = route_resolve(url, known, url, &t);

	/* A name or version is a slice of the URL, never empty, never
	 * starting with '/'. */
	if (t.name && (t.name < url || t.name + t.len > url + n || !t.len ||
		       t.name[0] == '/'))
		abort();
	if (t.version && (!t.name || t.version < t.name ||
			  t.version + t.vlen > url + n || !t.vlen))
		abort();
	if (rd && rd->id == ROUTE_OIP)
		(void)oip_route(url);
	if (rd && !strncmp(url, "/models/", 8) && !route_per_model(rd))
		abort(); /* /models/{name}/ reaches only per-model routes */
	free(url);
	return 0;
}
