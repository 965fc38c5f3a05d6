/* "Did you mean ...?": the closest candidate by edit distance. */
#ifndef MLOPS_CORE_SUGGEST_H
#define MLOPS_CORE_SUGGEST_H

#include <stddef.h>

/* Optimal string alignment distance (insert, delete, substitute,
 * transpose neighbours). */
size_t edit_distance(const char *a, const char *b);
/* The candidate nearest to `word`, or NULL when none is close enough to
 * be a plausible typo. `candidates` is NULL-terminated. */
const char *suggest_closest(const char *word, const char *const *candidates);

#endif
