/* Native evaluation of XGBoost gbtree models saved as JSON, as
 * libxgboost 1.7's CPU predictor does it: features as float32, a missing
 * value takes the node's default direction, `x < threshold` goes left,
 * leaf values summed in float32 in tree order onto the base margin, then
 * the objective's transform in float32. It skips libxgboost's per-call
 * JSON parsing (about 22 us a call) and its thread pool. Models it does
 * not cover (dart, categorical splits, vector leaves, other objectives)
 * are left to libxgboost. */
#include "forest.h"

#include <math.h>
#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define FOREST_X86 1
#endif
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../core/number.h"
#include "../core/error.h"
#include "../core/fsutil.h"
#include "../core/jsonutil.h"
#include "../core/strbuf.h"

#define MODEL_MAX_BYTES (1u << 30)
#define BLOCK 64
#define LANES 8

struct fnode {
	float value;      /* threshold, or the leaf's value */
	uint32_t feature; /* top bit: default left */
	uint32_t child[2];/* right, left; a leaf points at itself both ways */
};

#define DEFAULT_LEFT 0x80000000u

/* 1 when a row's value v goes left at a split on (value, feature):
 * below the split, or missing where the split sends missing values left.
 * The one rule of every scalar walk; the AVX2 walk is its vector form. */
static inline unsigned goes_left(float value, uint32_t feature, float v)
{
	return (unsigned)(v < value) | ((unsigned)(v != v) & (feature >> 31));
}

/* A tree of depth d laid out complete, in heap order: node i's children
 * are 2i+1 (left) and 2i+2 (right), the 2^d leaves follow the 2^d - 1
 * splits, and a leaf above the bottom is repeated below itself (any way
 * down gives its value). No child index to load: one dependent load less
 * a step. */
struct cnode {
	float value;      /* threshold, or the leaf's value */
	uint32_t feature; /* top bit: default left */
};

/* Trees this deep at most, and at most this many times the nodes they
 * have, take the complete layout (it stays in cache). */
#define COMPLETE_MAX_DEPTH 12
#define COMPLETE_MAX_GROWTH 8

enum forest_path forest_path;

struct forest {
	struct fnode *nodes;
	struct cnode *complete; /* every tree complete, or NULL */
	uint32_t *croot;  /* each tree's first node in complete */
	uint32_t *root;   /* each tree's first node */
	uint32_t *depth;  /* each tree's depth: steps to any leaf */
	uint32_t *group;  /* each tree's output */
	size_t ntrees, ngroups, nfeatures, ntrees_loaded;
	float base;       /* the base margin */
	enum forest_transform transform;
};

static int unsupported(void)
{
	return 1;
}

static int num_array(const json_t *a, size_t n)
{
	return json_is_array(a) && json_array_size(a) == n;
}

static int load_tree(struct forest *f, const json_t *t, size_t *at,
		     size_t *alloc)
{
	const json_t *left = json_object_get(t, "left_children");
	const json_t *right = json_object_get(t, "right_children");
	const json_t *idx = json_object_get(t, "split_indices");
	const json_t *cond = json_object_get(t, "split_conditions");
	const json_t *dl = json_object_get(t, "default_left");
	const json_t *types = json_object_get(t, "split_type");
	size_t n = json_array_size(left), i;

	if (!n || !num_array(right, n) || !num_array(idx, n) ||
	    !num_array(cond, n) || !num_array(dl, n))
		return unsupported();
	if (json_array_size(json_object_get(t, "categories_nodes")))
		return unsupported();
	ARRAY_GROW(f->nodes, *at + n, *alloc);
	for (i = 0; i < n; i++) {
		struct fnode *d = &f->nodes[*at + i];
		long long l = json_integer_value(json_array_get(left, i));
		long long r = json_integer_value(json_array_get(right, i));
		long long fi = json_integer_value(json_array_get(idx, i));

		if (json_is_array(types) &&
		    json_integer_value(json_array_get(types, i)) != 0)
			return unsupported();
		d->value = (float)json_number_value(json_array_get(cond, i));
		if (l == -1) {
			/* Leaves loop to themselves, so every row can take the
			 * same number of steps. */
			d->child[0] = d->child[1] = (uint32_t)(*at + i);
			d->feature = 0;
			continue;
		}
		if (l < 1 || r < 1 || (size_t)l >= n || (size_t)r >= n || fi < 0 ||
		    (size_t)fi >= f->nfeatures)
			return unsupported();
		/* Children are stored relative to the whole forest. */
		if ((size_t)l <= i || (size_t)r <= i)
			return unsupported(); /* children follow their parent */
		d->child[1] = (uint32_t)(*at + (size_t)l);
		d->child[0] = (uint32_t)(*at + (size_t)r);
		d->feature = (uint32_t)fi;
		if (json_integer_value(json_array_get(dl, i)))
			d->feature |= DEFAULT_LEFT;
	}
	{
		/* Depth by one pass: children follow parents in the arrays. */
		uint32_t *dep = xcalloc(n, sizeof(uint32_t)), maxd = 0;

		for (i = 0; i < n; i++) {
			const struct fnode *d = &f->nodes[*at + i];

			if (d->child[1] == *at + i)
				continue;
			dep[d->child[1] - *at] = dep[i] + 1;
			dep[d->child[0] - *at] = dep[i] + 1;
			if (dep[i] + 1 > maxd)
				maxd = dep[i] + 1;
		}
		free(dep);
		f->depth[f->ntrees_loaded++] = maxd;
	}
	*at += n;
	return 0;
}

