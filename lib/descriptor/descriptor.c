/* mlops.yaml -> struct descriptor. The walk is strict: unknown keys, wrong
 * types and values outside their grammar are errors at file:line:col. */
#include "descriptor.h"

#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "../core/number.h"
#include "../core/error.h"
#include "../core/fsutil.h"
#include "../core/strbuf.h"
#include "../core/suggest.h"
#include "alerts.h"
#include "names.h"
#include "walk.h"
#include "ytree.h"

/* A descriptor is a few kilobytes; anything this large is a mistake. */
#define DESCRIPTOR_MAX_BYTES (4u << 20)

const char *const gate_metrics[] = {
	"accuracy", "precision", "recall", "f1", "auc", "log_loss",
	"rmse", "mae", "r2", "latency_p95_ms", NULL,
};

const char *const runtime_names[] = { "xgboost", "glm", "onnx", "lightgbm",
				      NULL };
const char *const task_names[] = { "binary-classification", "multiclass",
				   "regression", NULL };
static const char *const type_names[] = { "float", "int", "bool", "string",
					  "category", NULL };
static const char *const kind_names[] = { "model", "code", "doc", "dataset",
					  NULL };
static const char *const include_kind_names[] = { "code", "doc", "dataset",
						  NULL };

const char *runtime_name(enum model_runtime r) { return runtime_names[r]; }

const char *runtime_architecture(enum model_runtime r)
{
	switch (r) {
	case RUNTIME_XGBOOST:
	case RUNTIME_LIGHTGBM:
		return "gradient-boosted-trees";
	case RUNTIME_GLM:
		return "generalized-linear-model";
	case RUNTIME_ONNX:
		break;
	}
	return "onnx-ml-graph";
}
const char *task_name(enum model_task t) { return task_names[t]; }
const char *value_type_name(enum value_type t) { return type_names[t]; }
const char *file_kind_name(enum file_kind k) { return kind_names[k]; }

const char *gate_op_name(enum gate_op op)
{
	static const char *const ops[] = { ">=", ">", "<=", "<", "==" };

	return ops[op];
}

/* Keeps where map's `name` was written, as `key`, for errors found
 * after parsing (a file that is not there). */
static void remember(struct descriptor *d, const char *key,
		     const struct ynode *map, const char *name)
{
	const struct ynode *v = ynode_map_get(map, name);

	if (!v || d->nplaces >= sizeof(d->places) / sizeof(*d->places))
		return;
	d->places[d->nplaces].key = key;
	d->places[d->nplaces].line = v->line;
	d->places[d->nplaces].col = v->col;
	d->nplaces++;
}

void descriptor_error_at(const struct descriptor *d, const char *key)
{
	size_t i;

	for (i = 0; d && i < d->nplaces; i++)
		if (!strcmp(d->places[i].key, key)) {
			mlops_error_prefix("%s:%u:%u: ", d->file,
					   d->places[i].line, d->places[i].col);
			mlops_error_location(d->file, d->places[i].line,
					     d->places[i].col);
			return;
		}
}

