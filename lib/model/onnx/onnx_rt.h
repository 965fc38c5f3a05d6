/* The ONNX interpreter's insides: tensors, the loaded graph, and the
 * operator table. A graph is checked once at load (types and ranks flow
 * from the inputs through every node); after that it is immutable, and
 * each predict call evaluates it on chunks of rows with tensors of its
 * own, so calls may run on several threads at once. */
#ifndef MLOPS_MODEL_ONNX_RT_H
#define MLOPS_MODEL_ONNX_RT_H

#include <stddef.h>
#include <stdint.h>

#include "onnx.pb-c.h"

/* TensorProto.DataType values this runtime holds. */
enum ox_elem {
	OX_UNDEF = 0,
	OX_FLOAT = 1,
	OX_INT32 = 6,
	OX_INT64 = 7,
	OX_STRING = 8,
	OX_BOOL = 9,
	OX_DOUBLE = 11,
};

#define OX_MAX_RANK 8
/* Elements in any one tensor, at load and while running. */
#define OX_MAX_ELEMS ((size_t)1 << 28)
/* Classes a classifier may have. */
#define OX_MAX_CLASSES 10000
/* Rows evaluated at once. */
#define OX_CHUNK 1024

/* What is known of a value before running: dims[i] < 0 is unknown;
 * rank < 0 is unknown. */
struct ox_type {
	int elem;
	int rank;
	int64_t dims[OX_MAX_RANK];
};

/* Strings are borrowed pointers (into the model's attributes,
 * initializers or the signature's category values), never owned. */
struct ox_tensor {
	int elem;
	int rank;
	int64_t dims[OX_MAX_RANK];
	size_t n;
	void *data;
	int borrowed; /* data is not freed with the tensor */
	int charged;  /* counted in this thread's run budget */
};

/* Bytes of tensors one graph run (a chunk of rows, on one thread) may
 * hold at once: beyond it the run fails cleanly instead of the process
 * aborting on an allocation. */
#define OX_RUN_BYTES ((size_t)1 << 30)
/* Opens (bytes > 0) or closes (0) this thread's run budget. */
void ox_budget(size_t bytes);

/* Class labels a value carries (classifier scores, ZipMap). */
struct ox_labels {
	size_t n;
	char **names; /* decimal for int64 labels */
};

struct ox_graph;
struct ox_node;

/* Names to ids, by open addressing: loading a graph of n nodes is linear
 * in n, whatever its order. The keys are borrowed. */
struct ox_names {
	const char **keys;
	int *ids;
	size_t cap, n;
};
void ox_names_put(struct ox_names *m, const char *key, int id);
/* The id, or -1. */
int ox_names_get(const struct ox_names *m, const char *key);
void ox_names_free(struct ox_names *m);

struct ox_op {
	const char *domain; /* "" or "ai.onnx.ml" */
	const char *name;
	/* Validates attributes and input types, builds n->state, sets the
	 * output types (ox_out_type). */
	int (*check)(struct ox_graph *g, struct ox_node *n);
	/* Fills out[0..nout) (allocated with ox_tensor_alloc); inputs
	 * have the element types check saw. */
	int (*run)(const struct ox_node *n, const struct ox_tensor *const *in,
		   struct ox_tensor *out);
	void (*free_state)(void *state);
};

struct ox_node {
	const struct ox_op *op;
	const Onnx__NodeProto *proto;
	int opset;    /* of the node's domain */
	int *in;      /* value ids; -1 for an absent optional input */
	size_t nin;
	int *out;     /* -1 for an output nobody names */
	size_t nout;
	int live;     /* some needed output depends on it */
	void *state;
};

struct ox_value {
	char *name;
	struct ox_type type;
	const struct ox_tensor *init; /* initializers and constants */
	const struct ox_labels *labels;
	int producer;                 /* node index, -1 for inputs/inits */
	int last_use;                 /* last node reading it, -1 if none */
};

struct ox_graph {
	Onnx__ModelProto *proto;
	const char *path;
	int opset_ai, opset_ml; /* 0 when not imported */
	struct ox_value *values;
	size_t nvalues, values_alloc;
	struct ox_names index; /* value names */
	struct ox_node *nodes;
	size_t nnodes;
	int *inputs;  /* graph inputs that are not initializers */
	size_t ninputs;
	int *outputs;
	size_t noutputs;
	struct ox_tensor **inits; /* owned */
	size_t ninits, inits_alloc;
};

