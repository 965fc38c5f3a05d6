#include "apidocs.h"

#include <string.h>

#include "../core/jsonutil.h"

static const char style[] =
	"body{font:15px/1.5 system-ui,sans-serif;max-width:60rem;margin:2rem "
	"auto;padding:0 1rem;color:#1d2430}"
	"h1{margin-bottom:0}code,pre{font:13px ui-monospace,monospace}"
	"table{border-collapse:collapse;width:100%;margin:.5rem 0 1.5rem}"
	"th,td{text-align:left;padding:.3rem .6rem;border-bottom:1px solid "
	"#dde2ea;vertical-align:top}th{background:#f3f5f8}"
	".m{display:inline-block;min-width:3.5rem;font-weight:600;"
	"color:#fff;border-radius:4px;padding:0 .4rem;text-align:center}"
	".get{background:#2f7d4f}.post{background:#2559a7}.put{background:"
	"#8a5a00}.op{border:1px solid #dde2ea;border-radius:6px;padding:"
	".5rem 1rem;margin:.6rem 0}.muted{color:#5b6675}";

/* A schema's type, as "number", "number or null". */
static void type_text(struct strbuf *o, const json_t *schema)
{
	const json_t *t = json_object_get(schema, "type"), *x;
	size_t i;

	if (json_is_string(t))
		strbuf_add_html(o, json_string_value(t));
	json_array_foreach(t, i, x) {
		strbuf_addstr(o, i ? " or " : "");
		strbuf_add_html(o, json_string_value(x));
	}
}

static void constraints(struct strbuf *o, const json_t *s)
{
	const json_t *min = json_object_get(s, "minimum");
	const json_t *max = json_object_get(s, "maximum"), *v;
	size_t i;

	if (min)
		strbuf_addf(o, "&ge; %g ", json_number_value(min));
	if (max)
		strbuf_addf(o, "&le; %g ", json_number_value(max));
	json_array_foreach(json_object_get(s, "enum"), i, v) {
		strbuf_addstr(o, i ? ", " : "one of ");
		if (json_is_string(v))
			strbuf_add_html(o, json_string_value(v));
		else
			strbuf_addstr(o, "null");
	}
}

/* A table of an object schema's properties: name, type, required,
 * constraints, description. */
static void fields_table(struct strbuf *o, const json_t *object)
{
	const json_t *req = json_object_get(object, "required"), *s, *r;
	const char *name;

	strbuf_addstr(o, "<table><tr><th>name</th><th>type</th><th>required"
			 "</th><th>constraints</th><th>description</th></tr>");
	json_object_foreach(json_object_get(object, "properties"), name, s) {
		int required = 0;
		size_t i;

		json_array_foreach(req, i, r)
			required |= !strcmp(json_string_value(r), name);
		strbuf_addstr(o, "<tr><td><code>");
		strbuf_add_html(o, name);
		strbuf_addstr(o, "</code></td><td>");
		type_text(o, s);
		strbuf_addf(o, "</td><td>%s</td><td>", required ? "yes" : "no");
		constraints(o, s);
		strbuf_addstr(o, "</td><td>");
		strbuf_add_html(o, json_str(s, "description"));
		strbuf_addstr(o, "</td></tr>");
	}
	strbuf_addstr(o, "</table>");
}

/* The inputs, under a heading of level h. */
static void inputs_table(struct strbuf *o, const json_t *features, int h)
{
	strbuf_addf(o, "<h%d>Inputs</h%d><p class=muted>The data contract: "
		    "a request that breaks it is answered 422 (400 on "
		    "OIP and MLflow routes) naming every bad field.</p>", h, h);
	fields_table(o, features);
}

static void operation(struct strbuf *o, const char *path, const char *method,
		      const json_t *op)
{
	const char *code;
	const json_t *r;

	strbuf_addf(o, "<div class=op><span class=\"m %s\">", method);
	for (const char *m = method; *m; m++)
		strbuf_addch(o, (char)(*m >= 'a' && *m <= 'z' ? *m - 32 : *m));
	strbuf_addstr(o, "</span> <code>");
	strbuf_add_html(o, path);
	strbuf_addstr(o, "</code> &mdash; ");
	strbuf_add_html(o, json_str(op, "summary"));
	strbuf_addstr(o, "<br><span class=muted>");
	json_object_foreach(json_object_get(op, "responses"), code, r) {
		const char *ref = json_str(r, "$ref");

		strbuf_addf(o, "%s: ", code);
		strbuf_add_html(o, ref ? strrchr(ref, '/') + 1 : json_str(r, "description"));
		strbuf_addstr(o, "; ");
	}
	strbuf_addstr(o, "</span></div>");
}

/* The schema a "#/components/schemas/NAME" string names. */
static const json_t *schema_at(const json_t *schemas, const char *ref)
{
	const char *at = ref ? strrchr(ref, '/') : NULL;

	return at ? json_object_get(schemas, at + 1) : NULL;
}

