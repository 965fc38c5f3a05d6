/* ai.onnx arithmetic: Add, Sub, Mul, Div, Sum (numpy broadcasting),
 * Equal, Less, Greater, Where, Not, Relu, Exp, Log, Sigmoid, Softmax,
 * ArgMax, Clip, MatMul, Gemm. Float tensors are computed in double and
 * rounded once, which for + - * / gives exactly float arithmetic. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../../core/error.h"
#include "../../core/strbuf.h"
#include "onnx_rt.h"

enum bop { B_ADD, B_SUB, B_MUL, B_DIV, B_EQ, B_LT, B_GT };

static int check_binary(struct ox_graph *g, struct ox_node *n, int cmp)
{
	const struct ox_type *t[2] = { ox_in_type(g, n, 0),
				       ox_in_type(g, n, 1) };
	struct ox_type *y = ox_out_type(g, n, 0);
	unsigned ok = cmp == 2 ? OX_NUMERIC | OX_M(OX_STRING) | OX_M(OX_BOOL)
				: OX_NUMERIC;
	int rc = ox_need_inputs(n, 2, 2);

	if (!rc && n->in[1] < 0)
		rc = ox_fail(n, "its second input is missing");
	if (!rc)
		rc = ox_attr_refuse(n, "broadcast", "opset 6 broadcasting is "
				    "not supported");
	if (!rc)
		rc = ox_need_elem(n, t[0], "input A", ok);
	if (!rc && t[0]->elem != t[1]->elem)
		rc = ox_fail(n, "inputs differ in type (%s, %s)",
			     ox_elem_name(t[0]->elem),
			     ox_elem_name(t[1]->elem));
	if (rc)
		return rc; /* ox_fail named the node */
	rc = ox_broadcast_types(t, 2, y);
	if (rc) {
		mlops_error_prefix("node %s: ", ox_node_name(n));
		return rc;
	}
	y->elem = cmp ? OX_BOOL : t[0]->elem;
	return 0;
}

static int check_arith(struct ox_graph *g, struct ox_node *n)
{
	return check_binary(g, n, 0);
}

static int check_compare(struct ox_graph *g, struct ox_node *n)
{
	return check_binary(g, n, 1);
}

static int check_equal(struct ox_graph *g, struct ox_node *n)
{
	return check_binary(g, n, 2);
}

static double farith(enum bop op, double a, double b)
{
	switch (op) {
	case B_ADD: return a + b;
	case B_SUB: return a - b;
	case B_MUL: return a * b;
	default: return a / b;
	}
}

static int iarith(enum bop op, int64_t a, int64_t b, int64_t *y)
{
	uint64_t ua = (uint64_t)a, ub = (uint64_t)b;

	switch (op) {
	case B_ADD: *y = (int64_t)(ua + ub); return 0;
	case B_SUB: *y = (int64_t)(ua - ub); return 0;
	case B_MUL: *y = (int64_t)(ua * ub); return 0;
	default:
		if (!b)
			return -1;
		*y = a == INT64_MIN && b == -1 ? INT64_MIN : a / b;
		return 0;
	}
}

static int binary(const struct ox_node *n, const struct ox_tensor *const *in,
		  struct ox_tensor *out, enum bop op)
{
	struct ox_bcast b;
	int64_t dims[OX_MAX_RANK];
	int rank, rc, elem = in[0]->elem;
	size_t i;

