/* How the image `mlops image` builds runs, in one place: what its config
 * says and what the Kubernetes manifests (lib/deploy/render.c) must agree
 * with. A leaf: constants only. */
#ifndef MLOPS_IMAGE_CONTRACT_H
#define MLOPS_IMAGE_CONTRACT_H

#define IMAGE_BINARY_DIR "/usr/bin"
#define IMAGE_BINARY IMAGE_BINARY_DIR "/mlops"
#define IMAGE_BUNDLE_PATH "/srv/model/bundle.mlpkg"
#define IMAGE_CACHE_DIR "/var/cache/mlops"
#define IMAGE_PORT 8080
#define IMAGE_LISTEN "0.0.0.0:8080"
#define IMAGE_UID 65532
#define IMAGE_USER "65532:65532"
#define LABEL_BUNDLE_DIGEST "dev.mlops.bundle.digest"
#define LABEL_BUNDLE_NAME "dev.mlops.bundle.name"
#define LABEL_BUNDLE_VERSION "dev.mlops.bundle.version"

#endif
