#include "routes.h"

#include <string.h>

#include "../core/jsonutil.h"
#include "feedback.h"
#include "handlers.h"
#include "livedrift.h"
#include "mlflow.h"
#include "oip.h"
#include "performance.h"
#include "serving.h"

static unsigned route_predict(const struct route_call *call, json_t **out)
{
	return handle_predict(call->sv, call->body, call->len, out);
}

static unsigned route_batch(const struct route_call *call, json_t **out)
{
	return handle_batch(call->sv, call->body, call->len, out);
}

static unsigned route_explain(const struct route_call *call, json_t **out)
{
	return handle_explain(call->sv, call->body, call->len, out);
}

static unsigned route_info(const struct route_call *call, json_t **out)
{
	*out = model_info_json(call->sv);
	return 200;
}

static unsigned route_drift(const struct route_call *call, json_t **out)
{
	if (!call->sv->drift) {
		*out = error_json("no live drift: the bundle has no reference "
				  "profile (datasets.reference), or "
				  "--drift-window is 0");
		return 404;
	}
	*out = live_drift_json(call->sv->drift);
	return 200;
}

static unsigned route_invocations(const struct route_call *call, json_t **out)
{
	return mlflow_invocations(call->sv, call->content_type, call->body,
				  call->len, out);
}

static unsigned route_feedback(const struct route_call *call, json_t **out)
{
	if (!call->sv->recorder) {
		*out = error_json("no prediction store: start serve with "
				  "--store URL to take feedback");
		return 404;
	}
	return feedback_handle(call->sv->recorder, call->sv, call->body,
			       call->len, out);
}

static unsigned route_performance(const struct route_call *call,
				  json_t **out)
{
	if (!call->performance) {
		*out = error_json("no prediction store: start serve with "
				  "--store URL for live performance");
		return 404;
	}
	return perf_watch_json(call->performance, call->sv, out);
}

static const struct route_def routes[] = {
	{ "/predict", "POST", ROUTE_PREDICT, ROUTE_F_PREDICTION,
	  route_predict },
	{ "/predict/batch", "POST", ROUTE_BATCH, ROUTE_F_PREDICTION,
	  route_batch },
	{ "/explain", "POST", ROUTE_EXPLAIN, ROUTE_F_PREDICTION,
	  route_explain },
	{ "/health/live", "GET", ROUTE_LIVE, ROUTE_F_HEALTH, NULL },
	{ "/health/ready", "GET", ROUTE_READY, ROUTE_F_HEALTH, NULL },
	{ "/model/info", "GET", ROUTE_INFO, 0, route_info },
	{ "/metrics", "GET", ROUTE_METRICS, ROUTE_F_HEALTH, NULL },
	{ "/drift", "GET", ROUTE_DRIFT, 0, route_drift },
	{ "/health", "GET", ROUTE_HEALTH, ROUTE_F_HEALTH, NULL },
	{ "/invocations", "POST", ROUTE_INVOCATIONS, ROUTE_F_MLFLOW,
	  route_invocations },
	{ "/ping", "GET", ROUTE_PING, ROUTE_F_HEALTH, NULL },
	{ "/version", "GET", ROUTE_VERSION, 0, NULL },
	{ "/openapi.json", "GET", ROUTE_OPENAPI, 0, NULL },
	{ "/docs", "GET", ROUTE_DOCS, 0, NULL },
	{ "/feedback", "POST", ROUTE_FEEDBACK, 0, route_feedback },
	{ "/performance", "GET", ROUTE_PERFORMANCE, ROUTE_F_EVERY_MODEL,
	  route_performance },
	/* Triton's repository index: POST (and GET, as it reads). */
	{ "/v2/repository/index", NULL, ROUTE_REPO_INDEX, 0, NULL },
	{ "/shadow", "GET", ROUTE_SHADOW, ROUTE_F_MODEL, NULL },
};

/* The OIP tree is one route: oip_handle checks its methods. */
static const struct route_def oip_tree = { "/v2", NULL, ROUTE_OIP, 0, NULL };

const struct route_def *route_lookup(const char *url)
{
	size_t i;

	for (i = 0; i < sizeof(routes) / sizeof(routes[0]); i++)
		if (!strcmp(routes[i].path, url))
			return &routes[i];
	if (!strncmp(url, "/v2", 3) && (!url[3] || url[3] == '/'))
		return &oip_tree;
	return NULL;
}

int route_per_model(const struct route_def *rd)
{
	return rd && (rd->fn || (rd->flags & ROUTE_F_MODEL));
}

/* /models/NAME REST: the route of REST for one model, NULL when none. */
static const struct route_def *model_route(const char *rest)
{
	const struct route_def *rd;

	rd = route_lookup(!strcmp(rest, "/info") ? "/model/info" : rest);
	return rd && rd->id != ROUTE_OIP && route_per_model(rd) ? rd : NULL;
}

const struct route_def *route_resolve(const char *url, route_known_fn *known,
				      void *arg, struct route_target *t)
{
	const struct route_def *rd, *pick = NULL;
	int rest_api = !strncmp(url, "/models/", 8);
	const char *p, *v;
	size_t k, vlen;
	enum route r;

	memset(t, 0, sizeof(*t));
	t->route = ROUTE_OTHER;
	if (rest_api) {
		p = url + 8;
	} else {
		rd = route_lookup(url);
		if (!rd || rd->id != ROUTE_OIP)
			return rd;
		t->route = oip_route(url);
		if (strncmp(url, "/v2/models/", 11))
			return rd;
		p = url + 11;
		pick = rd;
	}
	if (!*p || *p == '/')
		return rest_api ? NULL : pick;
	/* Names may hold '/' ("team/churn"): each split of the path into
	 * NAME and a route for it, from the left; the first whose NAME is
	 * served wins, else the first. */
	for (k = 1;; k++) {
		if (!p[k] || p[k] == '/') {
			int served;

			rd = rest_api ? model_route(p + k) : pick;
			r = rest_api ? ROUTE_OTHER : oip_model_route(p + k, &v, &vlen);
			served = rd && (rest_api || r != ROUTE_OTHER) && known &&
				 known(arg, p, k);
			if (rd && (rest_api || r != ROUTE_OTHER) &&
			    (!t->name || served)) {
				t->name = p;
				t->len = k;
				t->version = rest_api ? NULL : v;
				t->vlen = rest_api ? 0 : vlen;
				t->route = rest_api ? ROUTE_OTHER : r;
				pick = rd;
			}
			if (served)
				break;
		}
		if (!p[k])
			break;
	}
	if (!t->name && !rest_api) {
		/* No route follows any NAME: the first segment names it,
		 * for the 404. */
		t->name = p;
		t->len = strcspn(p, "/");
	}
	return rest_api && !t->name ? NULL : pick;
}
