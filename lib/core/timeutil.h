#ifndef MLOPS_CORE_TIMEUTIL_H
#define MLOPS_CORE_TIMEUTIL_H

#include <stdint.h>

/* "2025-01-01T00:00:00Z" (UTC, second resolution). */
void time_iso8601(int64_t t, char buf[32]);

/* "2025-01-31", "2025-01-31T12:00", "2025-01-31T12:00:30Z" (a space for
 * the T, Z optional: UTC either way) as Unix milliseconds: 0, or -1. */
int time_parse_utc(const char *s, int64_t *ms);

/* Nanoseconds on the monotonic clock: for durations, never for dates. */
uint64_t mono_ns(void);
/* The wall clock in milliseconds since the epoch (UTC). */
int64_t wall_ms(void);

/* Sleeps ms milliseconds, through signals. */
void sleep_ms(double ms);

#endif