/* The operations of model (NULL: those of no model of models). */
static void routes(struct strbuf *o, const json_t *doc, const char *model,
		   const json_t *models)
{
	const json_t *item, *op, *m;
	const char *path, *method, *tag;
	size_t i;

	json_object_foreach(json_object_get(doc, "paths"), path, item) {
		json_object_foreach((json_t *)item, method, op) {
			int mine;

			if (!json_object_get(op, "responses"))
				continue;
			tag = json_string_value(json_array_get(
				json_object_get(op, "tags"), 0));
			mine = !model;
			json_array_foreach(models, i, m)
				if (tag && !strcmp(tag, json_str(m, "name")))
					mine = model && !strcmp(tag, model);
			if (mine)
				operation(o, path, method, op);
		}
	}
}

/* open (a tag up to an attribute naming the anchor of the model's
 * section), the anchor, and the model's name. */
static void model_name(struct strbuf *o, const json_t *m, const char *open)
{
	strbuf_addstr(o, open);
	strbuf_add_html(o, json_str(m, "name"));
	strbuf_addstr(o, "\">");
	strbuf_add_html(o, json_str(m, "name"));
}

/* Several models: a section each, with its inputs, answers and routes. */
static void model_sections(struct strbuf *o, const json_t *doc,
			   const json_t *models)
{
	const json_t *schemas = json_object_get(
		json_object_get(doc, "components"), "schemas");
	const json_t *m;
	size_t i;

	strbuf_addstr(o, "<h2>Models</h2><ul>");
	json_array_foreach(models, i, m) {
		model_name(o, m, "<li><a href=\"#model-");
		strbuf_addstr(o, "</a> ");
		strbuf_add_html(o, json_str(m, "version"));
		strbuf_addstr(o, json_is_true(json_object_get(m, "default"))
					 ? " (the default model)</li>" : "</li>");
	}
	strbuf_addstr(o, "</ul>");
	json_array_foreach(models, i, m) {
		model_name(o, m, "<h2 id=\"model-");
		strbuf_addstr(o, " <span class=muted>");
		strbuf_add_html(o, json_str(m, "version"));
		strbuf_addstr(o, "</span></h2><p>");
		strbuf_add_html(o, json_str(m, "description"));
		strbuf_addstr(o, "</p>");
		inputs_table(o, schema_at(schemas, json_str(m, "features")), 3);
		strbuf_addstr(o, "<h3>Answers</h3>");
		fields_table(o, schema_at(schemas, json_str(m, "prediction")));
		strbuf_addstr(o, "<h3>Routes</h3>");
		routes(o, doc, json_str(m, "name"), models);
	}
}

void apidocs_html(const json_t *doc, struct strbuf *o)
{
	const json_t *info = json_object_get(doc, "info");
	const json_t *comp = json_object_get(doc, "components");
	const json_t *item, *sec, *models;
	const char *name;

	strbuf_addstr(o, "<!doctype html><html lang=en><head><meta "
			 "charset=utf-8><meta name=viewport content=\""
			 "width=device-width\"><title>");
	strbuf_add_html(o, json_str(info, "title"));
	strbuf_addf(o, " %s API</title><style>%s</style></head><body><h1>",
		    "&mdash;", style);
	strbuf_add_html(o, json_str(info, "title"));
	strbuf_addstr(o, " <span class=muted>");
	strbuf_add_html(o, json_str(info, "version"));
	strbuf_addstr(o, "</span></h1><p>");
	strbuf_add_html(o, json_str(info, "description"));
	strbuf_addstr(o, "</p><p class=muted>Served by mlops. The OpenAPI "
			 "3.1 document: <a href=\"openapi.json\">/openapi.json"
			 "</a>.</p>");
	models = json_object_get(doc, "x-models");
	if (json_array_size(models))
		model_sections(o, doc, models);
	else
		inputs_table(o, json_object_get(json_object_get(comp, "schemas"),
						"Features"), 2);
	sec = json_object_get(comp, "securitySchemes");
	if (json_object_size(sec)) {
		strbuf_addstr(o, "<h2>Authentication</h2><ul>");
		json_object_foreach((json_t *)sec, name, item) {
			strbuf_addstr(o, "<li><code>");
			strbuf_add_html(o, name);
			strbuf_addstr(o, "</code>: ");
			strbuf_add_html(o, json_str(item, "scheme") ? "Authorization: Bearer KEY"
							: "X-API-Key: KEY");
			strbuf_addstr(o, "</li>");
		}
		strbuf_addstr(o, "</ul>");
	}
	strbuf_addstr(o, json_array_size(models) ? "<h2>Routes of the server"
						 "</h2>" : "<h2>Routes</h2>");
	routes(o, doc, NULL, models);
	strbuf_addstr(o, "</body></html>\n");
}
