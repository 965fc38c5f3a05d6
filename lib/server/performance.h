/* Live model performance in serve (with --store): GET /performance and
 * the mlops_model_performance gauges of /metrics, computed by one
 * thread of its own from the prediction store, never on a request's
 * path. Requests get the last result; reading it asks for a new one,
 * which the thread makes at most every `every_ms` (a server nobody asks
 * costs nothing). Windows: the last hour, the last 24 hours, and the
 * serving bundle's monitor.window when it has another. The version
 * serving now is judged as mlops monitor --bundle judges it (its
 * monitor: rules and gates against its golden set). */
#ifndef MLOPS_SERVER_PERFORMANCE_H
#define MLOPS_SERVER_PERFORMANCE_H

#include <jansson.h>
#include <stdint.h>

#include "../core/strbuf.h"

struct serving;
struct perf_watch;

struct perf_watch_opts {
	const char *store_url; /* opened by the thread: its own connection */
	unsigned every_ms;     /* at most this often; 0: 60 s */
};

/* Starts the thread, first on sv (a reference of its own). */
int perf_watch_start(struct perf_watch **out, const struct perf_watch_opts *o,
		     struct serving *sv);
/* GET /performance: 200 and the last result, 503 before the first (or
 * after a failure, saying why). sv: the version answering now. */
unsigned perf_watch_json(struct perf_watch *w, struct serving *sv,
			 json_t **out);
/* The gauges, for /metrics. */
void perf_watch_metrics(struct perf_watch *w, struct serving *sv,
			struct strbuf *text);
void perf_watch_stop(struct perf_watch *w);

#endif
