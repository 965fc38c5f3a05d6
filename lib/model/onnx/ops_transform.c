/* ai.onnx.ml preprocessing: Scaler, Normalizer, Imputer, OneHotEncoder,
 * LabelEncoder, Binarizer, ZipMap, ArrayFeatureExtractor,
 * FeatureVectorizer. Arithmetic follows onnxruntime's kernels (float for
 * float inputs). ZipMap yields the [N, K] probability tensor with its
 * labels: mlops needs the numbers behind the map, not the map. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../../core/error.h"
#include "../../core/strbuf.h"
#include "onnx_rt.h"

struct vec {
	float *f;
	int64_t *i;
	size_t n;
	float f1;
	int64_t i1;
	int mode;   /* Normalizer: 0 MAX, 1 L1, 2 L2; Imputer: float? */
	char **s;   /* OneHotEncoder / LabelEncoder strings */
	size_t ns;
	struct ox_labels labels;
	int64_t *ints;
	int string_labels;
	/* LabelEncoder */
	int key_elem, val_elem;
	float *kf, *vf;
	int64_t *ki, *vi;
	char **ks, **vs;
	size_t nk, nks, nvs; /* entries; ks and vs hold nks and nvs */
	float def_f;
	int64_t def_i;
	char *def_s;
};

static void vec_free(void *p)
{
	struct vec *v = p;

	if (!v)
		return;
	free(v->f);
	free(v->i);
	ox_strings_free(v->s, v->ns);
	ox_labels_release(&v->labels);
	free(v->ints);
	free(v->kf);
	free(v->vf);
	free(v->ki);
	free(v->vi);
	ox_strings_free(v->ks, v->nks);
	ox_strings_free(v->vs, v->nvs);
	free(v->def_s);
	free(v);
}

static struct vec *vec_new(struct ox_node *n)
{
	struct vec *v = xcalloc(1, sizeof(*v));

	n->state = v;
	return v;
}

static float *floats_copy(const float *src, size_t n)
{
	float *f = xcalloc(n + 1, sizeof(float));

	if (n)
		memcpy(f, src, n * sizeof(float));
	return f;
}

static int64_t *ints_copy(const int64_t *src, size_t n)
{
	int64_t *f = xcalloc(n + 1, sizeof(int64_t));

	if (n)
		memcpy(f, src, n * sizeof(int64_t));
	return f;
}

/* Output of the input's shape, with element type elem. */
static int same_shape(struct ox_graph *g, struct ox_node *n, int elem)
{
	struct ox_type *y = ox_out_type(g, n, 0);

	*y = *ox_in_type(g, n, 0);
	y->elem = elem;
	return 0;
}

static size_t last_dim(const struct ox_tensor *x)
{
	return x->rank ? (size_t)x->dims[x->rank - 1] : 1;
}

/* A per-column list must have 1 or C entries. */
static int per_column(const struct ox_node *n, size_t have, size_t c)
{
	if (have == 1 || have == c)
		return 0;
	return ox_fail(n, "has %zu per-column values for %zu columns", have,
		       c);
}

static int check_scaler(struct ox_graph *g, struct ox_node *n)
{
	struct vec *v = vec_new(n);
	const float *off, *sc;
	size_t no, ns;
	int rc = ox_need_inputs(n, 1, 1);

	if (!rc)
		rc = ox_need_elem(n, ox_in_type(g, n, 0), "input X",
				  OX_NUMERIC);
	if (!rc)
		rc = ox_attr_floats(n, "offset", &off, &no);
	if (!rc)
		rc = ox_attr_floats(n, "scale", &sc, &ns);
	if (rc)
		return rc;
	if (no && ns && no != ns)
		return ox_fail(n, "offset and scale differ in length");
	v->n = no > ns ? no : ns;
	if (!v->n)
		return ox_fail(n, "needs offset or scale");
	v->f = xcalloc(v->n, sizeof(float)); /* offsets */
	v->i = NULL;
	v->s = NULL;
	v->kf = xcalloc(v->n, sizeof(float)); /* scales */
	for (size_t i = 0; i < v->n; i++) {
		v->f[i] = no ? off[i] : 0.f;
		v->kf[i] = ns ? sc[i] : 1.f;
	}
	return same_shape(g, n, OX_FLOAT);
}

