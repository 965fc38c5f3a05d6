/* Live model performance in serve (with --store): GET /performance, the
 * mlops_model_performance gauges of /metrics and the drops live alert
 * rules test, computed by one thread of its own from the prediction
 * store, never on a request's path, for every model the server answers
 * for. Requests get the last result; reading it asks for a new one,
 * which the thread makes at most every `every_ms` (a server nobody asks
 * costs nothing). Windows: the last hour, the last 24 hours, and each
 * model's monitor.window when it has another. Each model's serving
 * version is judged as mlops monitor --bundle judges it (its monitor:
 * rules and gates against its golden set); its alerts window (its
 * monitor.window, else 24h) gives the drops from that baseline. */
#ifndef MLOPS_SERVER_PERFORMANCE_H
#define MLOPS_SERVER_PERFORMANCE_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "../alert/rules.h"
#include "../core/strbuf.h"

struct serving;
struct perf_watch;

struct perf_watch_opts {
	const char *store_url; /* opened by the thread: its own connection */
	unsigned every_ms;     /* at most this often; 0: 60 s */
};

/* Starts the thread; it computes once it follows a server. */
int perf_watch_start(struct perf_watch **out, const struct perf_watch_opts *o);
/* Every model's stable version: references in an array the caller
 * frees (serving_put each), the count (server_models does). */
typedef size_t perf_models_fn(void *arg, struct serving ***out);
/* The models it follows: those list(arg) gives (a server's); NULL:
 * none any more (call it before the server is stopped: the thread then
 * no longer calls list). */
void perf_watch_follow(struct perf_watch *w, perf_models_fn *list,
		       void *arg);
/* GET /performance: 200 and the last result, 503 before the first (or
 * after a failure, saying why). Every model under "models"; sv (the
 * model the request names, else the default one; NULL: none) also at
 * the top ("model", "windows"), as a single-model server has always
 * answered. */
unsigned perf_watch_json(struct perf_watch *w, const struct serving *sv,
			 json_t **out);
/* The gauges, for /metrics. */
void perf_watch_metrics(struct perf_watch *w, struct strbuf *text);
/* The drops and rises (alert_observe_performance) of sv's version over
 * its alerts window, from the last result when it is of that version;
 * asks for a newer one. */
void perf_watch_observe(struct perf_watch *w, const struct serving *sv,
			struct alert_observations *o);
void perf_watch_stop(struct perf_watch *w);

#endif
