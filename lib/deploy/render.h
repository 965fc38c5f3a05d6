/* Kubernetes manifests for a bundle and a kubernetes environment, one
 * file an object plus kustomization.yaml listing them (kubectl apply -k
 * DIR; overlays patch it): a Deployment running the image `mlops image`
 * builds (its entrypoint "mlops serve", the bundle at
 * /srv/model/bundle.mlpkg, user 65532) under the restricted Pod Security
 * profile with a read-only root, a Service, a PodDisruptionBudget and,
 * when the environment autoscales, a HorizontalPodAutoscaler. */
#ifndef MLOPS_DEPLOY_RENDER_H
#define MLOPS_DEPLOY_RENDER_H

#include <stddef.h>

#include "../descriptor/descriptor.h"
#include "../image/contract.h"

/* The key of the environment's api_key_secret the server reads. */
#define RENDER_SECRET_KEY "api-keys"

struct render_opts {
	const char *name;          /* the model's, as in mlops.yaml */
	const char *version;
	/* The bundle's digest, which the server checks at start
	 * (MLOPS_EXPECT_DIGEST); NULL renders a template (mlops init):
	 * no digest checked, and the image may name a tag. */
	const char *bundle_digest;
	const char *image;         /* REPO@sha256:...; NULL: e->image */
};

/* Writes the manifests into dir (made if need be); *files counts the
 * files written, kustomization.yaml among them. An image without a
 * digest is EUSAGE unless o->bundle_digest is NULL. */
int render_kubernetes(const struct environment *e,
		      const struct render_opts *o, const char *dir,
		      size_t *files);

struct sig_key;
/* deploy --render: the bundle at path opened and verified, each key of
 * keys (NULL ones skipped) must have signed it, then render_kubernetes
 * with its name, version and digest. */
int render_bundle(const struct environment *e, const char *path,
		  const struct sig_key *const keys[2], const char *image,
		  const char *dir, size_t *files);

#endif
