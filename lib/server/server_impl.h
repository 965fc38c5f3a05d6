/* The server's insides, shared by server.c (HTTP: admission, routing,
 * answers) and server_models.c (the models it answers for: versions,
 * canaries, shadows, and what the server says of them). Nothing else
 * includes it. */
#ifndef MLOPS_SERVER_IMPL_H
#define MLOPS_SERVER_IMPL_H

#include <jansson.h>
#include <microhttpd.h>
#include <pthread.h>

#include "../core/strbuf.h"
#include "conntrack.h"
#include "metrics.h"
#include "models.h"
#include "ratelimit.h"

/* Not including server.h keeps this out of an include circle with
 * server.c; every includer has it already. */
#ifndef MLOPS_SERVER_H
#error "include server.h before server_impl.h"
#endif

#define MAX_LISTEN 8

struct server {
	struct MHD_Daemon *d[MAX_LISTEN];
	unsigned port[MAX_LISTEN];
	size_t n;
	/* The models answered, each with its stable version, canary and
	 * shadow; a request keeps the version it picked (a reference)
	 * until it is answered. */
	struct models *models;
	/* Taken to give a version its counters (metrics_version is for
	 * one thread at a time): loads come from the admin thread and
	 * from signals. */
	pthread_mutex_t adopt_lock;
	unsigned none_slot; /* the counters of requests no model answered */
	int has_none_slot;
	struct metrics metrics;
	struct server_opts opts;
	struct ratelimit *limit;
	struct conntrack *ct[MAX_LISTEN]; /* one a listen address */
	int ready;
};

/* Counters and limits of this server on a version about to answer. */
void server_adopt(struct server *s, struct serving *sv);
/* The counters of requests no model answered (made when first needed). */
unsigned server_none_slot(struct server *s);
/* Ready to answer for sv: loaded, not draining, and (--expect-digest)
 * the bundle expected; sv NULL: the server as a whole (every model
 * loaded is ready, and there is one). */
int server_ready_for(struct server *s, const struct serving *sv);
/* /health/ready and /health (health 1) for the server: *status 200 or
 * 503. sv: the default model (NULL: none). */
json_t *server_readiness(struct server *s, const struct serving *sv,
			 int health, unsigned *status);
/* Everything /metrics says. */
void server_metrics_text(struct server *s, struct strbuf *text);

#endif
