/* OpenAPI 3.1 (JSON Schema 2020-12 for the schemas). What no model
 * changes (routes, error answers, protocol shapes) is openapi-base.json,
 * compiled in; here come the model's schemas from its signature (the
 * data contract as type, minimum / maximum, enum for categories, null
 * for nullable inputs, required), and what options change: 401 and the
 * security schemes with API keys, 429 with a rate limit, the admin
 * routes with an admin listener. Several models: openapi_models.c. */
#include "openapi.h"

#include <stdlib.h>
#include <string.h>

#include "../core/jsonutil.h"
#include "openapi_impl.h"
#include "serving.h"


/* One input's (or output's) schema from its signature entry. */
static json_t *field_schema(const json_t *f)
{
	const char *type = json_str(f, "type");
	const char *t = !type			 ? "string"
			: !strcmp(type, "float") ? "number"
			: !strcmp(type, "int")	 ? "integer"
			: !strcmp(type, "bool")	 ? "boolean"
						 : "string";
	int nullable = json_is_true(json_object_get(f, "nullable"));
	json_t *s = json_object(), *v;

	json_object_set_new(s, "type", nullable ? json_pack("[s,s]", t, "null")
						: json_string(t));
	if ((v = json_object_get(f, "min")))
		json_object_set(s, "minimum", v);
	if ((v = json_object_get(f, "max")))
		json_object_set(s, "maximum", v);
	if ((v = json_object_get(f, "values"))) {
		json_t *e = json_deep_copy(v);

		if (nullable)
			json_array_append_new(e, json_null());
		json_object_set_new(s, "enum", e);
	}
	if ((v = json_object_get(f, "description")))
		json_object_set(s, "description", v);
	return s;
}

char *openapi_schema_key(const char *prefix, const char *name)
{
	struct strbuf sb = STRBUF_INIT;

	if (prefix)
		strbuf_addf(&sb, "%s.", prefix);
	strbuf_addstr(&sb, name);
	return strbuf_detach(&sb);
}

static void set_schema(json_t *schemas, const char *prefix, const char *name,
		       json_t *schema)
{
	char *key = openapi_schema_key(prefix, name);

	json_object_set_new(schemas, key, schema);
	free(key);
}

/* Features: one row, the inputs by name. Columns: a list of each. */
static void signature_schemas(const json_t *sig, json_t *schemas,
			      const char *prefix)
{
	json_t *props = json_object(), *cols = json_object(), *req = json_array();
	json_t *f;
	size_t i;

	json_array_foreach(json_object_get(sig, "inputs"), i, f) {
		const char *name = json_str(f, "name");

		json_object_set_new(props, name, field_schema(f));
		json_object_set_new(cols, name,
				    json_pack("{s:s, s:o}", "type", "array",
					      "items", field_schema(f)));
		if (json_is_true(json_object_get(f, "required")))
			json_array_append_new(req, json_string(name));
	}
	set_schema(schemas, prefix, "Features",
		   json_pack("{s:s, s:s, s:o, s:o}", "type", "object",
			     "description", "one row: the signature's "
			     "inputs by name (the data contract)",
			     "properties", props, "required", req));
	set_schema(schemas, prefix, "Columns",
		   json_pack("{s:s, s:s, s:o}", "type", "object",
			     "description", "every input as the list of "
			     "its values, one a row",
			     "properties", cols));
}

/* Prediction: the class (a label: integer or string) or the value, and
 * a classifier's probabilities. */
static json_t *prediction_schema(const json_t *sig, const char *task)
{
	int classifier = task && strcmp(task, "regression");
	json_t *props = json_object(), *f, *p = NULL;
	size_t i;

	json_array_foreach(json_object_get(sig, "outputs"), i, f)
		if (!strcmp(json_str(f, "name"), "prediction"))
			p = field_schema(f);
	if (!p)
		p = json_object();
	if (classifier)
		json_object_set_new(p, "type", json_pack("[s,s]", "integer",
							 "string"));
	json_object_set_new(props, "prediction", p);
	if (classifier) {
		json_object_set_new(props, "probability",
				    json_pack("{s:s, s:i, s:i, s:s}", "type",
					      "number", "minimum", 0, "maximum",
					      1, "description", "binary: the "
					      "positive class's; multiclass: "
					      "the predicted class's"));
		json_object_set_new(props, "probabilities",
				    json_pack("{s:s, s:s, s:{s:s}}", "type",
					      "object", "description",
					      "multiclass: every class's "
					      "probability by label",
					      "additionalProperties", "type",
					      "number"));
	}
	return json_pack("{s:s, s:[s], s:o}", "type", "object", "required",
			 "prediction", "properties", props);
}

