#include "sbom.h"

#include <openssl/evp.h>
#include <stdio.h>
#include <string.h>

#include "../core/strbuf.h"
#include "../core/timeutil.h"

/* A name-based (version 5, SHA-1) UUID of the bundle's contents, so the
 * serial number is as reproducible as the bundle. The namespace is
 * mlops's own, fixed forever. */
static void content_uuid(const struct sbom_input *in, char out[37])
{
	static const unsigned char ns[16] = {
		0x3b, 0x1f, 0x6a, 0x52, 0x8e, 0x0c, 0x4d, 0x7e,
		0x9a, 0x41, 0x6c, 0x2d, 0x85, 0xf3, 0x10, 0xb7,
	};
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	size_t i;

	EVP_DigestInit_ex(ctx, EVP_sha1(), NULL);
	EVP_DigestUpdate(ctx, ns, sizeof(ns));
	EVP_DigestUpdate(ctx, in->d->name, strlen(in->d->name));
	EVP_DigestUpdate(ctx, "@", 1);
	EVP_DigestUpdate(ctx, in->d->version, strlen(in->d->version));
	for (i = 0; i < in->files->n; i++) {
		EVP_DigestUpdate(ctx, in->files->v[i].path,
				 strlen(in->files->v[i].path) + 1);
		EVP_DigestUpdate(ctx, in->files->v[i].digest,
				 strlen(in->files->v[i].digest) + 1);
	}
	EVP_DigestFinal_ex(ctx, md, &mdlen);
	EVP_MD_CTX_free(ctx);
	md[6] = (unsigned char)((md[6] & 0x0f) | 0x50);
	md[8] = (unsigned char)((md[8] & 0x3f) | 0x80);
	snprintf(out, 37,
		 "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-"
		 "%02x%02x%02x%02x%02x%02x",
		 md[0], md[1], md[2], md[3], md[4], md[5], md[6], md[7], md[8],
		 md[9], md[10], md[11], md[12], md[13], md[14], md[15]);
}

static json_t *hashes(const char *digest)
{
	return json_pack("[{s:s, s:s}]", "alg", "SHA-256", "content",
			 digest + 7);
}

static char *ref_for(const struct bundle_file *f)
{
	struct strbuf sb = STRBUF_INIT;
	const char *prefix = f->kind == FILE_MODEL     ? "model:"
			     : f->kind == FILE_DATASET ? "data:"
						       : "file:";

	strbuf_addf(&sb, "%s%s", prefix, f->path);
	return strbuf_detach(&sb);
}

static json_t *model_card(const struct sbom_input *in, json_t *dataset_refs)
{
	const struct descriptor *d = in->d;
	json_t *params = json_object(), *card = json_object();

	json_object_set_new(params, "approach",
			    json_pack("{s:s}", "type", "supervised"));
	json_object_set_new(params, "task",
			    json_string(d->model.task == TASK_REGRESSION
						? "regression"
						: "classification"));
	json_object_set_new(params, "architectureFamily",
			    json_string(runtime_architecture(d->model.runtime)));
	json_object_set_new(params, "modelArchitecture",
			    json_string(runtime_name(d->model.runtime)));
	json_object_set(params, "datasets", dataset_refs);
	json_object_set_new(params, "inputs",
			    json_pack("[{s:s}]", "format", "tabular"));
	json_object_set_new(params, "outputs",
			    json_pack("[{s:s}]", "format",
				      d->model.task == TASK_REGRESSION
					      ? "value"
					      : "probability"));
	json_object_set_new(card, "modelParameters", params);
	return card;
}

static json_t *metadata(const struct sbom_input *in)
{
	const struct descriptor *d = in->d;
	json_t *meta = json_object(), *comp = json_object(), *props;
	char ts[32];
	size_t i;

	time_iso8601(in->epoch, ts);
	json_object_set_new(meta, "timestamp", json_string(ts));
	json_object_set_new(meta, "tools",
			    json_pack("{s:[{s:s, s:s, s:s}]}", "components",
				      "type", "application", "name", "mlops",
				      "version", in->tool_version));
	if (d->nauthors) {
		json_t *a = json_array();

		for (i = 0; i < d->nauthors; i++)
			json_array_append_new(a, json_pack("{s:s}", "name",
							   d->authors[i]));
		json_object_set_new(meta, "authors", a);
	}
	json_object_set_new(comp, "bom-ref", json_string("bundle"));
	json_object_set_new(comp, "type", json_string("application"));
	json_object_set_new(comp, "name", json_string(d->name));
	json_object_set_new(comp, "version", json_string(d->version));
	if (d->description)
		json_object_set_new(comp, "description",
				    json_string(d->description));
	if (d->license)
		json_object_set_new(comp, "licenses",
				    json_pack("[{s:s}]", "expression",
					      d->license));
	if (in->prov->remote && strstr(in->prov->remote, "://"))
		json_object_set_new(comp, "externalReferences",
				    json_pack("[{s:s, s:s}]", "type", "vcs",
					      "url", in->prov->remote));
	json_object_set_new(meta, "component", comp);
	props = json_array();
	if (in->prov->in_repo && in->prov->commit[0])
		json_array_append_new(props,
				      json_pack("{s:s, s:s}", "name",
						"mlops:git:commit", "value",
						in->prov->commit));
	if (in->prov->in_repo)
		json_array_append_new(props,
				      json_pack("{s:s, s:s}", "name",
						"mlops:git:dirty", "value",
						in->prov->dirty ? "true"
								: "false"));
	json_array_append_new(props, json_pack("{s:s, s:s}", "name",
					       "mlops:runtime", "value",
					       runtime_name(d->model.runtime)));
	json_array_append_new(props, json_pack("{s:s, s:s}", "name",
					       "mlops:task", "value",
					       task_name(d->model.task)));
	json_object_set_new(meta, "properties", props);
	return meta;
}

