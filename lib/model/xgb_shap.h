/* XGBoost boosters as TreeSHAP forests (treeshap.h). */
#ifndef MLOPS_MODEL_XGB_SHAP_H
#define MLOPS_MODEL_XGB_SHAP_H

#include <stddef.h>

struct xgb_shap;

/* The trees of the model file at path (any format libxgboost reads),
 * ngroups outputs, nfeatures features. EINPUT when the booster is not
 * made of trees TreeSHAP covers, and why. */
int xgb_shap_load(struct xgb_shap **out, const char *path, size_t nfeatures,
		  size_t ngroups);
int xgb_shap_explain(const struct xgb_shap *x, const double *rows,
		     size_t nrows, double *out, size_t nthread);
void xgb_shap_free(struct xgb_shap *x);

#endif
