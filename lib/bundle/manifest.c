#include "manifest.h"

#include <string.h>

#include "../core/strbuf.h"
#include "mediatypes.h"

json_t *manifest_config(const struct descriptor *d,
			const struct provenance *prov, const char *created,
			const struct layer_desc *layers, size_t nlayers)
{
	json_t *desc = json_object(), *cfg = json_object(), *fs, *ids;
	size_t i;

	json_object_set_new(desc, "name", json_string(d->name));
	json_object_set_new(desc, "version", json_string(d->version));
	json_object_set_new(desc, "createdAt", json_string(created));
	if (d->description)
		json_object_set_new(desc, "description",
				    json_string(d->description));
	if (d->nauthors) {
		json_t *a = json_array();

		for (i = 0; i < d->nauthors; i++)
			json_array_append_new(a, json_string(d->authors[i]));
		json_object_set_new(desc, "authors", a);
	}
	if (d->license)
		json_object_set_new(desc, "licenses",
				    json_pack("[s]", d->license));
	if (prov->commit[0])
		json_object_set_new(desc, "revision", json_string(prov->commit));
	if (prov->remote)
		json_object_set_new(desc, "sourceURL", json_string(prov->remote));
	json_object_set_new(desc, "family",
			    json_string(runtime_name(d->model.runtime)));

	json_object_set_new(cfg, "architecture",
			    json_string(runtime_architecture(d->model.runtime)));
	json_object_set_new(cfg, "format",
			    json_string(runtime_name(d->model.runtime)));

	ids = json_array();
	for (i = 0; i < nlayers; i++)
		json_array_append_new(ids, json_string(layers[i].digest));
	fs = json_pack("{s:s, s:o}", "type", "layers", "diffIds", ids);
	return json_pack("{s:o, s:o, s:o}", "descriptor", desc, "config", cfg,
			 "modelfs", fs);
}

json_t *manifest_build(const char *config_digest, uint64_t config_size,
		       const struct layer_desc *layers, size_t nlayers,
		       const struct descriptor *d,
		       const struct provenance *prov, const char *created)
{
	json_t *m = json_object(), *ls = json_array(), *ann = json_object();
	size_t i;

	json_object_set_new(m, "schemaVersion", json_integer(2));
	json_object_set_new(m, "mediaType", json_string(MT_OCI_MANIFEST));
	json_object_set_new(m, "artifactType", json_string(MT_MODEL_ARTIFACT));
	json_object_set_new(m, "config",
			    json_pack("{s:s, s:s, s:I}", "mediaType",
				      MT_MODEL_CONFIG, "digest", config_digest,
				      "size", (json_int_t)config_size));
	for (i = 0; i < nlayers; i++) {
		json_t *l = json_pack("{s:s, s:s, s:I}", "mediaType",
				      layers[i].media_type, "digest",
				      layers[i].digest, "size",
				      (json_int_t)layers[i].size);

		if (layers[i].annotations)
			json_object_set(l, "annotations", layers[i].annotations);
		json_array_append_new(ls, l);
	}
	json_object_set_new(m, "layers", ls);
	json_object_set_new(ann, AN_TITLE, json_string(d->name));
	json_object_set_new(ann, AN_VERSION, json_string(d->version));
	json_object_set_new(ann, AN_CREATED, json_string(created));
	if (prov->commit[0])
		json_object_set_new(ann, AN_REVISION, json_string(prov->commit));
	if (prov->remote)
		json_object_set_new(ann, AN_SOURCE, json_string(prov->remote));
	if (d->description)
		json_object_set_new(ann, AN_DESCRIPTION,
				    json_string(d->description));
	if (d->license)
		json_object_set_new(ann, AN_LICENSES, json_string(d->license));
	json_object_set_new(m, "annotations", ann);
	return m;
}

char *manifest_ref_name(const char *version)
{
	char *s = xstrdup(version), *p;

	for (p = s; *p; p++)
		if (*p == '+')
			*p = '_';
	return s;
}

json_t *manifest_index(const char *manifest_digest, uint64_t manifest_size,
		       const char *ref_name)
{
	json_t *desc = json_pack("{s:s, s:s, s:I, s:s, s:{s:s}}", "mediaType",
				 MT_OCI_MANIFEST, "digest", manifest_digest,
				 "size", (json_int_t)manifest_size,
				 "artifactType", MT_MODEL_ARTIFACT,
				 "annotations", AN_REF_NAME, ref_name);

	return json_pack("{s:i, s:s, s:[o]}", "schemaVersion", 2, "mediaType",
			 MT_OCI_INDEX, "manifests", desc);
}
