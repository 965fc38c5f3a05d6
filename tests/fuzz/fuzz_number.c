/* core/number.h: whatever number_parse accepts, strtod reads the same
 * double from, bit for bit (-0 as 0; beyond the largest double,
 * NUMBER_RANGE where strtod overflows); and the first 8 (4) bytes as a
 * double's (float's) bits format to text that reads back as them. */
#include "fuzz.h"

#include <errno.h>
#include <math.h>

#include "lib/core/number.h"

static void check_parse(const uint8_t *data, size_t size)
{
	char *s = fuzz_string(data, size), *end;
	double got = 0, want;
	int st = number_parse((const char *)data, size, &got);

	if (st == NUMBER_OK || st == NUMBER_RANGE) {
		/* the grammar is a subset of strtod's: it reads it all,
		 * but for the spaces around it */
		errno = 0;
		want = strtod(s, &end);
		while (*end == ' ')
			end++;
		if (*end || memchr(data, '\0', size))
			abort();
		if (want == 0)
			want = 0;
		if ((st == NUMBER_RANGE) != (errno == ERANGE && isinf(want)))
			abort();
		if (st == NUMBER_OK && memcmp(&got, &want, sizeof(got)))
			abort();
	}
	free(s);
}

static void check_format(const uint8_t *data, size_t size)
{
	char buf[NUMBER_FORMAT_MAX];
	double x, back;
	float f, fback;

	if (size >= sizeof(x)) {
		memcpy(&x, data, sizeof(x));
		if (number_format(x, buf) >= NUMBER_FORMAT_MAX)
			abort();
		back = strtod(buf, NULL);
		if (isfinite(x) && memcmp(&back, &x, sizeof(x)))
			abort();
		number_shortest(x, buf, sizeof(buf));
		back = strtod(buf, NULL);
		if (isfinite(x) && x != 0 && memcmp(&back, &x, sizeof(x)))
			abort();
	}
	if (size >= sizeof(f)) {
		memcpy(&f, data, sizeof(f));
		if (number_format_float(f, buf) >= NUMBER_FORMAT_MAX)
			abort();
		fback = strtof(buf, NULL);
		if (isfinite(f) && memcmp(&fback, &f, sizeof(f)))
			abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	check_parse(data, size);
	check_format(data, size);
	return 0;
}