	rc = ox_broadcast_dims(in, 2, &rank, dims);
	if (!rc)
		rc = ox_tensor_alloc(out, op >= B_EQ ? OX_BOOL : elem, rank,
				     dims);
	if (rc)
		return rc;
	ox_bcast_init(&b, in, 2, rank, dims);
	for (i = 0; i < out->n; i++, ox_bcast_next(&b)) {
		size_t ia = b.off[0], ib = b.off[1];

		if (op >= B_EQ) {
			int r;

			if (elem == OX_STRING)
				r = strcmp(((const char **)in[0]->data)[ia],
					   ((const char **)in[1]->data)[ib]);
			else if (elem == OX_INT64 || elem == OX_INT32 ||
				 elem == OX_BOOL) {
				int64_t x = ox_get_i64(in[0], ia),
					y = ox_get_i64(in[1], ib);

				r = x < y ? -1 : x > y;
			} else {
				double x = ox_get(in[0], ia),
				       y = ox_get(in[1], ib);

				r = x < y ? -1 : x > y ? 1 : x == y ? 0 : 2;
			}
			((uint8_t *)out->data)[i] = op == B_EQ ? r == 0
						    : op == B_LT ? r == -1
								 : r == 1;
		} else if (elem == OX_FLOAT) {
			((float *)out->data)[i] = (float)farith(
				op, ((const float *)in[0]->data)[ia],
				((const float *)in[1]->data)[ib]);
		} else if (elem == OX_DOUBLE) {
			((double *)out->data)[i] = farith(
				op, ((const double *)in[0]->data)[ia],
				((const double *)in[1]->data)[ib]);
		} else {
			int64_t y;

			if (iarith(op, ox_get_i64(in[0], ia),
				   ox_get_i64(in[1], ib), &y))
				return ox_fail(n, "integer division by zero");
			if (elem == OX_INT64)
				((int64_t *)out->data)[i] = y;
			else
				((int32_t *)out->data)[i] = (int32_t)y;
		}
	}
	return 0;
}

#define BINARY(name, op)                                                     \
	static int name(const struct ox_node *n,                             \
			const struct ox_tensor *const *in,                   \
			struct ox_tensor *out)                               \
	{                                                                    \
		return binary(n, in, out, op);                               \
	}
BINARY(run_add, B_ADD)
BINARY(run_sub, B_SUB)
BINARY(run_mul, B_MUL)
BINARY(run_div, B_DIV)
BINARY(run_eq, B_EQ)
BINARY(run_lt, B_LT)
BINARY(run_gt, B_GT)

static int check_sum(struct ox_graph *g, struct ox_node *n)
{
	struct ox_type *y = ox_out_type(g, n, 0), acc;
	size_t i;
	int rc = ox_need_inputs(n, 1, 64);

	if (!rc)
		rc = ox_need_elem(n, ox_in_type(g, n, 0), "input 0",
				  OX_NUMERIC);
	if (rc)
		return rc;
	acc = *ox_in_type(g, n, 0);
	for (i = 1; i < n->nin; i++) {
		const struct ox_type *t[2] = { &acc, ox_in_type(g, n, i) };
		struct ox_type next;

		if (n->in[i] < 0 || t[1]->elem != acc.elem)
			return ox_fail(n, "inputs must all have one type");
		rc = ox_broadcast_types(t, 2, &next);
		if (rc)
			return rc;
		next.elem = acc.elem;
		acc = next;
	}
	*y = acc;
	return 0;
}

static int run_sum(const struct ox_node *n, const struct ox_tensor *const *in,
		   struct ox_tensor *out)
{
	struct ox_tensor acc, next;
	const struct ox_tensor *pair[2];
	size_t i;
	int rc;

	rc = ox_tensor_alloc(&acc, in[0]->elem, in[0]->rank, in[0]->dims);
	if (rc)
		return rc;
	if (acc.n)
		memcpy(acc.data, in[0]->data, acc.n * ox_elem_size(acc.elem));
	for (i = 1; i < n->nin && !rc; i++) {
		pair[0] = &acc;
		pair[1] = in[i];
		rc = binary(n, pair, &next, B_ADD);
		ox_tensor_free(&acc);
		acc = next;
	}
	if (rc) {
		ox_tensor_free(&acc);
		return rc;
	}
	*out = acc;
	return 0;
}

static int check_where(struct ox_graph *g, struct ox_node *n)
{
	const struct ox_type *t[3] = { ox_in_type(g, n, 0),
				       ox_in_type(g, n, 1),
				       ox_in_type(g, n, 2) };
	struct ox_type *y = ox_out_type(g, n, 0);
	int rc = ox_need_inputs(n, 3, 3);

	if (!rc && (n->in[1] < 0 || n->in[2] < 0))
		rc = ox_fail(n, "needs three inputs");
	if (!rc)
		rc = ox_need_elem(n, t[0], "condition", OX_M(OX_BOOL));
	if (!rc && t[1]->elem != t[2]->elem)
		rc = ox_fail(n, "X and Y differ in type");
	if (!rc)
		rc = ox_need_elem(n, t[1], "X", OX_NUMERIC | OX_M(OX_STRING) |
				  OX_M(OX_BOOL));
	if (!rc)
		rc = ox_broadcast_types(t, 3, y);
	y->elem = t[1]->elem;
	return rc;
}

