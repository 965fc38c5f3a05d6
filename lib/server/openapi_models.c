/* The OpenAPI document of several models (openapi.h). Each has its own
 * routes, one path each (/models/NAME/predict, /v2/models/NAME/infer,
 * ...) beside the
 * templated /models/{name}/... ones (OpenAPI matches a concrete path
 * before a templated one), and its own schemas: NAME.Features,
 * NAME.Columns, NAME.Prediction and those built on them
 * (NAME.PredictResponse, ...). Why not one templated path whose body is
 * a oneOf of the models' schemas: the URL names the model, not the
 * body, so no discriminator can tell the bodies apart (rows of objects
 * without additionalProperties match several); openapi-generator makes
 * an untyped wrapper of such a oneOf, and swagger-ui a set of tabs the
 * reader must pick from. A path per model gives each model typed
 * requests and answers, an operation each (operationId NAME.predict: a
 * method per model in a generated client) and, by a tag per model, its
 * own section in swagger-ui. Dotted schema names are what generators
 * already meet in Kubernetes' document (io.k8s.api.core.v1.Pod): they
 * become class names such as CreditRiskFeatures. The templated routes
 * stay for clients of the one-model document, their schemas any
 * model's (anyOf). */
#include "openapi.h"

#include <stdlib.h>
#include <string.h>

#include "../core/jsonutil.h"
#include "openapi_impl.h"
#include "routes.h"

#define SCHEMAS "#/components/schemas/"

/* A $ref to a schema named in names: that name, else NULL. */
static const char *schema_ref(const char *key, const json_t *v,
			      const json_t *names)
{
	const char *ref = json_string_value(v);
	size_t n = strlen(SCHEMAS);

	if (strcmp(key, "$ref") || !ref || strncmp(ref, SCHEMAS, n) ||
	    !json_object_get(names, ref + n))
		return NULL;
	return ref + n;
}

/* 1 when v refers to a schema named in names. */
static int refers_to(json_t *v, const json_t *names)
{
	const char *k;
	json_t *x;
	size_t i;

	json_array_foreach(v, i, x)
		if (refers_to(x, names))
			return 1;
	json_object_foreach(v, k, x)
		if (schema_ref(k, x, names) || refers_to(x, names))
			return 1;
	return 0;
}

/* Its $refs to the schemas in names made refs to prefix.NAME. */
static void refer_to_model(json_t *v, const json_t *names,
			   const char *prefix)
{
	const char *k, *name;
	json_t *x;
	size_t i;

	json_array_foreach(v, i, x)
		refer_to_model(x, names, prefix);
	json_object_foreach(v, k, x) {
		name = schema_ref(k, x, names);
		if (name) {
			char *key = openapi_schema_key(prefix, name);
			struct strbuf ref = STRBUF_INIT;

			strbuf_addf(&ref, SCHEMAS "%s", key);
			json_string_set(x, ref.buf);
			strbuf_release(&ref);
			free(key);
		} else {
			refer_to_model(x, names, prefix);
		}
	}
}

/* The schemas that differ by model: Features, Columns, Prediction and
 * every one of the base built on them (the keys of an object). */
static json_t *model_schema_names(json_t *schemas)
{
	json_t *names = json_pack("{s:n, s:n, s:n}", "Features", "Columns",
				  "Prediction");
	const char *name;
	json_t *s;
	int grew;

	do {
		grew = 0;
		json_object_foreach(schemas, name, s) {
			if (json_object_get(names, name) || !refers_to(s, names))
				continue;
			json_object_set_new(names, name, json_null());
			grew = 1;
		}
	} while (grew);
	return names;
}

/* A model's schemas' prefix: its name, '/' (which component names may
 * not hold, and model names may) as '.' (which model names may not). */
static char *model_prefix(const char *name)
{
	char *p = xstrdup(name), *c;

	for (c = p; *c; c++)
		if (*c == '/')
			*c = '.';
	return p;
}

