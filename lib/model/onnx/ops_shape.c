/* ai.onnx data movement: Identity, Cast, Constant, Concat, Reshape,
 * Flatten, Squeeze, Unsqueeze, Gather, Slice, Shape. Shapes that come
 * from constants are known at load; the rest are checked as they run. */
#include <stdlib.h>
#include <string.h>

#include "../../core/error.h"
#include "onnx_rt.h"

#define ANY (OX_NUMERIC | OX_M(OX_BOOL) | OX_M(OX_STRING))

static int check_identity(struct ox_graph *g, struct ox_node *n)
{
	int rc = ox_need_inputs(n, 1, 1);

	if (!rc)
		rc = ox_need_elem(n, ox_in_type(g, n, 0), "input", ANY);
	if (rc)
		return rc;
	*ox_out_type(g, n, 0) = *ox_in_type(g, n, 0);
	if (n->out[0] >= 0)
		g->values[n->out[0]].labels = g->values[n->in[0]].labels;
	return 0;
}

static int run_copy(const struct ox_node *n, const struct ox_tensor *const *in,
		    struct ox_tensor *out)
{
	(void)n;
	return ox_tensor_copy(out, in[0]);
}

static int check_cast(struct ox_graph *g, struct ox_node *n)
{
	const struct ox_type *x = ox_in_type(g, n, 0);
	struct ox_type *y = ox_out_type(g, n, 0);
	int64_t to;
	int rc = ox_need_inputs(n, 1, 1);

	if (!rc)
		rc = ox_need_elem(n, x, "input", ANY);
	if (!rc)
		rc = ox_attr_int(n, "to", 0, &to);
	if (rc)
		return rc;
	if (to <= 0 || to > 16 || !ox_elem_size((int)to) || to == OX_STRING)
		return ox_fail(n, "casts to %s, which is not supported (float,"
			       " double, int64, int32, bool)",
			       ox_elem_name((int)to));
	*y = *x;
	y->elem = (int)to;
	if (n->out[0] >= 0)
		g->values[n->out[0]].labels = g->values[n->in[0]].labels;
	return 0;
}

static int run_cast(const struct ox_node *n, const struct ox_tensor *const *in,
		    struct ox_tensor *out)
{
	const struct ox_tensor *x = in[0];
	int64_t to;
	size_t i;
	int rc;

	ox_attr_int(n, "to", 0, &to);
	rc = ox_tensor_alloc(out, (int)to, x->rank, x->dims);
	for (i = 0; !rc && i < x->n; i++) {
		if (x->elem == OX_STRING) {
			const char *s = ((const char **)x->data)[i];
			char *end;
			double v = strtod(s, &end);

			ox_set(out, i, end != s && !*end ? v : 0);
		} else if (to == OX_INT64 && x->elem != OX_FLOAT &&
			   x->elem != OX_DOUBLE) {
			((int64_t *)out->data)[i] = ox_get_i64(x, i);
		} else {
			ox_set(out, i, ox_get(x, i));
		}
	}
	return rc;
}

static int check_constant(struct ox_graph *g, struct ox_node *n)
{
	const Onnx__AttributeProto *a = ox_attr(n, "value");
	struct ox_tensor t;
	int rc;

	if (n->nin || n->nout != 1 || n->out[0] < 0)
		return ox_fail(n, "must have no inputs and one output");
	if (!a || !a->t)
		return ox_fail(n, "needs a 'value' tensor (value_float and the "
			       "like are not supported)");
	rc = ox_tensor_from_proto(&t, a->t, n->proto->output[0]);
	if (rc)
		return rc;
	ox_graph_add_const(g, n->out[0], &t);
	return 0;
}

static int check_concat(struct ox_graph *g, struct ox_node *n)
{
	const struct ox_type *x = ox_in_type(g, n, 0);
	struct ox_type *y = ox_out_type(g, n, 0);
	int64_t axis, sum = 0;
	size_t i;
	int rc = ox_need_inputs(n, 1, 64), d;

	if (!rc)
		rc = ox_need_elem(n, x, "input", ANY);
	if (!rc && x->rank < 1)
		rc = ox_fail(n, "inputs need a known rank");
	if (!rc)
		rc = ox_attr_axis(n, x->rank, 0, 0, &axis);
	if (rc)
		return rc;
	*y = *x;
	for (i = 0; i < n->nin; i++) {
		const struct ox_type *t = ox_in_type(g, n, i);

		if (n->in[i] < 0 || t->elem != x->elem || t->rank != x->rank)
			return ox_fail(n, "inputs must share type and rank");
		for (d = 0; d < x->rank; d++)
			if (d != axis && t->dims[d] >= 0 && y->dims[d] >= 0 &&
			    t->dims[d] != y->dims[d])
				return ox_fail(n, "inputs differ in dimension "
					       "%d", d);
		sum = sum < 0 || t->dims[axis] < 0 ? -1 : sum + t->dims[axis];
	}
	y->dims[axis] = sum;
	return 0;
}

