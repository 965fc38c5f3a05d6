/* mlops image: a runnable OCI image of a bundle, built without a
 * container daemon. Two layers of our own on an empty root (or on a
 * base image's layers):
 *   runtime: /usr/bin/mlops, its loader and shared-library closure,
 *            CA certificates, /etc/passwd and /etc/group with the user
 *            nonroot (65532), /tmp and /var/cache/mlops (1777),
 *   model:   /srv/model/bundle.mlpkg,
 * so that a new model version reuses the runtime layer. Reproducible:
 * every time is SOURCE_DATE_EPOCH, else the bundle's creation time. */
#ifndef MLOPS_IMAGE_IMAGE_H
#define MLOPS_IMAGE_IMAGE_H

#include <jansson.h>

#include "../registry/store.h"
#include "contract.h"


struct image_opts {
	const char *bundle; /* the .mlpkg */
	const char *ref;    /* -t: where it goes; its tag names it */
	const char *output; /* an OCI layout tar to write, or NULL */
	int push;           /* push to ref with the registry client */
	const char *base;   /* a base image's reference, or NULL */
	const char *binary; /* the mlops to put in; NULL: this one */
	struct store_opts store;
};

/* The result (also what --json prints): {ref, tag, digest, pinned
 * ("REPO@sha256:..."), config: {digest, size}, manifest: {size},
 * layers: [{role, mediaType, digest, diff_id, size, uncompressed}],
 * loader, libraries: [{name, path}], bundle: {digest, name, version},
 * created, output, pushed}. */
int image_build(json_t **out, const struct image_opts *o);

#endif
