#include "suggest.h"

#include <stdlib.h>
#include <string.h>

#include "strbuf.h"

size_t edit_distance(const char *a, const char *b)
{
	size_t n = strlen(a), m = strlen(b), i, j, d;
	size_t *row0, *row1, *row2, *t;

	/* Three rolling rows: OSA needs the row before the previous one. */
	row0 = xcalloc(m + 1, sizeof(size_t));
	row1 = xcalloc(m + 1, sizeof(size_t));
	row2 = xcalloc(m + 1, sizeof(size_t));
	for (j = 0; j <= m; j++)
		row1[j] = j;
	for (i = 1; i <= n; i++) {
		row2[0] = i;
		for (j = 1; j <= m; j++) {
			size_t cost = a[i - 1] != b[j - 1];
			size_t best = row1[j - 1] + cost;

			if (row1[j] + 1 < best)
				best = row1[j] + 1;
			if (row2[j - 1] + 1 < best)
				best = row2[j - 1] + 1;
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] &&
			    a[i - 2] == b[j - 1] && row0[j - 2] + 1 < best)
				best = row0[j - 2] + 1;
			row2[j] = best;
		}
		t = row0;
		row0 = row1;
		row1 = row2;
		row2 = t;
	}
	d = row1[m];
	free(row0);
	free(row1);
	free(row2);
	return d;
}

const char *suggest_closest(const char *word, const char *const *candidates)
{
	const char *best = NULL;
	size_t best_d = (size_t)-1, limit, len = strlen(word);

	/* Long words tolerate more typos; one- or two-letter words only a
	 * single edit. */
	limit = len < 4 ? 1 : len < 8 ? 2 : 3;
	for (; *candidates; candidates++) {
		size_t d = edit_distance(word, *candidates);

		if (d < best_d) {
			best_d = d;
			best = *candidates;
		}
	}
	return best_d <= limit ? best : NULL;
}
