/* The admin API's request bodies: POST /admin/activate's JSON (uploads
 * are bundles: fuzz_bundle), and bundle names in /admin/bundles/ URLs. */
#include "fuzz.h"

#include "lib/server/admin_body.h"
#include "lib/server/state.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct activate_req req;
	char *s = fuzz_string(data, size);

	if (admin_parse_activate(&req, (const char *)data, size) == 0 &&
	    (req.weight > 100 ||
	     ((req.weight || req.shadow) && !digest_valid(req.digest)) ||
	     (req.shadow && req.weight)))
		abort(); /* accepted what it must refuse */
	(void)digest_valid(s);
	free(s);
	mlops_error_clear();
	return 0;
}
