#include "meta.h"

#include "../core/error.h"
#include "../core/jsonutil.h"
#include "../descriptor/descriptor.h"

int bundle_descriptor(const struct bundle *b, const struct descriptor **d)
{
	if (d)
		*d = b->d;
	if (b->d)
		return 0;
	return mlops_error_set(MLOPS_EINPUT, "%s", b->descriptor_error
						       ? b->descriptor_error
						       : "the bundle has no descriptor");
}

const json_t *bundle_descriptor_json(const struct bundle *b)
{
	return json_object_get(b->mlops, "descriptor");
}

const char *bundle_name(const struct bundle *b)
{
	return json_str(bundle_descriptor_json(b), "name");
}

const char *bundle_version(const struct bundle *b)
{
	return json_str(bundle_descriptor_json(b), "version");
}

const json_t *bundle_files(const struct bundle *b)
{
	return json_object_get(b->mlops, "files");
}

const json_t *bundle_provenance_json(const struct bundle *b)
{
	return json_object_get(b->mlops, "provenance");
}

const char *bundle_commit(const struct bundle *b)
{
	return json_str(bundle_provenance_json(b), "commit");
}

const json_t *bundle_reference_profile(const struct bundle *b)
{
	return json_object_get(b->mlops, "reference_profile");
}

const json_t *bundle_golden_predictions(const struct bundle *b)
{
	return json_object_get(b->mlops, "golden_predictions");
}

int bundle_or_file_descriptor(const char *bundle_path, const char *file,
			      struct descriptor **d)
{
	struct bundle *b = NULL;
	int rc;

	if (bundle_path) {
		rc = bundle_open(&b, bundle_path, NULL);
		if (!rc)
			rc = bundle_descriptor(b, NULL);
		if (!rc) {
			*d = b->d; /* the caller's now */
			b->d = NULL;
		}
		bundle_free(b);
		return rc;
	}
	return descriptor_load(d, file ? file : "mlops.yaml");
}
