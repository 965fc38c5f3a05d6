/* Prometheus text from an instance's /metrics, as canary analysis reads
 * it, and the judgement made of it. */
#include "fuzz.h"

#include "lib/deploy/canary.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct version_stats a = { 0 }, b = { 0 };
	struct environment e;
	struct canary_verdict v;

	memset(&e, 0, sizeof(e));
	e.max_error_rate = e.max_p99_ms = e.max_psi = -1;
	e.min_requests = 1;
	if (canary_scrape((const char *)data, size, "1.0", &a) == 0 &&
	    canary_scrape((const char *)data, size, "2.0", &b) == 0)
		canary_judge(&e, &a, &b, &v);
	mlops_error_clear();
	return 0;
}
