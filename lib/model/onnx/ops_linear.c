/* ai.onnx.ml LinearClassifier and LinearRegressor, and what the ml
 * operators share: post transforms computed in float as onnxruntime does
 * (its ComputeLogistic, its ErfInv-based probit, softmax with the max
 * subtracted) and class labels. */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../core/error.h"
#include "../../core/strbuf.h"
#include "onnx_rt.h"

int ox_post_parse(const struct ox_node *n, enum ox_post *out)
{
	static const char *const names[] = { "NONE", "LOGISTIC", "SOFTMAX",
					     "SOFTMAX_ZERO", "PROBIT" };
	char *s = NULL;
	int i, rc;

	*out = POST_NONE;
	rc = ox_attr_string(n, "post_transform", "NONE", &s);
	if (rc)
		return rc;
	for (i = 0; i < 5; i++)
		if (!strcmp(s, names[i])) {
			*out = (enum ox_post)i;
			free(s);
			return 0;
		}
	rc = ox_fail(n, "post_transform '%s' is not NONE, LOGISTIC, SOFTMAX, "
		     "SOFTMAX_ZERO or PROBIT", s);
	free(s);
	return rc;
}

float ox_logistic(float v)
{
	float e = 1.f / (1.f + expf(-fabsf(v)));

	return v < 0 ? 1.f - e : e;
}

/* onnxruntime's ErfInv approximation, in float. */
static float erf_inv(float x)
{
	float sgn = x < 0 ? -1.0f : 1.0f;
	float l, v, v2, v3;

	x = (1 - x) * (1 + x);
	if (!(x > 0))
		return NAN; /* what onnxruntime gives at 0 and 1, too */
	l = logf(x);
	v = 2 / (3.14159f * 0.147f) + 0.5f * l;
	v2 = 1 / (0.147f) * l;
	v3 = -v + sqrtf(v * v - v2);
	return sgn * sqrtf(v3);
}

float ox_probit(float v)
{
	return 1.41421356f * erf_inv(2 * v - 1);
}

void ox_softmax_f(float *v, size_t k)
{
	float max = -3.402823466e+38f, sum = 0;
	size_t i;

	for (i = 0; i < k; i++)
		if (v[i] > max)
			max = v[i];
	for (i = 0; i < k; i++) {
		v[i] = expf(v[i] - max);
		sum += v[i];
	}
	for (i = 0; i < k; i++)
		v[i] /= sum;
}

/* Zeros stay (almost) zero: onnxruntime's SOFTMAX_ZERO. */
void ox_softmax_zero_f(float *v, size_t k)
{
	float max = -3.402823466e+38f, sum = 0, e;
	size_t i;

	for (i = 0; i < k; i++)
		if (v[i] > max)
			max = v[i];
	e = expf(-max);
	for (i = 0; i < k; i++) {
		if (v[i] > 0.0000001f || v[i] < -0.0000001f) {
			v[i] = expf(v[i] - max);
			sum += v[i];
		} else {
			v[i] *= e;
		}
	}
	for (i = 0; i < k; i++)
		v[i] /= sum;
}

void ox_labels_release(struct ox_labels *l)
{
	ox_strings_free(l->names, l->n);
	memset(l, 0, sizeof(*l));
}

int ox_class_labels(const struct ox_node *n, struct ox_labels *out,
		    int *is_string, int64_t **ints)
{
	const int64_t *iv = NULL;
	size_t ni = 0, i;
	int rc;

	*ints = NULL;
	rc = ox_attr_strings(n, "classlabels_strings", &out->names, &out->n);
	if (!rc && !out->n) {
		ox_strings_free(out->names, 0);
		out->names = NULL;
		rc = ox_attr_ints(n, "classlabels_int64s", &iv, &ni);
		if (!rc && !ni)
			rc = ox_attr_ints(n, "classlabels_ints", &iv, &ni);
	}
	if (rc)
		return rc;
	*is_string = out->n > 0;
	if (!out->n) {
		out->names = xcalloc(ni + 1, sizeof(char *));
		*ints = xcalloc(ni + 1, sizeof(int64_t));
		for (i = 0; i < ni; i++) {
			char buf[32];

			snprintf(buf, sizeof(buf), "%" PRId64, iv[i]);
			out->names[i] = xstrdup(buf);
			(*ints)[i] = iv[i];
		}
		out->n = ni;
	}
	/* A classifier tells 2 classes apart at least; past 10000, the
	 * per-row outputs alone would outgrow any batch. */
	if (out->n < 2 || out->n > OX_MAX_CLASSES)
		return ox_fail(n, "needs 2 to %d class labels "
			       "(classlabels_strings or classlabels_int64s), "
			       "not %zu", OX_MAX_CLASSES, out->n);
	return 0;
}

