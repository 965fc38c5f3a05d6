/* The bundle inside an image mlops image built: from an OCI layout tar
 * (-o) or a registry reference, for `mlops inspect`. */
#ifndef MLOPS_IMAGE_READ_H
#define MLOPS_IMAGE_READ_H

#include <jansson.h>

#include "../core/tempfile.h"
#include "../registry/store.h"

struct image_bundle {
	struct tempfile tmp; /* the bundle, extracted: tmp.path */
	json_t *image;       /* {source, digest, config_digest, created,
				architecture, labels, entrypoint, cmd, user} */
};

/* 1 when `arg` is an mlops image (its bundle extracted, its digest
 * checked against the image's label), 0 when it is not an image (a
 * bundle, or not there: the caller goes on as for a bundle), or an
 * error: an image without a bundle, a registry failure. */
int image_bundle_open(struct image_bundle *ib, const char *arg,
		      const struct store_opts *so);
void image_bundle_close(struct image_bundle *ib);

#endif
