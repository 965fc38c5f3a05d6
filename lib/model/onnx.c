/* The ONNX backend: mlops evaluates the operator subset tabular models
 * use (lib/model/onnx/), since onnxruntime is not packaged for Debian.
 *
 * The signature maps onto the graph's inputs in one of two ways: one
 * numeric input [N, k] with k the number of features takes them all in
 * signature order; otherwise each graph input is a signature feature of
 * the same name, one column ([N, 1] or [N]); string inputs take the
 * category's value. Classifiers answer from their probabilities (a
 * [N, K] float tensor or a ZipMap, which is the same numbers); regressors
 * from their one value per row. Rows run in chunks of OX_CHUNK over
 * spec->nthread threads (parallel_rows), each chunk with tensors of its
 * own: the loaded graph is never written, so calls may also run at once. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../core/error.h"
#include "../core/strbuf.h"
#include "model.h"
#include "onnx/onnx_rt.h"
#include "onnx/trees_shap.h"
#include "parallel.h"

struct onnx_feed {
	int value;       /* graph input */
	int all;         /* every feature, as [N, nfeatures] */
	size_t feature;  /* otherwise this one */
	char **cats;     /* string inputs: the category values */
	size_t ncats;
};

struct onnx_model {
	struct ox_graph *g;
	struct onnx_feed *feeds;
	size_t nfeeds;
	int out;          /* the value predictions come from */
	size_t cols;      /* its columns */
	int binary_col;   /* binary: take column 1 only */
	size_t nthread;   /* threads per predict call; 0 = one per core */
	struct ox_shap *shap; /* explanations, made on first use */
};

static void onnx_model_free(struct onnx_model *om)
{
	size_t i;

	if (!om)
		return;
	for (i = 0; i < om->nfeeds; i++)
		ox_strings_free(om->feeds[i].cats, om->feeds[i].ncats);
	free(om->feeds);
	ox_shap_free(om->shap);
	ox_graph_free(om->g);
	free(om);
}

static void type_text(struct strbuf *sb, const struct ox_type *t)
{
	int i;

	strbuf_addstr(sb, ox_elem_name(t->elem));
	if (t->rank < 0)
		return;
	strbuf_addch(sb, '[');
	for (i = 0; i < t->rank; i++) {
		if (t->dims[i] < 0)
			strbuf_addf(sb, "%sN", i ? ", " : "");
		else
			strbuf_addf(sb, "%s%lld", i ? ", " : "",
				    (long long)t->dims[i]);
	}
	strbuf_addch(sb, ']');
}

static int inputs_mismatch(const struct ox_graph *g,
			   const struct model_spec *spec, const char *why)
{
	struct strbuf gi = STRBUF_INIT, si = STRBUF_INIT;
	size_t i;

	for (i = 0; i < g->ninputs; i++) {
		strbuf_addf(&gi, "%s%s: ", i ? ", " : "",
			    g->values[g->inputs[i]].name);
		type_text(&gi, &g->values[g->inputs[i]].type);
	}
	for (i = 0; i < spec->nfeatures; i++)
		strbuf_addf(&si, "%s%s", i ? ", " : "", spec->features[i]);
	mlops_error_set(MLOPS_EINPUT, "'%s': %s; graph inputs: %s; signature "
			"inputs: %s", spec->path, why, strbuf_str(&gi),
			strbuf_str(&si));
	mlops_error_hint("either one numeric input [N, %zu] taking the "
			 "signature in order, or one graph input per signature "
			 "input, with the same names", spec->nfeatures);
	strbuf_release(&gi);
	strbuf_release(&si);
	return MLOPS_EINPUT;
}

/* The categories a string input is encoded with: the OneHotEncoder
 * (cats_strings) or LabelEncoder (keys_strings, classes_strings) that
 * reads it, through nodes that only select or reshape it. */
static int input_categories(const struct ox_graph *g, int value,
			    struct model_feature *f)
{
	static const char *const pass[] = { "Identity", "Reshape", "Flatten",
					    "Squeeze", "Unsqueeze", "Cast",
					    "ArrayFeatureExtractor", NULL };
	static const char *const keys[] = { "cats_strings", "keys_strings",
					    "classes_strings", NULL };
	size_t i, k, hops;

