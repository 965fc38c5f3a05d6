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
};

struct server;

/* Serves sv, taking the caller's reference (on failure too). */
int server_start(struct server **out, struct serving *sv,
		 const struct server_opts *o);
/* Makes sv answer new requests (taking the caller's reference); requests
 * under way finish on the version they started with. */
void server_swap(struct server *s, struct serving *sv);
/* Makes sv the canary (taking the caller's reference), answering
 * weight percent of the prediction requests; NULL: no canary. */
void server_set_canary(struct server *s, struct serving *sv,
		       unsigned weight);
/* The canary (with a reference) and its weight; NULL when none. */
struct serving *server_acquire_canary(struct server *s, unsigned *weight);
/* The version answering now, with a reference for the caller. */
struct serving *server_acquire(struct server *s);
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