static int parse_model(struct walker *w, struct descriptor *d,
		       const struct ynode *n)
{
	static const char *const keys[] = { "path", "runtime", "task",
					    "threshold", "classes", "labels",
					    NULL };
	const struct ynode *v;
	int rc, runtime = 0, task = 0;

	rc = walk_want_kind(w, n, YNODE_MAP, "model");
	if (!rc)
		rc = walk_check_keys(w, n, "model", keys);
	if (!rc)
		rc = walk_get_str(w, n, "path", 1, "model", &d->model.path);
	if (!rc)
		rc = walk_check_rel_path(w, n, "path", d->model.path, "model");
	if (!rc)
		remember(d, "model.path", n, "path");
	if (!rc)
		rc = walk_get_enum(w, n, "runtime", runtime_names, 1, "model",
			      &runtime);
	if (!rc)
		rc = walk_get_enum(w, n, "task", task_names, 1, "model", &task);
	if (rc)
		return rc;
	d->model.runtime = runtime;
	d->model.task = task;
	d->model.threshold = 0.5;
	v = ynode_map_get(n, "threshold");
	if (v) {
		if (task != TASK_BINARY)
			return walk_err_node(w, v, "model.threshold applies to "
					"binary-classification only");
		rc = walk_get_number(w, v, "model.threshold", &d->model.threshold);
		if (rc)
			return rc;
		if (!(d->model.threshold > 0 && d->model.threshold < 1))
			return walk_err_node(w, v, "model.threshold must lie "
					"strictly between 0 and 1");
	}
	v = ynode_map_get(n, "classes");
	if (v) {
		long long k;

		if (task != TASK_MULTICLASS)
			return walk_err_node(w, v, "model.classes applies to "
					"multiclass only");
		if (!ynode_integer(v, &k) || k < 2 || k > 100000)
			return walk_err_node(w, v, "model.classes must be an "
					"integer from 2 to 100000");
		d->model.nclasses = (int)k;
	}
	v = ynode_map_get(n, "labels");
	if (v) {
		size_t i, j;

		if (task == TASK_REGRESSION)
			return walk_err_node(w, v, "model.labels applies to "
					"classifiers only");
		rc = walk_get_str_list(w, v, "model.labels", &d->model.labels,
				       &d->model.nlabels);
		if (rc)
			return rc;
		if (task == TASK_BINARY && d->model.nlabels != 2)
			return walk_err_node(w, v, "model.labels of a binary "
					"classifier lists 2 labels (negative, "
					"positive), not %zu", d->model.nlabels);
		if (task == TASK_MULTICLASS && d->model.nlabels < 2)
			return walk_err_node(w, v, "model.labels lists at least "
					"2 labels");
		if (d->model.nclasses &&
		    d->model.nlabels != (size_t)d->model.nclasses)
			return walk_err_node(w, v, "model.labels lists %zu "
					"labels, model.classes says %d",
					d->model.nlabels, d->model.nclasses);
		for (i = 0; i < d->model.nlabels; i++) {
			if (!d->model.labels[i][0])
				return walk_err_node(w, v, "model.labels: a "
						"label is empty");
			for (j = 0; j < i; j++)
				if (!strcmp(d->model.labels[i],
					    d->model.labels[j]))
					return walk_err_node(w, v, "model.labels: "
							"'%s' is listed twice",
							d->model.labels[i]);
		}
	}
	return 0;
}

static int parse_field(struct walker *w, struct field *f,
		       const struct ynode *n, const char *what, int is_input)
{
	static const char *const in_keys[] = { "name", "type", "required",
					       "nullable", "min", "max", "unknown",
					       "values", "description", NULL };
	static const char *const out_keys[] = { "name", "type", "description",
						NULL };
	const struct ynode *v;
	int rc, type = 0;

	f->line = n->line;
	rc = walk_want_kind(w, n, YNODE_MAP, what);
	if (!rc)
		rc = walk_check_keys(w, n, what, is_input ? in_keys : out_keys);
	if (!rc)
		rc = walk_get_str(w, n, "name", 1, what, &f->name);
	if (!rc)
		rc = walk_get_enum(w, n, "type", type_names, 1, what, &type);
	if (!rc)
		rc = walk_get_str(w, n, "description", 0, what, &f->description);
	if (rc || !is_input) {
		f->type = type;
		return rc;
	}
	f->type = type;
	rc = walk_get_bool(w, n, "required", 1, what, &f->required);
	if (!rc)
		rc = walk_get_bool(w, n, "nullable", 0, what, &f->nullable);
	if (rc)
		return rc;
	v = ynode_map_get(n, "min");
	if (v) {
		if (type != VT_FLOAT && type != VT_INT)
			return walk_err_node(w, v, "%s: min applies to float and int "
					"inputs only", what);
		rc = walk_get_number(w, v, "min", &f->min);
		if (rc)
			return rc;
		f->has_min = 1;
	}
	v = ynode_map_get(n, "max");
	if (v) {
		if (type != VT_FLOAT && type != VT_INT)
			return walk_err_node(w, v, "%s: max applies to float and int "
					"inputs only", what);
		rc = walk_get_number(w, v, "max", &f->max);
		if (rc)
			return rc;
		f->has_max = 1;
		if (f->has_min && f->min > f->max)
			return walk_err_node(w, v, "%s: max %g is below min %g", what,
					f->max, f->min);
	}
	v = ynode_map_get(n, "values");
	if (v) {
		if (type != VT_CATEGORY)
			return walk_err_node(w, v, "%s: values applies to category "
					"inputs only", what);
		rc = walk_get_str_list(w, v, "values", &f->values, &f->nvalues);
		if (rc)
			return rc;
		if (!f->nvalues)
			return walk_err_node(w, v, "%s: values must not be empty",
					what);
	} else if (type == VT_CATEGORY) {
		return walk_err_node(w, n, "%s: a category input needs 'values' "
				"(the allowed categories)", what);
	}
	v = ynode_map_get(n, "unknown");
	if (v) {
		static const char *const policies[] = { "reject", "missing",
							NULL };
		int policy = 0;

		if (type != VT_CATEGORY)
			return walk_err_node(w, v, "%s: unknown applies to "
					"category inputs only", what);
		rc = walk_get_enum(w, n, "unknown", policies, 0, what, &policy);
		if (rc)
			return rc;
		f->unknown_missing = policy == 1;
	}
	return 0;
}

