/* Tensors: element types, sizes, conversions, initializers from
 * TensorProto, and numpy broadcasting. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../../core/error.h"
#include "../../core/strbuf.h"
#include "onnx_rt.h"

size_t ox_elem_size(int elem)
{
	switch (elem) {
	case OX_FLOAT:
	case OX_INT32:
		return 4;
	case OX_INT64:
	case OX_DOUBLE:
		return 8;
	case OX_BOOL:
		return 1;
	case OX_STRING:
		return sizeof(char *);
	}
	return 0;
}

const char *ox_elem_name(int elem)
{
	static const char *const names[] = {
		"undefined", "float", "uint8", "int8", "uint16", "int16",
		"int32", "int64", "string", "bool", "float16", "double",
		"uint32", "uint64", "complex64", "complex128", "bfloat16",
	};

	if (elem >= 0 && (size_t)elem < sizeof(names) / sizeof(names[0]))
		return names[elem];
	return "unknown";
}

int ox_elem_numeric(int elem)
{
	return elem == OX_FLOAT || elem == OX_DOUBLE || elem == OX_INT64 ||
	       elem == OX_INT32 || elem == OX_BOOL;
}

int ox_dims_count(const int64_t *dims, int rank, size_t *n)
{
	size_t c = 1;
	int i;

	for (i = 0; i < rank; i++) {
		if (dims[i] < 0)
			return mlops_error_set(MLOPS_EINPUT, "a tensor has a "
					       "negative dimension");
		if (dims[i] && c > OX_MAX_ELEMS / (size_t)dims[i])
			return mlops_error_set(MLOPS_EINPUT, "a tensor has more "
					       "than %zu elements",
					       OX_MAX_ELEMS);
		c *= (size_t)dims[i];
	}
	if (c > OX_MAX_ELEMS)
		return mlops_error_set(MLOPS_EINPUT, "a tensor has more than "
				       "%zu elements", OX_MAX_ELEMS);
	*n = c;
	return 0;
}

static _Thread_local size_t budget, live;

void ox_budget(size_t bytes)
{
	budget = bytes;
	live = 0;
}

int ox_tensor_alloc(struct ox_tensor *t, int elem, int rank,
		    const int64_t *dims)
{
	size_t n, bytes;
	int rc;

	memset(t, 0, sizeof(*t));
	if (rank < 0 || rank > OX_MAX_RANK)
		return mlops_error_set(MLOPS_EINPUT, "a tensor of rank %d is "
				       "beyond this runtime", rank);
	rc = ox_dims_count(dims, rank, &n);
	if (rc)
		return rc;
	t->elem = elem;
	t->rank = rank;
	if (rank)
		memcpy(t->dims, dims, (size_t)rank * sizeof(*dims));
	t->n = n;
	bytes = (n ? n : 1) * ox_elem_size(elem);
	if (budget) {
		if (bytes > budget - live || live > budget) {
			memset(t, 0, sizeof(*t));
			return mlops_error_set(MLOPS_EINPUT, "the model needs "
					       "more than %zu MiB of tensors "
					       "at once for %d rows",
					       budget >> 20, OX_CHUNK);
		}
		live += bytes;
		t->charged = 1;
	}
	t->data = xcalloc(n ? n : 1, ox_elem_size(elem));
	return 0;
}

void ox_tensor_free(struct ox_tensor *t)
{
	if (!t->borrowed)
		free(t->data);
	if (t->charged) {
		size_t bytes = (t->n ? t->n : 1) * ox_elem_size(t->elem);

		live = bytes < live ? live - bytes : 0;
	}
	memset(t, 0, sizeof(*t));
}

double ox_get(const struct ox_tensor *t, size_t i)
{
	switch (t->elem) {
	case OX_FLOAT:
		return ((const float *)t->data)[i];
	case OX_DOUBLE:
		return ((const double *)t->data)[i];
	case OX_INT64:
		return (double)((const int64_t *)t->data)[i];
	case OX_INT32:
		return ((const int32_t *)t->data)[i];
	case OX_BOOL:
		return ((const uint8_t *)t->data)[i] ? 1 : 0;
	}
	return NAN;
}

int64_t ox_trunc_i64(double v)
{
	if (!(v > -9223372036854775808.0 && v < 9223372036854775808.0))
		return INT64_MIN;
	return (int64_t)v;
}

static int32_t trunc_i32(double v)
{
	if (!(v > -2147483649.0 && v < 2147483648.0))
		return INT32_MIN;
	return (int32_t)v;
}

void ox_set(struct ox_tensor *t, size_t i, double v)
{
	switch (t->elem) {
	case OX_FLOAT:
		((float *)t->data)[i] = (float)v;
		break;
	case OX_DOUBLE:
		((double *)t->data)[i] = v;
		break;
	case OX_INT64:
		((int64_t *)t->data)[i] = ox_trunc_i64(v);
		break;
	case OX_INT32:
		((int32_t *)t->data)[i] = trunc_i32(v);
		break;
	case OX_BOOL:
		((uint8_t *)t->data)[i] = v != 0;
		break;
	}
}

int64_t ox_get_i64(const struct ox_tensor *t, size_t i)
{
	switch (t->elem) {
	case OX_INT64:
		return ((const int64_t *)t->data)[i];
	case OX_INT32:
		return ((const int32_t *)t->data)[i];
	case OX_BOOL:
		return ((const uint8_t *)t->data)[i];
	}
	return ox_trunc_i64(ox_get(t, i));
}

static int bad_tensor(const char *what, const char *why)
{
	return mlops_error_set(MLOPS_EINPUT, "tensor '%s': %s", what, why);
}

/* Little-endian raw_data into the tensor's elements. */
static int from_raw(struct ox_tensor *t, const ProtobufCBinaryData *raw,
		    const char *what)
{
	size_t size = ox_elem_size(t->elem);

	if (t->elem == OX_STRING)
		return bad_tensor(what, "string tensors cannot use raw_data");
	if (raw->len != t->n * size)
		return mlops_error_set(MLOPS_EINPUT, "tensor '%s': raw_data "
				       "holds %zu bytes, its dims need %zu",
				       what, raw->len, t->n * size);
	if (t->n)
		memcpy(t->data, raw->data, raw->len);
	return 0;
}