	for (hops = 0; hops < 16; hops++) {
		int next = -1;

		for (i = 0; i < g->nnodes && next < 0; i++) {
			const struct ox_node *n = &g->nodes[i];

			if (!n->nin || n->in[0] != value)
				continue;
			for (k = 0; keys[k]; k++)
				if (ox_attr(n, keys[k]) &&
				    !ox_attr_strings(n, keys[k], &f->values,
						     &f->nvalues))
					return 0;
			for (k = 0; pass[k]; k++)
				if (!strcmp(n->op->name, pass[k]) && n->nout)
					next = n->out[0];
		}
		if (next < 0)
			break;
		value = next;
	}
	return mlops_error_set(MLOPS_EINPUT, "the string input '%s' reaches "
			       "no OneHotEncoder or LabelEncoder: its "
			       "categories are unknown", f->name);
}

/* A string input's values are the encoder's categories (as a set: the
 * model receives the text, so their order is free). */
static int check_categories(const struct ox_graph *g, int value,
			    const struct field *f)
{
	struct model_feature enc = { .name = f->name };
	struct strbuf a = STRBUF_INIT, b = STRBUF_INIT;
	size_t i, k;
	int same, rc;

	if (input_categories(g, value, &enc)) {
		mlops_error_clear(); /* no encoder found: nothing to check */
		return 0;
	}
	/* The same set: every value is a category, and every category but
	 * an empty one (what a missing value is fed as) is a value. */
	same = 1;
	for (i = 0; same && i < f->nvalues; i++) {
		for (k = 0; k < enc.nvalues; k++)
			if (!strcmp(f->values[i], enc.values[k]))
				break;
		same = k < enc.nvalues;
	}
	for (k = 0; same && k < enc.nvalues; k++) {
		for (i = 0; enc.values[k][0] && i < f->nvalues; i++)
			if (!strcmp(f->values[i], enc.values[k]))
				break;
		same = !enc.values[k][0] || i < f->nvalues;
	}
	rc = 0;
	if (!same) {
		strbuf_addlist(&a, enc.values, enc.nvalues);
		strbuf_addlist(&b, f->values, f->nvalues);
		rc = mlops_error_set(MLOPS_EINPUT, "input '%s': the model's "
				     "categories are %s, the signature's "
				     "values are %s", f->name, a.buf, b.buf);
		mlops_error_hint("list the categories the model was trained "
				 "with; 'unknown: missing' sends any other "
				 "value as an unseen one");
	}
	ox_strings_free(enc.values, enc.nvalues);
	strbuf_release(&a);
	strbuf_release(&b);
	return rc;
}

static int map_inputs(struct onnx_model *om, const struct model_spec *spec)
{
	const struct ox_graph *g = om->g;
	struct strbuf why = STRBUF_INIT;
	size_t i, j;
	int rc = 0;

	om->feeds = xcalloc(g->ninputs + 1, sizeof(*om->feeds));
	if (g->ninputs == 1) {
		const struct ox_type *t = &g->values[g->inputs[0]].type;

		const char *name = g->values[g->inputs[0]].name;
		int named = 0;

		for (j = 0; j < spec->nfeatures; j++)
			named |= !strcmp(spec->features[j], name);
		/* [N, k], or [N, ?] not named after a feature */
		if (t->rank == 2 && ox_elem_numeric(t->elem) &&
		    ((t->dims[1] >= 0 &&
		      (size_t)t->dims[1] == spec->nfeatures) ||
		     (t->dims[1] < 0 && !named))) {
			om->feeds[0].value = g->inputs[0];
			om->feeds[0].all = 1;
			om->nfeeds = 1;
			return 0;
		}
	}
	for (i = 0; i < g->ninputs && !rc; i++) {
		const struct ox_value *v = &g->values[g->inputs[i]];
		struct onnx_feed *f = &om->feeds[om->nfeeds];

		for (j = 0; j < spec->nfeatures; j++)
			if (!strcmp(spec->features[j], v->name))
				break;
		if (j == spec->nfeatures) {
			strbuf_addf(&why, "graph input '%s' is not in the "
				    "signature", v->name);
			rc = MLOPS_EINPUT;
			break;
		}
		if (v->type.rank > 2 || (v->type.rank == 2 &&
					 v->type.dims[1] > 1) ||
		    v->type.rank == 0) {
			strbuf_addf(&why, "graph input '%s' is not one column",
				    v->name);
			rc = MLOPS_EINPUT;
			break;
		}
		f->value = g->inputs[i];
		f->feature = j;
		om->nfeeds++;
		if (v->type.elem != OX_STRING)
			continue;
		if (!spec->fields || spec->fields[j].type != VT_CATEGORY) {
			strbuf_addf(&why, "graph input '%s' takes strings, and "
				    "the signature's '%s' is not a category",
				    v->name, spec->features[j]);
			rc = MLOPS_EINPUT;
			break;
		}
		if (check_categories(g, g->inputs[i], &spec->fields[j])) {
			strbuf_release(&why);
			return MLOPS_EINPUT;
		}
		f->ncats = spec->fields[j].nvalues;
		f->cats = xcalloc(f->ncats + 1, sizeof(char *));
		for (size_t c = 0; c < f->ncats; c++)
			f->cats[c] = xstrdup(spec->fields[j].values[c]);
	}
	for (j = 0; j < spec->nfeatures && !rc; j++) {
		for (i = 0; i < om->nfeeds; i++)
			if (om->feeds[i].feature == j)
				break;
		if (i == om->nfeeds) {
			strbuf_addf(&why, "signature input '%s' is not a graph "
				    "input", spec->features[j]);
			rc = MLOPS_EINPUT;
		}
	}
	if (rc)
		inputs_mismatch(g, spec, strbuf_str(&why));
	strbuf_release(&why);
	return rc;
}