static int parse_fields(struct walker *w, const struct ynode *n,
			const char *what, int is_input, struct field **out,
			size_t *count)
{
	struct strbuf item = STRBUF_INIT;
	size_t i, j;
	int rc;

	rc = walk_want_kind(w, n, YNODE_SEQ, what);
	if (rc)
		return rc;
	*out = xcalloc(n->n + 1, sizeof(**out));
	*count = n->n;
	for (i = 0; i < n->n && !rc; i++) {
		strbuf_reset(&item);
		strbuf_addf(&item, "%s[%zu]", what, i);
		rc = parse_field(w, &(*out)[i], n->items[i], item.buf, is_input);
		for (j = 0; j < i && !rc; j++)
			if (!strcmp((*out)[j].name, (*out)[i].name))
				rc = walk_err_node(w, n->items[i], "%s: '%s' is "
					      "declared twice", what,
					      (*out)[i].name);
	}
	strbuf_release(&item);
	return rc;
}

static int parse_signature(struct walker *w, struct descriptor *d,
			   const struct ynode *n)
{
	static const char *const keys[] = { "inputs", "outputs", NULL };
	const struct ynode *v;
	int rc;

	rc = walk_want_kind(w, n, YNODE_MAP, "signature");
	if (!rc)
		rc = walk_check_keys(w, n, "signature", keys);
	if (!rc)
		rc = walk_require_key(w, n, "inputs", "signature", &v);
	if (!rc)
		rc = parse_fields(w, v, "signature.inputs", 1, &d->inputs,
				  &d->ninputs);
	if (!rc && !d->ninputs)
		rc = walk_err_node(w, v, "signature.inputs must not be empty");
	v = ynode_map_get(n, "outputs");
	if (!rc && v)
		rc = parse_fields(w, v, "signature.outputs", 0, &d->outputs,
				  &d->noutputs);
	return rc;
}

static void default_outputs(struct descriptor *d)
{
	size_t n = d->model.task == TASK_REGRESSION ? 1 : 2;

	d->outputs = xcalloc(n + 1, sizeof(*d->outputs));
	d->noutputs = n;
	d->outputs[0].name = xstrdup("prediction");
	d->outputs[0].type =
		d->model.task == TASK_REGRESSION ? VT_FLOAT : VT_INT;
	if (n > 1) {
		d->outputs[1].name = xstrdup("probability");
		d->outputs[1].type = VT_FLOAT;
	}
}

static int parse_datasets(struct walker *w, struct descriptor *d,
			  const struct ynode *n)
{
	static const char *const keys[] = { "golden", "reference", NULL };
	static const char *const golden_keys[] = { "path", "label", NULL };
	static const char *const ref_keys[] = { "path", NULL };
	const struct ynode *v;
	int rc;

	rc = walk_want_kind(w, n, YNODE_MAP, "datasets");
	if (!rc)
		rc = walk_check_keys(w, n, "datasets", keys);
	if (rc)
		return rc;
	v = ynode_map_get(n, "golden");
	if (v) {
		rc = walk_want_kind(w, v, YNODE_MAP, "datasets.golden");
		if (!rc)
			rc = walk_check_keys(w, v, "datasets.golden", golden_keys);
		if (!rc)
			rc = walk_get_str(w, v, "path", 1, "datasets.golden",
				     &d->datasets.golden_path);
		if (!rc)
			rc = walk_check_rel_path(w, v, "path", d->datasets.golden_path,
					    "datasets.golden");
		if (!rc)
			remember(d, "datasets.golden.path", v, "path");
		if (!rc)
			rc = walk_get_str(w, v, "label", 1, "datasets.golden",
				     &d->datasets.golden_label);
		if (rc)
			return rc;
	}
	v = ynode_map_get(n, "reference");
	if (v) {
		rc = walk_want_kind(w, v, YNODE_MAP, "datasets.reference");
		if (!rc)
			rc = walk_check_keys(w, v, "datasets.reference", ref_keys);
		if (!rc)
			rc = walk_get_str(w, v, "path", 1, "datasets.reference",
				     &d->datasets.reference_path);
		if (!rc)
			rc = walk_check_rel_path(w, v, "path",
					    d->datasets.reference_path,
					    "datasets.reference");
		if (!rc)
			remember(d, "datasets.reference.path", v, "path");
	}
	return rc;
}

