/* The executor: live nodes in order, each value freed after its last
 * reader. Operators trust their inputs' element types because check saw
 * them; that every output has the type check promised is verified here,
 * so a mistake in one operator cannot turn into a wrong read in the
 * next. */
#include <stdlib.h>
#include <string.h>

#include "../../core/error.h"
#include "onnx_rt.h"

static int verify(const struct ox_graph *g, const struct ox_node *n,
		  size_t j, const struct ox_tensor *t)
{
	const struct ox_type *want = &g->values[n->out[j]].type;
	int i;

	if (t->elem != want->elem || !t->data)
		return mlops_error_set(MLOPS_EINTERNAL, "node %s made output "
				       "%zu of type %s, not %s",
				       ox_node_name(n), j,
				       ox_elem_name(t->elem),
				       ox_elem_name(want->elem));
	if (want->rank >= 0 && t->rank != want->rank)
		return mlops_error_set(MLOPS_EINPUT, "node %s made output %zu "
				       "of rank %d, the graph says %d",
				       ox_node_name(n), j, t->rank,
				       want->rank);
	for (i = 0; want->rank >= 0 && i < want->rank; i++)
		if (want->dims[i] >= 0 && i > 0 && t->dims[i] != want->dims[i])
			return mlops_error_set(MLOPS_EINPUT, "node %s made "
					       "output %zu with dimension %d of "
					       "%lld, the graph says %lld",
					       ox_node_name(n), j, i,
					       (long long)t->dims[i],
					       (long long)want->dims[i]);
	return 0;
}

int ox_graph_run(const struct ox_graph *g, struct ox_tensor *vals)
{
	const struct ox_tensor *ins[64];
	struct ox_tensor outs[8];
	size_t i, j;
	int rc = 0;

	for (i = 0; i < g->nvalues; i++)
		if (g->values[i].init) {
			vals[i] = *g->values[i].init;
			vals[i].borrowed = 1;
			vals[i].charged = 0;
		}
	ox_budget(OX_RUN_BYTES);
	for (i = 0; i < g->nnodes && !rc; i++) {
		const struct ox_node *n = &g->nodes[i];
		size_t keep;

		if (!n->live || !n->op->run)
			continue;
		if (n->nin > 64 || n->nout > 8) {
			rc = mlops_error_set(MLOPS_EINPUT, "node %s has too "
					     "many inputs or outputs",
					     ox_node_name(n));
			break;
		}
		for (j = 0; j < n->nin; j++)
			ins[j] = n->in[j] >= 0 ? &vals[n->in[j]] : NULL;
		memset(outs, 0, sizeof(outs));
		rc = n->op->run(n, ins, outs);
		for (j = 0; j < n->nout; j++) {
			if (!rc && n->out[j] >= 0)
				rc = verify(g, n, j, &outs[j]);
		}
		for (j = 0; j < n->nout; j++) {
			keep = !rc && n->out[j] >= 0 &&
			       g->values[n->out[j]].last_use >= 0;
			if (keep)
				vals[n->out[j]] = outs[j];
			else
				ox_tensor_free(&outs[j]);
		}
		for (j = 0; j < n->nin && !rc; j++) {
			int v = n->in[j];

			if (v >= 0 && g->values[v].last_use == (int)i)
				ox_tensor_free(&vals[v]);
		}
	}
	ox_budget(0);
	return rc;
}

void ox_vals_free(const struct ox_graph *g, struct ox_tensor *vals)
{
	size_t i;

	for (i = 0; i < g->nvalues; i++)
		ox_tensor_free(&vals[i]);
}