/* 1 when the graph holds a classifier, -1 a regressor (and no
 * classifier), 0 neither. */
static int model_kind(const struct ox_graph *g)
{
	size_t i;
	int kind = 0;

	for (i = 0; i < g->nnodes; i++) {
		const char *op = g->nodes[i].op->name;

		if (!strcmp(op, "TreeEnsembleClassifier") ||
		    !strcmp(op, "LinearClassifier") || !strcmp(op, "ZipMap"))
			return 1;
		if (!strcmp(op, "TreeEnsembleRegressor") ||
		    !strcmp(op, "LinearRegressor"))
			kind = -1;
	}
	return kind;
}

static int outputs_text(const struct ox_graph *g, struct strbuf *sb)
{
	size_t i;

	for (i = 0; i < g->noutputs; i++) {
		strbuf_addf(sb, "%s%s: ", i ? ", " : "",
			    g->values[g->outputs[i]].name);
		type_text(sb, &g->values[g->outputs[i]].type);
	}
	return 0;
}

static int pick_output(struct onnx_model *om, struct model *m,
		       const struct model_spec *spec)
{
	const struct ox_graph *g = om->g;
	struct strbuf outs = STRBUF_INIT;
	int best = -1, rc = 0;
	size_t i;

	outputs_text(g, &outs);
	for (i = 0; i < g->noutputs; i++) {
		const struct ox_value *v = &g->values[g->outputs[i]];
		const struct ox_type *t = &v->type;
		int numeric = t->elem == OX_FLOAT || t->elem == OX_DOUBLE;

		if (spec->task == TASK_REGRESSION) {
			if (ox_elem_numeric(t->elem) && t->elem != OX_BOOL &&
			    (t->rank == 1 || (t->rank == 2 && t->dims[1] == 1))) {
				best = g->outputs[i];
				break;
			}
			continue;
		}
		if (!numeric || t->rank != 2 || t->dims[1] < 2)
			continue;
		if (v->labels) {
			best = g->outputs[i];
			break;
		}
		if (best < 0)
			best = g->outputs[i];
	}
	if (spec->task == TASK_REGRESSION && model_kind(g) > 0) {
		rc = mlops_error_set(MLOPS_EINPUT, "'%s' is a classifier (its "
				     "outputs: %s), and the task is "
				     "regression", spec->path,
				     strbuf_str(&outs));
		goto done;
	}
	if (spec->task != TASK_REGRESSION && model_kind(g) < 0) {
		rc = mlops_error_set(MLOPS_EINPUT, "'%s' is a regressor (its "
				     "outputs: %s), and the task is %s",
				     spec->path, strbuf_str(&outs),
				     task_name(spec->task));
		goto done;
	}
	if (best < 0) {
		rc = mlops_error_set(MLOPS_EINPUT, "'%s' has no output that "
				     "fits the task %s (%s); its outputs: %s",
				     spec->path, task_name(spec->task),
				     spec->task == TASK_REGRESSION
				     ? "one number per row"
				     : "class probabilities, a float [N, K] "
				       "tensor or a ZipMap", strbuf_str(&outs));
		goto done;
	}
	om->out = best;
	om->cols = g->values[best].type.rank == 2
		? (size_t)g->values[best].type.dims[1] : 1;
	m->noutputs = om->cols;
	if (spec->task == TASK_BINARY) {
		if (om->cols > 2) {
			rc = mlops_error_set(MLOPS_EINPUT, "'%s' has %zu classes,"
					     " and the task is binary",
					     spec->path, om->cols);
			goto done;
		}
		om->binary_col = 1;
		m->noutputs = 1;
	} else if (spec->task == TASK_MULTICLASS) {
		if (om->cols < 2 || (spec->nclasses &&
				     (size_t)spec->nclasses != om->cols)) {
			rc = mlops_error_set(MLOPS_EINPUT, "'%s' has %zu "
					     "classes, the descriptor says %d",
					     spec->path, om->cols,
					     spec->nclasses);
			goto done;
		}
	}
	if (spec->task != TASK_REGRESSION && g->values[best].labels &&
	    g->values[best].labels->n == om->cols) {
		const struct ox_labels *l = g->values[best].labels;

		m->labels = xcalloc(l->n + 1, sizeof(char *));
		for (i = 0; i < l->n; i++)
			m->labels[i] = xstrdup(l->names[i]);
		m->nlabels = l->n;
	}
	m->digits = g->values[best].type.elem == OX_DOUBLE ? 15 : 7;
done:
	strbuf_release(&outs);
	return rc;
}