static int run_concat(const struct ox_node *n,
		      const struct ox_tensor *const *in,
		      struct ox_tensor *out)
{
	int64_t axis, d[OX_MAX_RANK];
	size_t i, outer = 1, inner = 1, es = ox_elem_size(in[0]->elem), o;
	size_t at = 0, total;
	int k, rc;

	rc = ox_attr_axis(n, in[0]->rank, 0, 0, &axis);
	if (rc)
		return rc;
	memcpy(d, in[0]->dims, sizeof(d));
	d[axis] = 0;
	for (i = 0; i < n->nin; i++) {
		if (in[i]->rank != in[0]->rank)
			return ox_fail(n, "inputs differ in rank");
		for (k = 0; k < in[0]->rank; k++)
			if (k != axis && in[i]->dims[k] != in[0]->dims[k])
				return ox_fail(n, "inputs differ in dimension "
					       "%d", k);
		d[axis] += in[i]->dims[axis];
	}
	rc = ox_tensor_alloc(out, in[0]->elem, in[0]->rank, d);
	if (rc)
		return rc;
	for (k = 0; k < in[0]->rank; k++) {
		if (k < axis)
			outer *= (size_t)d[k];
		if (k > axis)
			inner *= (size_t)d[k];
	}
	total = (size_t)d[axis] * inner;
	for (i = 0; i < n->nin; i++) {
		size_t w = (size_t)in[i]->dims[axis] * inner;

		for (o = 0; o < outer && w; o++)
			memcpy((char *)out->data + (o * total + at) * es,
			       (const char *)in[i]->data + o * w * es, w * es);
		at += w;
	}
	return 0;
}

/* Reshape's target dims: 0 copies (unless allowzero), -1 is inferred. */
static int reshape_dims(const struct ox_node *n, const struct ox_tensor *x,
			const struct ox_tensor *shape, int64_t *d, int *rank)
{
	int64_t allowzero = 0, known = 1;
	size_t i;
	int infer = -1;

	ox_attr_int(n, "allowzero", 0, &allowzero);
	if (shape->rank != 1 || shape->n > OX_MAX_RANK)
		return ox_fail(n, "shape must be a 1-D tensor of 8 or fewer");
	for (i = 0; i < shape->n; i++) {
		d[i] = ox_get_i64(shape, i);
		if (d[i] == 0 && !allowzero) {
			if ((int)i >= x->rank)
				return ox_fail(n, "shape copies dimension %zu "
					       "of a rank %d input", i,
					       x->rank);
			d[i] = x->dims[i];
		}
		if (d[i] == -1) {
			if (infer >= 0)
				return ox_fail(n, "shape has two -1");
			infer = (int)i;
			continue;
		}
		if (d[i] < 0)
			return ox_fail(n, "shape holds %lld",
				       (long long)d[i]);
		if (d[i] && known > (int64_t)OX_MAX_ELEMS / d[i])
			return ox_fail(n, "shape is too large");
		known *= d[i];
	}
	if (infer >= 0) {
		if (!known || (int64_t)x->n % known)
			return ox_fail(n, "cannot infer the -1 dimension");
		d[infer] = (int64_t)x->n / known;
		known *= d[infer];
	}
	if ((size_t)known != x->n)
		return ox_fail(n, "cannot reshape %zu elements into %lld", x->n,
			       (long long)known);
	*rank = (int)shape->n;
	return 0;
}