/* The answers options add to each operation, and its security. */
static void per_operation(json_t *paths, const struct openapi_opts *o,
			  int admin)
{
	const char *path, *method;
	json_t *item, *op;

	json_object_foreach(paths, path, item) {
		json_object_foreach(item, method, op) {
			json_t *res = json_object_get(op, "responses");
			int health = json_is_true(json_object_get(op, "x-health"));

			if (!json_is_object(res))
				continue; /* "parameters" of the path */
			if (admin) {
				json_object_set_new(op, "security",
						    json_pack("[{s:[]}]", "adminKey"));
				json_object_set_new(res, "401", json_pack(
					"{s:s}", "$ref",
					"#/components/responses/Unauthorized"));
				continue;
			}
			if (o->api_keys && health && o->public_health)
				json_object_set_new(op, "security", json_array());
			else if (o->api_keys)
				json_object_set_new(res, "401", json_pack(
					"{s:s}", "$ref",
					"#/components/responses/Unauthorized"));
			if (o->rate_limit && !health)
				json_object_set_new(res, "429", json_pack(
					"{s:s}", "$ref",
					"#/components/responses/TooManyRequests"));
		}
	}
}

static void security_schemes(json_t *doc, const struct openapi_opts *o)
{
	json_t *schemes = json_object();

	if (o->api_keys) {
		json_object_set_new(schemes, "bearer",
				    json_pack("{s:s, s:s, s:s}", "type", "http",
					      "scheme", "bearer", "description",
					      "an API key (--api-key-file, "
					      "MLOPS_API_KEYS)"));
		json_object_set_new(schemes, "apiKey",
				    json_pack("{s:s, s:s, s:s}", "type", "apiKey",
					      "in", "header", "name", "X-API-Key"));
		json_object_set_new(doc, "security",
				    json_pack("[{s:[]}, {s:[]}]", "bearer",
					      "apiKey"));
	}
	if (o->admin_url)
		json_object_set_new(schemes, "adminKey",
				    json_pack("{s:s, s:s, s:s}", "type", "http",
					      "scheme", "bearer", "description",
					      "an admin key (--admin-key-file, "
					      "MLOPS_ADMIN_KEY)"));
	if (json_object_size(schemes))
		json_object_set_new(json_object_get(doc, "components"),
				    "securitySchemes", schemes);
	else
		json_decref(schemes);
}

json_t *openapi_start(json_t *base, json_t *info)
{
	json_t *doc = json_pack("{s:s, s:o, s:O, s:O}", "openapi", "3.1.0",
				"info", info, "paths",
				json_object_get(base, "paths"), "components",
				json_object_get(base, "components"));

	json_object_set_new(doc, "jsonSchemaDialect",
			    json_string("https://spec.openapis.org/oas/3.1/"
					"dialect/base"));
	return doc;
}

void openapi_finish(json_t *doc, json_t *base, const struct openapi_opts *o)
{
	json_t *paths = json_object_get(doc, "paths");
	json_t *admin = json_object_get(base, "x-admin-paths");

	per_operation(paths, o, 0);
	if (o->admin_url) {
		const char *path;
		json_t *item;

		per_operation(admin, o, 1);
		json_object_foreach(admin, path, item) {
			json_object_set_new(item, "servers",
					    json_pack("[{s:s, s:s}]", "url",
						      o->admin_url, "description",
						      "the admin listener"));
			json_object_set(paths, path, item);
		}
	}
	security_schemes(doc, o);
	json_decref(base);
}

void openapi_model_schemas(const json_t *m, json_t *schemas,
			   const char *prefix)
{
	const json_t *sig = json_object_get(m, "signature");
	const char *task = json_str(json_object_get(m, "model"), "task");

	signature_schemas(sig, schemas, prefix);
	set_schema(schemas, prefix, "Prediction", prediction_schema(sig, task));
}

json_t *openapi_document(const json_t *m, const struct openapi_opts *o)
{
	json_t *base = json_loadb(openapi_base, openapi_base_len, 0, NULL);
	json_t *doc, *info;

	if (!base)
		return NULL; /* the text is ours: the tests catch it */
	info = json_pack("{s:s, s:s}", "title", json_str(m, "name"), "version",
			 json_str(m, "version"));
	if (json_str(m, "description"))
		json_object_set_new(info, "description",
				    json_string(json_str(m, "description")));
	doc = openapi_start(base, info);
	openapi_model_schemas(m, json_object_get(json_object_get(
					      doc, "components"), "schemas"),
			      NULL);
	openapi_finish(doc, base, o);
	return doc;
}

/* What openapi_document takes, of a version being served. */
static json_t *serving_json(const struct serving *sv)
{
	const struct descriptor *d = sv->bm->d;

	return json_pack("{s:s, s:s, s:s?, s:{s:s}, s:O}", "name", d->name,
			 "version", d->version, "description", d->description,
			 "model", "task", task_name(d->model.task),
			 "signature", sv->signature);
}

json_t *openapi_serving(const struct serving *sv, const struct openapi_opts *o)
{
	json_t *m = serving_json(sv);
	json_t *doc = openapi_document(m, o);

	json_decref(m);
	return doc;
}

json_t *openapi_served(struct serving *const *v, size_t n,
		       const char *default_name, const struct openapi_opts *o)
{
	json_t *models = json_array(), *doc;
	size_t i;

	for (i = 0; i < n; i++)
		json_array_append_new(models, serving_json(v[i]));
	doc = n ? openapi_models_document(models, default_name, o) : NULL;
	json_decref(models);
	return doc;
}