static int run_scaler(const struct ox_node *n, const struct ox_tensor *const *in,
		      struct ox_tensor *out)
{
	const struct vec *v = n->state;
	const struct ox_tensor *x = in[0];
	size_t c = last_dim(x), i;
	int rc = per_column(n, v->n, c);

	if (!rc)
		rc = ox_tensor_alloc(out, OX_FLOAT, x->rank, x->dims);
	for (i = 0; !rc && i < x->n; i++) {
		size_t j = v->n == 1 ? 0 : i % c;
		float *y = (float *)out->data;

		if (x->elem == OX_DOUBLE)
			y[i] = (float)((ox_get(x, i) - v->f[j]) * v->kf[j]);
		else
			y[i] = (float)((float)((float)ox_get(x, i) - v->f[j]) *
				       v->kf[j]);
	}
	return rc;
}

static int check_normalizer(struct ox_graph *g, struct ox_node *n)
{
	struct vec *v = vec_new(n);
	char *norm = NULL;
	int rc = ox_need_inputs(n, 1, 1);

	if (!rc)
		rc = ox_need_elem(n, ox_in_type(g, n, 0), "input X",
				  OX_NUMERIC);
	if (!rc)
		rc = ox_attr_string(n, "norm", "MAX", &norm);
	if (!rc) {
		if (!strcmp(norm, "MAX"))
			v->mode = 0;
		else if (!strcmp(norm, "L1"))
			v->mode = 1;
		else if (!strcmp(norm, "L2"))
			v->mode = 2;
		else
			rc = ox_fail(n, "norm '%s' is not MAX, L1 or L2", norm);
	}
	free(norm);
	if (!rc && ox_in_type(g, n, 0)->rank > 2)
		rc = ox_fail(n, "input X must be [N, C] or [C]");
	return rc ? rc : same_shape(g, n, OX_FLOAT);
}

static int run_normalizer(const struct ox_node *n,
			  const struct ox_tensor *const *in,
			  struct ox_tensor *out)
{
	const struct vec *v = n->state;
	const struct ox_tensor *x = in[0];
	size_t c = last_dim(x), r, i;
	int rc = ox_tensor_alloc(out, OX_FLOAT, x->rank, x->dims);

	for (r = 0; !rc && c && r < x->n / c; r++) {
		float *y = (float *)out->data + r * c, acc;

		for (i = 0; i < c; i++)
			y[i] = (float)ox_get(x, r * c + i);
		if (v->mode == 0) {
			acc = -3.402823466e+38f;
			for (i = 0; i < c; i++)
				acc = y[i] > acc ? y[i] : acc;
		} else if (v->mode == 1) {
			acc = 0;
			for (i = 0; i < c; i++)
				acc += fabsf(y[i]);
		} else {
			acc = 0;
			for (i = 0; i < c; i++)
				acc += y[i] * y[i];
			acc = sqrtf(acc);
		}
		if (acc != 0)
			for (i = 0; i < c; i++)
				y[i] /= acc;
	}
	return rc;
}

static int check_imputer(struct ox_graph *g, struct ox_node *n)
{
	struct vec *v = vec_new(n);
	const struct ox_type *x = ox_in_type(g, n, 0);
	const float *f;
	const int64_t *iv;
	size_t nf, ni;
	int rc = ox_need_inputs(n, 1, 1);

	if (!rc)
		rc = ox_need_elem(n, x, "input X", OX_NUMERIC);
	if (!rc)
		rc = ox_attr_floats(n, "imputed_value_floats", &f, &nf);
	if (!rc)
		rc = ox_attr_ints(n, "imputed_value_int64s", &iv, &ni);
	if (!rc)
		rc = ox_attr_float(n, "replaced_value_float", 0.f, &v->f1);
	if (!rc)
		rc = ox_attr_int(n, "replaced_value_int64", 0, &v->i1);
	if (rc)
		return rc;
	v->mode = x->elem == OX_FLOAT || x->elem == OX_DOUBLE;
	if (v->mode && !nf)
		return ox_fail(n, "a float input needs imputed_value_floats");
	if (!v->mode && !ni)
		return ox_fail(n, "an integer input needs "
			       "imputed_value_int64s");
	v->n = v->mode ? nf : ni;
	v->f = floats_copy(f, nf);
	v->i = ints_copy(iv, ni);
	return same_shape(g, n, x->elem);
}