/* route_known_fn: the model being documented is served. */
static int is_named(void *arg, const char *name, size_t len)
{
	const char *want = arg;

	return strlen(want) == len && !strncmp(want, name, len);
}

/* 1 when the server routes url (naming model name) to path's route:
 * the document shows only the routes the server answers. */
static int routes_to(const char *url, const char *path, const char *name)
{
	struct route_target t;
	const struct route_def *rd = route_resolve(url, is_named, (void *)name,
						   &t);

	return rd && t.name && t.len == strlen(name) &&
	       !strncmp(t.name, name, t.len) &&
	       (rd->id == ROUTE_OIP || !strcmp(rd->path, path));
}

/* Without the {name} parameter: the path names the model. */
static void drop_name_parameter(json_t *o)
{
	json_t *params = json_object_get(o, "parameters"), *p;
	size_t i;

	for (i = json_array_size(params); i-- > 0;) {
		p = json_array_get(params, i);
		if (!strcmp(json_str(p, "$ref") ? json_str(p, "$ref") : "",
			    "#/components/parameters/Name"))
			json_array_remove(params, i);
	}
	if (params && !json_array_size(params))
		json_object_del(o, "parameters");
}

/* OIP tensors carry no schema of their own: the inputs in words. */
static void oip_inputs_text(const json_t *m, json_t *op)
{
	struct strbuf sb = STRBUF_INIT;
	const json_t *f;
	size_t i;

	const json_t *inputs = json_object_get(json_object_get(m, "signature"),
					       "inputs");

	strbuf_addstr(&sb, "Inputs: one tensor each, of shape [n] or [n, 1]");
	if (json_array_size(inputs) > 1)
		strbuf_addf(&sb, ", or all as one [n, %zu] tensor in this order",
			    json_array_size(inputs));
	strbuf_addstr(&sb, ":");
	json_array_foreach(inputs, i, f) {
		const char *t = json_str(f, "type") ? json_str(f, "type") : "";

		strbuf_addf(&sb, "%s %s %s", i ? "," : "", json_str(f, "name"),
			    !strcmp(t, "float") ? "FP64"
			    : !strcmp(t, "int") ? "INT64"
			    : !strcmp(t, "bool") ? "BOOL"
						 : "BYTES");
	}
	strbuf_addstr(&sb, ".");
	if (json_str(op, "description"))
		strbuf_addf(&sb, " %s", json_str(op, "description"));
	json_object_set_new(op, "description", json_string(sb.buf));
	strbuf_release(&sb);
}

/* An operation whose body is OIP tensors. */
static int takes_tensors(const json_t *op)
{
	const json_t *body = json_object_get(op, "requestBody");
	const json_t *media = json_object_get(json_object_get(body, "content"),
					      "application/json");
	const char *ref = json_str(json_object_get(media, "schema"), "$ref");

	return ref && !strcmp(ref, SCHEMAS "InferRequest");
}

/* A route of the base (item), made the model's: its schemas, no {name}
 * parameter, an operation id and a tag of the model's, 404 when the
 * model is unloaded since. */
static json_t *model_item(const json_t *item, const json_t *m,
			  const json_t *names, const char *prefix)
{
	const char *name = json_str(m, "name"), *method;
	json_t *copy = json_deep_copy(item), *op, *res;

	refer_to_model(copy, names, prefix);
	drop_name_parameter(copy);
	json_object_foreach(copy, method, op) {
		struct strbuf id = STRBUF_INIT;

		res = json_object_get(op, "responses");
		if (!json_is_object(res))
			continue;
		drop_name_parameter(op);
		strbuf_addf(&id, "%s.%s", name, json_str(op, "operationId"));
		json_object_set_new(op, "operationId", json_string(id.buf));
		strbuf_release(&id);
		json_object_set_new(op, "tags", json_pack("[s]", name));
		if (!json_object_get(res, "404"))
			json_object_set_new(res, "404", json_pack(
				"{s:s}", "$ref", "#/components/responses/NotFound"));
		if (takes_tensors(op))
			oip_inputs_text(m, op);
	}
	return copy;
}

