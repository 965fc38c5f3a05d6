/* Stored rows as mlops monitor reads them: lines in pairs, an answer
 * (output JSON) then its label (JSON; "-" for none), into per-version
 * groups of three versions and UTC hours, and the metrics of each. */
#include "fuzz.h"

#include <stdlib.h>
#include <string.h>

#include "lib/monitor/perf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const versions[] = { "1", "2", "3" };
	struct perf_opts po = { 0, 0, PERF_BY_HOUR };
	char *text = malloc(size + 1), *line, *next, *label;
	struct perf *p = perf_new(&po);
	struct perf_result r;
	int64_t ts = 0;
	size_t n = 0;

	memcpy(text, data, size);
	text[size] = '\0';
	for (line = text; line && n < 10000; line = next, n++) {
		label = strchr(line, '\n');
		if (!label)
			break;
		*label++ = '\0';
		next = strchr(label, '\n');
		if (next)
			*next++ = '\0';
		ts += (int64_t)(unsigned char)line[0] * 60000;
		perf_add(p, ts, "m", versions[n % 3], line,
			 strcmp(label, "-") ? label : NULL);
	}
	perf_compute(p, &r);
	perf_free(p);
	free(text);
	mlops_error_clear();
	return 0;
}
