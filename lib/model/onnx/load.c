/* Reading an ONNX file: protobuf-c unpacks it; then the checks that make
 * evaluation safe: opsets, external data, initializer sizes, every name
 * defined before it is read (nodes are put in order when they are not),
 * every operator known for its domain and opset, and element types and
 * ranks flowing from the inputs through each operator's check. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../core/error.h"
#include "../../core/fsutil.h"
#include "../../core/strbuf.h"
#include "onnx_rt.h"

#define OX_MAX_BYTES ((size_t)512 << 20)
#define OX_MAX_NODES 1000000

static const char *const ml_domain = "ai.onnx.ml";

static const struct ox_op *const op_tables[] = {
	ox_ops_tree, ox_ops_linear, ox_ops_transform, ox_ops_math,
	ox_ops_shape,
};

static int is_ai_domain(const char *d)
{
	return !d || !d[0] || !strcmp(d, "ai.onnx");
}

const struct ox_op *ox_op_find(const char *domain, const char *name)
{
	size_t t;
	const struct ox_op *op;
	int ml = domain && !strcmp(domain, ml_domain);

	if (!ml && !is_ai_domain(domain))
		return NULL;
	if (!name)
		return NULL;
	for (t = 0; t < sizeof(op_tables) / sizeof(op_tables[0]); t++)
		for (op = op_tables[t]; op->name; op++)
			if (!strcmp(op->name, name) &&
			    (ml == !strcmp(op->domain, ml_domain)))
				return op;
	return NULL;
}

void ox_ops_list(struct ox_graph *g, const char *domain, char *buf,
		 size_t size)
{
	struct strbuf sb = STRBUF_INIT;
	size_t t;
	const struct ox_op *op;
	int ml = !strcmp(domain, ml_domain);

	(void)g;
	for (t = 0; t < sizeof(op_tables) / sizeof(op_tables[0]); t++)
		for (op = op_tables[t]; op->name; op++)
			if (ml == !strcmp(op->domain, ml_domain))
				strbuf_addf(&sb, "%s%s", sb.len ? ", " : "",
					    op->name);
	snprintf(buf, size, "%s", strbuf_str(&sb));
	strbuf_release(&sb);
}

static size_t name_hash(const char *s)
{
	size_t h = 14695981039346656037u; /* FNV-1a */

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211u;
	return h;
}

void ox_names_put(struct ox_names *m, const char *key, int id)
{
	size_t i;

	if ((m->n + 1) * 2 > m->cap) {
		struct ox_names bigger = { 0 };

		bigger.cap = m->cap ? m->cap * 2 : 64;
		bigger.keys = xcalloc(bigger.cap, sizeof(char *));
		bigger.ids = xcalloc(bigger.cap, sizeof(int));
		for (i = 0; i < m->cap; i++)
			if (m->keys[i])
				ox_names_put(&bigger, m->keys[i], m->ids[i]);
		ox_names_free(m);
		*m = bigger;
	}
	for (i = name_hash(key) & (m->cap - 1); m->keys[i];
	     i = (i + 1) & (m->cap - 1))
		if (!strcmp(m->keys[i], key)) {
			m->ids[i] = id;
			return;
		}
	m->keys[i] = key;
	m->ids[i] = id;
	m->n++;
}

int ox_names_get(const struct ox_names *m, const char *key)
{
	size_t i;

	if (!m->cap)
		return -1;
	for (i = name_hash(key) & (m->cap - 1); m->keys[i];
	     i = (i + 1) & (m->cap - 1))
		if (!strcmp(m->keys[i], key))
			return m->ids[i];
	return -1;
}

void ox_names_free(struct ox_names *m)
{
	free(m->keys);
	free(m->ids);
	memset(m, 0, sizeof(*m));
}

int ox_value_find(const struct ox_graph *g, const char *name)
{
	return ox_names_get(&g->index, name);
}

static int value_add(struct ox_graph *g, const char *name)
{
	struct ox_value *v;

	ARRAY_GROW(g->values, g->nvalues + 1, g->values_alloc);
	v = &g->values[g->nvalues];
	memset(v, 0, sizeof(*v));
	v->name = xstrdup(name);
	ox_names_put(&g->index, v->name, (int)g->nvalues);
	v->type.rank = -1;
	v->producer = -1;
	v->last_use = -1;
	return (int)g->nvalues++;
}

