/* The prediction routes' counters over a trailing window: snapshots of
 * the running totals kept in a ring, so that "the last `window`" is the
 * difference between the totals now and those of a snapshot at least
 * that old. The ring spans two windows however often it is asked
 * (snapshots are kept no closer than window / 2048). */
#ifndef MLOPS_SERVER_LOOKBACK_H
#define MLOPS_SERVER_LOOKBACK_H

#include <stddef.h>

#include "metrics.h"

struct lookback_snapshot {
	double t;
	struct prediction_totals p;
};

struct lookback {
	struct lookback_snapshot *snaps; /* a ring of LOOKBACK_MAX */
	size_t n, first;
};

#define LOOKBACK_MAX 4096

void lookback_init(struct lookback *lb);
void lookback_release(struct lookback *lb);

/* Records the totals cur at time now (seconds, any monotonic clock) and
 * sets *base to those of the latest snapshot at least `window` old, or
 * of the oldest there is: cur - base is the window's. 0 when there is
 * none yet (the first call). */
int lookback_take(struct lookback *lb, double now, double window,
		  const struct prediction_totals *cur,
		  struct prediction_totals *base, double *base_t);

#endif