static int run_where(const struct ox_node *n,
		     const struct ox_tensor *const *in, struct ox_tensor *out)
{
	struct ox_bcast b;
	int64_t dims[OX_MAX_RANK];
	size_t i, es = ox_elem_size(in[1]->elem);
	int rank, rc;

	(void)n;
	rc = ox_broadcast_dims(in, 3, &rank, dims);
	if (!rc)
		rc = ox_tensor_alloc(out, in[1]->elem, rank, dims);
	if (rc)
		return rc;
	ox_bcast_init(&b, in, 3, rank, dims);
	for (i = 0; i < out->n; i++, ox_bcast_next(&b)) {
		int c = ((const uint8_t *)in[0]->data)[b.off[0]];
		const struct ox_tensor *src = c ? in[1] : in[2];

		memcpy((char *)out->data + i * es,
		       (const char *)src->data + b.off[c ? 1 : 2] * es, es);
	}
	return 0;
}

static int check_unary(struct ox_graph *g, struct ox_node *n)
{
	const struct ox_type *x = ox_in_type(g, n, 0);
	int rc = ox_need_inputs(n, 1, 1);
	const char *op = n->proto->op_type;

	if (!rc)
		rc = ox_need_elem(n, x, "input X", !strcmp(op, "Not")
				  ? OX_M(OX_BOOL)
				  : !strcmp(op, "Relu") ? OX_NUMERIC
							: OX_FLOATS);
	if (rc)
		return rc;
	*ox_out_type(g, n, 0) = *x;
	return 0;
}

static double sigmoid(double v)
{
	return v >= 0 ? 1 / (1 + exp(-v)) : exp(v) / (1 + exp(v));
}

static int unary(const struct ox_node *n, const struct ox_tensor *const *in,
		 struct ox_tensor *out, int which)
{
	const struct ox_tensor *x = in[0];
	size_t i;
	int rc = ox_tensor_alloc(out, x->elem, x->rank, x->dims);

	(void)n;
	for (i = 0; !rc && i < x->n; i++) {
		double v = ox_get(x, i);
		int f = x->elem == OX_FLOAT;

		switch (which) {
		case 0: /* Relu */
			if (x->elem == OX_INT64)
				((int64_t *)out->data)[i] =
					((const int64_t *)x->data)[i] > 0
						? ((const int64_t *)x->data)[i]
						: 0;
			else
				ox_set(out, i, v > 0 || isnan(v) ? v : 0);
			break;
		case 1:
			ox_set(out, i, f ? expf((float)v) : exp(v));
			break;
		case 2:
			ox_set(out, i, f ? logf((float)v) : log(v));
			break;
		case 3:
			ox_set(out, i, sigmoid(v));
			break;
		case 4:
			((uint8_t *)out->data)[i] =
				!((const uint8_t *)x->data)[i];
			break;
		}
	}
	return rc;
}

#define UNARY(name, which)                                                   \
	static int name(const struct ox_node *n,                             \
			const struct ox_tensor *const *in,                   \
			struct ox_tensor *out)                               \
	{                                                                    \
		return unary(n, in, out, which);                             \
	}
UNARY(run_relu, 0)
UNARY(run_exp, 1)
UNARY(run_log, 2)
UNARY(run_sigmoid, 3)
UNARY(run_not, 4)

static int check_softmax(struct ox_graph *g, struct ox_node *n)
{
	const struct ox_type *x = ox_in_type(g, n, 0);
	int64_t axis;
	int rc = ox_need_inputs(n, 1, 1);

	if (!rc)
		rc = ox_need_elem(n, x, "input X", OX_FLOATS);
	if (!rc && x->rank < 1)
		rc = ox_fail(n, "input X needs a known rank");
	if (!rc)
		rc = ox_attr_axis(n, x->rank, n->opset < 13 ? 1 : -1, 0, &axis);
	if (rc)
		return rc;
	*ox_out_type(g, n, 0) = *x;
	return 0;
}

static int run_softmax(const struct ox_node *n,
		       const struct ox_tensor *const *in,
		       struct ox_tensor *out)
{
	const struct ox_tensor *x = in[0];
	size_t outer = 1, mid = 1, inner = 1, o, m, q;
	int64_t axis;
	int i, rc;