static int check_reshape(struct ox_graph *g, struct ox_node *n)
{
	const struct ox_tensor *shape = ox_in_const(g, n, 1);
	struct ox_type *y = ox_out_type(g, n, 0);
	size_t i;
	int rc = ox_need_inputs(n, 2, 2);

	if (!rc)
		rc = ox_need_elem(n, ox_in_type(g, n, 0), "input", ANY);
	if (!rc && n->in[1] < 0)
		rc = ox_fail(n, "needs a shape");
	if (!rc)
		rc = ox_need_elem(n, ox_in_type(g, n, 1), "shape",
				  OX_M(OX_INT64));
	if (rc)
		return rc;
	y->elem = ox_in_type(g, n, 0)->elem;
	y->rank = -1;
	if (shape && shape->rank == 1 && shape->n <= OX_MAX_RANK) {
		const struct ox_type *x = ox_in_type(g, n, 0);

		y->rank = (int)shape->n;
		for (i = 0; i < shape->n; i++) {
			int64_t v = ((const int64_t *)shape->data)[i];

			y->dims[i] = v > 0 ? v
				: v == 0 && (int)i < x->rank ? x->dims[i] : -1;
		}
	}
	return 0;
}

static int run_reshape(const struct ox_node *n,
		       const struct ox_tensor *const *in,
		       struct ox_tensor *out)
{
	int64_t d[OX_MAX_RANK];
	int rank = 0, rc = reshape_dims(n, in[0], in[1], d, &rank);

	if (rc)
		return rc;
	rc = run_copy(n, in, out);
	if (!rc) {
		out->rank = rank;
		memcpy(out->dims, d, sizeof(d[0]) * (size_t)rank);
	}
	return rc;
}

static int check_flatten(struct ox_graph *g, struct ox_node *n)
{
	const struct ox_type *x = ox_in_type(g, n, 0);
	struct ox_type *y = ox_out_type(g, n, 0);
	int64_t axis, a = 1, b = 1;
	int rc = ox_need_inputs(n, 1, 1), i;

	if (!rc)
		rc = ox_need_elem(n, x, "input", ANY);
	if (!rc && x->rank < 0)
		rc = ox_fail(n, "input needs a known rank");
	if (!rc)
		rc = ox_attr_axis(n, x->rank, 1, 1, &axis);
	if (rc)
		return rc;
	for (i = 0; i < x->rank; i++) {
		int64_t *p = i < axis ? &a : &b;

		*p = *p < 0 || x->dims[i] < 0 ? -1 : *p * x->dims[i];
	}
	y->elem = x->elem;
	y->rank = 2;
	y->dims[0] = a;
	y->dims[1] = b;
	return 0;
}

static int run_flatten(const struct ox_node *n,
		       const struct ox_tensor *const *in,
		       struct ox_tensor *out)
{
	int64_t axis;
	size_t a = 1;
	int i, rc;

	rc = ox_attr_axis(n, in[0]->rank, 1, 1, &axis);
	if (rc)
		return rc;
	for (i = 0; i < axis; i++)
		a *= (size_t)in[0]->dims[i];
	rc = run_copy(n, in, out);
	if (!rc) {
		out->rank = 2;
		out->dims[0] = (int64_t)a;
		out->dims[1] = a ? (int64_t)(in[0]->n / a) : 0;
	}
	return rc;
}

/* Axes of Squeeze/Unsqueeze: an attribute before opset 13, an input
 * (constant, here) after. mask gets bit i for each axis i of rank r. */
static int axes_mask(const struct ox_graph *g, const struct ox_node *n,
		     const struct ox_tensor *in1, int r, int grow,
		     unsigned *mask, int *count)
{
	const int64_t *v = NULL;
	size_t k = 0, i;
	int rc = 0;

	*mask = 0;
	*count = 0;
	if (n->opset < 13) {
		rc = ox_attr_ints(n, "axes", &v, &k);
	} else {
		const struct ox_tensor *t = in1 ? in1 : g ? ox_in_const(g, n, 1)
							: NULL;

		if (t && t->elem == OX_INT64) {
			v = t->data;
			k = t->n;
		} else if (n->nin > 1 && n->in[1] >= 0) {
			return ox_fail(n, "axes must be a constant int64 "
				       "tensor");
		}
	}
	if (grow) /* Unsqueeze: axes index the output */
		r += (int)(k < OX_MAX_RANK ? k : OX_MAX_RANK + 1);
	for (i = 0; !rc && i < k; i++) {
		int64_t a = v[i] < 0 ? v[i] + r : v[i];

		if (a < 0 || a >= r || r > OX_MAX_RANK || (*mask >> a) & 1)
			return ox_fail(n, "axis %lld is out of range or "
				       "repeated", (long long)v[i]);
		*mask |= 1u << a;
		(*count)++;
	}
	return rc;
}

