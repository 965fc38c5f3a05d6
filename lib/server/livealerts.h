/* Live alert rules in mlops serve: a thread that, every evaluate_every
 * seconds, measures what the server did for each model it answers for
 * (the dataset drift share and each feature's PSI and Jensen-Shannon
 * distance of live drift, the prediction's; the error rate and p95
 * latency of the model's prediction requests over the last `window`;
 * with --store, the drops of live performance from the golden-set
 * baseline, performance.h), evaluates the alerts: rules of the model's
 * version being served (`for` and cooldown per rule and model) and
 * queues what fires to its notifiers. Never on the request path: it
 * reads the counters the requests add to. A reload to a version with
 * other alerts: switches to them (the old notifiers get their flush
 * first). */
#ifndef MLOPS_SERVER_LIVEALERTS_H
#define MLOPS_SERVER_LIVEALERTS_H

#include "../alert/sink.h"
#include "performance.h"
#include "server.h"

struct live_alerts;

struct live_alerts_opts {
	/* The sink's lines and "alert 'NAME' fired: ..." lines. */
	void (*log)(void *ctx, enum sink_log level, const char *line);
	void *log_ctx;
	/* On stop, how long queued alerts still get (then the dead-letter
	 * file). */
	double flush_s;
	/* serve --store's live performance: its drops (NULL: none). */
	struct perf_watch *performance;
};

int live_alerts_start(struct live_alerts **out, struct server *srv,
		      const struct live_alerts_opts *o);
/* Event e of model (NULL: of the server), now: to the notifiers of
 * that model's version served, if its alerts subscribe to e; a model
 * not served (an entry that never loaded), or NULL: to every served
 * model's that subscribe, once per distinct alerts: section. */
void live_alerts_event(struct live_alerts *la, const char *model,
		       enum alert_event_id e, enum alert_severity sev,
		       const char *summary);
/* Ends the thread, then the notifiers' flush (bounded by flush_s).
 * NULL is fine. */
void live_alerts_stop(struct live_alerts *la);

#endif