/* ">= 0.80", "<= 5", "== 1": operator, then a number. */
static int parse_gate(struct walker *w, struct gate *g, const char *metric,
		      const struct ynode *v)
{
	static const struct {
		const char *text;
		enum gate_op op;
	} ops[] = { { ">=", GATE_GE }, { "<=", GATE_LE }, { "==", GATE_EQ },
		    { ">", GATE_GT }, { "<", GATE_LT } };
	const char *s;
	size_t i;

	g->metric = xstrdup(metric);
	if (v->kind != YNODE_SCALAR || ynode_is_null(v))
		goto bad;
	s = v->text;
	while (*s == ' ')
		s++;
	for (i = 0; i < sizeof(ops) / sizeof(ops[0]); i++)
		if (!strncmp(s, ops[i].text, strlen(ops[i].text)))
			break;
	if (i == sizeof(ops) / sizeof(ops[0]))
		goto bad;
	g->op = ops[i].op;
	s += strlen(ops[i].text);
	while (*s == ' ')
		s++;
	if (!*s)
		goto bad;
	if (number_parse_str(s, &g->value))
		goto bad;
	return 0;
bad:
	return walk_err_node(w, v, "gates.%s must be an operator and a number, "
			"such as \">= 0.80\"", metric);
}

static int parse_gates(struct walker *w, struct descriptor *d,
		       const struct ynode *n)
{
	size_t i;
	int rc;

	rc = walk_want_kind(w, n, YNODE_MAP, "gates");
	if (!rc)
		rc = walk_check_keys(w, n, "gates", gate_metrics);
	if (rc)
		return rc;
	d->gates = xcalloc(n->n + 1, sizeof(*d->gates));
	d->ngates = n->n;
	for (i = 0; i < n->n && !rc; i++)
		rc = parse_gate(w, &d->gates[i], n->keys[i]->text, n->items[i]);
	return rc;
}

static int parse_smoke_test(struct walker *w, struct smoke_test *t,
			    const struct ynode *n, const char *what)
{
	static const char *const keys[] = { "name", "features", "expect",
					    "tolerance", "max_latency_ms",
					    NULL };
	static const char *const expect_keys[] = { "prediction",
						   "probability", "status",
						   NULL };
	const struct ynode *v;
	int rc;

	rc = walk_want_kind(w, n, YNODE_MAP, what);
	if (!rc)
		rc = walk_check_keys(w, n, what, keys);
	if (!rc)
		rc = walk_get_str(w, n, "name", 1, what, &t->name);
	if (!rc)
		rc = walk_require_key(w, n, "features", what, &v);
	if (!rc)
		rc = walk_scalar_map_to_json(w, v, "features", &t->features);
	if (!rc)
		rc = walk_require_key(w, n, "expect", what, &v);
	if (!rc)
		rc = walk_want_kind(w, v, YNODE_MAP, "expect");
	if (!rc)
		rc = walk_check_keys(w, v, "expect", expect_keys);
	if (!rc)
		rc = walk_scalar_map_to_json(w, v, "expect", &t->expect);
	if (rc)
		return rc;
	t->tolerance = 1e-6;
	v = ynode_map_get(n, "tolerance");
	if (v) {
		rc = walk_get_number(w, v, "tolerance", &t->tolerance);
		if (!rc && t->tolerance < 0)
			rc = walk_err_node(w, v, "tolerance must not be negative");
	}
	v = ynode_map_get(n, "max_latency_ms");
	if (!rc && v) {
		rc = walk_get_number(w, v, "max_latency_ms", &t->max_latency_ms);
		if (!rc && t->max_latency_ms <= 0)
			rc = walk_err_node(w, v, "max_latency_ms must be positive");
	}
	return rc;
}