	rc = ox_attr_axis(n, x->rank, n->opset < 13 ? 1 : -1, 0, &axis);
	if (!rc)
		rc = ox_tensor_alloc(out, x->elem, x->rank, x->dims);
	if (rc)
		return rc;
	for (i = 0; i < x->rank; i++) {
		size_t d = (size_t)x->dims[i];

		if (i < axis)
			outer *= d;
		else if (i == axis || n->opset < 13)
			mid *= d;
		else
			inner *= d;
	}
	for (o = 0; o < outer; o++)
		for (q = 0; q < inner; q++) {
			size_t base = o * mid * inner + q;
			double max = -INFINITY, sum = 0;

			for (m = 0; m < mid; m++)
				if (ox_get(x, base + m * inner) > max)
					max = ox_get(x, base + m * inner);
			for (m = 0; m < mid; m++) {
				double e = exp(ox_get(x, base + m * inner) -
					       max);

				ox_set(out, base + m * inner, e);
				sum += e;
			}
			for (m = 0; m < mid; m++)
				ox_set(out, base + m * inner,
				       ox_get(out, base + m * inner) / sum);
		}
	return 0;
}

static int check_argmax(struct ox_graph *g, struct ox_node *n)
{
	const struct ox_type *x = ox_in_type(g, n, 0);
	struct ox_type *y = ox_out_type(g, n, 0);
	int64_t axis, keep, last;
	int rc = ox_need_inputs(n, 1, 1), i, r = 0;

	if (!rc)
		rc = ox_need_elem(n, x, "input X", OX_NUMERIC);
	if (!rc && x->rank < 1)
		rc = ox_fail(n, "input X needs a known rank");
	if (!rc)
		rc = ox_attr_axis(n, x->rank, 0, 0, &axis);
	if (!rc)
		rc = ox_attr_int(n, "keepdims", 1, &keep);
	if (!rc)
		rc = ox_attr_int(n, "select_last_index", 0, &last);
	if (rc)
		return rc;
	y->elem = OX_INT64;
	for (i = 0; i < x->rank; i++) {
		if (i == axis && !keep)
			continue;
		y->dims[r++] = i == axis ? 1 : x->dims[i];
	}
	y->rank = r;
	return 0;
}

static int run_argmax(const struct ox_node *n,
		      const struct ox_tensor *const *in,
		      struct ox_tensor *out)
{
	const struct ox_tensor *x = in[0];
	int64_t axis, keep, last, d[OX_MAX_RANK];
	size_t outer = 1, mid, inner = 1, o, m, q;
	int i, r = 0, rc;

	ox_attr_axis(n, x->rank, 0, 0, &axis);
	ox_attr_int(n, "keepdims", 1, &keep);
	ox_attr_int(n, "select_last_index", 0, &last);
	mid = (size_t)x->dims[axis];
	if (!mid)
		return ox_fail(n, "cannot take the argmax of nothing");
	for (i = 0; i < x->rank; i++) {
		if (i < axis)
			outer *= (size_t)x->dims[i];
		if (i > axis)
			inner *= (size_t)x->dims[i];
		if (i == axis && !keep)
			continue;
		d[r++] = i == axis ? 1 : x->dims[i];
	}
	rc = ox_tensor_alloc(out, OX_INT64, r, d);
	for (o = 0; !rc && o < outer; o++)
		for (q = 0; q < inner; q++) {
			size_t base = o * mid * inner + q, best = 0;

			for (m = 1; m < mid; m++) {
				double v = ox_get(x, base + m * inner),
				       b = ox_get(x, base + best * inner);

				if (v > b || (last && v == b))
					best = m;
			}
			((int64_t *)out->data)[o * inner + q] = (int64_t)best;
		}
	return rc;
}

static int check_clip(struct ox_graph *g, struct ox_node *n)
{
	const struct ox_type *x = ox_in_type(g, n, 0);
	size_t i;
	int rc = ox_need_inputs(n, 1, 3);

	if (!rc)
		rc = ox_need_elem(n, x, "input X", OX_NUMERIC);
	for (i = 1; !rc && i < n->nin; i++)
		if (n->in[i] >= 0 && ox_in_type(g, n, i)->elem != x->elem)
			rc = ox_fail(n, "min and max must have X's type");
	if (rc)
		return rc;
	*ox_out_type(g, n, 0) = *x;
	return 0;
}