/* Node `at` of the pointer layout into heap position h of a complete
 * tree of depth `depth`, its root at out. */
static void complete_fill(const struct forest *f, uint32_t at, size_t h,
			  uint32_t level, uint32_t depth, struct cnode *out)
{
	const struct fnode *nd = &f->nodes[at];
	int leaf = nd->child[0] == at;

	if (level == depth) {
		out[h] = (struct cnode){ nd->value, 0 };
		return;
	}
	out[h] = leaf ? (struct cnode){ 0, 0 }
		      : (struct cnode){ nd->value, nd->feature };
	complete_fill(f, nd->child[1], 2 * h + 1, level + 1, depth, out);
	complete_fill(f, nd->child[0], 2 * h + 2, level + 1, depth, out);
}

/* The complete layout, when every tree is shallow enough. */
static void complete_layout(struct forest *f, size_t nodes)
{
	size_t t, total = 0;

	for (t = 0; t < f->ntrees; t++) {
		if (f->depth[t] > COMPLETE_MAX_DEPTH)
			return;
		total += ((size_t)2 << f->depth[t]) - 1;
	}
	if (total > COMPLETE_MAX_GROWTH * nodes + 4096)
		return;
	f->complete = xcalloc(total, sizeof(*f->complete));
	f->croot = xcalloc(f->ntrees + 1, sizeof(uint32_t));
	for (t = 0, total = 0; t < f->ntrees; t++) {
		f->croot[t] = (uint32_t)total;
		complete_fill(f, f->root[t], 0, 0, f->depth[t],
			      f->complete + total);
		total += ((size_t)2 << f->depth[t]) - 1;
	}
}

int forest_load(struct forest **out, const char *path, size_t nfeatures,
		enum forest_transform transform, size_t ngroups)
{
	struct strbuf text = STRBUF_INIT;
	struct forest *f = xcalloc(1, sizeof(*f));
	const json_t *learner, *gb, *model, *trees, *info;
	json_t *j = NULL;
	size_t i, at = 0, alloc = 0;
	double base;
	int rc;

