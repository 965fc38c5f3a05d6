/* The server's Prometheus metrics: counters and histograms updated with
 * atomics from any thread (no lock on the request path), rendered in the
 * text exposition format with mlops_ names and base units. */
#ifndef MLOPS_SERVER_METRICS_H
#define MLOPS_SERVER_METRICS_H

#include <stdint.h>

#include "../core/strbuf.h"

/* What requests are counted by: a route's pattern. OIP's model routes
 * count with or without /versions/{version}. */
enum route {
	ROUTE_PREDICT, ROUTE_BATCH, ROUTE_LIVE, ROUTE_READY, ROUTE_INFO,
	ROUTE_METRICS, ROUTE_DRIFT, ROUTE_OIP, ROUTE_OTHER, ROUTE_HEALTH,
	ROUTE_OIP_LIVE, ROUTE_OIP_READY, ROUTE_OIP_MODEL,
	ROUTE_OIP_MODEL_READY, ROUTE_OIP_INFER, ROUTE_INVOCATIONS,
	ROUTE_PING, ROUTE_VERSION, ROUTE_OPENAPI, ROUTE_DOCS, ROUTE_FEEDBACK,
	ROUTE_PERFORMANCE, ROUTE_EXPLAIN, ROUTE_OIP_EXPLAIN, ROUTE_REPO_INDEX,
	ROUTE_SHADOW, ROUTE_COUNT
};

/* Status classes counted per route. */
enum status_slot { S200, S400, S401, S404, S405, S413, S422, S429, S500,
		   S503, S204, S415, S_OTHER, S_COUNT };

#define LATENCY_BUCKETS 14

struct histogram {
	uint64_t buckets[LATENCY_BUCKETS]; /* cumulative at render time */
	uint64_t count;
	uint64_t sum_ns;
};

/* Model versions served since start (a reload, a load adds one);
 * requests are counted by the model and version that answered them.
 * Slots nobody used stay untouched (and so not resident). */
#define METRIC_VERSIONS 256

/* Buckets of the predictions' histogram (le edges, then +Inf). */
#define PRED_BUCKETS 20

struct version_metrics {
	char model[128];              /* "": requests no model answered */
	char version[64];
	uint64_t requests[ROUTE_COUNT][S_COUNT];
	struct histogram latency;     /* prediction routes only */
	uint64_t predictions[PRED_BUCKETS + 1];
	uint64_t npredictions;
	int64_t prediction_sum_micro; /* the sum, in millionths */
	/* The predictions' histogram edges, the same for every version of
	 * a model so that a canary compares with the stable one (0: none
	 * known). */
	double pred_edges[PRED_BUCKETS];
	unsigned npred_edges;
};

struct metrics {
	struct version_metrics versions[METRIC_VERSIONS];
	unsigned nversions;
	struct histogram request_seconds[ROUTE_COUNT];
	struct histogram model_seconds;
	struct histogram batch_rows;
	int64_t in_flight;
	uint64_t rows_predicted;
	uint64_t rows_invalid;
	uint64_t reloads[2]; /* failed, succeeded */
	double start_time;
};

/* What /metrics says of each model loaded: mlops_model_info and
 * mlops_model_load_seconds. */
struct metrics_model {
	const char *name, *version, *digest;
	double load_seconds;
};

const char *route_name(enum route r);
enum status_slot status_slot(unsigned status);
/* The status a slot counts (0: S_OTHER). */
unsigned metrics_slot_status(enum status_slot s);
/* The counters of a model's version (an existing slot when it was seen
 * before; the last one's, reset, when all are taken). A new slot takes
 * the prediction edges of the model's other versions. Called by one
 * thread at a time. */
unsigned metrics_version(struct metrics *m, const char *model,
			 const char *version);
/* The same, when all slots are taken reusing the first one that busy
 * (METRIC_VERSIONS flags; NULL: all busy) says no version served uses. */
unsigned metrics_version_reusing(struct metrics *m, const char *model,
				 const char *version, const unsigned char *busy);
void metrics_request(struct metrics *m, unsigned version, enum route r,
		     unsigned status, uint64_t ns);
void metrics_observe(struct histogram *h, uint64_t value_ns_or_rows,
		     int is_rows);
/* n predictions (one value a row: the score, or the class index) of a
 * version, binned on its pred_edges. */
void metrics_predictions(struct metrics *m, unsigned version,
			 const double *v, size_t n);
/* Sets a version's edges once (ascending, at most PRED_BUCKETS); later
 * calls, and versions of a model that has edges, keep the first. */
void metrics_prediction_edges(struct metrics *m, unsigned version,
			      const double *edges, size_t n);
/* v as a label value: backslash, double quote and newline escaped. */
void metrics_label(struct strbuf *o, const char *v);
/* A histogram's _bucket, _sum and _count lines (labels: "k=\"v\",..."
 * or ""; is_rows: the row-count buckets, else seconds). */
void metrics_histogram(struct strbuf *o, const char *name,
		       const char *labels, const struct histogram *h,
		       int is_rows);
/* A route whose answers are predictions (/predict, /predict/batch,
 * OIP's infer, MLflow's /invocations). */
int route_predicts(enum route r);
/* What the prediction routes did since start, over every version of
 * model (NULL: of every model):
 * requests, those answered with a server error (5xx), their latency
 * histogram (per bucket, not cumulative: count minus their sum is
 * beyond the last bound) and failed reloads. For live alert rules. */
struct prediction_totals {
	uint64_t requests, errors;
	uint64_t latency[LATENCY_BUCKETS];
	uint64_t latency_count;
	uint64_t reloads_failed;
};
void metrics_prediction_totals(const struct metrics *m, const char *model,
			       struct prediction_totals *t);
/* The q-quantile of a latency histogram as metrics_prediction_totals
 * gives it, in milliseconds, linear within a bucket (Prometheus's
 * histogram_quantile); NAN when it counts nothing. */
double metrics_latency_quantile_ms(const uint64_t *buckets, uint64_t count,
				   double q);

/* Prometheus text for everything, plus the identity of the models
 * loaded. */
void metrics_render(const struct metrics *m, struct strbuf *out,
		    const struct metrics_model *models, size_t nmodels);

#endif
