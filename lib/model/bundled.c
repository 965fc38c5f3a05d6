#include "bundled.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "../bundle/collect.h"
#include "../bundle/extract.h"
#include "../bundle/meta.h"
#include "../core/error.h"
#include "../core/fsutil.h"
#include "../core/jsonutil.h"
#include "../core/strbuf.h"

/* model.path may name a folder: then it must hold one model file. */
static int model_file(char **out, const char *dir, const char *path,
		      const json_t *files)
{
	struct stat st;
	char *full = fs_join(dir, path);
	const json_t *f;
	const char *found = NULL;
	size_t i, n = 0;

	*out = NULL;
	if (stat(full, &st) == 0 && S_ISREG(st.st_mode)) {
		*out = full;
		return 0;
	}
	free(full);
	json_array_foreach(files, i, f)
		if (json_str(f, "kind") && !strcmp(json_str(f, "kind"), "model")) {
			found = json_str(f, "path");
			n++;
		}
	if (n != 1 || !found)
		return mlops_error_set(MLOPS_EINPUT, "model.path '%s' holds %zu "
				       "files; the runtime needs one model file",
				       path, n);
	*out = fs_join(dir, found);
	return 0;
}

/* What a reference value is to the model: a category's position in
 * its values, 1 or 0 for booleans; -1 when neither. */
static double code_of(const struct field *f, const char *value)
{
	size_t i;

	if (f->type == VT_BOOL)
		return !strcmp(value, "true") ? 1 : !strcmp(value, "false") ? 0
									     : -1;
	for (i = 0; f->type == VT_CATEGORY && i < f->nvalues; i++)
		if (!strcmp(f->values[i], value))
			return (double)i;
	return -1;
}

/* Each input's mean in the bundle's reference profile (categories and
 * booleans: the mean of their codes), NaN when the profile lacks it;
 * NULL when the bundle has no profile. */
static double *reference_means(const struct bundle *b,
			       const struct descriptor *d)
{
	const json_t *p = b ? bundle_reference_profile(b) : NULL, *c, *col;
	double *means;
	size_t i, k;

	if (!p)
		return NULL;
	means = xcalloc(d->ninputs + 1, sizeof(double));
	for (i = 0; i < d->ninputs; i++) {
		const struct field *f = &d->inputs[i];
		const json_t *cats, *n;
		const char *value;
		double sum = 0, count = 0;

		means[i] = NAN;
		c = NULL;
		json_array_foreach(json_object_get(p, "columns"), k, col)
			if (!c && json_str(col, "name") &&
			    !strcmp(json_str(col, "name"), f->name))
				c = col;
		if (!c)
			continue;
		if (json_is_number(json_object_get(c, "mean"))) {
			means[i] = json_number_value(json_object_get(c, "mean"));
			continue;
		}
		cats = json_object_get(c, "categories");
		json_object_foreach((json_t *)cats, value, n) {
			double code = code_of(f, value);

			if (code < 0 || !json_is_number(n))
				continue;
			sum += code * json_number_value(n);
			count += json_number_value(n);
		}
		if (count > 0)
			means[i] = sum / count;
	}
	return means;
}

static int load(struct bundled_model *bm, const struct bundle *b, int nthread)
{
	const struct descriptor *d = bm->d;
	const char **names = xcalloc(d->ninputs + 1, sizeof(char *));
	struct model_spec spec = { 0 };
	double *means;
	size_t i;
	int rc = 0;

	for (i = 0; i < d->ninputs && !rc; i++) {
		names[i] = d->inputs[i].name;
		if (d->inputs[i].type == VT_STRING) {
			rc = mlops_error_set(MLOPS_EINPUT, "input '%s' is a "
					     "string, and models take numbers",
					     d->inputs[i].name);
			mlops_error_hint("declare it as a category with its "
					 "values");
		}
	}
	spec.path = bm->model_file;
	spec.runtime = d->model.runtime;
	spec.task = d->model.task;
	spec.nclasses = d->model.nclasses;
	spec.features = names;
	spec.fields = d->inputs;
	spec.nfeatures = d->ninputs;
	spec.nthread = nthread;
	means = reference_means(b, d);
	spec.reference_means = means;
	if (!rc && !d->ninputs)
		rc = mlops_error_set(MLOPS_EINPUT, "the descriptor declares no "
				     "signature.inputs; the model's feature "
				     "order is unknown");
	if (!rc)
		rc = model_load(&bm->m, &spec);
	if (!rc)
		rc = model_set_labels(bm->m, d->model.labels, d->model.nlabels);
	free(names);
	free(means);
	return rc;
}

int bundled_model_load(struct bundled_model *out, const struct bundle *b,
		       int nthread)
{
	int rc;

	memset(out, 0, sizeof(*out));
	rc = bundle_descriptor(b, &out->d);
	if (!rc)
		rc = bundle_cache(b, &out->dir);
	if (!rc)
		rc = model_file(&out->model_file, out->dir, out->d->model.path,
				bundle_files(b));
	if (!rc)
		rc = load(out, b, nthread);
	if (rc)
		bundled_model_free(out);
	return rc;
}

int project_model_load(struct bundled_model *out, struct descriptor *d,
		       int nthread)
{
	int rc;

	memset(out, 0, sizeof(*out));
	out->d = d;
	rc = project_file(&out->model_file, d->dir, d->model.path,
			  "model.path");
	if (rc)
		descriptor_error_at(d, "model.path");
	if (!rc)
		rc = load(out, NULL, nthread);
	if (rc)
		bundled_model_free(out);
	return rc;
}

void bundled_model_free(struct bundled_model *bm)
{
	model_free(bm->m);
	free(bm->dir);
	free(bm->model_file);
	memset(bm, 0, sizeof(*bm));
}