void ox_graph_add_const(struct ox_graph *g, int value, struct ox_tensor *t)
{
	struct ox_tensor *keep = xmalloc(sizeof(*keep));
	int i;

	*keep = *t;
	ARRAY_GROW(g->inits, g->ninits + 1, g->inits_alloc);
	g->inits[g->ninits++] = keep;
	g->values[value].init = keep;
	g->values[value].type.elem = keep->elem;
	g->values[value].type.rank = keep->rank;
	for (i = 0; i < keep->rank; i++)
		g->values[value].type.dims[i] = keep->dims[i];
}

static int check_opsets(struct ox_graph *g)
{
	const Onnx__ModelProto *m = g->proto;
	size_t i;

	for (i = 0; i < m->n_opset_import; i++) {
		const Onnx__OperatorSetIdProto *o = m->opset_import[i];
		int v = o->has_version && o->version > 0 &&
				o->version < INT_MAX
			? (int)o->version : 0;

		if (is_ai_domain(o->domain)) {
			g->opset_ai = v;
			if (v < 6 || v > 21)
				return mlops_error_set(MLOPS_EINPUT, "'%s' "
						       "imports opset %d of "
						       "ai.onnx; mlops runs "
						       "opsets 6 to 21",
						       g->path, v);
		} else if (!strcmp(o->domain, ml_domain)) { /* not NULL */
			g->opset_ml = v;
			if (v < 1 || v > 4)
				return mlops_error_set(MLOPS_EINPUT, "'%s' "
						       "imports opset %d of "
						       "ai.onnx.ml; mlops runs "
						       "opsets 1 to 4",
						       g->path, v);
		}
		/* Other domains matter only if a node uses them. */
	}
	if (!g->opset_ai && !g->opset_ml)
		return mlops_error_set(MLOPS_EINPUT, "'%s' imports no opset of "
				       "ai.onnx or ai.onnx.ml", g->path);
	return 0;
}

static int type_from_proto(struct ox_type *t, const Onnx__TypeProto *tp)
{
	const Onnx__TensorShapeProto *s;
	size_t i;

	if (!tp || tp->value_case != ONNX__TYPE_PROTO__VALUE_TENSOR_TYPE ||
	    !tp->tensor_type || !tp->tensor_type->has_elem_type)
		return -1;
	t->elem = tp->tensor_type->elem_type;
	s = tp->tensor_type->shape;
	t->rank = -1;
	if (!s)
		return 0;
	if (s->n_dim > OX_MAX_RANK)
		return -1;
	t->rank = (int)s->n_dim;
	for (i = 0; i < s->n_dim; i++)
		t->dims[i] = s->dim[i]->value_case ==
					     ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_VALUE &&
				     s->dim[i]->dim_value >= 0
			? s->dim[i]->dim_value : -1;
	return 0;
}

static int load_initializers(struct ox_graph *g)
{
	const Onnx__GraphProto *gp = g->proto->graph;
	size_t i;
	int rc;

	if (gp->n_sparse_initializer)
		return mlops_error_set(MLOPS_EINPUT, "'%s' has sparse "
				       "initializers, which mlops does not "
				       "read", g->path);
	for (i = 0; i < gp->n_initializer; i++) {
		const Onnx__TensorProto *p = gp->initializer[i];
		struct ox_tensor t;
		int v;

		if (!p->name || !p->name[0])
			return mlops_error_set(MLOPS_EINPUT, "'%s' has an "
					       "initializer without a name",
					       g->path);
		if (ox_value_find(g, p->name) >= 0)
			return mlops_error_set(MLOPS_EINPUT, "'%s' defines "
					       "'%s' twice", g->path, p->name);
		rc = ox_tensor_from_proto(&t, p, p->name);
		if (rc)
			return rc;
		v = value_add(g, p->name);
		ox_graph_add_const(g, v, &t);
	}
	return 0;
}

