/* An image layer: a tar written through tarwriter, hashed as it goes
 * (its diff_id), gzip-compressed (zlib: no name, mtime 0, so the same
 * tar gives the same bytes) and hashed again (its digest), into an
 * unnamed temporary file that push and the OCI layout read back. */
#ifndef MLOPS_IMAGE_LAYER_H
#define MLOPS_IMAGE_LAYER_H

#include <stdint.h>
#include <time.h>

#include "../core/sha256.h"

#define MT_OCI_LAYER_GZIP "application/vnd.oci.image.layer.v1.tar+gzip"

struct layer {
	int fd;                       /* the compressed bytes; -1 when none */
	char digest[DIGEST_STR_LEN];  /* of the compressed bytes */
	char diff_id[DIGEST_STR_LEN]; /* of the uncompressed tar */
	uint64_t size, tar_size;
};

struct layer_writer;
struct tarw;

/* *t receives the layer's entries, then layer_finish closes it. */
int layer_begin(struct layer_writer **out, struct tarw **t, time_t mtime);
int layer_finish(struct layer_writer *w, struct layer *out);
/* After a failure: frees w and t. */
void layer_abort(struct layer_writer *w);
void layer_release(struct layer *l);
/* An unnamed file in $TMPDIR (else /tmp) that vanishes when closed. */
int layer_temp_file(void);

#endif