json_t *sbom_build(const struct sbom_input *in)
{
	const struct descriptor *d = in->d;
	json_t *bom = json_object(), *comps = json_array(), *deps = json_array();
	json_t *all = json_array(), *data_refs = json_array();
	json_t *lib_refs = json_array(), *model_deps;
	char uuid[37], serial[64];
	size_t i;

	content_uuid(in, uuid);
	snprintf(serial, sizeof(serial), "urn:uuid:%s", uuid);
	json_object_set_new(bom, "$schema", json_string(
		"http://cyclonedx.org/schema/bom-1.6.schema.json"));
	json_object_set_new(bom, "bomFormat", json_string("CycloneDX"));
	json_object_set_new(bom, "specVersion", json_string("1.6"));
	json_object_set_new(bom, "serialNumber", json_string(serial));
	json_object_set_new(bom, "version", json_integer(1));
	json_object_set_new(bom, "metadata", metadata(in));

	/* Datasets first: the model card refers to them. */
	for (i = 0; i < in->files->n; i++) {
		const struct bundle_file *f = &in->files->v[i];
		if (f->kind == FILE_DATASET && f->role) {
			char *ref = ref_for(f);

			json_array_append_new(data_refs,
					      json_pack("{s:s}", "ref", ref));
			free(ref);
		}
	}
	for (i = 0; i < in->deps->n; i++)
		json_array_append_new(lib_refs,
				      json_string(in->deps->v[i].purl));

	for (i = 0; i < in->files->n; i++) {
		const struct bundle_file *f = &in->files->v[i];
		char *ref = ref_for(f);
		json_t *c = json_object();

		json_object_set_new(c, "bom-ref", json_string(ref));
		switch (f->kind) {
		case FILE_MODEL:
			json_object_set_new(c, "type", json_string(
				"machine-learning-model"));
			json_object_set_new(c, "name", json_string(f->path));
			json_object_set_new(c, "version",
					    json_string(d->version));
			json_object_set_new(c, "hashes", hashes(f->digest));
			json_object_set_new(c, "modelCard",
					    model_card(in, data_refs));
			break;
		case FILE_DATASET: {
			json_t *item = json_pack("{s:s, s:s}", "type", "dataset",
						 "name", f->path);

			if (f->role)
				json_object_set_new(
					item, "description",
					json_string(!strcmp(f->role, "golden")
							    ? "golden set with "
							      "labels, for "
							      "quality gates"
							    : "reference sample "
							      "for drift"));
			json_object_set_new(c, "type", json_string("data"));
			json_object_set_new(c, "name", json_string(f->path));
			json_object_set_new(c, "hashes", hashes(f->digest));
			json_object_set_new(c, "data", json_pack("[o]", item));
			break;
		}
		default:
			json_object_set_new(c, "type", json_string("file"));
			json_object_set_new(c, "name", json_string(f->path));
			json_object_set_new(c, "hashes", hashes(f->digest));
			json_object_set_new(
				c, "properties",
				json_pack("[{s:s, s:s}]", "name", "mlops:kind",
					  "value", file_kind_name(f->kind)));
			break;
		}
		json_array_append_new(comps, c);
		json_array_append_new(all, json_string(ref));
		if (f->kind == FILE_MODEL) {
			size_t k;

			model_deps = json_array();
			for (k = 0; k < json_array_size(data_refs); k++)
				json_array_append(model_deps, json_object_get(
					json_array_get(data_refs, k), "ref"));
			json_array_extend(model_deps, lib_refs);
			json_array_append_new(deps, json_pack("{s:s, s:o}", "ref",
							      ref, "dependsOn",
							      model_deps));
		} else {
			json_array_append_new(deps, json_pack("{s:s, s:[]}", "ref",
							      ref, "dependsOn"));
		}
		free(ref);
	}
	for (i = 0; i < in->deps->n; i++) {
		const struct pinned_dep *p = &in->deps->v[i];

		json_array_append_new(comps,
				      json_pack("{s:s, s:s, s:s, s:s, s:s}",
						"bom-ref", p->purl, "type",
						"library", "name", p->name,
						"version", p->version, "purl",
						p->purl));
		json_array_append_new(all, json_string(p->purl));
		json_array_append_new(deps, json_pack("{s:s, s:[]}", "ref",
						      p->purl, "dependsOn"));
	}
	json_array_insert_new(deps, 0,
			      json_pack("{s:s, s:o}", "ref", "bundle",
					"dependsOn", all));
	json_object_set_new(bom, "components", comps);
	json_object_set_new(bom, "dependencies", deps);
	json_decref(data_refs);
	json_decref(lib_refs);
	return bom;
}
