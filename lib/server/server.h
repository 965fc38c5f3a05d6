/* mlops serve's HTTP server (see server.c). */
#ifndef MLOPS_SERVER_H
#define MLOPS_SERVER_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "handlers.h"

struct server_opts {
	const char *const *listen; /* "ADDR:PORT"; port 0 picks one */
	size_t nlisten;
	unsigned threads;          /* per listener */
	size_t max_body;           /* bytes; more gets 413 */
	size_t max_batch;          /* rows per /predict/batch */
	unsigned conn_timeout;     /* seconds idle before a close */
	unsigned max_connections;  /* 0: 1024 */
	unsigned max_per_ip;       /* connections from one address; 0: any */
	unsigned request_timeout;  /* seconds for a request's headers; 0: 10 */
	unsigned min_rate;         /* body bytes a second after that; 0: 1024 */
	unsigned max_in_flight;    /* more requests get 503; 0: no limit */
	const char *const *api_keys; /* none: no authentication */
	size_t nkeys;
	int public_health;         /* health and metrics without a key */
	int log_fd;                /* JSON-lines access log; -1: none */
	int log_payloads;          /* request bodies in the access log */
	const char *const *redact; /* field names logged as "[REDACTED]" */
	size_t nredact;
	double rate_limit;         /* requests a second per client; 0: none */
	double burst;
	const char *const *cors_origins; /* allowed Origins, "*": any;
					  * none: no CORS headers */
	size_t ncors;
	const char *admin_url;     /* the admin API's, for /openapi.json */
	const char *tls_cert;      /* PEM text: TLS when both are set */
	const char *tls_key;
	/* "sha256:..." the bundle served must have: until it has,
	 * /health/ready answers 503 saying which it has. NULL: any. */
	const char *expect_digest;
	/* The prediction store every scored row goes to; NULL: none. The
	 * caller stops it after server_stop. */
	struct recorder *recorder;
	/* Live performance from that store (GET /performance, gauges in
	 * /metrics); NULL: none. The caller stops it after server_stop. */
	struct perf_watch *performance;
	/* The model of /predict, /model/info, ... when several are
	 * loaded (NULL: the only one). */
	const char *default_model;
	/* Shadows (server_set_shadow): requests waiting at most, rows of
	 * their disagreement samples, a regression's tolerance. */
	size_t shadow_queue;
	size_t shadow_sample_max;
	double shadow_tolerance;
};

struct server;

/* Serves sv, taking the caller's reference (on failure too); sv NULL:
 * no model yet (server_model_put adds them). */
int server_start(struct server **out, struct serving *sv,
		 const struct server_opts *o);
/* Makes sv answer new requests of the default model (taking the
 * caller's reference), whatever its name; requests under way finish on
 * the version they started with. */
void server_swap(struct server *s, struct serving *sv);
/* Makes sv the canary of the default model (taking the caller's
 * reference), answering weight percent of the prediction requests;
 * NULL: no canary. */
void server_set_canary(struct server *s, struct serving *sv,
		       unsigned weight);
/* The default model's canary (with a reference) and its weight; NULL
 * when none. */
struct serving *server_acquire_canary(struct server *s, unsigned *weight);
/* The default model's version answering now, with a reference for the
 * caller (NULL when there is no default model). */
struct serving *server_acquire(struct server *s);

/* Several models, by name. sv becomes the stable version of its model
 * (taking the reference; the model is added when new); requests under
 * way finish on the version they started with. */
void server_model_put(struct server *s, struct serving *sv);
/* Model name is no longer answered (its canary and shadow stopped): 0,
 * or -1 when no model has that name. */
int server_model_remove(struct server *s, const char *name);
/* The version of model name (a reference), NULL when none. */
struct serving *server_model_acquire(struct server *s, const char *name);
/* Every model's stable version: references in an array the caller
 * frees (serving_put each). The count. */
size_t server_models(struct server *s, struct serving ***out);
/* The models' names, sorted, in an array of strings. */
json_t *server_model_names(struct server *s);
/* The entries that failed to load, for /v2/repository/index (taken):
 * [{name, version?, reason}]. */
void server_set_unavailable(struct server *s, json_t *entries);
/* Triton's repository index: [{name, version, state, reason}]. */
json_t *server_index(struct server *s, int ready_only);

/* A shadow for model (NULL: sv's name when it is served, else the
 * default model): sv answers a copy of its live prediction requests
 * (taking the reference, on failure too); sample: its disagreements'
 * JSON-lines file (NULL: none). sv NULL: the model's shadow stops. 0,
 * or -1 (EUSAGE: no such model; EIO: the sample file). */
int server_set_shadow(struct server *s, const char *model,
		      struct serving *sv, const char *sample);
/* The shadow comparisons: of model (NULL: the default; NULL answer when
 * it has no shadow), or with all 1 every model's, as an array. */
json_t *server_shadow_json(struct server *s, const char *model, int all);
/* Waits (up to ms) until every shadow has compared what it was given:
 * 0, or -1 at the deadline. */
int server_shadows_idle(struct server *s, unsigned ms);
void server_count_reload(struct server *s, int ok);
void server_set_ready(struct server *s, int ready);
unsigned server_port(const struct server *s, size_t i);
int64_t server_in_flight(const struct server *s);
/* Readiness off, stop accepting, wait up to drain_ms for requests under
 * way, stop. Frees s. */
void server_stop(struct server *s, unsigned drain_ms);
/* "127.0.0.1:8080", "[::1]:8080", ":8080" (all IPv4 addresses). */
int server_parse_listen(const char *spec, struct sockaddr_storage *ss,
			socklen_t *len, int *v6);

#endif
