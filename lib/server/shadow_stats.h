/* The comparison a shadow keeps (shadow.h): what the worker adds after
 * each request, and how it is shown (JSON, Prometheus text). The
 * caller holds the shadow's lock around every call. */
#ifndef MLOPS_SERVER_SHADOW_STATS_H
#define MLOPS_SERVER_SHADOW_STATS_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "../core/strbuf.h"
#include "metrics.h"
#include "score.h"
#include "serving.h"

/* The last values seen, for quantiles. */
#define SHADOW_RING 4096
struct shadow_ring {
	double v[SHADOW_RING];
	size_t n, next;
};

/* The score differences' histogram: shadow minus live, per row. */
#define SHADOW_DIFF_EDGES 14

/* One side of the comparison: the live version, or the candidate. */
struct shadow_side {
	uint64_t status[S_COUNT];
	struct histogram latency;
	uint64_t pred[PRED_BUCKETS + 1];
	double pred_sum;
	struct shadow_ring ms;
};

struct shadow_stats {
	char *model, *shadow_version, *shadow_digest, *sample_path;
	char live_version[64]; /* of the last request compared */
	char started_at[32];
	double tolerance;
	double edges[PRED_BUCKETS];
	size_t nedges;
	size_t sample_max, sample_written;
	uint64_t mirrored, dropped, compared;
	uint64_t rows, agreed;
	uint64_t unmatched; /* both answered, not the same number of rows */
	int classifier;
	uint64_t diff[SHADOW_DIFF_EDGES + 1];
	double diff_sum;
	struct shadow_ring absdiff;
	struct shadow_side side[2]; /* live, shadow */
	json_t *recent;             /* the last disagreements */
};

/* tolerance, sample_max, edges: shadow_opts's. */
void shadow_stats_init(struct shadow_stats *st, const char *model,
		       const struct serving *candidate, double tolerance,
		       size_t sample_max, const double *edges, size_t nedges);
void shadow_stats_release(struct shadow_stats *st);
/* One request: the live answer (live, status, ns, rows) beside the
 * candidate's. Disagreeing rows go to sample (NULL: no sample file) as
 * JSON lines while the sample has room. */
void shadow_stats_compare(struct shadow_stats *st,
			  const struct serving *live, unsigned live_status,
			  uint64_t live_ns, const struct score_capture *lrows,
			  const struct serving *cand, unsigned cand_status,
			  uint64_t cand_ns, const struct score_capture *crows,
			  struct strbuf *sample);
json_t *shadow_stats_json(const struct shadow_stats *st, size_t queued,
			  size_t capacity);
/* st: n entries, NULL for none; queued: each one's queue length. */
void shadow_stats_metrics(const struct shadow_stats *const *st,
			  const size_t *queued, size_t n, struct strbuf *o);

#endif
