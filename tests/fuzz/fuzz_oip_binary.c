/* OIP inference with the binary tensor extension: the first two bytes
 * are Inference-Header-Content-Length (little-endian; 0xffff: none),
 * the rest the body (a JSON header, then tensor bytes), through the
 * binary decoder, the data contract and a small GLM model (the bundle
 * named by MLOPS_FUZZ_BUNDLE, else tests/fuzz/corpus/bundle/tiny). */
#define FUZZ_SERVING
#include "fuzz.h"

#include "lib/server/oip.h"
#include "lib/server/serving.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct serving *sv;
	struct oip_binary bin = { 0 };
	json_t *out = NULL;
	const char *allow = NULL;
	char url[256], hlen[16];

	sv = fuzz_serving("fuzz_oip_binary", 1000);
	if (size < 2)
		return 0;
	snprintf(hlen, sizeof(hlen), "%u", (unsigned)(data[0] | data[1] << 8));
	bin.header_length = data[0] == 0xff && data[1] == 0xff ? NULL : hlen;
	snprintf(url, sizeof(url), "/v2/models/%s/infer", sv->bm->d->name);
	oip_handle(sv, 1, "POST", url, (const char *)data + 2, size - 2, &bin,
		   &out, &allow);
	json_decref(out);
	oip_binary_release(&bin);
	mlops_error_clear();
	return 0;
}
