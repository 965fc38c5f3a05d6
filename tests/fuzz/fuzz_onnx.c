/* The ONNX runtime: bytes as a model file, loaded for each task (the
 * signature: X, a category, and two numbers, so that both ways of
 * mapping inputs are reached), then a few rows predicted. */
#include "fuzz.h"

#include <math.h>

#include "lib/model/model.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const names[] = { "X", "A", "B" };
	static char *values[] = { "a", "b", "c" };
	static const enum model_task tasks[] = { TASK_BINARY, TASK_MULTICLASS,
						 TASK_REGRESSION };
	struct field fields[3] = { { 0 } };
	struct model_spec spec = { 0 };
	double rows[5 * 3], out[5 * 64];
	size_t t, i;

	for (i = 0; i < 5 * 3; i++)
		rows[i] = i % 7 == 3 ? NAN : (double)(i % 3);
	fields[0].name = (char *)names[0];
	fields[0].type = VT_CATEGORY;
	fields[0].values = values;
	fields[0].nvalues = 3;
	fields[1].name = (char *)names[1];
	fields[2].name = (char *)names[2];
	spec.path = fuzz_file(data, size, "model.onnx");
	spec.runtime = RUNTIME_ONNX;
	spec.features = names;
	spec.fields = fields;
	spec.nfeatures = 3;
	for (t = 0; t < 3; t++) {
		struct model *m = NULL;

		spec.task = tasks[t];
		if (model_load(&m, &spec) == 0) {
			if (m->noutputs <= 64)
				(void)model_predict(m, rows, 5, out);
			model_free(m);
		}
	}
	mlops_error_clear();
	return 0;
}
