/* mlops.yaml: the project's single source of truth, parsed into typed
 * structs. Every error names file:line:col (EINPUT). */
#ifndef MLOPS_DESCRIPTOR_H
#define MLOPS_DESCRIPTOR_H

#include <jansson.h>
#include <stddef.h>

struct alerts_config;

enum model_runtime { RUNTIME_XGBOOST, RUNTIME_GLM, RUNTIME_ONNX,
		     RUNTIME_LIGHTGBM };
enum model_task { TASK_BINARY, TASK_MULTICLASS, TASK_REGRESSION };
enum value_type { VT_FLOAT, VT_INT, VT_BOOL, VT_STRING, VT_CATEGORY };
enum file_kind { FILE_MODEL, FILE_CODE, FILE_DOC, FILE_DATASET };
enum gate_op { GATE_GE, GATE_GT, GATE_LE, GATE_LT, GATE_EQ };
enum env_kind { ENV_LOCAL, ENV_FLEET, ENV_KUBERNETES };
enum env_strategy { STRATEGY_ALL_AT_ONCE, STRATEGY_ROLLING, STRATEGY_CANARY,
		    STRATEGY_SHADOW };

struct field {
	char *name;
	enum value_type type;
	int required;
	int nullable;
	int has_min, has_max;
	double min, max;
	char **values; /* allowed categories */
	size_t nvalues;
	int unknown_missing; /* a category not in values is a missing
			      * value, not an invalid row */
	char *description;
	unsigned line; /* where it was declared */
};

struct gate {
	char *metric;
	enum gate_op op;
	double value;
};

struct smoke_test {
	char *name;
	json_t *features;  /* object: feature -> value */
	json_t *expect;    /* object: prediction, probability, status */
	double tolerance;
	double max_latency_ms; /* 0 = no budget */
};

struct include_entry {
	char *path;
	enum file_kind kind;
};

struct environment {
	char *name;
	enum env_kind kind;
	char *root;                 /* local; fleet: its ledger (default
				     * .mlops/NAME) */
	char *url;                  /* local: where its server answers */
	char **instances;           /* fleet: public URLs */
	char **admins;              /* fleet: their admin API URLs */
	size_t ninstances;
	char *admin_key_env;        /* fleet */
	enum env_strategy strategy; /* fleet */
	int *steps;                 /* canary weights, percent */
	size_t nsteps;
	double interval_s;
	double max_error_rate, max_p99_ms, max_psi; /* canary checks, <0 unset */
	double min_agreement;       /* shadow: rows agreeing, [0, 1]; <0 unset */
	long long min_requests;     /* canary requests a step needs */
	long long keep_releases;    /* local, fleet: releases kept (5) */
	char *require_signature;    /* local, fleet: a public key (PEM) that
				     * must have signed what is deployed */
	char *namespace_;           /* kubernetes */
	char *image;                /* REPO[:TAG][@sha256:...] */
	long long replicas;         /* when not autoscaled */
	long long min_replicas, max_replicas; /* autoscale; 0: none */
	long long cpu_percent;      /* autoscale: target, % of the request */
	char *cpu, *memory;         /* quantities: requests (memory: limit) */
	char *api_key_secret;       /* a Secret whose api-keys the server
				     * requires; NULL: none */
};

/* monitor: in mlops.yaml: a metric may fall this far from the golden
 * set's (baseline) on live data. */
struct monitor_rule {
	char *metric;
	int rise;     /* max_rise (log_loss, rmse, mae); else max_drop */
	double limit; /* in the metric's units, or percent when relative */
	int relative; /* written "5%": a share of the baseline */
};

struct monitor_spec {
	int present;           /* the descriptor has a monitor section */
	struct monitor_rule *rules;
	size_t nrules;
	long long window_ms;   /* 0: not given */
	long long min_labels;  /* a window with fewer is not judged */
};

/* Where a key was written in the file. */
struct descriptor_place {
	const char *key; /* "model.path" */
	unsigned line, col;
};

