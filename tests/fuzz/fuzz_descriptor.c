/* mlops.yaml: the YAML reader and the descriptor's checks, and the
 * resolved form a bundle carries read back. */
#include "fuzz.h"

#include "lib/descriptor/descriptor.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct descriptor *d = NULL, *back = NULL;

	if (descriptor_parse(&d, "mlops.yaml", ".", (const char *)data, size) == 0) {
		json_t *j = descriptor_to_json(d);

		/* What was accepted must read back. */
		if (descriptor_from_json(&back, j) < 0)
			abort();
		descriptor_free(back);
		json_decref(j);
	}
	descriptor_free(d);
	mlops_error_clear();
	return 0;
}
