#include "info.h"

#include <string.h>

#include "../core/jsonutil.h"
#include "mediatypes.h"
#include "meta.h"

static json_t *layers_json(const struct bundle *b)
{
	const json_t *layers = json_object_get(b->manifest, "layers"), *l;
	json_t *out = json_array();
	size_t i;

	json_array_foreach(layers, i, l) {
		const json_t *ann = json_object_get(l, "annotations");
		const char *name = json_str(ann, AN_FILEPATH);
		json_t *o = json_pack("{s:s, s:s, s:O}", "mediaType",
				      json_str(l, "mediaType"), "digest",
				      json_str(l, "digest"), "size",
				      json_object_get(l, "size"));

		if (!name)
			name = json_str(ann, AN_TITLE);
		if (name)
			json_object_set_new(o, "name", json_string(name));
		json_array_append_new(out, o);
	}
	return out;
}

static json_t *sbom_summary(const struct bundle *b)
{
	const json_t *comps = json_object_get(b->sbom, "components"), *c;
	json_t *by_type = json_object(), *libs = json_array(), *o;
	size_t i;

	if (!b->sbom)
		return json_null();
	json_array_foreach(comps, i, c) {
		const char *type = json_str(c, "type");
		json_t *n;

		if (!type)
			continue;
		n = json_object_get(by_type, type);
		json_object_set_new(by_type, type,
				    json_integer(n ? json_integer_value(n) + 1
						   : 1));
		if (!strcmp(type, "library") && json_str(c, "purl"))
			json_array_append_new(libs,
					      json_string(json_str(c, "purl")));
	}
	o = json_object();
	json_object_set_new(o, "digest", json_string(b->sbom_digest));
	json_object_set_new(o, "format", json_string(json_str(b->sbom,
							      "bomFormat")
							     ? json_str(b->sbom,
									"bomFormat")
							     : "unknown"));
	if (json_str(b->sbom, "specVersion"))
		json_object_set_new(o, "specVersion",
				    json_string(json_str(b->sbom,
							 "specVersion")));
	if (json_str(b->sbom, "serialNumber"))
		json_object_set_new(o, "serialNumber",
				    json_string(json_str(b->sbom,
							 "serialNumber")));
	json_object_set_new(o, "components",
			    json_integer((json_int_t)json_array_size(comps)));
	json_object_set_new(o, "by_type", by_type);
	json_object_set_new(o, "libraries", libs);
	return o;
}

json_t *bundle_info(const struct bundle *b)
{
	const json_t *d = bundle_descriptor_json(b);
	const json_t *ann = json_object_get(b->manifest, "annotations");
	json_t *o = json_object();
	static const char *const copy[] = {
		"name", "version", "description", "license", "authors",
		"model", "signature", "datasets", "gates", "smoke",
		"dependencies", "environments", "monitor", NULL,
	};
	const char *time_source = json_str(bundle_provenance_json(b),
					   "build_time_source");
	int i;

	json_object_set_new(o, "path", json_string(b->path));
	json_object_set_new(o, "size", json_integer((json_int_t)b->file_size));
	json_object_set_new(o, "digest", json_string(b->manifest_digest));
	for (i = 0; copy[i]; i++) {
		json_t *v = json_object_get(d, copy[i]);

		if (v)
			json_object_set(o, copy[i], v);
	}
	/* Without SOURCE_DATE_EPOCH or a commit the manifest says 1970
	 * (the bytes stay reproducible); that is no build time. */
	if (time_source && !strcmp(time_source, "none"))
		json_object_set_new(o, "created", json_null());
	else if (json_str(ann, AN_CREATED))
		json_object_set_new(o, "created",
				    json_string(json_str(ann, AN_CREATED)));
	json_object_set_new(o, "layers", layers_json(b));
	json_object_set(o, "files", (json_t *)bundle_files(b));
	if (bundle_provenance_json(b))
		json_object_set(o, "provenance",
				(json_t *)bundle_provenance_json(b));
	json_object_set_new(o, "sbom", sbom_summary(b));
	/* As the signatures name themselves: checked by validate --verify. */
	{
		json_t *sigs = json_array();
		size_t k;

		for (k = 0; k < b->nsigs; k++)
			json_array_append_new(sigs, json_pack("{s:s, s:s}",
							      "digest",
							      b->sigs[k].digest,
							      "key",
							      b->sigs[k].key_id));
		json_object_set_new(o, "signatures", sigs);
	}
	return o;
}
