/* MLflow's /invocations bodies: the first byte picks the content type
 * (JSON, CSV, or one with a charset), the rest is the body, through the
 * JSON or CSV reader, the data contract and a small GLM model (the
 * bundle named by MLOPS_FUZZ_BUNDLE, else tests/fuzz/corpus/bundle/tiny). */
#include "fuzz.h"

#include "lib/server/mlflow.h"
#include "lib/server/serving.h"

static struct serving *sv;
static struct metrics m;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const types[] = {
		"application/json", "text/csv", "text/csv; charset=utf-8",
		"application/json; charset=\"UTF-8\"",
	};
	json_t *out = NULL;

	if (!sv) {
		const char *path = getenv("MLOPS_FUZZ_BUNDLE");
		struct serving_opts so = { 1, 100, NULL };

		if (serving_open(&sv, path ? path : "tests/fuzz/corpus/bundle/tiny",
				 &so) < 0) {
			fprintf(stderr, "fuzz_mlflow: %s\n",
				mlops_error_last()->message);
			abort();
		}
		sv->metrics = &m;
		sv->max_batch = 1000;
		sv->version_slot = metrics_version(&m, "1.0.0");
	}
	if (!size)
		return 0;
	mlflow_invocations(sv, types[data[0] % 4], (const char *)data + 1,
			   size - 1, &out);
	json_decref(out);
	mlops_error_clear();
	return 0;
}
