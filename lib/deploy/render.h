/* Kubernetes manifests for a bundle and a kubernetes environment:
 * Deployment (mlops serve, probes on the health endpoints, resources),
 * Service, HorizontalPodAutoscaler, PodDisruptionBudget and ConfigMap,
 * one file each in a directory, for kubectl apply -f DIR. */
#ifndef MLOPS_DEPLOY_RENDER_H
#define MLOPS_DEPLOY_RENDER_H

#include "../descriptor/descriptor.h"

/* The image is expected to hold the bundle at /srv/model/bundle.mlpkg;
 * its digest is recorded in the ConfigMap and as an annotation. *files
 * counts the manifests written. */
int render_kubernetes(const struct environment *e, const char *name,
		      const char *version, const char *digest,
		      const char *dir, size_t *files);

#endif
