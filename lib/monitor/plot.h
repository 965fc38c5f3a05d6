/* The SVG plots of the monitor report: per metric, values over time
 * per version (--by), else a bar per version; the golden-set baseline
 * and the allowed limit as dashed lines across. */
#ifndef MLOPS_MONITOR_PLOT_H
#define MLOPS_MONITOR_PLOT_H

#include "../core/strbuf.h"
#include "perf.h"

/* What a plot draws: the groups, their buckets, the golden set's values
 * (NULL: none); the limits come from the groups' checks. */
struct plot_in {
	const struct perf_result *r;
	enum perf_by by;
	const struct metric_value *baseline;
	size_t nbaseline;
};

/* The classes the plots draw with, for the page's style. */
#define MONITOR_PLOT_CSS                                                     \
	".s0{stroke:#2b7bb9;fill:#2b7bb9}.s1{stroke:#d95f02;fill:#d95f02}"   \
	".s2{stroke:#1b9e77;fill:#1b9e77}.s3{stroke:#7570b3;fill:#7570b3}"   \
	".s4{stroke:#e7298a;fill:#e7298a}.s5{stroke:#66a61e;fill:#66a61e}"   \
	".line{fill:none;stroke-width:2}.axis{stroke:#999}.base{stroke:"     \
	"#9aa5b1;stroke-width:2;stroke-dasharray:6 4}.limit{stroke:#b00;"    \
	"stroke-width:1.5;stroke-dasharray:3 3}"

/* The versions' colours, the baseline's and the limit's. */
void monitor_plot_legend(const struct perf_result *r, int baseline,
			 struct strbuf *o);
/* One plot (nothing when no group has a value of the metric). */
void monitor_plot_metric(const struct plot_in *in, const char *metric,
			 struct strbuf *o);

#endif
