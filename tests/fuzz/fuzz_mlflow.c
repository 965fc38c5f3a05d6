/* MLflow's /invocations bodies: the first byte picks the content type
 * (JSON, CSV, or one with a charset), the rest is the body, through the
 * JSON or CSV reader, the data contract and a small GLM model (the
 * bundle named by MLOPS_FUZZ_BUNDLE, else tests/fuzz/corpus/bundle/tiny). */
#define FUZZ_SERVING
#include "fuzz.h"

#include "lib/server/mlflow.h"
#include "lib/server/serving.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct serving *sv;
	static const char *const types[] = {
		"application/json", "text/csv", "text/csv; charset=utf-8",
		"application/json; charset=\"UTF-8\"",
	};
	json_t *out = NULL;

	sv = fuzz_serving("fuzz_mlflow", 1000);
	if (!size)
		return 0;
	mlflow_invocations(sv, types[data[0] % 4], (const char *)data + 1,
			   size - 1, &out);
	json_decref(out);
	mlops_error_clear();
	return 0;
}
