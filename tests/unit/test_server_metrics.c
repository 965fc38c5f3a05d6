/* The per-version counters of mlops serve: once every slot is taken (many
 * models, or many reloads), a new version reuses the slot of one no
 * longer served, and only when all are served, the last one. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../lib/server/metrics.h"
#include "tap.h"

static void reuse(void)
{
	struct metrics *m = calloc(1, sizeof(*m));
	unsigned char busy[METRIC_VERSIONS];
	char name[32];
	unsigned i, slot;

	for (i = 0; i < METRIC_VERSIONS; i++) {
		snprintf(name, sizeof(name), "m%u", i);
		if (metrics_version(m, name, "1.0.0") != i)
			break;
	}
	is_int(i, METRIC_VERSIONS, "every slot taken, one each");
	metrics_request(m, 10, ROUTE_PREDICT, 200, 1000);
	is_int(metrics_version_reusing(m, "m10", "1.0.0", NULL), 10,
	       "a version seen keeps its slot");
	memset(busy, 1, sizeof(busy));
	busy[10] = 0;
	slot = metrics_version_reusing(m, "new", "2.0.0", busy);
	is_int(slot, 10, "full: the slot of a version no longer served");
	is_str(m->versions[10].model, "new", "under the new model's label");
	is_int(m->versions[10].requests[ROUTE_PREDICT][S200], 0,
	       "its counters restart");
	is_str(m->versions[11].model, "m11", "the others keep theirs");
	is_int(m->nversions, METRIC_VERSIONS, "the count stays");
	memset(busy, 1, sizeof(busy));
	is_int(metrics_version_reusing(m, "newer", "1.0.0", busy),
	       METRIC_VERSIONS - 1, "all served: the last slot, as before");
	free(m);
}

int main(void)
{
	reuse();
	return done_testing();
}
