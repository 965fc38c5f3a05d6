/* Live drift in mlops serve: the rows the server scores, binned per
 * feature (and the prediction) over a sliding window, against the
 * bundle's reference profile. The request path only bins and adds
 * (relaxed atomics, no lock); PSI and Jensen-Shannon are computed when
 * someone asks (/drift, /metrics). */
#ifndef MLOPS_SERVER_LIVEDRIFT_H
#define MLOPS_SERVER_LIVEDRIFT_H

#include <jansson.h>
#include <stddef.h>

#include "../core/strbuf.h"
#include "../descriptor/descriptor.h"
#include "../drift/profile.h"

struct live_drift;

/* NULL (no error) when the profile has nothing to compare. window: rows
 * the comparison covers (the last 3/4 to all of them). */
struct live_drift *live_drift_new(const struct profile *p,
				  const struct descriptor *d, size_t window,
				  enum model_task task, size_t noutputs);
/* n rows of model inputs (signature order) and their outputs. */
void live_drift_observe(struct live_drift *ld, const double *x,
			const double *y, size_t n);
/* {window, rows, features: [{feature, type, psi, jensenshannon,
 * drifted}], prediction: {...}} */
json_t *live_drift_json(struct live_drift *ld);
/* mlops_feature_drift{model,feature,test} gauges and the window's rows
 * of several models' live drift (NULL entries: none), each with its
 * model's name as the label model. */
void live_drift_metrics(struct live_drift *const *lds,
			const char *const *models, size_t n,
			struct strbuf *out);
void live_drift_free(struct live_drift *ld);

#endif