	*out = NULL;
	f->nfeatures = nfeatures;
	f->transform = transform;
	f->ngroups = ngroups;
	rc = fs_read_file(path, MODEL_MAX_BYTES, &text);
	if (!rc)
		rc = json_parse_buf(&j, text.buf, text.len, path);
	strbuf_release(&text);
	if (rc) {
		/* libxgboost loaded it: leave the model to libxgboost. */
		mlops_error_clear();
		rc = unsupported();
		goto done;
	}
	learner = json_object_get(j, "learner");
	gb = json_object_get(learner, "gradient_booster");
	model = json_object_get(gb, "model");
	trees = json_object_get(model, "trees");
	info = json_object_get(model, "tree_info");
	rc = unsupported();
	if (!json_str(gb, "name") || strcmp(json_str(gb, "name"), "gbtree") ||
	    !json_is_array(trees) || !num_array(info, json_array_size(trees)) ||
	    !json_str(json_object_get(learner, "learner_model_param"),
		      "base_score"))
		goto done;
	{
		const char *nt = json_str(json_object_get(learner,
							  "learner_model_param"),
					  "num_target");

		/* The float block holds BLOCK rows of up to 64 features. */
		if ((nt && strcmp(nt, "1")) || ngroups > FOREST_MAX_GROUPS ||
		    !ngroups || nfeatures > 64 || !nfeatures)
			goto done;
	}
	{
		const char *bs = json_str(json_object_get(learner,
							  "learner_model_param"),
					  "base_score");

		/* Not a finite number: libxgboost's own path decides. */
		if (!bs || number_parse_str(bs, &base))
			goto done;
	}
	/* ProbToMargin, in float as libxgboost computes it; binary:logitraw
	 * keeps its base score as it is. */
	if (transform == FOREST_SIGMOID) {
		float b = (float)base;

		if (!(b > 0 && b < 1))
			goto done;
		f->base = -logf(1.0f / b - 1.0f);
	} else {
		f->base = (float)base;
	}
	f->ntrees = json_array_size(trees);
	f->root = xcalloc(f->ntrees + 1, sizeof(uint32_t));
	f->group = xcalloc(f->ntrees + 1, sizeof(uint32_t));
	f->depth = xcalloc(f->ntrees + 1, sizeof(uint32_t));
	for (i = 0; i < f->ntrees; i++) {
		long long g = json_integer_value(json_array_get(info, i));

		if (g < 0 || (size_t)g >= ngroups)
			goto done;
		f->group[i] = (uint32_t)g;
		f->root[i] = (uint32_t)at;
		if (load_tree(f, json_array_get(trees, i), &at, &alloc))
			goto done;
	}
	complete_layout(f, at);
	rc = 0;
done:
	json_decref(j);
	if (rc) {
		forest_free(f);
		return rc;
	}
	*out = f;
	return 0;
}

void forest_free(struct forest *f)
{
	if (!f)
		return;
	free(f->complete);
	free(f->croot);
	free(f->nodes);
	free(f->root);
	free(f->group);
	free(f->depth);
	free(f);
}

static float sigmoid(float x)
{
	/* libxgboost 1.7 common::Sigmoid */
	const float eps = 1e-16f;
	float e = -x < 88.7f ? -x : 88.7f;

	return 1.0f / (expf(e) + 1.0f + eps);
}

/* LANES rows walk a tree in lockstep, branch-free: the CPU overlaps
 * their independent node loads. acc[row * ngroups + group] += leaf. */
static void walk_pointers(const struct forest *f, const float *xr, size_t n,
			  float *acc)
{
	size_t g = f->ngroups, nf = f->nfeatures, i, t;

	for (t = 0; t < f->ntrees; t++) {
		const struct fnode *nodes = f->nodes;
		uint32_t root = f->root[t], grp = f->group[t];
		uint32_t depth = f->depth[t], d;

		for (i = 0; i < n; i += LANES) {
			uint32_t idx[LANES];
			size_t lanes = n - i < LANES ? n - i : LANES, l;

			for (l = 0; l < LANES; l++)
				idx[l] = root;
			for (d = 0; d < depth; d++)
				for (l = 0; l < lanes; l++) {
					const struct fnode *nd = &nodes[idx[l]];
					float v = xr[(i + l) * nf +
						     (nd->feature & ~DEFAULT_LEFT)];
					unsigned left =
						goes_left(nd->value, nd->feature, v);

					idx[l] = nd->child[left];
				}
			for (l = 0; l < lanes; l++)
				acc[(i + l) * g + grp] += nodes[idx[l]].value;
		}
	}
}

static void walk_complete(const struct forest *f, const float *xr, size_t n,
			  float *acc)
{
	size_t g = f->ngroups, nf = f->nfeatures, i, t;

	for (t = 0; t < f->ntrees; t++) {
		const struct cnode *nodes = f->complete + f->croot[t];
		uint32_t grp = f->group[t], depth = f->depth[t], d;

		for (i = 0; i < n; i += LANES) {
			uint32_t idx[LANES];
			size_t lanes = n - i < LANES ? n - i : LANES, l;

			for (l = 0; l < LANES; l++)
				idx[l] = 0;
			for (d = 0; d < depth; d++)
				for (l = 0; l < lanes; l++) {
					const struct cnode *nd = &nodes[idx[l]];
					float v = xr[(i + l) * nf +
						     (nd->feature & ~DEFAULT_LEFT)];
					unsigned left =
						goes_left(nd->value, nd->feature, v);

					idx[l] = 2 * idx[l] + 2 - left;
				}
			for (l = 0; l < lanes; l++)
				acc[(i + l) * g + grp] += nodes[idx[l]].value;
		}
	}
}