static int count_is(const char *what, size_t have, size_t want)
{
	if (have == want)
		return 0;
	return mlops_error_set(MLOPS_EINPUT, "tensor '%s' holds %zu values, "
			       "its dims need %zu", what, have, want);
}

int ox_tensor_from_proto(struct ox_tensor *t, const Onnx__TensorProto *p,
			 const char *what)
{
	int elem = p->has_data_type ? p->data_type : 0;
	size_t i;
	int rc;

	memset(t, 0, sizeof(*t));
	if (p->n_external_data || (p->has_data_location &&
				   p->data_location ==
					   ONNX__TENSOR_PROTO__DATA_LOCATION__EXTERNAL))
		return mlops_error_set(MLOPS_EINPUT, "tensor '%s' keeps its "
				       "data in an external file, which mlops "
				       "does not read: save the model with its "
				       "data inside (onnx.save_model(..., "
				       "save_as_external_data=False))", what);
	if (p->segment)
		return bad_tensor(what, "segmented tensors are not supported");
	if (!ox_elem_size(elem))
		return mlops_error_set(MLOPS_EINPUT, "tensor '%s' has element "
				       "type %s, which this runtime does not "
				       "hold (float, double, int64, int32, bool,"
				       " string)", what, ox_elem_name(elem));
	if (p->n_dims > OX_MAX_RANK)
		return bad_tensor(what, "more than 8 dimensions");
	rc = ox_tensor_alloc(t, elem, (int)p->n_dims, p->dims);
	if (rc)
		return rc;
	if (p->has_raw_data) {
		rc = from_raw(t, &p->raw_data, what);
		goto done;
	}
	switch (elem) {
	case OX_FLOAT:
		rc = count_is(what, p->n_float_data, t->n);
		if (!rc && t->n)
			memcpy(t->data, p->float_data, t->n * sizeof(float));
		break;
	case OX_DOUBLE:
		rc = count_is(what, p->n_double_data, t->n);
		if (!rc && t->n)
			memcpy(t->data, p->double_data, t->n * sizeof(double));
		break;
	case OX_INT64:
		rc = count_is(what, p->n_int64_data, t->n);
		if (!rc && t->n)
			memcpy(t->data, p->int64_data, t->n * sizeof(int64_t));
		break;
	case OX_INT32:
	case OX_BOOL:
		rc = count_is(what, p->n_int32_data, t->n);
		for (i = 0; !rc && i < t->n; i++)
			ox_set(t, i, p->int32_data[i]);
		break;
	case OX_STRING:
		rc = count_is(what, p->n_string_data, t->n);
		/* The strings live as long as the ModelProto: NUL-terminate
		 * copies that the graph keeps in its own arena. */
		for (i = 0; !rc && i < t->n; i++)
			((char **)t->data)[i] = xstrndup(
				(const char *)p->string_data[i].data,
				p->string_data[i].len);
		break;
	}
done:
	if (rc) {
		if (elem == OX_STRING)
			for (i = 0; i < t->n; i++)
				free(((char **)t->data)[i]);
		ox_tensor_free(t);
	}
	return rc;
}