static int run_imputer(const struct ox_node *n,
		       const struct ox_tensor *const *in, struct ox_tensor *out)
{
	const struct vec *v = n->state;
	const struct ox_tensor *x = in[0];
	size_t c = last_dim(x), i;
	int rc = per_column(n, v->n, c);

	if (!rc)
		rc = ox_tensor_alloc(out, x->elem, x->rank, x->dims);
	for (i = 0; !rc && i < x->n; i++) {
		size_t j = v->n == 1 ? 0 : i % c;

		if (v->mode) {
			double a = ox_get(x, i);
			int hit = isnan(v->f1) ? isnan(a) : a == v->f1;

			ox_set(out, i, hit ? v->f[j] : a);
		} else {
			int64_t a = ox_get_i64(x, i);

			if (a == v->i1)
				a = v->i[j];
			if (x->elem == OX_INT64)
				((int64_t *)out->data)[i] = a;
			else
				((int32_t *)out->data)[i] = (int32_t)a;
		}
	}
	return rc;
}

static int check_binarizer(struct ox_graph *g, struct ox_node *n)
{
	struct vec *v = vec_new(n);
	const struct ox_type *x = ox_in_type(g, n, 0);
	int rc = ox_need_inputs(n, 1, 1);

	if (!rc)
		rc = ox_need_elem(n, x, "input X", OX_NUMERIC);
	if (!rc)
		rc = ox_attr_float(n, "threshold", 0.f, &v->f1);
	return rc ? rc : same_shape(g, n, x->elem);
}

static int run_binarizer(const struct ox_node *n,
			 const struct ox_tensor *const *in,
			 struct ox_tensor *out)
{
	const struct vec *v = n->state;
	const struct ox_tensor *x = in[0];
	size_t i;
	int rc = ox_tensor_alloc(out, x->elem, x->rank, x->dims);

	for (i = 0; !rc && i < x->n; i++) {
		double a = ox_get(x, i);

		if (isnan(a)) /* onnxruntime refuses it too */
			rc = ox_fail(n, "input %zu is NaN", i);
		else
			ox_set(out, i, a > v->f1 ? 1 : 0);
	}
	return rc;
}

static int check_onehot(struct ox_graph *g, struct ox_node *n)
{
	struct vec *v = vec_new(n);
	const struct ox_type *x = ox_in_type(g, n, 0);
	struct ox_type *y;
	const int64_t *iv;
	size_t ni;
	int rc = ox_need_inputs(n, 1, 1);

	if (!rc)
		rc = ox_need_elem(n, x, "input X",
				  OX_NUMERIC | OX_M(OX_STRING));
	if (!rc)
		rc = ox_attr_strings(n, "cats_strings", &v->s, &v->ns);
	if (!rc)
		rc = ox_attr_ints(n, "cats_int64s", &iv, &ni);
	if (!rc)
		rc = ox_attr_int(n, "zeros", 1, &v->i1);
	if (rc)
		return rc;
	v->i = ints_copy(iv, ni);
	v->n = x->elem == OX_STRING ? v->ns : ni;
	if (!v->n)
		return ox_fail(n, "needs %s", x->elem == OX_STRING
			       ? "cats_strings for a string input"
			       : "cats_int64s for a numeric input");
	if (x->rank < 0 || x->rank >= OX_MAX_RANK)
		return ox_fail(n, "input X needs a known rank below 8");
	y = ox_out_type(g, n, 0);
	*y = *x;
	y->elem = OX_FLOAT;
	y->dims[y->rank++] = (int64_t)v->n;
	return 0;
}

static int run_onehot(const struct ox_node *n,
		      const struct ox_tensor *const *in, struct ox_tensor *out)
{
	const struct vec *v = n->state;
	const struct ox_tensor *x = in[0];
	int64_t d[OX_MAX_RANK];
	size_t i, j;
	int rc;

	memcpy(d, x->dims, sizeof(d));
	d[x->rank] = (int64_t)v->n;
	rc = ox_tensor_alloc(out, OX_FLOAT, x->rank + 1, d);
	for (i = 0; !rc && i < x->n; i++) {
		for (j = 0; j < v->n; j++) {
			if (x->elem == OX_STRING
				    ? !strcmp(((const char **)x->data)[i],
					      v->s[j])
				    : ox_get_i64(x, i) == v->i[j])
				break;
		}
		if (j < v->n)
			((float *)out->data)[i * v->n + j] = 1.f;
		else if (!v->i1)
			rc = ox_fail(n, "met a category it does not know, and "
				     "zeros is 0");
	}
	return rc;
}