static int squeeze_shape(const struct ox_node *n, int squeeze, int rank,
			 const int64_t *dims, unsigned mask, int count,
			 int *orank, int64_t *od)
{
	int i, j = 0, r = squeeze ? rank : rank + count;

	if (r > OX_MAX_RANK)
		return ox_fail(n, "the result has more than 8 dimensions");
	for (i = 0; i < (squeeze ? rank : r); i++) {
		if (squeeze) {
			int drop = mask ? (mask >> i) & 1 : dims[i] == 1;

			if (drop && dims[i] != 1 && dims[i] >= 0)
				return ox_fail(n, "cannot squeeze a dimension "
					       "of %lld", (long long)dims[i]);
			if (!drop)
				od[j++] = dims[i];
		} else {
			od[i] = (mask >> i) & 1 ? 1 : dims[j++];
		}
	}
	*orank = squeeze ? j : r;
	return 0;
}

static int check_squeeze(struct ox_graph *g, struct ox_node *n)
{
	const struct ox_type *x = ox_in_type(g, n, 0);
	struct ox_type *y = ox_out_type(g, n, 0);
	int sq = !strcmp(n->proto->op_type, "Squeeze"), count, rc;
	unsigned mask;

	rc = ox_need_inputs(n, 1, 2);
	if (!rc)
		rc = ox_need_elem(n, x, "input", ANY);
	if (!rc && x->rank < 0)
		rc = ox_fail(n, "input needs a known rank");
	if (!rc)
		rc = axes_mask(g, n, NULL, x->rank, !sq, &mask, &count);
	if (!rc && !sq && !count)
		rc = ox_fail(n, "needs axes");
	if (!rc && sq && !mask)
		for (int i = 0; i < x->rank; i++)
			if (x->dims[i] < 0)
				rc = ox_fail(n, "needs axes for an input of "
					     "unknown dimensions");
	if (!rc)
		rc = squeeze_shape(n, sq, x->rank, x->dims, mask, count,
				   &y->rank, y->dims);
	y->elem = x->elem;
	return rc;
}

static int run_squeeze(const struct ox_node *n,
		       const struct ox_tensor *const *in,
		       struct ox_tensor *out)
{
	int sq = !strcmp(n->proto->op_type, "Squeeze"), count, rank, rc;
	const struct ox_tensor *axes = n->nin > 1 ? in[1] : NULL;
	int64_t d[OX_MAX_RANK];
	unsigned mask;

	rc = axes_mask(NULL, n, axes, in[0]->rank, !sq, &mask, &count);
	if (!rc)
		rc = squeeze_shape(n, sq, in[0]->rank, in[0]->dims, mask,
				   count, &rank, d);
	if (!rc)
		rc = run_copy(n, in, out);
	if (!rc) {
		out->rank = rank;
		memcpy(out->dims, d, sizeof(d[0]) * (size_t)rank);
	}
	return rc;
}

static int check_gather(struct ox_graph *g, struct ox_node *n)
{
	const struct ox_type *x = ox_in_type(g, n, 0), *ix = ox_in_type(g, n, 1);
	struct ox_type *y = ox_out_type(g, n, 0);
	int64_t axis;
	int rc = ox_need_inputs(n, 2, 2), i, r = 0;

	if (!rc)
		rc = ox_need_elem(n, x, "data", ANY);
	if (!rc)
		rc = ox_need_elem(n, ix, "indices",
				  OX_M(OX_INT64) | OX_M(OX_INT32));
	if (!rc && (x->rank < 1 || ix->rank < 0 ||
		    x->rank + ix->rank - 1 > OX_MAX_RANK))
		rc = ox_fail(n, "inputs need known ranks");
	if (!rc)
		rc = ox_attr_axis(n, x->rank, 0, 0, &axis);
	if (rc)
		return rc;
	for (i = 0; i < x->rank; i++) {
		if (i == axis) {
			for (int j = 0; j < ix->rank; j++)
				y->dims[r++] = ix->dims[j];
			continue;
		}
		y->dims[r++] = x->dims[i];
	}
	y->rank = r;
	y->elem = x->elem;
	return 0;
}