static int load_inputs(struct ox_graph *g)
{
	const Onnx__GraphProto *gp = g->proto->graph;
	size_t i;

	g->inputs = xcalloc(gp->n_input + 1, sizeof(int));
	for (i = 0; i < gp->n_input; i++) {
		const Onnx__ValueInfoProto *vi = gp->input[i];
		int v;

		if (!vi->name || !vi->name[0])
			return mlops_error_set(MLOPS_EINPUT, "'%s' has an input "
					       "without a name", g->path);
		v = ox_value_find(g, vi->name);
		if (v >= 0 && g->values[v].init)
			continue; /* IR < 4: initializers listed as inputs */
		if (v >= 0)
			return mlops_error_set(MLOPS_EINPUT, "'%s' declares "
					       "input '%s' twice", g->path,
					       vi->name);
		v = value_add(g, vi->name);
		if (type_from_proto(&g->values[v].type, vi->type) ||
		    !ox_elem_size(g->values[v].type.elem))
			return mlops_error_set(MLOPS_EINPUT, "'%s': input '%s' "
					       "is not a tensor of float, "
					       "double, int64, int32, bool or "
					       "string", g->path, vi->name);
		g->inputs[g->ninputs++] = v;
	}
	return 0;
}

static int unsupported(struct ox_graph *g, const Onnx__NodeProto *np)
{
	char list[2048];
	const char *d = np->domain && np->domain[0] ? np->domain : "ai.onnx";
	int ml = !strcmp(d, ml_domain);

	if (!ml && !is_ai_domain(d))
		return mlops_error_set(MLOPS_EINPUT, "'%s': operator %s of "
				       "domain '%s' is not supported; mlops "
				       "runs the domains ai.onnx and "
				       "ai.onnx.ml", g->path, np->op_type, d);
	ox_ops_list(g, ml ? ml_domain : "", list, sizeof(list));
	mlops_error_set(MLOPS_EINPUT, "'%s': operator %s (domain %s, opset "
			"%d) is not supported; supported in %s: %s", g->path,
			np->op_type, d, ml ? g->opset_ml : g->opset_ai, d,
			list);
	return MLOPS_EINPUT;
}

/* Places one node: its outputs become values. */
static int node_place(struct ox_graph *g, const Onnx__NodeProto *np)
{
	struct ox_node *n = &g->nodes[g->nnodes];
	const char *d = np->domain && np->domain[0] ? np->domain : "";
	size_t i;

	memset(n, 0, sizeof(*n));
	n->proto = np;
	if (!np->op_type || !np->op_type[0])
		return mlops_error_set(MLOPS_EINPUT, "'%s' has a node without "
				       "an operator", g->path);
	n->op = ox_op_find(d, np->op_type);
	if (!n->op)
		return unsupported(g, np);
	if (np->n_input > 64 || np->n_output > 8)
		return mlops_error_set(MLOPS_EINPUT, "'%s': node %s has more "
				       "than 64 inputs or 8 outputs", g->path,
				       np->op_type);
	n->opset = strcmp(d, ml_domain) ? g->opset_ai : g->opset_ml;
	if (!n->opset)
		return mlops_error_set(MLOPS_EINPUT, "'%s': node %s uses domain "
				       "%s, which the model does not import",
				       g->path, np->op_type,
				       d[0] ? d : "ai.onnx");
	n->nin = np->n_input;
	n->nout = np->n_output;
	n->in = xcalloc(n->nin + 1, sizeof(int));
	n->out = xcalloc(n->nout + 1, sizeof(int));
	g->nnodes++;
	for (i = 0; i < n->nin; i++)
		n->in[i] = np->input[i][0] ? ox_value_find(g, np->input[i])
					   : -1;
	for (i = 0; i < n->nout; i++) {
		int v;

		if (!np->output[i][0]) {
			n->out[i] = -1;
			continue;
		}
		if (ox_value_find(g, np->output[i]) >= 0)
			return mlops_error_set(MLOPS_EINPUT, "'%s': '%s' is "
					       "defined twice", g->path,
					       np->output[i]);
		v = value_add(g, np->output[i]);
		g->values[v].producer = (int)g->nnodes - 1;
		n->out[i] = v;
	}
	return 0;
}

/* Nodes in an order where each reads only what is already defined:
 * Kahn's sort over the edges producer -> reader, stable for a graph
 * already in order. */
