/* What operators read of their node: attributes (type-checked), input
 * types, constant inputs; and the errors that name the node. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../core/error.h"
#include "../../core/strbuf.h"
#include "onnx_rt.h"

const char *ox_node_name(const struct ox_node *n)
{
	static _Thread_local char buf[256];

	snprintf(buf, sizeof(buf), "%s%s%s%s", n->proto->op_type,
		 n->proto->name && n->proto->name[0] ? " '" : "",
		 n->proto->name && n->proto->name[0] ? n->proto->name : "",
		 n->proto->name && n->proto->name[0] ? "'" : "");
	return buf;
}

int ox_fail(const struct ox_node *n, const char *fmt, ...)
{
	struct strbuf sb = STRBUF_INIT;
	va_list ap;

	va_start(ap, fmt);
	strbuf_vaddf(&sb, fmt, ap);
	va_end(ap);
	mlops_error_set(MLOPS_EINPUT, "node %s: %s", ox_node_name(n),
			strbuf_str(&sb));
	strbuf_release(&sb);
	return MLOPS_EINPUT;
}

const Onnx__AttributeProto *ox_attr(const struct ox_node *n,
				    const char *name)
{
	size_t i;

	for (i = 0; i < n->proto->n_attribute; i++)
		if (n->proto->attribute[i]->name &&
		    !strcmp(n->proto->attribute[i]->name, name))
			return n->proto->attribute[i];
	return NULL;
}

static int wrong_type(const struct ox_node *n, const char *name,
		      const char *want)
{
	return ox_fail(n, "attribute '%s' must be %s", name, want);
}

int ox_attr_int(const struct ox_node *n, const char *name, int64_t def,
		int64_t *out)
{
	const Onnx__AttributeProto *a = ox_attr(n, name);

	*out = def;
	if (!a)
		return 0;
	if (!a->has_i || (a->has_type && a->type !=
			  ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INT))
		return wrong_type(n, name, "an int");
	*out = a->i;
	return 0;
}

int ox_attr_axis(const struct ox_node *n, int rank, int64_t def, int end,
		 int64_t *out)
{
	int rc = ox_attr_int(n, "axis", def, out);

	if (rc)
		return rc;
	if (*out < 0)
		*out += rank;
	if (*out < 0 || *out >= (rank ? rank : 1) + end)
		return ox_fail(n, "axis is out of range for rank %d", rank);
	return 0;
}

int ox_attr_float(const struct ox_node *n, const char *name, float def,
		  float *out)
{
	const Onnx__AttributeProto *a = ox_attr(n, name);

	*out = def;
	if (!a)
		return 0;
	if (!a->has_f || (a->has_type && a->type !=
			  ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__FLOAT))
		return wrong_type(n, name, "a float");
	*out = a->f;
	return 0;
}

int ox_attr_string(const struct ox_node *n, const char *name,
		   const char *def, char **out)
{
	const Onnx__AttributeProto *a = ox_attr(n, name);

	*out = NULL;
	if (!a) {
		if (def)
			*out = xstrdup(def);
		return 0;
	}
	if (!a->has_s || (a->has_type && a->type !=
			  ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__STRING))
		return wrong_type(n, name, "a string");
	*out = xstrndup((const char *)a->s.data, a->s.len);
	return 0;
}

int ox_attr_ints(const struct ox_node *n, const char *name,
		 const int64_t **v, size_t *count)
{
	const Onnx__AttributeProto *a = ox_attr(n, name);

	*v = NULL;
	*count = 0;
	if (!a)
		return 0;
	if ((a->has_type &&
	     a->type != ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INTS) ||
	    a->n_floats || a->n_strings)
		return wrong_type(n, name, "a list of ints");
	*v = a->ints;
	*count = a->n_ints;
	return 0;
}

int ox_attr_floats(const struct ox_node *n, const char *name,
		   const float **v, size_t *count)
{
	const Onnx__AttributeProto *a = ox_attr(n, name);

	*v = NULL;
	*count = 0;
	if (!a)
		return 0;
	if ((a->has_type &&
	     a->type != ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__FLOATS) ||
	    a->n_ints || a->n_strings)
		return wrong_type(n, name, "a list of floats");
	*v = a->floats;
	*count = a->n_floats;
	return 0;
}

int ox_attr_strings(const struct ox_node *n, const char *name, char ***v,
		    size_t *count)
{
	const Onnx__AttributeProto *a = ox_attr(n, name);
	size_t i;

	*v = NULL;
	*count = 0;
	if (!a)
		return 0;
	if ((a->has_type &&
	     a->type != ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__STRINGS) ||
	    a->n_ints || a->n_floats)
		return wrong_type(n, name, "a list of strings");
	*v = xcalloc(a->n_strings + 1, sizeof(char *));
	for (i = 0; i < a->n_strings; i++)
		(*v)[i] = xstrndup((const char *)a->strings[i].data,
				   a->strings[i].len);
	*count = a->n_strings;
	return 0;
}

void ox_strings_free(char **v, size_t n)
{
	size_t i;

	if (!v)
		return;
	for (i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

int ox_attr_refuse(const struct ox_node *n, const char *name,
		   const char *why)
{
	if (!ox_attr(n, name))
		return 0;
	return ox_fail(n, "attribute '%s' is not supported: %s", name, why);
}

const struct ox_type *ox_in_type(const struct ox_graph *g,
				 const struct ox_node *n, size_t i)
{
	static const struct ox_type none = { OX_UNDEF, -1, { 0 } };

	if (i >= n->nin || n->in[i] < 0)
		return &none;
	return &g->values[n->in[i]].type;
}

struct ox_type *ox_out_type(struct ox_graph *g, const struct ox_node *n,
			    size_t i)
{
	static _Thread_local struct ox_type scratch;

	if (i >= n->nout || n->out[i] < 0)
		return &scratch;
	return &g->values[n->out[i]].type;
}

const struct ox_tensor *ox_in_const(const struct ox_graph *g,
				    const struct ox_node *n, size_t i)
{
	if (i >= n->nin || n->in[i] < 0)
		return NULL;
	return g->values[n->in[i]].init;
}

int ox_need_inputs(const struct ox_node *n, size_t min, size_t max)
{
	if (n->nin < min || n->nin > max)
		return ox_fail(n, "takes %zu to %zu inputs, it has %zu", min,
			       max, n->nin);
	if (min && n->in[0] < 0)
		return ox_fail(n, "its first input is missing");
	return 0;
}

int ox_need_elem(const struct ox_node *n, const struct ox_type *t,
		 const char *what, unsigned mask)
{
	if (t->elem > 0 && t->elem < 32 && (mask & OX_M(t->elem)))
		return 0;
	return ox_fail(n, "%s has type %s, which it does not take here",
		       what, ox_elem_name(t->elem));
}