/* load.c */
int ox_graph_load(struct ox_graph **out, const char *path);
void ox_graph_free(struct ox_graph *g);
/* Keeps t (moved in) as a constant; its value id gets it as init. */
void ox_graph_add_const(struct ox_graph *g, int value, struct ox_tensor *t);
int ox_value_find(const struct ox_graph *g, const char *name);
/* Marks the nodes the given values depend on live; frees nothing. */
void ox_graph_mark_live(struct ox_graph *g, const int *vals, size_t n);
/* Node description for messages: "TreeEnsembleClassifier 'name'". */
const char *ox_node_name(const struct ox_node *n);
int ox_fail(const struct ox_node *n, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Supported operators, for messages. */
void ox_ops_list(struct ox_graph *g, const char *domain, char *buf,
		 size_t size);
const struct ox_op *ox_op_find(const char *domain, const char *name);

/* tensor.c */
size_t ox_elem_size(int elem);
const char *ox_elem_name(int elem);
int ox_elem_numeric(int elem);
/* n = product of dims, with overflow and OX_MAX_ELEMS checks. */
int ox_dims_count(const int64_t *dims, int rank, size_t *n);
int ox_tensor_alloc(struct ox_tensor *t, int elem, int rank,
		    const int64_t *dims);
void ox_tensor_free(struct ox_tensor *t);
/* out: a new tensor with in's type, shape and elements (strings stay
 * borrowed). */
int ox_tensor_copy(struct ox_tensor *out, const struct ox_tensor *in);
double ox_get(const struct ox_tensor *t, size_t i);
void ox_set(struct ox_tensor *t, size_t i, double v);
int64_t ox_get_i64(const struct ox_tensor *t, size_t i);
/* double -> int64 the way x86 truncates: NaN and overflow give INT64_MIN */
int64_t ox_trunc_i64(double v);
/* Tensor from a TensorProto (checked: sizes, raw_data, external data). */
int ox_tensor_from_proto(struct ox_tensor *t, const Onnx__TensorProto *p,
			 const char *what);
/* numpy broadcasting of the shapes of k tensors. */
int ox_broadcast_dims(const struct ox_tensor *const *t, size_t k, int *rank,
		      int64_t *dims);
int ox_broadcast_types(const struct ox_type *const *t, size_t k,
		       struct ox_type *out);
/* Iterates the output of a broadcast: offsets of each input. */
struct ox_bcast {
	size_t k;
	int rank;
	int64_t dims[OX_MAX_RANK];
	int64_t idx[OX_MAX_RANK];
	size_t strides[4][OX_MAX_RANK];
	size_t off[4];
};
void ox_bcast_init(struct ox_bcast *b, const struct ox_tensor *const *t,
		   size_t k, int rank, const int64_t *dims);
void ox_bcast_next(struct ox_bcast *b);

/* Attribute access (node.c). */
const Onnx__AttributeProto *ox_attr(const struct ox_node *n,
				    const char *name);
int ox_attr_int(const struct ox_node *n, const char *name, int64_t def,
		int64_t *out);
int ox_attr_float(const struct ox_node *n, const char *name, float def,
		  float *out);
/* The axis attribute (def when absent), negative ones counted from the
 * end; within [0, rank) or, with end, [0, rank]. */
int ox_attr_axis(const struct ox_node *n, int rank, int64_t def, int end,
		 int64_t *out);
/* A string attribute as a new NUL-terminated copy (def copied if absent;
 * NULL def and absent gives *out NULL). */
int ox_attr_string(const struct ox_node *n, const char *name,
		   const char *def, char **out);
int ox_attr_ints(const struct ox_node *n, const char *name,
		 const int64_t **v, size_t *count);
int ox_attr_floats(const struct ox_node *n, const char *name,
		   const float **v, size_t *count);
int ox_attr_strings(const struct ox_node *n, const char *name, char ***v,
		    size_t *count);
void ox_strings_free(char **v, size_t n);
/* Refuses attributes the operator does not implement. */
int ox_attr_refuse(const struct ox_node *n, const char *name,
		   const char *why);
const struct ox_type *ox_in_type(const struct ox_graph *g,
				 const struct ox_node *n, size_t i);
struct ox_type *ox_out_type(struct ox_graph *g, const struct ox_node *n,
			    size_t i);
/* A constant input (initializer), or NULL. */
const struct ox_tensor *ox_in_const(const struct ox_graph *g,
				    const struct ox_node *n, size_t i);
int ox_need_inputs(const struct ox_node *n, size_t min, size_t max);
int ox_need_elem(const struct ox_node *n, const struct ox_type *t,
		 const char *what, unsigned mask);
#define OX_M(e) (1u << (e))
#define OX_NUMERIC (OX_M(OX_FLOAT) | OX_M(OX_DOUBLE) | OX_M(OX_INT64) | \
		    OX_M(OX_INT32))
#define OX_FLOATS (OX_M(OX_FLOAT) | OX_M(OX_DOUBLE))

/* graph.c: evaluates the live nodes on n rows already in vals[]. */
int ox_graph_run(const struct ox_graph *g, struct ox_tensor *vals);
void ox_vals_free(const struct ox_graph *g, struct ox_tensor *vals);

/* Operator tables, one per family. */
extern const struct ox_op ox_ops_tree[];
extern const struct ox_op ox_ops_linear[];
extern const struct ox_op ox_ops_transform[];
extern const struct ox_op ox_ops_math[];
extern const struct ox_op ox_ops_shape[];

/* ml post transforms, in float like onnxruntime (ops_linear.c). */
enum ox_post { POST_NONE, POST_LOGISTIC, POST_SOFTMAX, POST_SOFTMAX_ZERO,
	       POST_PROBIT };
int ox_post_parse(const struct ox_node *n, enum ox_post *out);
float ox_logistic(float v);
float ox_probit(float v);
void ox_softmax_f(float *v, size_t k);
void ox_softmax_zero_f(float *v, size_t k);
/* One row's k scores through the transform, in place. */
void ox_post_apply(enum ox_post post, float *s, size_t k);
/* Classifier labels from classlabels_strings / classlabels_int64s. */
int ox_class_labels(const struct ox_node *n, struct ox_labels *out,
		    int *is_string, int64_t **ints);
void ox_labels_release(struct ox_labels *l);
/* A classifier's output types: labels [N] (string or int64) and scores
 * [N, cols] float carrying the labels. */
void ox_classifier_outputs(struct ox_graph *g, const struct ox_node *n,
			   int string_labels, size_t cols,
			   const struct ox_labels *labels);

#endif