/* The routes of model m: the base's OIP routes with its name, and
 * /models/NAME + each route without a name that answers for a model
 * (/models/NAME/info: /model/info). tmpl: the base's paths. */
static void model_paths(json_t *paths, json_t *tmpl, const json_t *m,
			const json_t *names, const char *prefix)
{
	const char *name = json_str(m, "name"), *path, *at;
	struct strbuf url = STRBUF_INIT;
	json_t *item;

	json_object_foreach(tmpl, path, item) {
		strbuf_reset(&url);
		at = strstr(path, "{name}");
		if (at && !strncmp(path, "/v2/models/", 11)) {
			strbuf_add(&url, path, (size_t)(at - path));
			strbuf_addf(&url, "%s%s", name, at + strlen("{name}"));
		} else if (!strchr(path, '{')) {
			strbuf_addf(&url, "/models/%s%s", name,
				    strcmp(path, "/model/info") ? path : "/info");
		} else {
			continue;
		}
		if (routes_to(url.buf, path, name))
			json_object_set_new(paths, url.buf,
					    model_item(item, m, names, prefix));
	}
	strbuf_release(&url);
}

/* The routes without a name that answer for a model: the default
 * model's schemas (prefix); without one, what they answer. */
static void unnamed_routes(json_t *tmpl, const json_t *names,
			   const char *prefix)
{
	const char *path, *method;
	json_t *item, *op;

	json_object_foreach(tmpl, path, item) {
		struct strbuf why = STRBUF_INIT;

		if (strchr(path, '{'))
			continue;
		if (prefix) {
			refer_to_model(item, names, prefix);
			continue;
		}
		if (!route_per_model(route_lookup(path)))
			continue;
		json_object_foreach(item, method, op) {
			if (!json_is_object(json_object_get(op, "responses")))
				continue;
			strbuf_reset(&why);
			strbuf_addf(&why, "Several models are served and none "
				    "is the default (serve --default-model): "
				    "400 naming them; /models/{name}%s answers "
				    "for the model named.",
				    strcmp(path, "/model/info") ? path : "/info");
			if (json_str(op, "description"))
				strbuf_addf(&why, " %s",
					    json_str(op, "description"));
			json_object_set_new(op, "description",
					    json_string(why.buf));
		}
		strbuf_release(&why);
	}
}

/* The schemas of the templated routes: any model's. */
static void any_model_schemas(json_t *schemas, const json_t *models)
{
	static const char *const leaves[] = { "Features", "Columns",
					      "Prediction" };
	const json_t *m;
	size_t i, k;

	for (k = 0; k < 3; k++) {
		json_t *any = json_array();

		json_array_foreach(models, i, m) {
			char *prefix = model_prefix(json_str(m, "name"));
			char *key = openapi_schema_key(prefix, leaves[k]);
			struct strbuf ref = STRBUF_INIT;

			strbuf_addf(&ref, SCHEMAS "%s", key);
			json_array_append_new(any, json_pack("{s:s}", "$ref",
							     ref.buf));
			strbuf_release(&ref);
			free(key);
			free(prefix);
		}
		json_object_set_new(schemas, leaves[k], json_pack(
			"{s:o, s:s}", "anyOf", any, "description",
			"the model's named by the route (see its own schema: "
			"NAME.Features, NAME.Columns, NAME.Prediction)"));
	}
}

/* info: the models' names and versions; x-models: each model, its
 * version, whether it is the default, its schemas; tags: one a model,
 * for its routes. */
