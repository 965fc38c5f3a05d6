/* The resolved descriptor as JSON: every default filled in, so that a
 * bundle states exactly what it promises without mlops.yaml beside it. */
#include "descriptor.h"

#include <math.h>

#include "../core/jsonutil.h"
#include "alerts.h"

static json_t *strv_json(char **v, size_t n)
{
	json_t *a = json_array();
	size_t i;

	for (i = 0; i < n; i++)
		json_array_append_new(a, json_string(v[i]));
	return a;
}

static json_t *field_json(const struct field *f, int is_input)
{
	json_t *o = json_object();

	json_object_set_new(o, "name", json_string(f->name));
	json_object_set_new(o, "type", json_string(value_type_name(f->type)));
	if (is_input) {
		json_object_set_new(o, "required", json_boolean(f->required));
		json_object_set_new(o, "nullable", json_boolean(f->nullable));
		if (f->has_min)
			json_object_set_new(o, "min", json_number(f->min));
		if (f->has_max)
			json_object_set_new(o, "max", json_number(f->max));
		if (f->nvalues)
			json_object_set_new(o, "values",
					    strv_json(f->values, f->nvalues));
		if (f->unknown_missing)
			json_object_set_new(o, "unknown", json_string("missing"));
	}
	if (f->description)
		json_object_set_new(o, "description",
				    json_string(f->description));
	return o;
}

static json_t *fields_json(const struct field *f, size_t n, int is_input)
{
	json_t *a = json_array();
	size_t i;

	for (i = 0; i < n; i++)
		json_array_append_new(a, field_json(&f[i], is_input));
	return a;
}

static json_t *environment_json(const struct environment *e)
{
	json_t *o = json_object();
	size_t i;

	json_object_set_new(o, "kind", json_string(env_kind_name(e->kind)));
	if (e->require_signature)
		json_object_set_new(o, "require_signature",
				    json_string(e->require_signature));
	switch (e->kind) {
	case ENV_LOCAL:
		json_object_set_new(o, "keep_releases",
				    json_integer(e->keep_releases));
		json_object_set_new(o, "root", json_string(e->root));
		if (e->url)
			json_object_set_new(o, "url", json_string(e->url));
		break;
	case ENV_FLEET: {
		json_t *steps = json_array(), *checks = json_object();

		json_t *inst = json_array();

		for (i = 0; i < e->ninstances; i++)
			json_array_append_new(inst, json_pack("{s:s, s:s}", "url",
							      e->instances[i],
							      "admin",
							      e->admins[i]));
		json_object_set_new(o, "instances", inst);
		json_object_set_new(o, "root", json_string(e->root));
		json_object_set_new(o, "keep_releases",
				    json_integer(e->keep_releases));
		json_object_set_new(o, "admin_key_env",
				    json_string(e->admin_key_env));
		json_object_set_new(o, "strategy",
				    json_string(strategy_name(e->strategy)));
		for (i = 0; i < e->nsteps; i++)
			json_array_append_new(steps, json_integer(e->steps[i]));
		json_object_set_new(o, "steps", steps);
		json_object_set_new(o, "interval_seconds",
				    json_number(e->interval_s));
		if (e->max_error_rate >= 0)
			json_object_set_new(checks, "max_error_rate",
					    json_number(e->max_error_rate));
		if (e->max_p99_ms >= 0)
			json_object_set_new(checks, "max_p99_ms",
					    json_number(e->max_p99_ms));
		if (e->max_psi >= 0)
			json_object_set_new(checks, "max_psi",
					    json_number(e->max_psi));
		json_object_set_new(checks, "min_requests",
				    json_integer(e->min_requests));
		if (e->min_agreement >= 0)
			json_object_set_new(checks, "min_agreement",
					    json_number(e->min_agreement));
		json_object_set_new(o, "checks", checks);
		break;
	}
	case ENV_KUBERNETES:
		json_object_set_new(o, "namespace", json_string(e->namespace_));
		json_object_set_new(o, "image", json_string(e->image));
		if (e->max_replicas)
			json_object_set_new(o, "autoscale", json_pack(
				"{s:I, s:I, s:I}", "min",
				(json_int_t)e->min_replicas, "max",
				(json_int_t)e->max_replicas, "cpu_percent",
				(json_int_t)e->cpu_percent));
		else
			json_object_set_new(o, "replicas",
					    json_integer(e->replicas));
		if (e->api_key_secret)
			json_object_set_new(o, "api_key_secret",
					    json_string(e->api_key_secret));
		if (e->cpu)
			json_object_set_new(o, "cpu", json_string(e->cpu));
		if (e->memory)
			json_object_set_new(o, "memory", json_string(e->memory));
		break;
	}
	return o;
}