static int run_clip(const struct ox_node *n,
		    const struct ox_tensor *const *in, struct ox_tensor *out)
{
	const struct ox_tensor *x = in[0];
	double lo = -INFINITY, hi = INFINITY;
	float f;
	size_t i;
	int rc;

	if (n->opset < 11) {
		ox_attr_float(n, "min", -3.402823466e+38f, &f);
		lo = f;
		ox_attr_float(n, "max", 3.402823466e+38f, &f);
		hi = f;
	} else {
		if (n->nin > 1 && in[1]) {
			if (in[1]->n != 1)
				return ox_fail(n, "min must be a scalar");
			lo = ox_get(in[1], 0);
		}
		if (n->nin > 2 && in[2]) {
			if (in[2]->n != 1)
				return ox_fail(n, "max must be a scalar");
			hi = ox_get(in[2], 0);
		}
	}
	rc = ox_tensor_alloc(out, x->elem, x->rank, x->dims);
	for (i = 0; !rc && i < x->n; i++) {
		double v = ox_get(x, i);

		v = v < lo ? lo : v;
		v = hi < v ? hi : v;
		if (x->elem == OX_INT64) {
			int64_t a = ((const int64_t *)x->data)[i];
			int64_t l = ox_trunc_i64(lo), u = ox_trunc_i64(hi);

			if (lo == -INFINITY)
				l = INT64_MIN;
			if (hi == INFINITY || hi >= 9223372036854775808.0)
				u = INT64_MAX;
			((int64_t *)out->data)[i] = a < l ? l : a > u ? u : a;
		} else
			ox_set(out, i, v);
	}
	return rc;
}

struct gemm {
	int64_t ta, tb;
	float alpha, beta;
};

static int check_matmul(struct ox_graph *g, struct ox_node *n)
{
	const struct ox_type *a = ox_in_type(g, n, 0), *b = ox_in_type(g, n, 1);
	struct ox_type *y = ox_out_type(g, n, 0);
	int gemm = !strcmp(n->proto->op_type, "Gemm");
	struct gemm *s = xcalloc(1, sizeof(*s));
	int rc = ox_need_inputs(n, 2, gemm ? 3 : 2);

	n->state = s;
	if (!rc)
		rc = ox_attr_refuse(n, "broadcast", "opset 6 broadcasting is "
				    "not supported");
	if (!rc)
		rc = ox_need_elem(n, a, "input A", OX_FLOATS);
	if (!rc && (n->in[1] < 0 || b->elem != a->elem))
		rc = ox_fail(n, "A and B differ in type");
	if (!rc && gemm && n->nin > 2 && n->in[2] >= 0 &&
	    ox_in_type(g, n, 2)->elem != a->elem)
		rc = ox_fail(n, "C differs from A in type");
	if (!rc && (a->rank != 2 || b->rank != 2))
		rc = ox_fail(n, "runs on 2-D inputs only");
	if (!rc)
		rc = ox_attr_int(n, "transA", 0, &s->ta);
	if (!rc)
		rc = ox_attr_int(n, "transB", 0, &s->tb);
	if (!rc)
		rc = ox_attr_float(n, "alpha", 1.f, &s->alpha);
	if (!rc)
		rc = ox_attr_float(n, "beta", 1.f, &s->beta);
	if (rc)
		return rc;
	if (a->dims[s->ta ? 0 : 1] >= 0 && b->dims[s->tb ? 1 : 0] >= 0 &&
	    a->dims[s->ta ? 0 : 1] != b->dims[s->tb ? 1 : 0])
		return ox_fail(n, "inner dimensions differ (%lld, %lld)",
			       (long long)a->dims[s->ta ? 0 : 1],
			       (long long)b->dims[s->tb ? 1 : 0]);
	y->elem = a->elem;
	y->rank = 2;
	y->dims[0] = a->dims[s->ta ? 1 : 0];
	y->dims[1] = b->dims[s->tb ? 0 : 1];
	return 0;
}