static void models_info(json_t *doc, const json_t *models,
			const char *default_name)
{
	struct strbuf title = STRBUF_INIT, version = STRBUF_INIT;
	struct strbuf text = STRBUF_INIT;
	json_t *x = json_array(), *tags = json_array(), *e;
	const json_t *m;
	size_t i;

	json_array_foreach(models, i, m) {
		const char *name = json_str(m, "name");
		const char *desc = json_str(m, "description");
		int dflt = default_name && !strcmp(default_name, name);
		char *prefix = model_prefix(name);
		char *features = openapi_schema_key(prefix, "Features");
		char *prediction = openapi_schema_key(prefix, "Prediction");

		strbuf_addf(&title, "%s%s", i ? ", " : "", name);
		strbuf_addf(&version, "%s%s", i ? ", " : "",
			    json_str(m, "version"));
		e = json_pack("{s:s, s:s, s:s*, s:b, s:s+, s:s+}", "name", name,
			      "version", json_str(m, "version"), "description",
			      desc, "default", dflt, "features", SCHEMAS,
			      features, "prediction", SCHEMAS, prediction);
		json_array_append_new(x, e);
		strbuf_reset(&text);
		strbuf_addf(&text, "%s %s%s%s%s", name, json_str(m, "version"),
			    dflt ? " (the default model)" : "",
			    desc ? ": " : "", desc ? desc : "");
		json_array_append_new(tags, json_pack("{s:s, s:s}", "name", name,
						      "description", text.buf));
		free(prediction);
		free(features);
		free(prefix);
	}
	strbuf_reset(&text);
	strbuf_addf(&text, "%zu models, each with its own routes "
		    "(/models/NAME/..., /v2/models/NAME/...) and schemas "
		    "(NAME.Features, NAME.Prediction, ...)%s%s.",
		    json_array_size(models),
		    default_name ? "; the routes without a name answer for "
				   : "", default_name ? default_name : "");
	json_object_set_new(doc, "info", json_pack(
		"{s:s, s:s, s:s}", "title", title.buf, "version", version.buf,
		"description", text.buf));
	json_object_set_new(doc, "tags", tags);
	json_object_set_new(doc, "x-models", x);
	strbuf_release(&title);
	strbuf_release(&version);
	strbuf_release(&text);
}

json_t *openapi_models_document(const json_t *models, const char *default_name,
				const struct openapi_opts *o)
{
	json_t *base, *doc, *schemas, *names, *tmpl, *generic, *m, *s;
	const char *name;
	char *dflt = NULL;
	size_t i;

	if (json_array_size(models) == 1)
		return openapi_document(json_array_get(models, 0), o);
	base = json_loadb(openapi_base, openapi_base_len, 0, NULL);
	if (!base)
		return NULL;
	doc = openapi_start(base, json_object());
	schemas = json_object_get(json_object_get(doc, "components"),
				  "schemas");
	names = model_schema_names(schemas);
	/* The base's routes and schemas as they were, to copy from. */
	tmpl = json_copy(json_object_get(doc, "paths"));
	generic = json_copy(schemas);
	json_array_foreach(models, i, m) {
		char *prefix = model_prefix(json_str(m, "name")), *key;

		openapi_model_schemas(m, schemas, prefix);
		json_object_foreach(generic, name, s) {
			json_t *copy;

			if (!json_object_get(names, name))
				continue;
			copy = json_deep_copy(s);
			refer_to_model(copy, names, prefix);
			key = openapi_schema_key(prefix, name);
			json_object_set_new(schemas, key, copy);
			free(key);
		}
		model_paths(json_object_get(doc, "paths"), tmpl, m, names,
			    prefix);
		if (default_name && !strcmp(default_name, json_str(m, "name")))
			dflt = xstrdup(prefix);
		free(prefix);
	}
	any_model_schemas(schemas, models);
	unnamed_routes(tmpl, names, dflt);
	models_info(doc, models, dflt ? default_name : NULL);
	openapi_finish(doc, base, o);
	free(dflt);
	json_decref(generic);
	json_decref(tmpl);
	json_decref(names);
	return doc;
}

