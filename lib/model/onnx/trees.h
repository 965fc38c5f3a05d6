/* The tree ensembles of ops_tree.c: the nodes as loaded and the walk's
 * compact copy, shared by the operator (attributes, checks, outputs:
 * ops_tree.c) and the walk (ops_tree_walk.c). */
#ifndef MLOPS_MODEL_ONNX_TREES_H
#define MLOPS_MODEL_ONNX_TREES_H

#include <stddef.h>
#include <stdint.h>

#include "onnx_rt.h"

enum tmode { M_LEQ, M_LT, M_GTE, M_GT, M_EQ, M_NEQ, M_LEAF };
enum tagg { AGG_SUM, AGG_AVERAGE, AGG_MIN, AGG_MAX };

struct tnode {
	double thr;
	uint32_t feature;
	uint32_t yes, no; /* leaves: first weight, weight count */
	uint8_t mode;
	uint8_t missing_yes;
};

/* The walk's copy of a node, 16 bytes: the "yes" child is kid, the "no"
 * child kid + 1 (build lays siblings side by side), so the next node is
 * kid + 1 - yes, with no branch. mask bit c says "yes" for the
 * comparison's outcome c: 0 x < thr, 1 x == thr, 2 x > thr, 3 x is NaN
 * (or, for a NaN threshold, bit 0 stands for every number x): the node
 * mode and missing_value_tracks_true folded together. A leaf has mask 0,
 * a NaN threshold, feature 0 and kid = itself - 1: it never says "yes",
 * so a walk stays on it; walks of a tree's greatest depth need no leaf
 * test. Comparing float thresholds in float for float (and integer)
 * inputs answers as the double comparison of their values does. */
struct fnode {
	float thr;
	uint32_t feature;
	uint32_t kid;
	uint8_t mask;
	uint8_t leaf;
	uint16_t pad;
};

enum fkind { FK_LEQ, FK_LEQ_MISS, FK_ANY };

struct trees {
	int classifier;
	size_t k;            /* classes or targets */
	size_t ntrees;
	uint32_t *roots;
	struct tnode *nodes;
	size_t nnodes;
	uint32_t *wk;        /* weight: class or target index */
	float *wv;
	size_t nweights;
	float *base;
	size_t nbase;
	enum ox_post post;
	enum tagg agg;
	float *hit;          /* nodes_hitrates, per node; NULL: none */
	uint32_t nfeatures;  /* the largest feature id + 1 */
	int all_leq;         /* every branch is BRANCH_LEQ: a faster walk */
	/* the blocked walk (fast; NULL: walk() alone) */
	struct fnode *fn;
	uint32_t *depth;     /* per tree: its greatest depth */
	unsigned char *fixed; /* per tree: walk depth steps, no leaf test */
	enum fkind kind;
	/* classifiers */
	struct ox_labels labels;
	int string_labels;
	int64_t *int_labels;
	int binary_case, all_positive;
};

/* Whether x goes to a split's "yes" child (missing_value_tracks_true
 * sends NaN there). */
static inline int tnode_yes(const struct tnode *nd, double v)
{
	if (nd->missing_yes && v != v)
		return 1;
	switch (nd->mode) {
	case M_LEQ: return v <= nd->thr;
	case M_LT: return v < nd->thr;
	case M_GTE: return v >= nd->thr;
	case M_GT: return v > nd->thr;
	case M_EQ: return v == nd->thr;
	default: return v != nd->thr;
	}
}

/* One leaf's weights into a row's sums. */
static inline void add_leaf(const struct trees *t, const struct tnode *nd,
			    double *s, unsigned char *has, enum tagg agg,
			    int in_float)
{
	uint32_t w, end = nd->yes + nd->no;

	if (t->k == 1 && !t->classifier && nd->no)
		end = nd->yes + 1; /* onnxruntime: first weight */
	for (w = nd->yes; w < end; w++) {
		uint32_t c = t->wk[w];
		double v = t->wv[w];

		switch (agg) {
		case AGG_SUM:
		case AGG_AVERAGE:
			s[c] = in_float ? (float)(s[c] + v) : s[c] + v;
			break;
		case AGG_MIN:
			if (!has[c] || v < s[c])
				s[c] = v;
			break;
		case AGG_MAX:
			if (!has[c] || v > s[c])
				s[c] = v;
			break;
		}
		has[c] = 1;
	}
}

/* The walk's nodes (t->fn), when siblings are side by side. */
void trees_prepare_walk(struct trees *t);
/* x (one row) down every tree into its sums s and has. */
void trees_walk_row(const struct trees *t, const double *x, double *s,
		    unsigned char *has, int in_float);
/* rows rows of x (f features each) through every tree, into out. */
void trees_run_blocked(const struct trees *t, const struct ox_tensor *x,
		       size_t rows, size_t f, struct ox_tensor *out);
/* Row r's sums into its outputs (ops_tree.c). */
void trees_finish_row(const struct trees *t, struct ox_tensor *out, size_t r,
		      double *s, unsigned char *has, int in_float);

#endif
