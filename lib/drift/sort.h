/* Sorting samples of doubles in linear time (LSD radix on their bits). */
#ifndef MLOPS_DRIFT_SORT_H
#define MLOPS_DRIFT_SORT_H

#include <stddef.h>
#include <stdint.h>

/* Sorts ascending (NaN-free input). _with: scratch holds 2 n values, for
 * callers sorting many arrays. */
void stats_sort(double *v, size_t n);
void stats_sort_with(double *v, size_t n, uint64_t *scratch);

#endif
