/* The HTTP routes of mlops serve: one table says each route's path,
 * method, how the server's guards treat it, and (for the routes that
 * answer from a request alone) its handler. Adding an endpoint is a
 * line here, an enum route value (metrics.h) and a handler in the file
 * of its job; server.c only walks the table. */
#ifndef MLOPS_SERVER_ROUTES_H
#define MLOPS_SERVER_ROUTES_H

#include <jansson.h>
#include <stddef.h>

#include "metrics.h"

struct serving;
struct server_opts;
struct perf_watch;

/* What a handler gets: the version answering, the server's options (for
 * what a route needs of the server: stores, keys, limits), and the
 * request (its body already decoded). */
struct route_call {
	struct serving *sv;
	const struct server_opts *opts;
	const char *url;
	const char *method;
	const char *content_type; /* NULL when none was sent */
	const char *body;
	size_t len;
	struct perf_watch *performance; /* serve --store's; NULL: none */
};

/* A handler answers a status and a JSON body (*out, taken by the
 * caller; NULL with a status only when the status says it all). */
typedef unsigned route_fn(const struct route_call *call, json_t **out);

enum route_flags {
	/* Answers for the server's health: open with --public-health,
	 * answered under overload. */
	ROUTE_F_HEALTH = 1 << 0,
	/* Answers predictions: a canary takes its share of these. */
	ROUTE_F_PREDICTION = 1 << 1,
	/* Errors of the layer (413, a bad Content-Encoding) in MLflow's
	 * shape, as its clients parse them. */
	ROUTE_F_MLFLOW = 1 << 2,
	/* Answered by server.c for one model: /models/{name}PATH reaches
	 * it too (routes with a handler always do). */
	ROUTE_F_MODEL = 1 << 3,
	/* Answers for every model too: reached without one (several
	 * served, none the default), the handler's sv is then NULL. */
	ROUTE_F_EVERY_MODEL = 1 << 4,
};

struct route_def {
	const char *path;
	const char *method; /* NULL: the handler checks methods */
	enum route id;
	unsigned flags;
	route_fn *fn;       /* NULL: answered by server.c itself */
};

/* The route a URL names, NULL when none. The OIP tree (/v2/...) is one
 * route whose handler is oip.c's. */
const struct route_def *route_lookup(const char *url);

/* The model (and version) a URL names: name NULL when it names none
 * (the default model answers). */
struct route_target {
	const char *name;
	size_t len;
	const char *version; /* OIP's /versions/{v}; NULL: none */
	size_t vlen;
	enum route route;    /* OIP's route pattern (oip_route) */
};

/* Whether a model of name (len bytes) is served. */
typedef int route_known_fn(void *arg, const char *name, size_t len);

/* route_lookup, and the model a URL names: /models/{name}PATH is the
 * route of PATH for that model (a route with a handler, or
 * ROUTE_F_MODEL; /models/{name}/info is /model/info), and
 * /v2/models/{name}[/versions/{v}]/... names it in the OIP tree. A name
 * may hold '/': of the ways to split the URL into a name and a route,
 * the leftmost whose name known() says is served (known NULL: none
 * is), else the leftmost. */
const struct route_def *route_resolve(const char *url, route_known_fn *known,
				      void *arg, struct route_target *t);
/* A route that answers for one model (a handler, or ROUTE_F_MODEL). */
int route_per_model(const struct route_def *rd);

#endif
