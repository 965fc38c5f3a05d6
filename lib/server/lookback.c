/* A trailing window over running totals (see lookback.h). */
#include "lookback.h"

#include <stdlib.h>

#include "../core/strbuf.h"

void lookback_init(struct lookback *lb)
{
	lb->snaps = xcalloc(LOOKBACK_MAX, sizeof(*lb->snaps));
	lb->n = lb->first = 0;
}

void lookback_release(struct lookback *lb)
{
	free(lb->snaps);
	lb->snaps = NULL;
	lb->n = lb->first = 0;
}

static struct lookback_snapshot *at(struct lookback *lb, size_t i)
{
	return &lb->snaps[(lb->first + i) % LOOKBACK_MAX];
}

int lookback_take(struct lookback *lb, double now, double window,
		  const struct prediction_totals *cur,
		  struct prediction_totals *base, double *base_t)
{
	const struct lookback_snapshot *b = NULL;
	size_t i;

	for (i = 0; i < lb->n; i++)
		if (!b || at(lb, i)->t <= now - window)
			b = at(lb, i);
	/* A copy before storing: cur may take the oldest's slot. */
	if (b) {
		*base = b->p;
		if (base_t)
			*base_t = b->t;
	}
	/* Every 100 ms over a 1 h window would otherwise leave the ring
	 * 7 minutes long, the window cut to that. */
	if (lb->n && now - at(lb, lb->n - 1)->t < window / (LOOKBACK_MAX / 2))
		return b != NULL;
	if (lb->n == LOOKBACK_MAX) {
		lb->snaps[lb->first].t = now;
		lb->snaps[lb->first].p = *cur;
		lb->first = (lb->first + 1) % LOOKBACK_MAX;
	} else {
		at(lb, lb->n)->t = now;
		at(lb, lb->n)->p = *cur;
		lb->n++;
	}
	return b != NULL;
}
