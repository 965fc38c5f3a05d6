/* The bundle reader: tar, OCI layout index, manifest, config, the
 * mlops.json the descriptor travels in. */
#include "fuzz.h"

#include "lib/bundle/reader.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct bundle *b = NULL;
	const char *path = fuzz_file(data, size, "b.mlpkg");

	if (bundle_open(&b, path, NULL) == 0)
		bundle_free(b);
	mlops_error_clear();
	return 0;
}
