/* Delivery of alerts off the caller's path: alert_sink_post() only
 * queues (one delivery per notifier, each notifier's queue bounded on
 * its own); a thread per notifier sends (a service that hangs delays,
 * and crowds out, no other),
 * retrying a delivery that got no answer, 408, 429 or a 5xx with
 * exponential backoff and jitter (a Retry-After is honoured), for at most
 * retry_for seconds (a delivery that waited that long behind earlier
 * ones is not tried). What cannot be delivered (gave up, queue full,
 * still queued when the sink stops) is appended to the dead-letter file
 * as a JSON line:
 *
 *   {"time": ..., "notifier": NAME, "kind": "slack", "host": HOST,
 *    "attempts": N, "error": "HTTP 500", "alert": {the alert}}
 *
 * never with the URL or the secret. */
#ifndef MLOPS_ALERT_SINK_H
#define MLOPS_ALERT_SINK_H

#include <jansson.h>
#include <stddef.h>

#include "../core/attributes.h"
#include "../descriptor/alerts.h"
#include "notifier.h"

/* What happened to one delivery (kept with keep_results). */
struct delivery_result {
	size_t notifier;     /* index in the sink's notifiers */
	int delivered;
	long status;         /* the last answer's; 0: none */
	unsigned attempts;
	double seconds;      /* from posting to the outcome */
	char why[256];       /* why it failed */
	int dead_lettered;   /* appended to the dead-letter file */
};

enum sink_log { SINK_INFO, SINK_WARNING, SINK_ERROR };

struct alert_sink_opts {
	double timeout_s;      /* one attempt */
	double retry_for_s;    /* all attempts of one delivery */
	size_t max_queue;      /* deliveries waiting, per notifier; 0: 1000 */
	/* The dead-letter file; NULL: none (alert test: failures are
	 * only reported). */
	const char *dead_letter;
	int keep_results;
	/* Progress and problems, one line each, from the sending thread
	 * (never with a URL or a secret). NULL: silent. */
	void (*log)(void *ctx, enum sink_log level, const char *line);
	void *log_ctx;
};

struct alert_sink;

/* One formatted line to a log callback as alert_sink_opts has it (NULL:
 * nothing); for the sink and those who run one. */
void alert_log(void (*log)(void *ctx, enum sink_log level, const char *line),
	       void *ctx, enum sink_log level, const char *fmt, ...)
	MLOPS_PRINTF(4, 5);

/* The notifiers of a (resolved now: url_file and secret_file relative
 * to dir) and the thread that sends to them. */
int alert_sink_start(struct alert_sink **out, const struct alerts_config *a,
		     const char *dir, const struct alert_sink_opts *o);
/* Queues the alert (a message.h object, copied: the caller keeps its
 * own) for every notifier. Never blocks on the network; a full queue
 * sends the delivery to the dead-letter file. Thread-safe. */
void alert_sink_post(struct alert_sink *s, const json_t *alert);
/* Finishes: deliveries keep going for up to flush_s (retries included),
 * then whatever is left goes to the dead-letter file; the thread ends.
 * Returns the number of deliveries that failed. With keep_results,
 * *results (the caller frees) holds every delivery's outcome. Frees
 * s. */
size_t alert_sink_stop(struct alert_sink *s, double flush_s,
		       struct delivery_result **results, size_t *nresults);
/* Shortens the flush of a stopping sink to nothing: what is queued goes
 * to the dead-letter file as soon as the attempt under way ends (it is
 * cut short). Async-signal-safe: for a SIGTERM handler. */
void alert_sink_hurry(void);

/* The notifiers (for reports): index i as results name it. */
const struct notifier *alert_sink_notifier(const struct alert_sink *s,
					   size_t i);
size_t alert_sink_notifiers(const struct alert_sink *s);
/* The dead-letter file in use, or NULL. */
const char *alert_sink_dead_letter(const struct alert_sink *s);

#endif