/* One row or a few: LANES trees walk together for each row (a row
 * alone has no other rows to overlap with), a tree that reached its
 * leaf waiting in place; the leaves are summed in tree order. */
static void walk_complete_trees(const struct forest *f, const float *xr,
				size_t n, float *acc)
{
	size_t g = f->ngroups, nf = f->nfeatures, i, t, l;

	for (i = 0; i < n; i++) {
		const float *x = xr + i * nf;

		for (t = 0; t < f->ntrees; t += LANES) {
			size_t lanes = f->ntrees - t < LANES ? f->ntrees - t
							     : LANES;
			const struct cnode *nodes[LANES];
			uint32_t idx[LANES], dep[LANES], d, most = 0;

			for (l = 0; l < lanes; l++) {
				nodes[l] = f->complete + f->croot[t + l];
				dep[l] = f->depth[t + l];
				idx[l] = 0;
				if (dep[l] > most)
					most = dep[l];
			}
			for (d = 0; d < most; d++)
				for (l = 0; l < lanes; l++) {
					const struct cnode *nd = &nodes[l][idx[l]];
					float v = x[nd->feature & ~DEFAULT_LEFT];
					unsigned left =
						goes_left(nd->value, nd->feature, v);
					uint32_t next = 2 * idx[l] + 2 - left;

					idx[l] = d < dep[l] ? next : idx[l];
				}
			for (l = 0; l < lanes; l++)
				acc[i * g + f->group[t + l]] +=
					nodes[l][idx[l]].value;
		}
	}
}

#ifdef FOREST_X86
/* walk_complete with AVX2: 8 rows a vector, two vectors at once, every
 * load a gather. The same comparisons as the scalar walk (an ordered
 * `<` is false for NaN), the same float sums in the same order. */
__attribute__((target("avx2"))) static void
walk_complete_avx2(const struct forest *f, const float *xr, size_t n,
		   float *acc)
{
	size_t g = f->ngroups, nf = f->nfeatures, i, t, l;
	size_t whole = n - n % 16;
	const __m256i mask = _mm256_set1_epi32(0x7fffffff);
	const __m256i two = _mm256_set1_epi32(2);
	const __m256i step = _mm256_set1_epi32((int)(8 * nf));
	const __m256i off0 = _mm256_mullo_epi32(
		_mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7),
		_mm256_set1_epi32((int)nf));

	for (t = 0; t < f->ntrees; t++) {
		const struct cnode *nodes = f->complete + f->croot[t];
		const float *val = &nodes[0].value;
		const int *feat = (const int *)&nodes[0].feature;
		uint32_t grp = f->group[t], depth = f->depth[t], d;

		for (i = 0; i < whole; i += 16) {
			__m256i ia = _mm256_setzero_si256(), ib = ia;
			__m256i ra = _mm256_add_epi32(off0, _mm256_set1_epi32(
							    (int)(i * nf)));
			__m256i rb = _mm256_add_epi32(ra, step);
			float la[8], lb[8];

			for (d = 0; d < depth; d++) {
				__m256i fa = _mm256_i32gather_epi32(feat, ia, 8);
				__m256i fb = _mm256_i32gather_epi32(feat, ib, 8);
				__m256 ta = _mm256_i32gather_ps(val, ia, 8);
				__m256 tb = _mm256_i32gather_ps(val, ib, 8);
				__m256 va = _mm256_i32gather_ps(
					xr, _mm256_add_epi32(ra, _mm256_and_si256(fa, mask)), 4);
				__m256 vb = _mm256_i32gather_ps(
					xr, _mm256_add_epi32(rb, _mm256_and_si256(fb, mask)), 4);
				__m256 lefta = _mm256_or_ps(
					_mm256_cmp_ps(va, ta, _CMP_LT_OQ),
					_mm256_and_ps(_mm256_cmp_ps(va, va, _CMP_UNORD_Q),
						      _mm256_castsi256_ps(_mm256_srai_epi32(fa, 31))));
				__m256 leftb = _mm256_or_ps(
					_mm256_cmp_ps(vb, tb, _CMP_LT_OQ),
					_mm256_and_ps(_mm256_cmp_ps(vb, vb, _CMP_UNORD_Q),
						      _mm256_castsi256_ps(_mm256_srai_epi32(fb, 31))));

				/* left is -1 (all ones): 2i + 2 - 1 */
				ia = _mm256_add_epi32(_mm256_add_epi32(_mm256_add_epi32(ia, ia), two),
						      _mm256_castps_si256(lefta));
				ib = _mm256_add_epi32(_mm256_add_epi32(_mm256_add_epi32(ib, ib), two),
						      _mm256_castps_si256(leftb));
			}
			_mm256_storeu_ps(la, _mm256_i32gather_ps(val, ia, 8));
			_mm256_storeu_ps(lb, _mm256_i32gather_ps(val, ib, 8));
			for (l = 0; l < 8; l++) {
				acc[(i + l) * g + grp] += la[l];
				acc[(i + 8 + l) * g + grp] += lb[l];
			}
		}
	}
	if (whole < n)
		walk_complete(f, xr + whole * nf, n - whole, acc + whole * g);
}

