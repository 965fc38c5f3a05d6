/* The resolved descriptor a bundle carries, read back into struct
 * descriptor. The JSON comes from outside (a bundle), so every field is
 * checked again with the same rules as mlops.yaml. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../core/error.h"
#include "../core/jsonutil.h"
#include "../core/strbuf.h"
#include "descriptor.h"

#include "alerts.h"

#include "../drift/config.h"
#include "names.h"

static int bad(const char *what)
{
	return mlops_error_set(MLOPS_EINPUT, "the bundle's descriptor is "
			       "malformed: %s", what);
}

static int pick(const char *s, const char *const *names, int *out)
{
	int i;

	for (i = 0; s && names[i]; i++)
		if (!strcmp(s, names[i])) {
			*out = i;
			return 0;
		}
	return -1;
}

static char *dup_opt(const json_t *o, const char *key)
{
	const char *s = json_str(o, key);

	return s ? xstrdup(s) : NULL;
}

static int read_fields(const json_t *a, int is_input, struct field **out,
		       size_t *n)
{
	static const char *const types[] = { "float", "int", "bool", "string",
					     "category", NULL };
	const json_t *f;
	size_t i;

	if (!json_is_array(a) || json_array_size(a) > 100000)
		return bad("signature fields");
	*out = xcalloc(json_array_size(a) + 1, sizeof(**out));
	*n = json_array_size(a);
	json_array_foreach(a, i, f) {
		struct field *d = &(*out)[i];
		const json_t *v;
		int t;

		if (!json_str(f, "name") || pick(json_str(f, "type"), types, &t))
			return bad("a signature field has no name or type");
		d->name = xstrdup(json_str(f, "name"));
		d->type = (enum value_type)t;
		d->description = dup_opt(f, "description");
		if (!is_input)
			continue;
		d->required = !json_is_false(json_object_get(f, "required"));
		d->nullable = json_is_true(json_object_get(f, "nullable"));
		d->unknown_missing = json_str(f, "unknown") &&
				     !strcmp(json_str(f, "unknown"), "missing");
		if ((v = json_object_get(f, "min")) && json_is_number(v)) {
			d->has_min = 1;
			d->min = json_number_value(v);
		}
		if ((v = json_object_get(f, "max")) && json_is_number(v)) {
			d->has_max = 1;
			d->max = json_number_value(v);
		}
		v = json_object_get(f, "values");
		if (json_is_array(v)) {
			size_t k;

			d->values = xcalloc(json_array_size(v) + 1,
					    sizeof(char *));
			for (k = 0; k < json_array_size(v); k++) {
				const char *s = json_string_value(
					json_array_get(v, k));

				if (!s)
					return bad("a category value");
				d->values[d->nvalues++] = xstrdup(s);
			}
		}
		if (d->type == VT_CATEGORY && !d->nvalues)
			return bad("a category input has no values");
	}
	return 0;
}

static int read_gates(struct descriptor *d, const json_t *a)
{
	static const char *const ops[] = { ">=", ">", "<=", "<", "==", NULL };
	const json_t *g;
	size_t i;

	if (!a)
		return 0;
	if (!json_is_array(a))
		return bad("gates");
	d->gates = xcalloc(json_array_size(a) + 1, sizeof(*d->gates));
	json_array_foreach(a, i, g) {
		int op, m;

		if (!json_str(g, "metric") || pick(json_str(g, "op"), ops, &op) ||
		    pick(json_str(g, "metric"), gate_metrics, &m) ||
		    !json_is_number(json_object_get(g, "value")))
			return bad("a gate");
		d->gates[d->ngates].metric = xstrdup(json_str(g, "metric"));
		d->gates[d->ngates].op = (enum gate_op)op;
		d->gates[d->ngates].value = json_num(g, "value", 0);
		d->ngates++;
	}
	return 0;
}

static int read_smoke(struct descriptor *d, const json_t *a)
{
	const json_t *t;
	size_t i;

	if (!a)
		return 0;
	if (!json_is_array(a))
		return bad("smoke");
	d->smoke = xcalloc(json_array_size(a) + 1, sizeof(*d->smoke));
	json_array_foreach(a, i, t) {
		struct smoke_test *s = &d->smoke[d->nsmoke];

		if (!json_str(t, "name") ||
		    !json_is_object(json_object_get(t, "features")) ||
		    !json_is_object(json_object_get(t, "expect")))
			return bad("a smoke test");
		s->name = xstrdup(json_str(t, "name"));
		s->features = json_incref(json_object_get(t, "features"));
		s->expect = json_incref(json_object_get(t, "expect"));
		s->tolerance = json_num(t, "tolerance", 1e-6);
		s->max_latency_ms = json_num(t, "max_latency_ms", 0);
		d->nsmoke++;
	}
	return 0;
}

int descriptor_from_json(struct descriptor **out, const json_t *j)
{
	const json_t *model = json_object_get(j, "model");
	const json_t *sig = json_object_get(j, "signature");
	const json_t *ds = json_object_get(j, "datasets");
	struct descriptor *d = xcalloc(1, sizeof(*d));
	int rt = 0, task = 0, rc = 0;

	*out = NULL;
	monitor_spec_init(&d->monitor);
	d->file = xstrdup("mlops.json");
	d->dir = xstrdup(".");
	d->name = dup_opt(j, "name");
	d->version = dup_opt(j, "version");
	if (!d->name || !d->version || !name_is_valid(d->name) ||
	    !version_is_semver(d->version))
		rc = bad("name or version");
	else if (!json_str(model, "path") ||
		 pick(json_str(model, "runtime"), runtime_names, &rt) ||
		 pick(json_str(model, "task"), task_names, &task))
		rc = bad("model");
	if (rc)
		goto done;
	d->description = dup_opt(j, "description");
	d->license = dup_opt(j, "license");
	d->model.path = xstrdup(json_str(model, "path"));
	d->model.runtime = (enum model_runtime)rt;
	d->model.task = (enum model_task)task;
	d->model.threshold = json_num(model, "threshold", 0.5);
	d->model.nclasses = (int)json_num(model, "classes", 0);
	if (json_object_get(model, "labels")) {
		const json_t *a = json_object_get(model, "labels"), *l;
		size_t k;

		d->model.labels = xcalloc(json_array_size(a) + 1,
					  sizeof(char *));
		json_array_foreach(a, k, l) {
			if (!json_is_string(l)) {
				rc = bad("model.labels");
				goto done;
			}
			d->model.labels[d->model.nlabels++] =
				xstrdup(json_string_value(l));
		}
		if (d->model.nlabels < 2) {
			rc = bad("model.labels");
			goto done;
		}
	}
	if (!(d->model.threshold > 0 && d->model.threshold < 1)) {
		rc = bad("model.threshold");
		goto done;
	}
	rc = read_fields(json_object_get(sig, "inputs"), 1, &d->inputs,
			 &d->ninputs);
	if (!rc)
		rc = read_fields(json_object_get(sig, "outputs"), 0, &d->outputs,
				 &d->noutputs);
	if (!rc) {
		const json_t *g = json_object_get(ds, "golden");
		const json_t *r = json_object_get(ds, "reference");

		d->datasets.golden_path = dup_opt(g, "path");
		d->datasets.golden_label = dup_opt(g, "label");
		d->datasets.reference_path = dup_opt(r, "path");
		if (d->datasets.golden_path && !d->datasets.golden_label)
			rc = bad("datasets.golden");
	}
	if (!rc)
		rc = read_gates(d, json_object_get(j, "gates"));
	if (!rc)
		rc = read_smoke(d, json_object_get(j, "smoke"));
	if (!rc && json_object_get(j, "drift")) {
		const char *why;

		if (drift_config_check(json_object_get(j, "drift"), &why) < 0)
			rc = bad("drift");
		else
			d->drift = json_deep_copy(json_object_get(j, "drift"));
	}
	if (!rc && json_object_get(j, "alerts"))
		rc = alerts_config_from_json(json_object_get(j, "alerts"),
					     &d->alerts);
	if (!rc && json_object_get(j, "monitor") &&
	    monitor_spec_from_json(d, json_object_get(j, "monitor")) < 0)
		rc = bad("monitor");
done:
	if (rc) {
		descriptor_free(d);
		return rc;
	}
	*out = d;
	return 0;
}
