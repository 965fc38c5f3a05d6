/* Shadow traffic: a candidate version answers a copy of the live
 * prediction requests of a model, and its answers go to no client.
 * The request thread only copies the request and the live answer's rows
 * and scores into a bounded queue (full: the copy is dropped and
 * counted); one worker thread of the shadow answers them with the
 * candidate, through the same handlers, and compares: agreement of the
 * predicted labels (classifiers) or values (regression, within a
 * tolerance), the differences of the scores (a histogram and
 * quantiles), the latency and errors of both, and a bounded JSON-lines
 * sample of the rows they disagree on, with their features. */
#ifndef MLOPS_SERVER_SHADOW_H
#define MLOPS_SERVER_SHADOW_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "../core/strbuf.h"
#include "metrics.h"
#include "routes.h"
#include "score.h"
#include "serving.h"

struct shadow_opts {
	size_t queue;            /* requests waiting at most (0: 256) */
	const char *sample_path; /* disagreeing rows, JSON lines appended;
				  * NULL: none */
	size_t sample_max;       /* rows written at most (0: 1000) */
	double tolerance;        /* regression: rows whose values differ by
				  * more disagree */
	const struct server_opts *server; /* what handlers get as opts */
	size_t max_batch;
	const double *edges;     /* the live version's prediction edges, to
				  * bin both sides alike */
	size_t nedges;
};

struct shadow;

/* Starts a shadow of model with candidate (taking its reference, on
 * failure too): one reference for the caller. EIO when the sample file
 * cannot be opened. */
int shadow_start(struct shadow **out, struct serving *candidate,
		 const char *model, const struct shadow_opts *o);
void shadow_get(struct shadow *sh);
/* The last reference stops the worker (what is queued is dropped). */
void shadow_put(struct shadow *sh);
/* The candidate (no reference: valid while the caller holds sh). */
const struct serving *shadow_candidate(const struct shadow *sh);

/* A live request, answered, offered to the shadow. */
struct shadow_request {
	const struct route_def *rd; /* its route (OIP: the /v2 tree) */
	enum route route;
	const char *url, *method, *content_type;
	const char *header_length;  /* OIP binary data, else NULL */
	const char *body;
	size_t len;
	struct serving *live;       /* the version that answered */
	unsigned status;
	uint64_t ns;                /* its time to answer */
	struct score_capture *rows; /* what it predicted (taken) */
};

/* Queues a copy (1), or counts it dropped when the queue is full (0). */
int shadow_offer(struct shadow *sh, struct shadow_request *r);
/* Waits (up to ms) until the queue is empty and the worker idle: 0, or
 * -1 at the deadline. For tests and the drain at shutdown. */
int shadow_idle(struct shadow *sh, unsigned ms);

/* The comparison so far: {model, live_version, shadow_version,
 * shadow_digest, started_at, queue, requests, rows, agreement, errors,
 * difference, latency_ms, sample, recent_disagreements}. */
json_t *shadow_json(struct shadow *sh);
/* mlops_shadow_* for several models' shadows (NULL entries: none). */
void shadow_metrics(struct shadow *const *sh, size_t n, struct strbuf *o);

#endif