static int order_nodes(struct ox_graph *g)
{
	const Onnx__GraphProto *gp = g->proto->graph;
	size_t n = gp->n_node, i, j, nedge = 0, head = 0, tail = 0;
	struct ox_names producer = { 0 };
	size_t *indeg, *start, *edge, *queue, *fill;
	int rc = 0;

	if (n > OX_MAX_NODES)
		return mlops_error_set(MLOPS_EINPUT, "'%s' has %zu nodes, more "
				       "than mlops runs", g->path, n);
	g->nodes = xcalloc(n + 1, sizeof(*g->nodes));
	for (i = 0; i < n && !rc; i++)
		for (j = 0; j < gp->node[i]->n_output && !rc; j++) {
			const char *o = gp->node[i]->output[j];

			if (!o[0])
				continue;
			if (ox_names_get(&producer, o) >= 0 ||
			    ox_value_find(g, o) >= 0)
				rc = mlops_error_set(MLOPS_EINPUT, "'%s': '%s' is "
						     "defined twice", g->path, o);
			else
				ox_names_put(&producer, o, (int)i);
		}
	indeg = xcalloc(n + 1, sizeof(size_t));
	start = xcalloc(n + 2, sizeof(size_t));
	/* Count each node's readers, then list them (CSR). */
	for (i = 0; i < n && !rc; i++)
		for (j = 0; j < gp->node[i]->n_input && !rc; j++) {
			const char *in = gp->node[i]->input[j];
			int p;

			if (!in[0] || ox_value_find(g, in) >= 0)
				continue;
			p = ox_names_get(&producer, in);
			if (p < 0)
				rc = mlops_error_set(MLOPS_EINPUT, "'%s': node %s "
						     "reads '%s', which no "
						     "input, initializer or "
						     "node defines", g->path,
						     gp->node[i]->op_type
							     ? gp->node[i]->op_type
							     : "?", in);
			else {
				start[p + 1]++;
				indeg[i]++;
				nedge++;
			}
		}
	for (i = 0; i < n; i++)
		start[i + 1] += start[i];
	edge = xcalloc(nedge + 1, sizeof(size_t));
	fill = xcalloc(n + 1, sizeof(size_t));
	queue = xcalloc(n + 1, sizeof(size_t));
	for (i = 0; i < n && !rc; i++)
		for (j = 0; j < gp->node[i]->n_input; j++) {
			const char *in = gp->node[i]->input[j];
			int p;

			if (!in[0] || ox_value_find(g, in) >= 0 ||
			    (p = ox_names_get(&producer, in)) < 0)
				continue;
			edge[start[p] + fill[p]++] = i;
		}
	for (i = 0; i < n && !rc; i++)
		if (!indeg[i])
			queue[tail++] = i;
	while (head < tail && !rc) {
		size_t at = queue[head++];

		rc = node_place(g, gp->node[at]);
		for (j = start[at]; j < start[at + 1] && !rc; j++)
			if (!--indeg[edge[j]])
				queue[tail++] = edge[j];
	}
	if (!rc && tail < n)
		rc = mlops_error_set(MLOPS_EINPUT, "'%s': the graph has a cycle "
				     "(%zu of its %zu nodes wait on each "
				     "other)", g->path, n - tail, n);
	free(indeg);
	free(start);
	free(edge);
	free(fill);
	free(queue);
	ox_names_free(&producer);
	return rc;
}

static int check_nodes(struct ox_graph *g)
{
	size_t i, j;
	int rc;

	for (i = 0; i < g->nnodes; i++) {
		struct ox_node *n = &g->nodes[i];

		rc = n->op->check(g, n);
		if (rc) {
			mlops_error_prefix("'%s': ", g->path);
			return rc;
		}
		for (j = 0; j < n->nout; j++) {
			const struct ox_type *t;

			if (n->out[j] < 0)
				continue;
			t = &g->values[n->out[j]].type;
			if (!ox_elem_size(t->elem) && !g->values[n->out[j]].init)
				return mlops_error_set(MLOPS_EINPUT, "'%s': "
						       "node %s: output %zu has "
						       "no type", g->path,
						       ox_node_name(n), j);
		}
	}
	return 0;
}