static char *describe(const struct ox_graph *g)
{
	struct strbuf sb = STRBUF_INIT, ops = STRBUF_INIT;
	size_t i, j;

	for (i = 0; i < g->nnodes; i++) {
		for (j = 0; j < i; j++)
			if (g->nodes[j].op == g->nodes[i].op)
				break;
		if (j == i)
			strbuf_addf(&ops, "%s%s", ops.len ? ", " : "",
				    g->nodes[i].op->name);
	}
	strbuf_addstr(&sb, "onnx");
	if (g->opset_ai)
		strbuf_addf(&sb, " opset %d", g->opset_ai);
	if (g->opset_ml)
		strbuf_addf(&sb, "%s ai.onnx.ml %d", g->opset_ai ? " /" : "",
			    g->opset_ml);
	strbuf_addf(&sb, ", %zu node%s%s%s", g->nnodes,
		    plural(g->nnodes), ops.len ? ": " : "",
		    strbuf_str(&ops));
	strbuf_release(&ops);
	return strbuf_detach(&sb);
}

/* What a chunk of rows needs, from the types known at load: a value
 * whose first dim is unknown (the rows) takes its elements per row (an
 * unknown dim counts 1) times OX_CHUNK; one of known shape all of its
 * elements. A graph that would need more than OX_MAX_CHUNK_BYTES per
 * thread is refused here, not by an out-of-memory abort mid-run. */
#define OX_MAX_CHUNK_BYTES ((double)(1u << 30))

static int check_memory(const struct onnx_model *om, const char *path)
{
	const struct ox_graph *g = om->g;
	double total = 0;
	size_t i;

	for (i = 0; i < g->nvalues; i++) {
		const struct ox_value *v = &g->values[i];
		double per_row = 1;

		if (v->init || v->type.rank < 1 ||
		    (v->producer >= 0 && !g->nodes[v->producer].live))
			continue;
		for (int d = 1; d < v->type.rank; d++)
			if (v->type.dims[d] > 0)
				per_row *= (double)v->type.dims[d];
		total += per_row *
			 (v->type.dims[0] >= 0 ? (double)v->type.dims[0]
					       : (double)OX_CHUNK) *
			 (double)(v->type.elem == OX_STRING
					  ? sizeof(char *)
					  : ox_elem_size(v->type.elem));
	}
	if (total <= OX_MAX_CHUNK_BYTES)
		return 0;
	return mlops_error_set(MLOPS_EINPUT, "'%s' needs %.1f GiB of tensors "
			       "for every %d rows; mlops runs models that need "
			       "at most 1 GiB per thread", path,
			       total / (1u << 30), OX_CHUNK);
}

static int onnx_b_load(struct model *m, const struct model_spec *spec)
{
	struct onnx_model *om = xcalloc(1, sizeof(*om));
	int rc;

	rc = ox_graph_load(&om->g, spec->path);
	if (!rc)
		rc = map_inputs(om, spec);
	if (!rc)
		rc = pick_output(om, m, spec);
	if (rc) {
		onnx_model_free(om);
		return rc;
	}
	ox_graph_mark_live(om->g, &om->out, 1);
	rc = check_memory(om, spec->path);
	if (rc) {
		onnx_model_free(om);
		return rc;
	}
	om->nthread = spec->nthread > 0 ? (size_t)spec->nthread : 0;
	/* The graph's path pointed at the caller's spec. */
	om->g->path = NULL;
	m->description = describe(om->g);
	m->impl = om;
	return 0;
}

