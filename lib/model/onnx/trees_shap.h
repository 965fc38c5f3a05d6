/* ONNX tree ensembles explained by TreeSHAP (trees_shap.c). */
#ifndef MLOPS_MODEL_ONNX_TREES_SHAP_H
#define MLOPS_MODEL_ONNX_TREES_SHAP_H

#include <stddef.h>

struct ox_graph;
struct ox_shap;

/* The graph's one tree ensemble, reading graph input value `input`
 * (every feature, [N, nfeatures]), as a forest of `groups` outputs (1:
 * the positive class or the value). EINPUT, saying why, when the graph
 * or its trees cannot be explained. */
int ox_shap_load(struct ox_shap **out, const struct ox_graph *g, int input,
		 size_t nfeatures, size_t groups);
int ox_shap_explain(const struct ox_shap *x, const double *rows, size_t nrows,
		    double *out, size_t nthread);
void ox_shap_free(struct ox_shap *x);

#endif
