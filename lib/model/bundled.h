/* A bundle's model, ready to predict: the model files unpacked into the
 * content-addressed cache, the descriptor read back, the runtime loaded
 * with the signature's feature order. */
#ifndef MLOPS_MODEL_BUNDLED_H
#define MLOPS_MODEL_BUNDLED_H

#include "../bundle/reader.h"
#include "../descriptor/descriptor.h"
#include "model.h"

struct bundled_model {
	struct descriptor *d;
	struct model *m;
	char *dir;        /* the cache directory */
	char *model_file; /* the file the runtime loaded */
	int borrowed_d;   /* d belongs to the caller (project_model_load) */
};

int bundled_model_load(struct bundled_model *out, const struct bundle *b,
		       int nthread);
/* The same from a project directory's descriptor (no bundle yet); d
 * stays the caller's and must outlive bm. */
int project_model_load(struct bundled_model *out, struct descriptor *d,
		       int nthread);
void bundled_model_free(struct bundled_model *bm);

#endif
