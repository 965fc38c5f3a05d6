/* The tree walk: rows in blocks, tree by tree, several rows' walks
 * interleaved and without branches (struct fnode); one row at a time
 * through struct tnode where the compact form does not apply. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../../core/strbuf.h"
#include "trees.h"

/* The walk's nodes (struct fnode), or none (t->fn NULL) when siblings
 * are not side by side. */
void trees_prepare_walk(struct trees *t)
{
	static const uint8_t masks[] = { 0x3, 0x1, 0x6, 0x4, 0x2, 0xd };
	uint32_t *dep;
	size_t i, tr;
	int miss = 0, leq = 1;

	if (!t->nnodes || t->nnodes >= UINT32_MAX)
		return;
	for (i = 0; i < t->nnodes; i++)
		if (t->nodes[i].mode != M_LEAF &&
		    t->nodes[i].no != t->nodes[i].yes + 1)
			return;
	t->fn = xcalloc(t->nnodes, sizeof(struct fnode));
	dep = xcalloc(t->nnodes, sizeof(uint32_t));
	for (i = 0; i < t->nnodes; i++) {
		const struct tnode *a = &t->nodes[i];
		struct fnode *b = &t->fn[i];

		if (a->mode == M_LEAF) {
			b->thr = NAN;
			b->feature = 0;
			b->kid = (uint32_t)i - 1; /* "no": itself */
			b->mask = 0;
			b->leaf = 1;
			continue;
		}
		b->thr = (float)a->thr;
		b->feature = a->feature;
		b->kid = a->yes;
		if (isnan(b->thr))
			b->mask = a->mode == M_NEQ ? 0x9 : 0;
		else
			b->mask = masks[a->mode];
		if (a->missing_yes) {
			b->mask |= 0x8;
			miss = 1;
		}
		if (a->mode != M_LEQ)
			leq = 0;
		dep[a->yes] = dep[i] + 1;
		dep[a->no] = dep[i] + 1;
	}
	t->kind = !leq ? FK_ANY : miss ? FK_LEQ_MISS : FK_LEQ;
	t->depth = xcalloc(t->ntrees + 1, sizeof(uint32_t));
	t->fixed = xcalloc(t->ntrees + 1, 1);
	for (tr = 0; tr < t->ntrees; tr++) {
		size_t end = tr + 1 < t->ntrees ? t->roots[tr + 1] : t->nnodes;
		double sum = 0, leaves = 0;
		uint32_t d = 0;

		for (i = t->roots[tr]; i < end; i++) {
			if (dep[i] > d)
				d = dep[i];
			if (t->fn[i].leaf) {
				sum += dep[i];
				leaves++;
			}
		}
		t->depth[tr] = d;
		/* Unneeded steps at a leaf are cheaper than a mispredicted
		 * leaf test unless the tree is lopsided. */
		t->fixed[tr] = d <= 10 || d <= 1.5 * sum / leaves + 3;
	}
	free(dep);
}

/* x (one row) down every tree; per class sums and "has a score". */
void trees_walk_row(const struct trees *t, const double *x, double *s,
		 unsigned char *has, int in_float)
{
	size_t tr;

	for (tr = 0; tr < t->ntrees; tr++) {
		const struct tnode *nd = &t->nodes[t->roots[tr]];

		while (t->all_leq && nd->mode != M_LEAF) {
			double v = x[nd->feature];

			nd = &t->nodes[v <= nd->thr ||
					       (nd->missing_yes && isnan(v))
				       ? nd->yes : nd->no];
		}
		while (nd->mode != M_LEAF)
			nd = &t->nodes[tnode_yes(nd, x[nd->feature]) ? nd->yes
								       : nd->no];
		add_leaf(t, nd, s, has, t->agg, in_float);
	}
}

/* Leaves leaf[0..n) into rows' sums s, has (k apart); agg and in_float
 * constant so that the loop is made for them. */
#define ADD_LEAVES(agg, in_float)                                           \
	for (r = 0; r < n; r++)                                             \
		add_leaf(t, &t->nodes[leaf[r]], s + r * t->k,              \
			 has + r * t->k, agg, in_float)

/* The next node from a, x the row: kid for "yes", kid + 1 for "no". */
#define FSTEP(kind, a, x) ((a)->kid + 1 - FYES(kind, (a), (x)[(a)->feature]))
#define FYES(kind, a, v)                                                    \
	((kind) == FK_LEQ ? (uint32_t)((v) <= (a)->thr)                    \
	 : (kind) == FK_LEQ_MISS                                            \
	 ? (uint32_t)((v) <= (a)->thr) |                                    \
	   ((uint32_t)((v) != (v)) & ((uint32_t)(a)->mask >> 3))            \
	 : ((uint32_t)(a)->mask >>                                          \
	    ((uint32_t)((v) >= (a)->thr) + (uint32_t)((v) > (a)->thr) +     \
	     3 * (uint32_t)((v) != (v)))) & 1)

/* Rows x[0], x[stride], ... (n of them) down tree tr: the leaf of each
 * into leaf[]. Eight rows at once so that their walks overlap; a tree
 * that is not lopsided takes depth steps (a leaf stays put) rather than a
 * leaf test that mispredicts. */