struct linear {
	size_t k;          /* targets or coefficient rows */
	size_t f;          /* features */
	float *coef;       /* k * f */
	float *icpt;       /* k */
	enum ox_post post;
	int classifier;
	size_t nz;         /* score columns */
	struct ox_labels labels;
	int string_labels;
	int64_t *int_labels;
};

static void linear_free(void *p)
{
	struct linear *l = p;

	if (!l)
		return;
	free(l->coef);
	free(l->icpt);
	ox_labels_release(&l->labels);
	free(l->int_labels);
	free(l);
}

static int linear_common(struct ox_graph *g, struct ox_node *n,
			 struct linear *l)
{
	const struct ox_type *x = ox_in_type(g, n, 0);
	const float *c, *b;
	size_t nc, nb;
	int rc;

	rc = ox_need_inputs(n, 1, 1);
	if (!rc)
		rc = ox_need_elem(n, x, "input X", OX_NUMERIC);
	if (!rc && x->rank != 1 && x->rank != 2)
		rc = ox_fail(n, "input X must be [N, features]");
	if (!rc)
		rc = ox_post_parse(n, &l->post);
	if (!rc)
		rc = ox_attr_floats(n, "coefficients", &c, &nc);
	if (!rc)
		rc = ox_attr_floats(n, "intercepts", &b, &nb);
	if (rc)
		return rc;
	if (l->classifier)
		l->k = nb;
	if (!l->k || !nc || nc % l->k)
		return ox_fail(n, "coefficients (%zu) must hold one row of "
			       "features for each of %zu %s", nc, l->k,
			       l->classifier ? "intercepts" : "targets");
	if (nb && nb != l->k)
		return ox_fail(n, "intercepts has %zu values for %zu targets",
			       nb, l->k);
	l->f = nc / l->k;
	if (x->dims[x->rank - 1] >= 0 &&
	    (size_t)x->dims[x->rank - 1] != l->f)
		return ox_fail(n, "has %zu coefficients per row for an input of "
			       "%lld features", l->f,
			       (long long)x->dims[x->rank - 1]);
	l->coef = xcalloc(nc, sizeof(float));
	memcpy(l->coef, c, nc * sizeof(float));
	l->icpt = xcalloc(l->k, sizeof(float));
	if (nb)
		memcpy(l->icpt, b, nb * sizeof(float));
	return 0;
}

static int check_regressor(struct ox_graph *g, struct ox_node *n)
{
	struct linear *l = xcalloc(1, sizeof(*l));
	struct ox_type *y;
	int64_t k;
	int rc;

	n->state = l;
	rc = ox_attr_int(n, "targets", 1, &k);
	if (!rc && (k < 1 || k > 100000))
		rc = ox_fail(n, "targets must be 1 or more");
	l->k = (size_t)k;
	if (!rc)
		rc = linear_common(g, n, l);
	if (rc)
		return rc;
	l->nz = l->k;
	y = ox_out_type(g, n, 0);
	y->elem = OX_FLOAT;
	y->rank = 2;
	y->dims[0] = ox_in_type(g, n, 0)->rank == 2
		? ox_in_type(g, n, 0)->dims[0] : 1;
	y->dims[1] = (int64_t)l->k;
	return 0;
}

static int check_classifier(struct ox_graph *g, struct ox_node *n)
{
	struct linear *l = xcalloc(1, sizeof(*l));
	int rc;

	n->state = l;
	l->classifier = 1;
	rc = ox_class_labels(n, &l->labels, &l->string_labels,
			     &l->int_labels);
	if (!rc)
		rc = linear_common(g, n, l);
	if (rc)
		return rc;
	l->nz = l->k;
	if (l->k == 1 && l->labels.n == 2) {
		l->nz = 2;
		if (l->post != POST_NONE && l->post != POST_LOGISTIC)
			return ox_fail(n, "one coefficient row for two classes "
				       "runs with post_transform NONE or "
				       "LOGISTIC only");
	}
	else if (l->k != l->labels.n)
		return ox_fail(n, "has %zu coefficient rows for %zu class "
			       "labels", l->k, l->labels.n);
	ox_classifier_outputs(g, n, l->string_labels, l->nz, &l->labels);
	return 0;
}

