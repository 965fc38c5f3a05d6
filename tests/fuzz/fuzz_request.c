/* Request bodies of the public listener: POST /predict, /predict/batch
 * and the OIP infer route (the first byte picks one) through JSON
 * parsing, the
 * data contract and a small GLM model (the bundle named by
 * MLOPS_FUZZ_BUNDLE, else tests/fuzz/corpus/bundle/tiny). */
#define FUZZ_SERVING
#include "fuzz.h"

#include "lib/server/handlers.h"
#include "lib/server/oip.h"
#include "lib/server/serving.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct serving *sv;
	json_t *out = NULL;

	sv = fuzz_serving("fuzz_request", 0);
	if (!size)
		return 0;
	if (data[0] % 3 == 2) {
		const char *allow = NULL;
		char url[256];

		snprintf(url, sizeof(url), "/v2/models/%s/infer",
			 sv->bm->d->name);
		oip_handle(sv, 1, "POST", url, (const char *)data + 1, size - 1,
			   NULL, &out, &allow);
	} else if (data[0] & 1) {
		handle_batch(sv, (const char *)data + 1, size - 1, &out);
	} else {
		handle_predict(sv, (const char *)data + 1, size - 1, &out);
	}
	json_decref(out);
	mlops_error_clear();
	return 0;
}
