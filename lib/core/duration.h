/* Durations as people write them on command lines: "30d", "12h",
 * "15m", "45s", "500ms", "2w". */
#ifndef MLOPS_CORE_DURATION_H
#define MLOPS_CORE_DURATION_H

#include <stdint.h>

/* 0 and *ms, or -1 for anything else (no unit, a negative or fractional
 * count, an overflow). A unit is required: "30" is ambiguous. */
int duration_parse_ms(const char *s, int64_t *ms);

#endif