json_t *descriptor_to_json(const struct descriptor *d)
{
	json_t *o = json_object(), *model = json_object(), *sig = json_object();
	json_t *ds = json_object(), *gates = json_array(), *smoke = json_array();
	json_t *inc = json_array(), *envs = json_object();
	size_t i;

	json_object_set_new(o, "name", json_string(d->name));
	json_object_set_new(o, "version", json_string(d->version));
	if (d->description)
		json_object_set_new(o, "description", json_string(d->description));
	if (d->license)
		json_object_set_new(o, "license", json_string(d->license));
	json_object_set_new(o, "authors", strv_json(d->authors, d->nauthors));

	json_object_set_new(model, "path", json_string(d->model.path));
	json_object_set_new(model, "runtime",
			    json_string(runtime_name(d->model.runtime)));
	json_object_set_new(model, "task", json_string(task_name(d->model.task)));
	if (d->model.task == TASK_BINARY)
		json_object_set_new(model, "threshold",
				    json_number(d->model.threshold));
	if (d->model.nclasses)
		json_object_set_new(model, "classes",
				    json_integer(d->model.nclasses));
	if (d->model.nlabels)
		json_object_set_new(model, "labels",
				    strv_json(d->model.labels, d->model.nlabels));
	json_object_set_new(o, "model", model);

	json_object_set_new(sig, "inputs", fields_json(d->inputs, d->ninputs, 1));
	json_object_set_new(sig, "outputs",
			    fields_json(d->outputs, d->noutputs, 0));
	json_object_set_new(o, "signature", sig);

	if (d->datasets.golden_path) {
		json_t *g = json_object();

		json_object_set_new(g, "path",
				    json_string(d->datasets.golden_path));
		json_object_set_new(g, "label",
				    json_string(d->datasets.golden_label));
		json_object_set_new(ds, "golden", g);
	}
	if (d->datasets.reference_path) {
		json_t *r = json_object();

		json_object_set_new(r, "path",
				    json_string(d->datasets.reference_path));
		json_object_set_new(ds, "reference", r);
	}
	json_object_set_new(o, "datasets", ds);

	for (i = 0; i < d->ngates; i++) {
		json_t *g = json_object();

		json_object_set_new(g, "metric", json_string(d->gates[i].metric));
		json_object_set_new(g, "op",
				    json_string(gate_op_name(d->gates[i].op)));
		json_object_set_new(g, "value", json_number(d->gates[i].value));
		json_array_append_new(gates, g);
	}
	json_object_set_new(o, "gates", gates);
	if (d->drift)
		json_object_set_new(o, "drift", json_deep_copy(d->drift));
	if (d->alerts)
		json_object_set_new(o, "alerts",
				    alerts_config_to_json(d->alerts));
	if (d->monitor.present)
		json_object_set_new(o, "monitor", monitor_spec_json(&d->monitor));

	for (i = 0; i < d->nsmoke; i++) {
		const struct smoke_test *t = &d->smoke[i];
		json_t *s = json_object();

		json_object_set_new(s, "name", json_string(t->name));
		json_object_set(s, "features", t->features);
		json_object_set(s, "expect", t->expect);
		json_object_set_new(s, "tolerance", json_number(t->tolerance));
		if (t->max_latency_ms > 0)
			json_object_set_new(s, "max_latency_ms",
					    json_number(t->max_latency_ms));
		json_array_append_new(smoke, s);
	}
	json_object_set_new(o, "smoke", smoke);

	for (i = 0; i < d->ninclude; i++) {
		json_t *e = json_object();

		json_object_set_new(e, "path", json_string(d->include[i].path));
		json_object_set_new(e, "kind",
				    json_string(file_kind_name(d->include[i].kind)));
		json_array_append_new(inc, e);
	}
	json_object_set_new(o, "include", inc);
	json_object_set_new(o, "dependencies",
			    strv_json(d->dependencies, d->ndependencies));
	for (i = 0; i < d->nenvironments; i++)
		json_object_set_new(envs, d->environments[i].name,
				    environment_json(&d->environments[i]));
	json_object_set_new(o, "environments", envs);
	return o;
}