static int check_label_encoder(struct ox_graph *g, struct ox_node *n)
{
	struct vec *v = vec_new(n);
	const struct ox_type *x = ox_in_type(g, n, 0);
	const int64_t *ki = NULL, *vi = NULL;
	const float *kf = NULL, *vf = NULL;
	size_t nki, nvi, nkf, nvf, nks = 0, nvs = 0;
	int rc = ox_need_inputs(n, 1, 1);

	if (!rc)
		rc = ox_need_elem(n, x, "input X", OX_M(OX_STRING) |
				  OX_M(OX_INT64) | OX_M(OX_FLOAT));
	if (!rc)
		rc = ox_attr_refuse(n, "keys_tensor", "use keys_*");
	if (!rc)
		rc = ox_attr_refuse(n, "values_tensor", "use values_*");
	if (!rc)
		rc = ox_attr_int(n, "default_int64", -1, &v->def_i);
	if (!rc)
		rc = ox_attr_string(n, "default_string", "_Unused",
				    &v->def_s);
	if (!rc)
		rc = ox_attr_float(n, "default_float", -0.f, &v->def_f);
	if (rc)
		return rc;
	v->key_elem = x->elem;
	if (n->opset < 2) {
		/* classes_strings: string <-> its index */
		rc = ox_attr_strings(n, "classes_strings", &v->ks, &v->nk);
		v->nks = v->nk;
		if (rc)
			return rc;
		if (x->elem == OX_FLOAT)
			return ox_fail(n, "opset 1 maps strings and int64");
		v->val_elem = x->elem == OX_STRING ? OX_INT64 : OX_STRING;
		return same_shape(g, n, v->val_elem);
	}
	rc |= ox_attr_strings(n, "keys_strings", &v->ks, &v->nks);
	rc |= ox_attr_ints(n, "keys_int64s", &ki, &nki);
	rc |= ox_attr_floats(n, "keys_floats", &kf, &nkf);
	rc |= ox_attr_strings(n, "values_strings", &v->vs, &v->nvs);
	nks = v->nks;
	nvs = v->nvs;
	rc |= ox_attr_ints(n, "values_int64s", &vi, &nvi);
	rc |= ox_attr_floats(n, "values_floats", &vf, &nvf);
	if (rc)
		return MLOPS_EINPUT;
	v->nk = x->elem == OX_STRING ? nks : x->elem == OX_INT64 ? nki : nkf;
	if (!v->nk)
		return ox_fail(n, "needs keys_* of the input's type (%s)",
			       ox_elem_name(x->elem));
	/* keep the string arrays' counts in step for vec_free */
	if (x->elem != OX_STRING) {
		ox_strings_free(v->ks, nks);
		v->ks = NULL;
		v->nks = 0;
	}
	v->val_elem = nvs == v->nk ? OX_STRING : nvi == v->nk ? OX_INT64
		      : nvf == v->nk ? OX_FLOAT : OX_UNDEF;
	if (v->val_elem != OX_STRING) {
		ox_strings_free(v->vs, nvs);
		v->vs = NULL;
		v->nvs = 0;
	}
	if (!v->val_elem)
		return ox_fail(n, "needs values_* with one value per key");
	v->ki = ints_copy(ki, x->elem == OX_INT64 ? v->nk : 0);
	v->kf = floats_copy(kf, x->elem == OX_FLOAT ? v->nk : 0);
	v->vi = ints_copy(vi, v->val_elem == OX_INT64 ? v->nk : 0);
	v->vf = floats_copy(vf, v->val_elem == OX_FLOAT ? v->nk : 0);
	return same_shape(g, n, v->val_elem);
}

static int run_label_encoder(const struct ox_node *n,
			     const struct ox_tensor *const *in,
			     struct ox_tensor *out)
{
	const struct vec *v = n->state;
	const struct ox_tensor *x = in[0];
	size_t i, j;
	int rc = ox_tensor_alloc(out, v->val_elem, x->rank, x->dims);

