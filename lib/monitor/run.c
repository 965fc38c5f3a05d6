#include "run.h"

#include <stdlib.h>
#include <string.h>

#include "../core/error.h"
#include "../core/fsutil.h"

int monitor_baseline_eval(struct bundled_model *bm, struct evaluation *ev,
			  int *has)
{
	char *golden;
	int rc;

	memset(ev, 0, sizeof(*ev));
	*has = bm->d->datasets.golden_path != NULL;
	if (!*has)
		return 0;
	golden = fs_join(bm->dir, bm->d->datasets.golden_path);
	rc = quality_evaluate(ev, bm, golden);
	free(golden);
	if (rc < 0)
		mlops_error_prefix("the baseline (the golden set): ");
	return rc;
}

void monitor_baseline_of(struct monitor_baseline *b,
			 const struct bundled_model *bm,
			 const struct evaluation *ev, long long min_labels)
{
	const struct descriptor *d = bm->d;

	memset(b, 0, sizeof(*b));
	b->model = d->name;
	b->version = d->version;
	if (ev) {
		b->metrics = ev->metrics;
		b->nmetrics = ev->nmetrics;
	}
	b->gates = d->gates;
	b->ngates = d->ngates;
	b->rules = d->monitor.rules;
	b->nrules = d->monitor.nrules;
	b->min_labels = min_labels >= 0 ? min_labels : d->monitor.min_labels;
}

static int add_outcome(void *ctx, const struct pstore_outcome *o)
{
	return perf_add(ctx, o->ts_ms, o->model, o->version, o->output_json,
			o->label_json);
}

int monitor_scan(struct pstore *st, const struct monitor_query *q,
		 const struct bundled_model *bm, struct perf **out)
{
	struct perf_opts po = { q->since_ms, q->until_ms, q->by };
	struct perf *p = perf_new(&po);
	int rc;

	if (bm) {
		const struct model *m = bm->m;
		struct perf_known k = { bm->d->name, bm->d->version, m->task,
					m->labels, m->nlabels };

		perf_know(p, &k);
	}
	rc = pstore_scan_outcomes(st, q->since_ms, q->until_ms, q->model, 0,
				  add_outcome, p);
	if (rc) {
		perf_free(p);
		return rc < 0 ? rc : MLOPS_EINTERNAL;
	}
	*out = p;
	return 0;
}