void ox_classifier_outputs(struct ox_graph *g, const struct ox_node *n,
			   int string_labels, size_t cols,
			   const struct ox_labels *labels)
{
	struct ox_type *y = ox_out_type(g, n, 0), *z;

	y->elem = string_labels ? OX_STRING : OX_INT64;
	y->rank = 1;
	y->dims[0] = ox_in_type(g, n, 0)->rank == 2
		? ox_in_type(g, n, 0)->dims[0] : 1;
	z = ox_out_type(g, n, 1);
	z->elem = OX_FLOAT;
	z->rank = 2;
	z->dims[0] = y->dims[0];
	z->dims[1] = (int64_t)cols;
	if (n->nout > 1 && n->out[1] >= 0)
		g->values[n->out[1]].labels = labels;
}

void ox_post_apply(enum ox_post post, float *s, size_t k)
{
	size_t i;

	switch (post) {
	case POST_LOGISTIC:
		for (i = 0; i < k; i++)
			s[i] = ox_logistic(s[i]);
		break;
	case POST_PROBIT:
		for (i = 0; i < k; i++)
			s[i] = ox_probit(s[i]);
		break;
	case POST_SOFTMAX:
		ox_softmax_f(s, k);
		break;
	case POST_SOFTMAX_ZERO:
		ox_softmax_zero_f(s, k);
		break;
	case POST_NONE:
		break;
	}
}

static int run_linear(const struct ox_node *n,
		      const struct ox_tensor *const *in, struct ox_tensor *out)
{
	const struct linear *l = n->state;
	const struct ox_tensor *x = in[0];
	size_t rows = x->rank == 2 ? (size_t)x->dims[0] : 1;
	size_t f = (size_t)x->dims[x->rank - 1], r, c, i;
	struct ox_tensor *z = &out[l->classifier ? 1 : 0];
	int64_t d[2];
	int rc;

	if (f != l->f)
		return ox_fail(n, "input has %zu features, not %zu", f, l->f);
	d[0] = (int64_t)rows;
	d[1] = (int64_t)l->nz;
	rc = ox_tensor_alloc(z, OX_FLOAT, 2, d);
	if (!rc && l->classifier)
		rc = ox_tensor_alloc(&out[0], l->string_labels ? OX_STRING
				     : OX_INT64, 1, d);
	if (rc)
		return rc;
	for (r = 0; r < rows; r++) {
		float *s = (float *)z->data + r * l->nz;
		size_t best = 0;

		for (c = 0; c < l->k; c++) {
			double acc = 0;

			for (i = 0; i < f; i++)
				acc += (double)l->coef[c * f + i] *
				       (double)(float)ox_get(x, r * f + i);
			s[c] = (float)(acc + l->icpt[c]);
		}
		if (!l->classifier) {
			ox_post_apply(l->post, s, l->k);
			continue;
		}
		if (l->nz == 2 && l->k == 1) {
			float v = s[0];

			/* onnxruntime 1.17: [1 - score, score], untransformed */
			best = v > 0;
			s[0] = 1.f - v;
			s[1] = v;
		} else {
			for (c = 1; c < l->k; c++)
				if (s[c] > s[best])
					best = c;
			ox_post_apply(l->post, s, l->k);
		}
		if (l->string_labels)
			((const char **)out[0].data)[r] = l->labels.names[best];
		else
			((int64_t *)out[0].data)[r] = l->int_labels[best];
	}
	return 0;
}

const struct ox_op ox_ops_linear[] = {
	{ "ai.onnx.ml", "LinearClassifier", check_classifier, run_linear,
	  linear_free },
	{ "ai.onnx.ml", "LinearRegressor", check_regressor, run_linear,
	  linear_free },
	{ NULL, NULL, NULL, NULL, NULL },
};