	for (i = 0; !rc && i < x->n; i++) {
		if (n->opset < 2) {
			if (x->elem == OX_STRING) {
				const char *s = ((const char **)x->data)[i];

				for (j = 0; j < v->nk; j++)
					if (!strcmp(s, v->ks[j]))
						break;
				((int64_t *)out->data)[i] =
					j < v->nk ? (int64_t)j : v->def_i;
			} else {
				int64_t k = ((const int64_t *)x->data)[i];

				((const char **)out->data)[i] =
					k >= 0 && (uint64_t)k < v->nk
						? v->ks[k] : v->def_s;
			}
			continue;
		}
		for (j = 0; j < v->nk; j++) {
			if (x->elem == OX_STRING
				    ? !strcmp(((const char **)x->data)[i],
					      v->ks[j])
				    : x->elem == OX_INT64
				    ? ((const int64_t *)x->data)[i] == v->ki[j]
				    : ((const float *)x->data)[i] == v->kf[j])
				break;
		}
		if (v->val_elem == OX_STRING)
			((const char **)out->data)[i] = j < v->nk ? v->vs[j]
								 : v->def_s;
		else if (v->val_elem == OX_INT64)
			((int64_t *)out->data)[i] = j < v->nk ? v->vi[j]
							      : v->def_i;
		else
			((float *)out->data)[i] = j < v->nk ? v->vf[j]
							    : v->def_f;
	}
	return rc;
}

static int check_zipmap(struct ox_graph *g, struct ox_node *n)
{
	struct vec *v = vec_new(n);
	const struct ox_type *x = ox_in_type(g, n, 0);
	int rc = ox_need_inputs(n, 1, 1);

	if (!rc)
		rc = ox_need_elem(n, x, "input X", OX_M(OX_FLOAT));
	if (!rc)
		rc = ox_class_labels(n, &v->labels, &v->string_labels,
				     &v->ints);
	if (!rc && (x->rank != 2 ||
		    (x->dims[1] >= 0 && (size_t)x->dims[1] != v->labels.n)))
		rc = ox_fail(n, "input must be [N, %zu], one column per "
			     "label", v->labels.n);
	if (rc)
		return rc;
	same_shape(g, n, OX_FLOAT);
	ox_out_type(g, n, 0)->dims[1] = (int64_t)v->labels.n;
	if (n->out[0] >= 0)
		g->values[n->out[0]].labels = &v->labels;
	return 0;
}

static int copy_run(const struct ox_node *n, const struct ox_tensor *const *in,
		    struct ox_tensor *out)
{
	(void)n;
	return ox_tensor_copy(out, in[0]);
}

static int check_afe(struct ox_graph *g, struct ox_node *n)
{
	const struct ox_type *x = ox_in_type(g, n, 0);
	const struct ox_tensor *idx = ox_in_const(g, n, 1);
	struct ox_type *y;
	int rc = ox_need_inputs(n, 2, 2);

	if (!rc)
		rc = ox_need_elem(n, x, "input X",
				  OX_NUMERIC | OX_M(OX_STRING));
	if (!rc)
		rc = ox_need_elem(n, ox_in_type(g, n, 1), "input Y",
				  OX_M(OX_INT64));
	if (!rc && x->rank < 1)
		rc = ox_fail(n, "input X needs a known rank of 1 or more");
	if (rc)
		return rc;
	y = ox_out_type(g, n, 0);
	*y = *x;
	if (x->rank == 1) {
		y->rank = 2;
		y->dims[0] = 1;
	}
	y->dims[y->rank - 1] = idx ? (int64_t)idx->n : -1;
	return 0;
}

static int run_afe(const struct ox_node *n, const struct ox_tensor *const *in,
		   struct ox_tensor *out)
{
	const struct ox_tensor *x = in[0], *idx = in[1];
	size_t c = last_dim(x), rows = c ? x->n / c : 0, r, j;
	size_t es = ox_elem_size(x->elem);
	int64_t d[OX_MAX_RANK];
	int rank = x->rank, rc;