#define FWALK(name, T, kind)                                                \
	static void name(const struct trees *t, size_t tr, const T *x,     \
			 size_t stride, size_t n, uint32_t *leaf)           \
	{                                                                   \
		const struct fnode *fn = t->fn;                             \
		uint32_t root = t->roots[tr], depth = t->depth[tr], d;      \
		size_t r = 0;                                               \
                                                                            \
		if (t->fixed[tr])                                           \
			for (; r + 8 <= n; r += 8) {                        \
				const T *x0 = x + r * stride;               \
				const T *x1 = x0 + stride;                  \
				const T *x2 = x1 + stride;                  \
				const T *x3 = x2 + stride;                  \
				const T *x4 = x3 + stride;                  \
				const T *x5 = x4 + stride;                  \
				const T *x6 = x5 + stride;                  \
				const T *x7 = x6 + stride;                  \
				uint32_t i0 = root, i1 = root, i2 = root,   \
					 i3 = root, i4 = root, i5 = root,   \
					 i6 = root, i7 = root;              \
                                                                            \
				for (d = 0; d < depth; d++) {               \
					i0 = FSTEP(kind, &fn[i0], x0);      \
					i1 = FSTEP(kind, &fn[i1], x1);      \
					i2 = FSTEP(kind, &fn[i2], x2);      \
					i3 = FSTEP(kind, &fn[i3], x3);      \
					i4 = FSTEP(kind, &fn[i4], x4);      \
					i5 = FSTEP(kind, &fn[i5], x5);      \
					i6 = FSTEP(kind, &fn[i6], x6);      \
					i7 = FSTEP(kind, &fn[i7], x7);      \
				}                                           \
				leaf[r + 0] = i0;                           \
				leaf[r + 1] = i1;                           \
				leaf[r + 2] = i2;                           \
				leaf[r + 3] = i3;                           \
				leaf[r + 4] = i4;                           \
				leaf[r + 5] = i5;                           \
				leaf[r + 6] = i6;                           \
				leaf[r + 7] = i7;                           \
			}                                                   \
		for (; r < n; r++) {                                        \
			const T *xr = x + r * stride;                       \
			uint32_t i = root;                                  \
                                                                            \
			while (!fn[i].leaf)                                 \
				i = FSTEP(kind, &fn[i], xr);                \
			leaf[r] = i;                                        \
		}                                                           \
	}

FWALK(fwalk_f_leq, float, FK_LEQ)
FWALK(fwalk_f_miss, float, FK_LEQ_MISS)
FWALK(fwalk_f_any, float, FK_ANY)
FWALK(fwalk_d_leq, double, FK_LEQ)
FWALK(fwalk_d_miss, double, FK_LEQ_MISS)
FWALK(fwalk_d_any, double, FK_ANY)

/* Rows in blocks: each tree takes the whole block before the next tree
 * (the tree stays in cache, the rows' walks overlap); each row's sums
 * still go tree by tree in order, so they round as walk()'s do. */
void trees_run_blocked(const struct trees *t, const struct ox_tensor *x,
			size_t rows, size_t f, struct ox_tensor *out)
{
	size_t blk = t->k <= 512 ? 256 : 131072 / t->k, r0, r, i, tr;
	int in_float = x->elem != OX_DOUBLE;
	uint32_t *leaf;
	double *s;
	unsigned char *has;
	float *buf = NULL;

	if (blk < 1)
		blk = 1;
	if (blk > rows)
		blk = rows;
	leaf = xcalloc(blk, sizeof(uint32_t));
	s = xcalloc(blk * t->k, sizeof(double));
	has = xcalloc(blk * t->k, 1);
	if (x->elem != OX_FLOAT && x->elem != OX_DOUBLE) {
		if (blk > 1 && blk * f > 262144)
			blk = 262144 / f > 1 ? 262144 / f : 1;
		buf = xcalloc(blk * f, sizeof(float));
	}
	for (r0 = 0; r0 < rows; r0 += blk) {
		size_t n = rows - r0 < blk ? rows - r0 : blk;
		const float *xf = NULL;
		const double *xd = NULL;

		if (x->elem == OX_FLOAT) {
			xf = (const float *)x->data + r0 * f;
		} else if (x->elem == OX_DOUBLE) {
			xd = (const double *)x->data + r0 * f;
		} else { /* onnxruntime compares integers as floats */
			for (i = 0; i < n * f; i++)
				buf[i] = (float)ox_get(x, r0 * f + i);
			xf = buf;
		}
		memset(s, 0, n * t->k * sizeof(double));
		memset(has, 0, n * t->k);
		for (tr = 0; tr < t->ntrees; tr++) {
			if (xf && t->kind == FK_LEQ)
				fwalk_f_leq(t, tr, xf, f, n, leaf);
			else if (xf && t->kind == FK_LEQ_MISS)
				fwalk_f_miss(t, tr, xf, f, n, leaf);
			else if (xf)
				fwalk_f_any(t, tr, xf, f, n, leaf);
			else if (t->kind == FK_LEQ)
				fwalk_d_leq(t, tr, xd, f, n, leaf);
			else if (t->kind == FK_LEQ_MISS)
				fwalk_d_miss(t, tr, xd, f, n, leaf);
			else
				fwalk_d_any(t, tr, xd, f, n, leaf);
			if (t->agg <= AGG_AVERAGE && in_float)
				ADD_LEAVES(AGG_SUM, 1);
			else if (t->agg <= AGG_AVERAGE)
				ADD_LEAVES(AGG_SUM, 0);
			else
				ADD_LEAVES(t->agg, in_float);
		}
		for (r = 0; r < n; r++)
			trees_finish_row(t, out, r0 + r, s + r * t->k,
				   has + r * t->k, in_float);
	}
	free(leaf);
	free(s);
	free(has);
	free(buf);
}

