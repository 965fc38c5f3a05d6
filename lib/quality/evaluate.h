/* A model judged on its golden set: metrics, quality gates, per-row
 * latency, and golden predictions recorded at package time and
 * reproduced at validate time (the same bundle must predict the same way
 * on every machine). */
#ifndef MLOPS_QUALITY_EVALUATE_H
#define MLOPS_QUALITY_EVALUATE_H

#include <jansson.h>
#include <stdint.h>

#include "../model/bundled.h"
#include "metrics.h"

#define GOLDEN_MAX_ROWS 10000
#define GOLDEN_TOLERANCE 1e-6

struct gate_result {
	const struct gate *gate;
	double value;
	int computed; /* the metric applies to this task */
	int pass;
};

struct evaluation {
	uint64_t rows, used, invalid;
	struct metric_value metrics[8];
	size_t nmetrics;
	double latency_p95_ms;
	struct gate_result *gates;
	size_t ngates;
	int all_pass;
};

/* Whether v meets the gate (NaN never does). */
int quality_gate_passes(const struct gate *g, double v);

/* golden: the labelled file (the descriptor names its label column). */
int quality_evaluate(struct evaluation *ev, struct bundled_model *bm,
		     const char *golden);
json_t *evaluation_json(const struct evaluation *ev);
void evaluation_free(struct evaluation *ev);

/* {"rows", "noutputs", "outputs": [...], "tolerance"} for the first
 * GOLDEN_MAX_ROWS valid golden rows. */
int quality_record_golden(json_t **out, struct bundled_model *bm,
			  const char *golden);
/* Predicts again and compares; *max_diff is the largest difference. 0 when
 * within tolerance, 1 when not (a finding), < 0 on errors. */
int quality_compare_golden(const json_t *recorded, struct bundled_model *bm,
			   const char *golden, double *max_diff,
			   size_t *checked);

#endif