	memcpy(d, x->dims, sizeof(d));
	if (rank == 1) {
		rank = 2;
		d[0] = 1;
	}
	d[rank - 1] = (int64_t)idx->n;
	for (j = 0; j < idx->n; j++) {
		int64_t k = ((const int64_t *)idx->data)[j];

		if (k < 0 || (uint64_t)k >= c)
			return ox_fail(n, "index %lld is out of range for %zu "
				       "columns", (long long)k, c);
	}
	rc = ox_tensor_alloc(out, x->elem, rank, d);
	for (r = 0; !rc && r < rows; r++)
		for (j = 0; j < idx->n; j++)
			memcpy((char *)out->data + (r * idx->n + j) * es,
			       (const char *)x->data +
				       (r * c + (size_t)((const int64_t *)
							 idx->data)[j]) * es,
			       es);
	return rc;
}

static int check_fv(struct ox_graph *g, struct ox_node *n)
{
	struct vec *v = vec_new(n);
	const int64_t *dims;
	struct ox_type *y;
	size_t i, nd;
	int64_t total = 0;
	int rc = ox_attr_ints(n, "inputdimensions", &dims, &nd);

	if (!rc && (nd != n->nin || !nd))
		rc = ox_fail(n, "inputdimensions has %zu entries for %zu "
			     "inputs", nd, n->nin);
	for (i = 0; !rc && i < n->nin; i++) {
		if (n->in[i] < 0)
			return ox_fail(n, "input %zu is missing", i);
		rc = ox_need_elem(n, ox_in_type(g, n, i), "an input",
				  OX_NUMERIC);
		if (!rc && (dims[i] < 0 || dims[i] > 1000000))
			rc = ox_fail(n, "inputdimensions holds %lld",
				     (long long)dims[i]);
		total += dims[i];
	}
	if (rc)
		return rc;
	v->i = ints_copy(dims, nd);
	v->n = nd;
	y = ox_out_type(g, n, 0);
	y->elem = OX_FLOAT;
	y->rank = 2;
	y->dims[0] = ox_in_type(g, n, 0)->rank >= 1
		? ox_in_type(g, n, 0)->dims[0] : -1;
	y->dims[1] = total;
	return 0;
}

static int run_fv(const struct ox_node *n, const struct ox_tensor *const *in,
		  struct ox_tensor *out)
{
	const struct vec *v = n->state;
	size_t rows = in[0]->rank >= 1 ? (size_t)in[0]->dims[0] : 1;
	size_t total = 0, at = 0, i, r, j;
	int64_t d[2];
	int rc;

	for (i = 0; i < v->n; i++) {
		size_t ri = in[i]->rank >= 1 ? (size_t)in[i]->dims[0] : 1;

		if (ri != rows)
			return ox_fail(n, "inputs differ in rows");
		total += (size_t)v->i[i];
	}
	d[0] = (int64_t)rows;
	d[1] = (int64_t)total;
	rc = ox_tensor_alloc(out, OX_FLOAT, 2, d);
	for (i = 0; !rc && i < v->n; i++) {
		size_t c = rows ? in[i]->n / rows : 0;
		size_t w = (size_t)v->i[i];

		for (r = 0; r < rows; r++)
			for (j = 0; j < w && j < c; j++)
				((float *)out->data)[r * total + at + j] =
					(float)ox_get(in[i], r * c + j);
		at += w;
	}
	return rc;
}

const struct ox_op ox_ops_transform[] = {
	{ "ai.onnx.ml", "Scaler", check_scaler, run_scaler, vec_free },
	{ "ai.onnx.ml", "Normalizer", check_normalizer, run_normalizer,
	  vec_free },
	{ "ai.onnx.ml", "Imputer", check_imputer, run_imputer, vec_free },
	{ "ai.onnx.ml", "OneHotEncoder", check_onehot, run_onehot, vec_free },
	{ "ai.onnx.ml", "LabelEncoder", check_label_encoder, run_label_encoder,
	  vec_free },
	{ "ai.onnx.ml", "Binarizer", check_binarizer, run_binarizer,
	  vec_free },
	{ "ai.onnx.ml", "ZipMap", check_zipmap, copy_run, vec_free },
	{ "ai.onnx.ml", "ArrayFeatureExtractor", check_afe, run_afe, NULL },
	{ "ai.onnx.ml", "FeatureVectorizer", check_fv, run_fv, vec_free },
	{ NULL, NULL, NULL, NULL, NULL },
};