static int feed_one(const struct onnx_model *om, const struct onnx_feed *f,
		    const double *rows, size_t n, size_t nf,
		    struct ox_tensor *t)
{
	const struct ox_value *v = &om->g->values[f->value];
	int64_t d[2] = { (int64_t)n, f->all ? (int64_t)nf : 1 };
	size_t cols = f->all ? nf : 1, r, c;
	int rc;

	rc = ox_tensor_alloc(t, v->type.elem, v->type.rank == 1 ? 1 : 2, d);
	for (r = 0; !rc && r < n; r++)
		for (c = 0; c < cols; c++) {
			double x = rows[r * nf + (f->all ? c : f->feature)];
			size_t i = r * cols + c;

			if (t->elem == OX_STRING) {
				if (isnan(x)) {
					((const char **)t->data)[i] = "";
				} else if (x < 0 || x >= (double)f->ncats ||
					   x != floor(x)) {
					rc = mlops_error_set(MLOPS_EINPUT,
						"input '%s' holds %g, which is "
						"not one of its %zu categories",
						v->name, x, f->ncats);
				} else {
					((const char **)t->data)[i] =
						f->cats[(size_t)x];
				}
			} else if (isnan(x) && t->elem != OX_FLOAT &&
				   t->elem != OX_DOUBLE) {
				rc = mlops_error_set(MLOPS_EINPUT, "input '%s' "
						     "is missing, and the model "
						     "takes %s, which has no "
						     "missing value", v->name,
						     ox_elem_name(t->elem));
			} else {
				ox_set(t, i, x);
			}
		}
	return rc;
}

static int run_chunk(const struct onnx_model *om, const double *rows,
		     size_t n, size_t nf, double *out, size_t nout,
		     struct ox_tensor *vals)
{
	const struct ox_tensor *y;
	size_t i, r;
	int rc = 0;

	for (i = 0; i < om->nfeeds && !rc; i++)
		rc = feed_one(om, &om->feeds[i], rows, n, nf,
			      &vals[om->feeds[i].value]);
	if (!rc)
		rc = ox_graph_run(om->g, vals);
	if (rc)
		return rc;
	y = &vals[om->out];
	if (!y->data || y->n != n * om->cols || (y->rank && y->dims[0] !=
						  (int64_t)n))
		return mlops_error_set(MLOPS_EINPUT, "the model's output '%s' "
				       "has %zu values for %zu rows",
				       om->g->values[om->out].name, y->n, n);
	for (r = 0; r < n; r++) {
		if (om->binary_col)
			out[r] = ox_get(y, r * 2 + 1);
		else
			for (i = 0; i < nout; i++)
				out[r * nout + i] = ox_get(y, r * om->cols + i);
	}
	return 0;
}

/* One chunk of rows, with tensors of its own: calls and chunks may run
 * on several threads at once. */
struct onnx_call {
	const struct model *m;
	const double *rows;
	double *out;
};

static int onnx_chunk(void *ctx, size_t from, size_t n)
{
	const struct onnx_call *c = ctx;
	const struct onnx_model *om = c->m->impl;
	struct ox_tensor *vals = xcalloc(om->g->nvalues + 1, sizeof(*vals));
	size_t nf = c->m->nfeatures, no = c->m->noutputs;
	int rc = run_chunk(om, c->rows + from * nf, n, nf, c->out + from * no,
			   no, vals);

	ox_vals_free(om->g, vals);
	free(vals);
	return rc;
}

static int onnx_b_predict(struct model *m, const double *rows, size_t nrows,
			  double *out)
{
	const struct onnx_model *om = m->impl;
	struct onnx_call c = { m, rows, out };

	return parallel_rows(nrows, OX_CHUNK, om->nthread, onnx_chunk, &c);
}

static int has_op(const struct ox_graph *g, const char *prefix)
{
	for (size_t i = 0; i < g->nnodes; i++)
		if (!strncmp(g->nodes[i].op->name, prefix, strlen(prefix)))
			return 1;
	return 0;
}

