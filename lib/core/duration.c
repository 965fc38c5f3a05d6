#include "duration.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

int duration_parse_ms(const char *s, int64_t *ms)
{
	static const struct {
		const char *unit;
		int64_t ms;
	} units[] = {
		{ "ms", 1 },	      { "s", 1000 },	   { "m", 60000 },
		{ "h", 3600000 },     { "d", 86400000 },   { "w", 604800000 },
	};
	char *end;
	unsigned long long v;

	if (!s || *s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || end == s)
		return -1;
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++)
		if (!strcmp(end, units[i].unit)) {
			if (v > (unsigned long long)(INT64_MAX / units[i].ms))
				return -1;
			*ms = (int64_t)v * units[i].ms;
			return 0;
		}
	return -1;
}