/* The tensor as doubles: its own data when it is double already. */
static double *to_doubles(const struct ox_tensor *t)
{
	double *d;
	size_t i;

	if (t->elem == OX_DOUBLE)
		return t->data;
	d = xcalloc(t->n + 1, sizeof(double));
	for (i = 0; i < t->n; i++)
		d[i] = ox_get(t, i);
	return d;
}

static int run_matmul(const struct ox_node *n,
		      const struct ox_tensor *const *in,
		      struct ox_tensor *out)
{
	const struct gemm *s = n->state;
	const struct ox_tensor *a = in[0], *b = in[1];
	const struct ox_tensor *c = n->nin > 2 ? in[2] : NULL;
	size_t m = (size_t)a->dims[s->ta ? 1 : 0],
	       k = (size_t)a->dims[s->ta ? 0 : 1],
	       k2 = (size_t)b->dims[s->tb ? 1 : 0],
	       nn = (size_t)b->dims[s->tb ? 0 : 1], i, j, l;
	double *ad = NULL, *bd = NULL;
	int64_t d[2];
	int rc;

	if (k != k2)
		return ox_fail(n, "inner dimensions differ (%zu, %zu)", k, k2);
	d[0] = (int64_t)m;
	d[1] = (int64_t)nn;
	if (c) {
		const struct ox_tensor *pair[2];
		struct ox_tensor probe = { 0 };
		int64_t cd[OX_MAX_RANK];
		int br;

		probe.rank = 2;
		probe.dims[0] = d[0];
		probe.dims[1] = d[1];
		pair[0] = &probe;
		pair[1] = c;
		if (c->rank > 2 || ox_broadcast_dims(pair, 2, &br, cd) ||
		    br != 2 || cd[0] != d[0] || cd[1] != d[1])
			return ox_fail(n, "C does not broadcast to [%zu, %zu]",
				       m, nn);
	}
	rc = ox_tensor_alloc(out, a->elem, 2, d);
	if (!rc) {
		ad = to_doubles(a);
		bd = to_doubles(b);
	}
	for (i = 0; !rc && i < m; i++)
		for (j = 0; j < nn; j++) {
			double acc = 0;

			if (!s->ta && !s->tb)
				for (l = 0; l < k; l++)
					acc += ad[i * k + l] * bd[l * nn + j];
			else
				for (l = 0; l < k; l++)
					acc += ad[s->ta ? l * m + i
							: i * k + l] *
					       bd[s->tb ? j * k + l
							: l * nn + j];
			acc *= (double)s->alpha;
			if (c) {
				size_t ci = c->rank == 2
					? (c->dims[0] == 1 ? 0 : i) *
						  (size_t)c->dims[1] +
					  (c->dims[1] == 1 ? 0 : j)
					: c->rank == 1 && c->dims[0] != 1 ? j
									  : 0;

				acc += (double)s->beta * ox_get(c, ci);
			}
			ox_set(out, i * nn + j, acc);
		}
	if (ad != a->data)
		free(ad);
	if (bd != b->data)
		free(bd);
	return rc;
}

const struct ox_op ox_ops_math[] = {
	{ "", "Add", check_arith, run_add, NULL },
	{ "", "Sub", check_arith, run_sub, NULL },
	{ "", "Mul", check_arith, run_mul, NULL },
	{ "", "Div", check_arith, run_div, NULL },
	{ "", "Sum", check_sum, run_sum, NULL },
	{ "", "Equal", check_equal, run_eq, NULL },
	{ "", "Less", check_compare, run_lt, NULL },
	{ "", "Greater", check_compare, run_gt, NULL },
	{ "", "Where", check_where, run_where, NULL },
	{ "", "Not", check_unary, run_not, NULL },
	{ "", "Relu", check_unary, run_relu, NULL },
	{ "", "Exp", check_unary, run_exp, NULL },
	{ "", "Log", check_unary, run_log, NULL },
	{ "", "Sigmoid", check_unary, run_sigmoid, NULL },
	{ "", "Softmax", check_softmax, run_softmax, NULL },
	{ "", "ArgMax", check_argmax, run_argmax, NULL },
	{ "", "Clip", check_clip, run_clip, NULL },
	{ "", "MatMul", check_matmul, run_matmul, free },
	{ "", "Gemm", check_matmul, run_matmul, free },
	{ NULL, NULL, NULL, NULL, NULL },
};
