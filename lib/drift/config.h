/* Drift settings as words (mlops.yaml's drift: section, the command
 * line, a bundle's descriptor) into drift_opts. */
#ifndef MLOPS_DRIFT_CONFIG_H
#define MLOPS_DRIFT_CONFIG_H

#include <jansson.h>

#include "opts.h"

/* "dataset", "column" */
const char *drift_fail_on_name(enum drift_fail_on f);
int drift_fail_on_from_name(const char *name, enum drift_fail_on *f);

/* "auto", "sturges", "doane", "quantile:N" (2-1000), "edges:A,B,..."
 * (ascending). *edges (with open outer bins) is the caller's to free. */
int drift_binning_parse(const char *spec, struct drift_opts *o,
			double **edges);
/* The drift: section in its resolved JSON form, {test, threshold,
 * drift_share, fail_on, missing_threshold, binning, columns: {name:
 * {test, threshold}}}: 0, or -1 with why in *why (static text). */
int drift_config_check(const json_t *cfg, const char **why);
/* Applies a checked section to o (defaults first, the command line
 * after). Overrides and edges point into cfg and *edges. */
int drift_config_apply(const json_t *cfg, struct drift_opts *o,
		       struct drift_override **overrides, double **edges);

#endif
