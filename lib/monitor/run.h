/* A monitor run's steps, shared by `mlops monitor` and serve's
 * /performance: the baseline of a bundle (its golden-set evaluation,
 * the numbers `mlops validate` shows), the scan of a prediction store
 * into groups, and the judgement of the bundle's version. */
#ifndef MLOPS_MONITOR_RUN_H
#define MLOPS_MONITOR_RUN_H

#include "../model/bundled.h"
#include "../quality/evaluate.h"
#include "../store/pstore.h"
#include "check.h"
#include "perf.h"

/* bm's golden set scored (*has 0 when the descriptor names none). */
int monitor_baseline_eval(struct bundled_model *bm, struct evaluation *ev,
			  int *has);
/* What bm's descriptor asks of live data: its monitor rules and its
 * gates against ev (NULL: no baseline; the rules then cannot be
 * checked). min_labels < 0: the descriptor's. Strings stay bm's. */
void monitor_baseline_of(struct monitor_baseline *b,
			 const struct bundled_model *bm,
			 const struct evaluation *ev, long long min_labels);

struct monitor_query {
	int64_t since_ms, until_ms;
	enum perf_by by;
	const char *model; /* NULL: every model */
};

/* Every stored row of the query, into a new perf (the caller computes
 * and frees it). bm NULL: the classes come from the answers. */
int monitor_scan(struct pstore *st, const struct monitor_query *q,
		 const struct bundled_model *bm, struct perf **out);

#endif