int ox_tensor_copy(struct ox_tensor *out, const struct ox_tensor *in)
{
	int rc = ox_tensor_alloc(out, in->elem, in->rank, in->dims);

	if (!rc && in->n)
		memcpy(out->data, in->data, in->n * ox_elem_size(in->elem));
	return rc;
}

/* At run time every dim is known: the types' rule gives the shape. */
int ox_broadcast_dims(const struct ox_tensor *const *t, size_t k, int *rank,
		      int64_t *dims)
{
	struct ox_type types[4], out;
	const struct ox_type *tp[4];
	size_t j;
	int rc;

	if (k > 4)
		return mlops_error_set(MLOPS_EINTERNAL, "broadcast of %zu "
				       "tensors", k);
	for (j = 0; j < k; j++) {
		types[j].elem = t[j]->elem;
		types[j].rank = t[j]->rank;
		memcpy(types[j].dims, t[j]->dims, sizeof(types[j].dims));
		tp[j] = &types[j];
	}
	rc = ox_broadcast_types(tp, k, &out);
	if (rc)
		return rc;
	*rank = out.rank;
	memcpy(dims, out.dims, sizeof(out.dims));
	return 0;
}

int ox_broadcast_types(const struct ox_type *const *t, size_t k,
		       struct ox_type *out)
{
	int r = 0, i;
	size_t j;

	for (j = 0; j < k; j++) {
		if (t[j]->rank < 0) {
			out->rank = -1;
			return 0;
		}
		if (t[j]->rank > r)
			r = t[j]->rank;
	}
	for (i = 0; i < r; i++) {
		int64_t d = 1;
		int unknown = 0;

		for (j = 0; j < k; j++) {
			int off = i - (r - t[j]->rank);
			int64_t e;

			if (off < 0)
				continue;
			e = t[j]->dims[off];
			if (e < 0) {
				unknown = 1;
				continue;
			}
			if (e == 1)
				continue;
			if (d != 1 && d != e)
				return mlops_error_set(MLOPS_EINPUT, "shapes "
						       "cannot broadcast: "
						       "dimension %d is %lld "
						       "and %lld", i,
						       (long long)d,
						       (long long)e);
			d = e;
		}
		out->dims[i] = unknown && d == 1 ? -1 : d;
	}
	out->rank = r;
	return 0;
}

void ox_bcast_init(struct ox_bcast *b, const struct ox_tensor *const *t,
		   size_t k, int rank, const int64_t *dims)
{
	size_t j;
	int i;

	memset(b, 0, sizeof(*b));
	b->k = k;
	b->rank = rank;
	memcpy(b->dims, dims, sizeof(b->dims[0]) * (size_t)rank);
	for (j = 0; j < k; j++) {
		size_t s = 1;

		for (i = t[j]->rank - 1; i >= 0; i--) {
			int o = i + (rank - t[j]->rank);

			b->strides[j][o] = t[j]->dims[i] == 1 ? 0 : s;
			s *= (size_t)t[j]->dims[i];
		}
	}
}

void ox_bcast_next(struct ox_bcast *b)
{
	int i;
	size_t j;

	for (i = b->rank - 1; i >= 0; i--) {
		b->idx[i]++;
		for (j = 0; j < b->k; j++)
			b->off[j] += b->strides[j][i];
		if (b->idx[i] < b->dims[i])
			return;
		for (j = 0; j < b->k; j++)
			b->off[j] -= b->strides[j][i] * (size_t)b->dims[i];
		b->idx[i] = 0;
	}
}