static int load_outputs(struct ox_graph *g)
{
	const Onnx__GraphProto *gp = g->proto->graph;
	size_t i;

	g->outputs = xcalloc(gp->n_output + 1, sizeof(int));
	for (i = 0; i < gp->n_output; i++) {
		int v = gp->output[i]->name
			? ox_value_find(g, gp->output[i]->name) : -1;

		if (v < 0)
			return mlops_error_set(MLOPS_EINPUT, "'%s': output "
					       "'%s' is defined by nothing",
					       g->path, gp->output[i]->name
					       ? gp->output[i]->name : "");
		g->outputs[g->noutputs++] = v;
	}
	if (!g->noutputs)
		return mlops_error_set(MLOPS_EINPUT, "'%s' has no outputs",
				       g->path);
	return 0;
}

void ox_graph_mark_live(struct ox_graph *g, const int *vals, size_t n)
{
	size_t i, j;

	for (i = 0; i < g->nvalues; i++)
		g->values[i].last_use = -1;
	for (i = 0; i < g->nnodes; i++)
		g->nodes[i].live = 0;
	for (i = 0; i < n; i++) {
		int p = g->values[vals[i]].producer;

		g->values[vals[i]].last_use = INT_MAX;
		if (p >= 0)
			g->nodes[p].live = 1;
	}
	for (i = g->nnodes; i-- > 0;) {
		struct ox_node *nd = &g->nodes[i];

		if (!nd->live)
			continue;
		for (j = 0; j < nd->nin; j++) {
			struct ox_value *v;

			if (nd->in[j] < 0)
				continue;
			v = &g->values[nd->in[j]];
			if (v->producer >= 0)
				g->nodes[v->producer].live = 1;
			if (v->last_use < (int)i)
				v->last_use = (int)i;
		}
	}
}

int ox_graph_load(struct ox_graph **out, const char *path)
{
	struct strbuf text = STRBUF_INIT;
	struct ox_graph *g = xcalloc(1, sizeof(*g));
	int rc;

	*out = NULL;
	g->path = path;
	rc = fs_read_file(path, OX_MAX_BYTES, &text);
	if (!rc && !text.len)
		rc = mlops_error_set(MLOPS_EINPUT, "'%s' is empty, not an ONNX "
				     "model", path);
	if (!rc) {
		g->proto = onnx__model_proto__unpack(
			NULL, text.len, (const uint8_t *)text.buf);
		if (!g->proto)
			rc = mlops_error_set(MLOPS_EINPUT, "'%s' is not an ONNX "
					     "model (its protobuf does not "
					     "parse)", path);
	}
	strbuf_release(&text);
	if (!rc && !g->proto->graph)
		rc = mlops_error_set(MLOPS_EINPUT, "'%s' is an ONNX file "
				     "without a graph", path);
	if (!rc && g->proto->n_functions)
		rc = mlops_error_set(MLOPS_EINPUT, "'%s' defines model-local "
				     "functions, which mlops does not run",
				     path);
	if (!rc)
		rc = check_opsets(g);
	if (!rc)
		rc = load_initializers(g);
	if (!rc)
		rc = load_inputs(g);
	if (!rc)
		rc = order_nodes(g);
	if (!rc)
		rc = check_nodes(g);
	if (!rc)
		rc = load_outputs(g);
	if (rc) {
		ox_graph_free(g);
		return rc;
	}
	*out = g;
	return 0;
}

void ox_graph_free(struct ox_graph *g)
{
	size_t i, j;

	if (!g)
		return;
	for (i = 0; i < g->nnodes; i++) {
		if (g->nodes[i].state && g->nodes[i].op->free_state)
			g->nodes[i].op->free_state(g->nodes[i].state);
		free(g->nodes[i].in);
		free(g->nodes[i].out);
	}
	free(g->nodes);
	for (i = 0; i < g->ninits; i++) {
		struct ox_tensor *t = g->inits[i];

		if (t->elem == OX_STRING && !t->borrowed)
			for (j = 0; j < t->n; j++)
				free(((char **)t->data)[j]);
		ox_tensor_free(t);
		free(t);
	}
	free(g->inits);
	for (i = 0; i < g->nvalues; i++)
		free(g->values[i].name);
	free(g->values);
	ox_names_free(&g->index);
	free(g->inputs);
	free(g->outputs);
	if (g->proto)
		onnx__model_proto__free_unpacked(g->proto, NULL);
	free(g);
}
