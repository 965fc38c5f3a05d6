/* model_inspect: a model file's features, task and labels, read from the
 * file alone, for `mlops init --model`. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/error.h"
#include "../core/fsutil.h"
#include "../core/strbuf.h"
#include "model.h"

static int ends_with(const char *s, const char *tail)
{
	size_t n = strlen(s), t = strlen(tail);

	return n >= t && !strcmp(s + n - t, tail);
}

/* The runtime a file is for: its extension, then its first bytes. */
static int guess_runtime(const char *path)
{
	char head[64] = { 0 };
	FILE *f;

	if (ends_with(path, ".onnx"))
		return RUNTIME_ONNX;
	if (ends_with(path, ".ubj") || ends_with(path, ".bin") ||
	    ends_with(path, ".model"))
		return RUNTIME_XGBOOST;
	f = fopen(path, "rb");
	if (!f)
		return mlops_error_errno(MLOPS_EIO, errno, "cannot open '%s'",
					 path);
	if (!fread(head, 1, sizeof(head) - 1, f))
		head[0] = '\0';
	fclose(f);
	if (!strncmp(head, "tree\n", 5) || !strncmp(head, "tree\r\n", 6))
		return RUNTIME_LIGHTGBM;
	if (strstr(head, "\"mlops_glm\""))
		return RUNTIME_GLM;
	if (head[0] == '{')
		return RUNTIME_XGBOOST;
	mlops_error_set(MLOPS_EINPUT, "cannot tell which runtime '%s' is "
			"for", path);
	mlops_error_hint("pass --runtime: xgboost, glm, onnx or lightgbm");
	return MLOPS_EINPUT;
}

int model_inspect(struct model_info *out, const char *path, int runtime)
{
	const struct model_backend *b;
	int rc;

	memset(out, 0, sizeof(*out));
	if (runtime < 0 && (runtime = guess_runtime(path)) < 0)
		return runtime;
	b = model_backend_for((enum model_runtime)runtime);
	if (!b || !b->inspect)
		return mlops_error_set(MLOPS_EUSAGE, "cannot read a signature "
				       "from %s models",
				       runtime_name((enum model_runtime)runtime));
	out->runtime = (enum model_runtime)runtime;
	rc = b->inspect(path, out);
	if (rc)
		model_info_free(out);
	return rc;
}

void model_info_free(struct model_info *info)
{
	size_t i, k;

	for (i = 0; i < info->nfeatures; i++) {
		free(info->features[i].name);
		for (k = 0; k < info->features[i].nvalues; k++)
			free(info->features[i].values[k]);
		free(info->features[i].values);
	}
	free(info->features);
	for (i = 0; i < info->nlabels; i++)
		free(info->labels[i]);
	free(info->labels);
	memset(info, 0, sizeof(*info));
}