/* A bit test of what libgcc read at start-up: no state of our own for
 * the walking threads to share. */
static int have_avx2(void)
{
	return __builtin_cpu_supports("avx2") ? 1 : 0;
}
#endif

/* The walk a forest takes: forest_path when a test set it, else the
 * fastest this CPU and these trees allow. */
static void walk(const struct forest *f, const float *xr, size_t n,
		 float *acc)
{
	enum forest_path p = forest_path;

	if (!f->complete)
		p = FOREST_POINTERS;
	if (p == FOREST_AUTO && n < 4)
		p = FOREST_TREES;
	if (p == FOREST_AUTO)
		p = forest_avx2_available() ? FOREST_AVX2 : FOREST_COMPLETE;
#ifdef FOREST_X86
	if (p == FOREST_AVX2 && have_avx2()) {
		walk_complete_avx2(f, xr, n, acc);
		return;
	}
#endif
	if (p == FOREST_POINTERS)
		walk_pointers(f, xr, n, acc);
	else if (p == FOREST_TREES)
		walk_complete_trees(f, xr, n, acc);
	else
		walk_complete(f, xr, n, acc);
}

int forest_avx2_available(void)
{
#ifdef FOREST_X86
	return have_avx2();
#else
	return 0;
#endif
}

void forest_predict(const struct forest *f, const double *rows, size_t nrows,
		    double *out)
{
	size_t g = f->ngroups, b, i, k;
	float acc[BLOCK * FOREST_MAX_GROUPS];
	float x[BLOCK * 64];
	size_t nf = f->nfeatures;

	for (b = 0; b < nrows; b += BLOCK) {
		size_t n = nrows - b < BLOCK ? nrows - b : BLOCK;
		const float *xr = x;

		for (i = 0; i < n * g; i++)
			acc[i] = f->base;
		for (i = 0; i < n * nf; i++)
			x[i] = (float)rows[b * nf + i];
		walk(f, xr, n, acc);
		for (i = 0; i < n; i++) {
			float *a = &acc[i * g];
			double *o = out + (b + i) * g;

			switch (f->transform) {
			case FOREST_IDENTITY:
				o[0] = a[0];
				break;
			case FOREST_SIGMOID:
				o[0] = sigmoid(a[0]);
				break;
			case FOREST_LOGIT_RAW:
				o[0] = 1.0 / (1.0 + exp(-(double)a[0]));
				break;
			case FOREST_SOFTMAX: {
				float wmax = a[0];
				double wsum = 0;

				for (k = 1; k < g; k++)
					if (a[k] > wmax)
						wmax = a[k];
				for (k = 0; k < g; k++) {
					a[k] = expf(a[k] - wmax);
					wsum += a[k];
				}
				for (k = 0; k < g; k++)
					o[k] = a[k] / (float)wsum;
				break;
			}
			case FOREST_SOFTMAX_INDEX: {
				size_t best = 0;

				for (k = 1; k < g; k++)
					if (a[k] > a[best])
						best = k;
				for (k = 0; k < g; k++)
					o[k] = k == best ? 1.0 : 0.0;
				break;
			}
			}
		}
	}
}
