/* Prediction drift: the model's outputs over a dataset (see
 * profile_predict.c). */
#ifndef MLOPS_DRIFT_PROFILE_PREDICT_H
#define MLOPS_DRIFT_PROFILE_PREDICT_H

#include "../data/table.h"
#include "../model/bundled.h"
#include "profile.h"

/* The name of the predictions' column in profiles and reports. */

/* One value a valid row (rows the contract refuses are skipped). */
int predictions_of(struct bundled_model *bm, const char *path,
		   const struct table_opts *to, double **out, size_t *n);
int profile_add_predictions(struct profile *p, struct bundled_model *bm,
			    const char *path, size_t sample);

#endif