/* What init --model writes for an ONNX graph: its inputs (one [N, k]
 * tensor: k columns f0..; else one per column, strings as categories),
 * the task from its classifier or regressor, the class labels. */
static int onnx_b_inspect(const char *path, struct model_info *info)
{
	struct ox_graph *g;
	int kind, nullable, rc = ox_graph_load(&g, path);
	size_t i;

	if (rc)
		return rc;
	nullable = has_op(g, "Imputer") || has_op(g, "TreeEnsemble");
	if (g->ninputs == 1 && g->values[g->inputs[0]].type.rank == 2 &&
	    ox_elem_numeric(g->values[g->inputs[0]].type.elem)) {
		int64_t k = g->values[g->inputs[0]].type.dims[1];

		if (k < 1 || k > 100000) {
			ox_graph_free(g);
			return mlops_error_set(MLOPS_EINPUT, "the graph's input "
					       "'%s' has no fixed width: list "
					       "its columns in the signature by "
					       "hand", g->values[g->inputs[0]]
							       .name);
		}
		info->features = xcalloc((size_t)k, sizeof(*info->features));
		for (i = 0; i < (size_t)k; i++) {
			struct strbuf sb = STRBUF_INIT;

			strbuf_addf(&sb, "f%zu", i);
			info->features[i].name = strbuf_detach(&sb);
			info->features[i].type = VT_FLOAT;
			info->features[i].nullable = nullable;
		}
		info->nfeatures = (size_t)k;
	} else {
		info->features = xcalloc(g->ninputs + 1,
					 sizeof(*info->features));
		for (i = 0; i < g->ninputs && !rc; i++) {
			const struct ox_value *v = &g->values[g->inputs[i]];
			struct model_feature *f = &info->features[i];

			info->nfeatures++;
			f->name = xstrdup(v->name);
			f->nullable = nullable;
			f->type = v->type.elem == OX_STRING   ? VT_CATEGORY
				  : v->type.elem == OX_BOOL   ? VT_BOOL
				  : v->type.elem == OX_INT64 ||
						  v->type.elem == OX_INT32
					  ? VT_INT
					  : VT_FLOAT;
			if (f->type == VT_CATEGORY) {
				rc = input_categories(g, g->inputs[i], f);
				f->nullable = 1; /* an empty string: unseen */
			}
		}
	}
	kind = model_kind(g);
	for (i = 0; !rc && kind >= 0 && i < g->noutputs; i++) {
		const struct ox_value *v = &g->values[g->outputs[i]];

		if (v->type.rank != 2 || v->type.dims[1] < 2 ||
		    (v->type.elem != OX_FLOAT && v->type.elem != OX_DOUBLE))
			continue;
		info->nclasses = (size_t)v->type.dims[1];
		info->task = info->nclasses == 2 ? TASK_BINARY
						 : TASK_MULTICLASS;
		if (v->labels && v->labels->n == info->nclasses) {
			info->labels = xcalloc(v->labels->n + 1,
					       sizeof(char *));
			for (size_t k = 0; k < v->labels->n; k++)
				info->labels[k] = xstrdup(v->labels->names[k]);
			info->nlabels = v->labels->n;
		}
		break;
	}
	if (!rc && !info->nclasses)
		info->task = TASK_REGRESSION;
	ox_graph_free(g);
	return rc;
}

static void onnx_b_free(struct model *m)
{
	onnx_model_free(m->impl);
	m->impl = NULL;
}

/* Tree ensembles fed every feature by one input (trees_shap.c). */
static int onnx_b_explain_prepare(struct model *m)
{
	struct onnx_model *om = m->impl;

	if (om->nfeeds != 1 || !om->feeds[0].all)
		return mlops_error_set(MLOPS_EINPUT, "explanations need a "
				       "graph with one input [N, %zu] taking "
				       "every feature", m->nfeatures);
	return ox_shap_load(&om->shap, om->g, om->feeds[0].value,
			    m->nfeatures, m->noutputs);
}

static int onnx_b_explain(const struct model *m, const double *rows,
			  size_t nrows, double *out)
{
	const struct onnx_model *om = m->impl;

	return ox_shap_explain(om->shap, rows, nrows, out, om->nthread);
}

const struct model_backend model_backend_onnx = {
	.name = "onnx",
	.inspect = onnx_b_inspect,
	.load = onnx_b_load,
	.predict = onnx_b_predict,
	.free = onnx_b_free,
	.explain_prepare = onnx_b_explain_prepare,
	.explain = onnx_b_explain,
};