static int parse_smoke(struct walker *w, struct descriptor *d,
		       const struct ynode *n)
{
	struct strbuf item = STRBUF_INIT;
	size_t i;
	int rc;

	rc = walk_want_kind(w, n, YNODE_SEQ, "smoke");
	if (rc)
		return rc;
	d->smoke = xcalloc(n->n + 1, sizeof(*d->smoke));
	d->nsmoke = n->n;
	for (i = 0; i < n->n && !rc; i++) {
		strbuf_reset(&item);
		strbuf_addf(&item, "smoke[%zu]", i);
		rc = parse_smoke_test(w, &d->smoke[i], n->items[i], item.buf);
	}
	strbuf_release(&item);
	return rc;
}

static int parse_include(struct walker *w, struct descriptor *d,
			 const struct ynode *n)
{
	static const char *const keys[] = { "path", "kind", NULL };
	struct strbuf item = STRBUF_INIT;
	size_t i;
	int rc;

	rc = walk_want_kind(w, n, YNODE_SEQ, "include");
	if (rc)
		return rc;
	d->include = xcalloc(n->n + 1, sizeof(*d->include));
	d->ninclude = n->n;
	for (i = 0; i < n->n && !rc; i++) {
		const struct ynode *it = n->items[i];
		int kind = 0;

		strbuf_reset(&item);
		strbuf_addf(&item, "include[%zu]", i);
		rc = walk_want_kind(w, it, YNODE_MAP, item.buf);
		if (!rc)
			rc = walk_check_keys(w, it, item.buf, keys);
		if (!rc)
			rc = walk_get_str(w, it, "path", 1, item.buf,
				     &d->include[i].path);
		if (!rc)
			rc = walk_check_rel_path(w, it, "path", d->include[i].path,
					    item.buf);
		if (!rc)
			rc = walk_get_enum(w, it, "kind", include_kind_names, 1,
				      item.buf, &kind);
		d->include[i].kind = (enum file_kind)(kind + FILE_CODE);
	}
	strbuf_release(&item);
	return rc;
}

static int parse_top(struct walker *w, struct descriptor *d,
		     const struct ynode *root)
{
	static const char *const keys[] = {
		"name", "version", "description", "license", "authors",
		"model", "signature", "datasets", "gates", "smoke", "include",
		"dependencies", "environments", "drift", "alerts", "monitor",
		NULL,
	};
	const struct ynode *v;
	int rc;

	rc = walk_want_kind(w, root, YNODE_MAP, "the descriptor");
	if (!rc)
		rc = walk_check_keys(w, root, "the descriptor", keys);
	if (!rc)
		rc = walk_get_str(w, root, "name", 1, "descriptor", &d->name);
	if (!rc && !name_is_valid(d->name)) {
		rc = walk_err_node(w, ynode_map_get(root, "name"),
			      "name '%s' is not valid: " NAME_RULE, d->name);
		mlops_error_hint("the name becomes git tags (NAME@vX.Y.Z), a "
				 "registry repository and a file name, so it "
				 "follows the rules of all three");
	}
	if (!rc)
		rc = walk_get_str(w, root, "version", 1, "descriptor", &d->version);
	if (!rc && !version_is_semver(d->version)) {
		rc = walk_err_node(w, ynode_map_get(root, "version"),
			      "version '%s' is not a semantic version (at most "
			      "64 bytes)", d->version);
		mlops_error_hint("use MAJOR.MINOR.PATCH, such as 1.0.0 or "
				 "1.2.0-rc.1");
	}
	if (!rc)
		rc = walk_get_str(w, root, "description", 0, "descriptor",
			     &d->description);
	if (!rc)
		rc = walk_get_str(w, root, "license", 0, "descriptor", &d->license);
	v = ynode_map_get(root, "authors");
	if (!rc && v)
		rc = walk_get_str_list(w, v, "authors", &d->authors, &d->nauthors);
	if (!rc)
		rc = walk_require_key(w, root, "model", "descriptor", &v);
	if (!rc)
		rc = parse_model(w, d, v);
	v = ynode_map_get(root, "signature");
	if (!rc && v)
		rc = parse_signature(w, d, v);
	if (!rc && !d->noutputs)
		default_outputs(d);
	v = ynode_map_get(root, "datasets");
	if (!rc && v)
		rc = parse_datasets(w, d, v);
	v = ynode_map_get(root, "gates");
	if (!rc && v)
		rc = parse_gates(w, d, v);
	v = ynode_map_get(root, "smoke");
	if (!rc && v)
		rc = parse_smoke(w, d, v);
	v = ynode_map_get(root, "include");
	if (!rc && v)
		rc = parse_include(w, d, v);
	v = ynode_map_get(root, "dependencies");
	if (!rc && v)
		rc = walk_get_str_list(w, v, "dependencies", &d->dependencies,
				  &d->ndependencies);
	v = ynode_map_get(root, "environments");
	if (!rc && v)
		rc = descriptor_parse_environments(w, d, v);
	v = ynode_map_get(root, "drift");
	if (!rc && v)
		rc = descriptor_parse_drift(w, d, v);
	v = ynode_map_get(root, "alerts");
	if (!rc && v)
		rc = descriptor_parse_alerts(w, d, v);
	v = ynode_map_get(root, "monitor");
	if (!rc && v)
		rc = descriptor_parse_monitor(w, d, v);
	return rc;
}