static int run_gather(const struct ox_node *n,
		      const struct ox_tensor *const *in,
		      struct ox_tensor *out)
{
	const struct ox_tensor *x = in[0], *ix = in[1];
	size_t outer = 1, inner = 1, mid, es = ox_elem_size(x->elem), o, j;
	int64_t axis, d[OX_MAX_RANK];
	int i, r = 0, rc;

	rc = ox_attr_axis(n, x->rank, 0, 0, &axis);
	if (rc)
		return rc;
	mid = (size_t)x->dims[axis];
	for (i = 0; i < x->rank; i++) {
		if (i < axis)
			outer *= (size_t)x->dims[i];
		if (i > axis)
			inner *= (size_t)x->dims[i];
		if (i == axis) {
			for (int k = 0; k < ix->rank; k++)
				d[r++] = ix->dims[k];
			continue;
		}
		d[r++] = x->dims[i];
	}
	for (j = 0; j < ix->n; j++) {
		int64_t k = ox_get_i64(ix, j);

		if (k < -(int64_t)mid || k >= (int64_t)mid)
			return ox_fail(n, "index %lld is out of range for %zu",
				       (long long)k, mid);
	}
	rc = ox_tensor_alloc(out, x->elem, r, d);
	for (o = 0; !rc && o < outer; o++)
		for (j = 0; j < ix->n; j++) {
			int64_t k = ox_get_i64(ix, j);
			size_t s = (size_t)(k < 0 ? k + (int64_t)mid : k);

			memcpy((char *)out->data + (o * ix->n + j) * inner * es,
			       (const char *)x->data +
				       (o * mid + s) * inner * es,
			       inner * es);
		}
	return rc;
}

static int check_shape(struct ox_graph *g, struct ox_node *n)
{
	const struct ox_type *x = ox_in_type(g, n, 0);
	struct ox_type *y = ox_out_type(g, n, 0);
	int rc = ox_need_inputs(n, 1, 1);

	if (!rc)
		rc = ox_need_elem(n, x, "input", ANY);
	if (!rc)
		rc = ox_attr_refuse(n, "start", "not supported");
	if (!rc)
		rc = ox_attr_refuse(n, "end", "not supported");
	if (rc)
		return rc;
	y->elem = OX_INT64;
	y->rank = 1;
	y->dims[0] = x->rank;
	return 0;
}

static int run_shape(const struct ox_node *n,
		     const struct ox_tensor *const *in, struct ox_tensor *out)
{
	int64_t d = in[0]->rank;
	int rc = ox_tensor_alloc(out, OX_INT64, 1, &d), i;

	(void)n;
	for (i = 0; !rc && i < in[0]->rank; i++)
		((int64_t *)out->data)[i] = in[0]->dims[i];
	return rc;
}

/* Slice parameters of one call: per axis, start, step and count. */
static int slice_plan(const struct ox_node *n, const struct ox_tensor *x,
		      const struct ox_tensor *const *in, int64_t *start,
		      int64_t *step, int64_t *count)
{
	const int64_t *sv = NULL, *ev = NULL, *av = NULL;
	const struct ox_tensor *ts = NULL, *te = NULL, *ta = NULL, *tp = NULL;
	size_t ns = 0, ne = 0, na = 0, i;
	int d;

	for (d = 0; d < x->rank; d++) {
		start[d] = 0;
		step[d] = 1;
		count[d] = x->dims[d];
	}
	if (n->opset < 10) {
		ox_attr_ints(n, "starts", &sv, &ns);
		ox_attr_ints(n, "ends", &ev, &ne);
		ox_attr_ints(n, "axes", &av, &na);
	} else {
		ts = in[1];
		te = in[2];
		ta = n->nin > 3 ? in[3] : NULL;
		tp = n->nin > 4 ? in[4] : NULL;
		ns = ts->n;
		ne = te->n;
		na = ta ? ta->n : 0;
		if ((ta && ta->n != ns) || (tp && tp->n != ns))
			return ox_fail(n, "starts, ends, axes and steps differ "
				       "in length");
	}
	if (ns != ne || (na && na != ns))
		return ox_fail(n, "starts, ends and axes differ in length");
	for (i = 0; i < ns; i++) {
		int64_t a = na ? (ta ? ox_get_i64(ta, i) : av[i]) : (int64_t)i;
		int64_t s = ts ? ox_get_i64(ts, i) : sv[i];
		int64_t e = te ? ox_get_i64(te, i) : ev[i];
		int64_t p = tp ? ox_get_i64(tp, i) : 1, dim;

		if (a < 0)
			a += x->rank;
		if (a < 0 || a >= x->rank || !p)
			return ox_fail(n, "axis or step is out of range");
		dim = x->dims[a];
		s = s < 0 ? (s < -dim ? 0 : s + dim) : s;
		e = e < 0 ? (e < -dim ? -1 : e + dim) : e;
		if (p > 0) {
			s = s > dim ? dim : s;
			e = e < 0 ? 0 : e > dim ? dim : e;
		} else {
			s = s > dim - 1 ? dim - 1 : s;
			e = e > dim - 1 ? dim - 1 : e;
		}
		/* a step past the dimension takes one element: clamp it,
		 * so that nothing below can overflow */
		if (p > dim + 1)
			p = dim + 1;
		if (p < -(dim + 1))
			p = -(dim + 1);
		start[a] = s;
		step[a] = p;
		count[a] = p > 0 ? (e > s ? (e - s + p - 1) / p : 0)
			 : (s > e ? (s - e + (-p) - 1) / (-p) : 0);
	}
	return 0;
}

