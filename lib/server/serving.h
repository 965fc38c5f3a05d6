/* A model version made ready to serve: the bundle verified, the model
 * loaded from the content-addressed cache and warmed up on golden rows,
 * shared by reference so a reload never pulls it from under a request. */
#ifndef MLOPS_SERVER_SERVING_H
#define MLOPS_SERVER_SERVING_H

#include <jansson.h>
#include <stddef.h>

#include "../model/bundled.h"
#include "metrics.h"

struct sig_key;
struct recorder;
struct score_rows;
struct scores;
struct live_drift;
struct profile;

/* One loaded model version and what answering with it needs. Loaded by
 * serving_open, shared by the requests using it. */
struct serving {
	struct bundled_model *bm;
	const char *digest;
	char loaded_at[32];
	size_t max_batch;
	struct metrics *metrics;
	struct recorder *recorder; /* the prediction store; NULL: none */
	/* What records scored rows in it (record.c's recorder_rows), set
	 * with it: serving_score calls it without knowing the store. */
	void (*record)(struct recorder *rec, const struct serving *s,
		       const struct score_rows *r, const struct scores *sc,
		       const char *rid);
	unsigned version_slot; /* its counters in metrics */
	double load_seconds;
	size_t warm_rows;
	struct live_drift *drift; /* NULL: no reference profile, or off */
	struct profile *profile;  /* the bundle's reference profile */
	json_t *signature;        /* /model/info's, made once (immutable:
				   * requests share it by reference) */
	int shadow;               /* a shadow's candidate (shadow.h): it
				   * answers no client, so what records
				   * live traffic (stores, alerts) leaves
				   * its predictions out */
	/* Owned when serving_open made it. */
	struct bundle *bundle;
	struct bundled_model own;
	char *path;
	int refs;
};

struct serving_opts {
	int nthread;          /* for the model's predictions */
	size_t drift_window;  /* rows of live drift against the bundle's
			       * reference profile; 0: off */
	/* Bundles not signed by this key are refused (EINPUT). */
	const struct sig_key *require_signature;
};

/* path: a bundle, or a directory holding bundle.mlpkg (a release
 * directory of `mlops deploy`). One reference for the caller. */
int serving_open(struct serving **out, const char *path,
		 const struct serving_opts *o);
/* The bundle a --root directory serves: ROOT/current, resolved. */
int serving_root_path(const char *root, char **path);
/* Predicts the first golden rows (else one empty row) before serving:
 * the first real request pays no first-call costs. */
int serving_warm_up(struct bundled_model *bm, size_t *rows);
/* The edges of the predictions' histogram that suit this version (one
 * set a server; see metrics_prediction_edges); n: how many, up to
 * PRED_BUCKETS - 1. */
void serving_prediction_edges(const struct serving *s, double *edges,
			      size_t *n);
void serving_get(struct serving *s);
/* Drops a reference; the last one frees. */
void serving_put(struct serving *s);

/* 1 when s has the digest expected, or expect is NULL. */
int serving_has_digest(const struct serving *s, const char *expect);
/* NULL when it has; else why not (the caller frees). */
char *serving_digest_mismatch(const struct serving *s, const char *expect);
/* The answer of /health/ready, *status 200 or 503: not ready, or the
 * bundle is not the one expected (the reason and both digests said). */
json_t *serving_readiness(const struct serving *s, int ready,
			  const char *expect, unsigned *status);
/* The answer of /health (live and ready in one): {"status": "ok"} 200,
 * or "unavailable" 503 with the reason. */
json_t *serving_health(const struct serving *s, int ready,
		       const char *expect, unsigned *status);

#endif