struct descriptor {
	char *file;       /* as given, e.g. "mlops.yaml" */
	char *dir;        /* the project directory holding it */
	char *raw;        /* the file's bytes */
	size_t raw_len;

	char *name;
	char *version;
	char *description;
	char *license;
	char **authors;
	size_t nauthors;

	struct {
		char *path;
		enum model_runtime runtime;
		enum model_task task;
		double threshold;
		int nclasses; /* multiclass; 0 = from the model */
		char **labels; /* classifiers: class labels in output
				* order; NULL = from the model */
		size_t nlabels;
	} model;

	struct field *inputs;
	size_t ninputs;
	struct field *outputs;
	size_t noutputs;

	struct {
		char *golden_path;
		char *golden_label;
		char *reference_path;
	} datasets;

	struct gate *gates;
	size_t ngates;
	struct smoke_test *smoke;
	size_t nsmoke;
	struct include_entry *include;
	size_t ninclude;
	char **dependencies;
	size_t ndependencies;
	struct environment *environments;
	size_t nenvironments;
	json_t *drift; /* the drift: section, resolved; NULL when absent */
	struct alerts_config *alerts; /* the alerts: section (alerts.h);
				       * NULL when absent */
	struct monitor_spec monitor;

	/* Where the paths checked later (model.path, datasets.golden.path,
	 * datasets.reference.path) were written; none in a bundle's. */
	struct descriptor_place places[3];
	size_t nplaces;
};

/* Reads and checks the descriptor at `path`. */
int descriptor_load(struct descriptor **out, const char *path);
/* The same from memory (tests, fuzzing); `dir` is the project dir. */
int descriptor_parse(struct descriptor **out, const char *file,
		     const char *dir, const char *data, size_t len);
void descriptor_free(struct descriptor *d);
/* Gives the current error the place in d's file where key
 * ("model.path") is written: "FILE:LINE:COL: " before its message, and
 * its location. Nothing when d does not know the key's place (a bundle's
 * descriptor). */
void descriptor_error_at(const struct descriptor *d, const char *key);

/* The resolved form (defaults filled in) that bundles carry. */
json_t *descriptor_to_json(const struct descriptor *d);
/* And back: the resolved form read from a bundle (checked again; EINPUT
 * when malformed). Environments and includes are not read back. */
int descriptor_from_json(struct descriptor **out, const json_t *j);

/* The environment of that name, or NULL. */
const struct environment *descriptor_environment(const struct descriptor *d,
						 const char *name);
/* A local environment's root: absolute, or relative to dir (the
 * descriptor's directory). The caller frees. */
char *environment_root(const struct environment *e, const char *dir);
const char *runtime_name(enum model_runtime r);
/* "gradient-boosted-trees", "generalized-linear-model" or
 * "onnx-ml-graph". */
const char *runtime_architecture(enum model_runtime r);
const char *task_name(enum model_task t);
const char *value_type_name(enum value_type t);
const char *file_kind_name(enum file_kind k);
const char *gate_op_name(enum gate_op op);
const char *env_kind_name(enum env_kind k);
const char *strategy_name(enum env_strategy s);

/* The names of enum model_runtime and enum model_task, NULL-terminated. */
extern const char *const runtime_names[];
extern const char *const task_names[];

/* The gate metrics mlops knows, NULL-terminated. */
extern const char *const gate_metrics[];

/* The metrics of live performance (monitor:), NULL-terminated; whether
 * a larger value is better (accuracy; not rmse); whether the metric
 * belongs to the task (rmse to regression, auc to classifiers). */
extern const char *const monitor_metrics[];
int metric_higher_is_better(const char *metric);
int metric_fits_task(const char *metric, enum model_task task);
/* descriptor_monitor.c: defaults (min_labels 100), free, resolved form. */
void monitor_spec_init(struct monitor_spec *m);
void monitor_spec_free(struct monitor_spec *m);
json_t *monitor_spec_json(const struct monitor_spec *m);
int monitor_spec_from_json(struct descriptor *d, const json_t *j);

#endif
