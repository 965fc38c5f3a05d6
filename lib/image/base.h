/* Images in a registry: a manifest (through an index to one platform),
 * its config, and its layers moved on without being unpacked. Used for
 * `mlops image --base REF` and `mlops inspect REF`. */
#ifndef MLOPS_IMAGE_BASE_H
#define MLOPS_IMAGE_BASE_H

#include <jansson.h>

#include "../core/sha256.h"
#include "../registry/ref.h"
#include "../registry/store.h"

#define MT_OCI_IMAGE_CONFIG "application/vnd.oci.image.config.v1+json"

struct remote_image {
	struct ref ref;
	struct store *store;
	char digest[DIGEST_STR_LEN]; /* of the image manifest */
	json_t *manifest;            /* layers with OCI media types */
	json_t *config;
	char config_digest[DIGEST_STR_LEN];
};

/* REF's image for `arch` ("amd64"; NULL: the first linux one of an
 * index). EINPUT when REF holds something other than a container image
 * (a bundle, a signature), ENET when the registry fails. */
int remote_image_open(struct remote_image *img, const char *text,
		      const char *arch, const struct store_opts *so);
void remote_image_close(struct remote_image *img);

/* Layer i's bytes into a tar entry blobs/sha256/<hex>. */
struct tarw;
int remote_image_layer_to_tar(struct remote_image *img, size_t i,
			      struct tarw *t);
/* Layer i into `dst` (skipped when there, mounted when dst is another
 * repository of the same registry, else copied). */
int remote_image_layer_push(struct remote_image *img, size_t i,
			    struct store *dst);
/* Layer i into an unnamed temporary file (returned), digest checked. */
int remote_image_layer_fetch(struct remote_image *img, size_t i, int *fd);

#endif