static int check_slice(struct ox_graph *g, struct ox_node *n)
{
	const struct ox_type *x = ox_in_type(g, n, 0);
	struct ox_type *y = ox_out_type(g, n, 0);
	size_t i;
	int rc = ox_need_inputs(n, 1, n->opset < 10 ? 1 : 5), d;

	if (!rc)
		rc = ox_need_elem(n, x, "input", ANY);
	if (!rc && x->rank < 1)
		rc = ox_fail(n, "input needs a known rank");
	for (i = 1; !rc && i < n->nin; i++)
		if (n->in[i] >= 0)
			rc = ox_need_elem(n, ox_in_type(g, n, i), "a parameter",
					  OX_M(OX_INT64) | OX_M(OX_INT32));
	if (!rc && n->opset >= 10 && (n->nin < 3 || n->in[1] < 0 ||
				      n->in[2] < 0))
		rc = ox_fail(n, "needs starts and ends");
	if (rc)
		return rc;
	*y = *x;
	for (d = 0; d < x->rank; d++)
		y->dims[d] = -1;
	return 0;
}

static int run_slice(const struct ox_node *n,
		     const struct ox_tensor *const *in,
		     struct ox_tensor *out)
{
	const struct ox_tensor *x = in[0];
	int64_t start[OX_MAX_RANK], step[OX_MAX_RANK], count[OX_MAX_RANK];
	int64_t idx[OX_MAX_RANK] = { 0 };
	size_t stride[OX_MAX_RANK], es = ox_elem_size(x->elem), i, s = 1;
	int d, rc = slice_plan(n, x, in, start, step, count);

	if (!rc)
		rc = ox_tensor_alloc(out, x->elem, x->rank, count);
	if (rc)
		return rc;
	for (d = x->rank - 1; d >= 0; d--) {
		stride[d] = s;
		s *= (size_t)x->dims[d];
	}
	for (i = 0; i < out->n; i++) {
		size_t off = 0;

		for (d = 0; d < x->rank; d++)
			off += (size_t)(start[d] + idx[d] * step[d]) *
			       stride[d];
		memcpy((char *)out->data + i * es,
		       (const char *)x->data + off * es, es);
		for (d = x->rank - 1; d >= 0; d--) {
			if (++idx[d] < count[d])
				break;
			idx[d] = 0;
		}
	}
	return 0;
}

const struct ox_op ox_ops_shape[] = {
	{ "", "Identity", check_identity, run_copy, NULL },
	{ "", "Cast", check_cast, run_cast, NULL },
	{ "", "Constant", check_constant, NULL, NULL },
	{ "", "Concat", check_concat, run_concat, NULL },
	{ "", "Reshape", check_reshape, run_reshape, NULL },
	{ "", "Flatten", check_flatten, run_flatten, NULL },
	{ "", "Squeeze", check_squeeze, run_squeeze, NULL },
	{ "", "Unsqueeze", check_squeeze, run_squeeze, NULL },
	{ "", "Gather", check_gather, run_gather, NULL },
	{ "", "Slice", check_slice, run_slice, NULL },
	{ "", "Shape", check_shape, run_shape, NULL },
	{ NULL, NULL, NULL, NULL, NULL },
};