int descriptor_parse(struct descriptor **out, const char *file,
		     const char *dir, const char *data, size_t len)
{
	struct walker w = { file };
	struct descriptor *d;
	struct ynode *root = NULL;
	int rc;

	*out = NULL;
	if (memchr(data, '\0', len))
		return mlops_error_set(MLOPS_EINPUT, "%s: holds NUL bytes; "
				       "not a YAML text file", file);
	rc = ytree_parse(&root, file, data, len);
	if (rc)
		return rc;
	d = xcalloc(1, sizeof(*d));
	monitor_spec_init(&d->monitor);
	d->file = xstrdup(file);
	d->dir = xstrdup(dir);
	d->raw = xstrndup(data, len);
	d->raw_len = len;
	rc = parse_top(&w, d, root);
	ynode_free(root);
	if (rc) {
		descriptor_free(d);
		return rc;
	}
	*out = d;
	return 0;
}

int descriptor_load(struct descriptor **out, const char *path)
{
	struct strbuf sb = STRBUF_INIT;
	char *dir;
	int rc;

	*out = NULL;
	rc = fs_read_file(path, DESCRIPTOR_MAX_BYTES, &sb);
	if (rc) {
		if (mlops_error_last()->code == MLOPS_EIO)
			mlops_error_hint("run 'mlops init' to create one, or "
					 "name it with -f FILE");
		strbuf_release(&sb);
		return rc;
	}
	dir = fs_dirname(path);
	rc = descriptor_parse(out, path, dir, sb.buf, sb.len);
	free(dir);
	strbuf_release(&sb);
	return rc;
}

static void free_strv(char **v, size_t n)
{
	size_t i;

	if (!v)
		return;
	for (i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

static void free_fields(struct field *f, size_t n)
{
	size_t i;

	if (!f)
		return;
	for (i = 0; i < n; i++) {
		free(f[i].name);
		free(f[i].description);
		free_strv(f[i].values, f[i].nvalues);
	}
	free(f);
}

void descriptor_free(struct descriptor *d)
{
	size_t i;

	if (!d)
		return;
	free(d->file);
	free(d->dir);
	free(d->raw);
	free(d->name);
	free(d->version);
	free(d->description);
	free(d->license);
	free_strv(d->authors, d->nauthors);
	free(d->model.path);
	free_strv(d->model.labels, d->model.nlabels);
	free_fields(d->inputs, d->ninputs);
	free_fields(d->outputs, d->noutputs);
	free(d->datasets.golden_path);
	free(d->datasets.golden_label);
	free(d->datasets.reference_path);
	for (i = 0; d->gates && i < d->ngates; i++)
		free(d->gates[i].metric);
	free(d->gates);
	json_decref(d->drift);
	alerts_config_free(d->alerts);
	monitor_spec_free(&d->monitor);
	for (i = 0; d->smoke && i < d->nsmoke; i++) {
		free(d->smoke[i].name);
		json_decref(d->smoke[i].features);
		json_decref(d->smoke[i].expect);
	}
	free(d->smoke);
	for (i = 0; d->include && i < d->ninclude; i++)
		free(d->include[i].path);
	free(d->include);
	free_strv(d->dependencies, d->ndependencies);
	for (i = 0; d->environments && i < d->nenvironments; i++) {
		struct environment *e = &d->environments[i];

		free(e->name);
		free(e->root);
		free(e->require_signature);
		free(e->url);
		free_strv(e->instances, e->ninstances);
		free_strv(e->admins, e->ninstances);
		free(e->admin_key_env);
		free(e->steps);
		free(e->namespace_);
		free(e->image);
		free(e->cpu);
		free(e->memory);
		free(e->api_key_secret);
	}
	free(d->environments);
	free(d);
}
