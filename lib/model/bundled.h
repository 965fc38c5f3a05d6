/* A bundle's model, ready to predict: the model files unpacked into the
 * content-addressed cache, the runtime loaded with the signature's
 * feature order. The descriptor is borrowed: the bundle's (which must
 * outlive bm) or the project's. */
#ifndef MLOPS_MODEL_BUNDLED_H
#define MLOPS_MODEL_BUNDLED_H

#include "../bundle/reader.h"
#include "../descriptor/descriptor.h"
#include "model.h"

struct bundled_model {
	const struct descriptor *d;
	struct model *m;
	char *dir;        /* the cache directory */
	char *model_file; /* the file the runtime loaded */
};

int bundled_model_load(struct bundled_model *out, const struct bundle *b,
		       int nthread);
/* The same from a project directory's descriptor (no bundle yet); d
 * stays the caller's and must outlive bm. */
int project_model_load(struct bundled_model *out, struct descriptor *d,
		       int nthread);
void bundled_model_free(struct bundled_model *bm);

#endif
