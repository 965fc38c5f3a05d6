/* The HTTP layer of mlops serve, on libmicrohttpd: one epoll daemon with a
 * thread pool per listen address, request bodies capped (413), routes
 * with 404 and 405 + Allow, JSON errors everywhere, readiness, and a
 * drain on shutdown (stop accepting, let in-flight requests finish). */
#include "server.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <microhttpd.h>
#include <openssl/crypto.h>
#include <pthread.h>
#include <stdio.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "../core/error.h"
#include "../core/jsonutil.h"
#include "../core/strbuf.h"
#include "../core/timeutil.h"
#include "accesslog.h"
#include "admission.h"
#include "apidocs.h"
#include "auth.h"
#include "conntrack.h"
#include "oip.h"
#include "openapi.h"
#include "ratelimit.h"
#include "livedrift.h"
#include "mlflow.h"
#include "performance.h"
#include "record.h"
#include "reply.h"
#include "routes.h"
#include "server_impl.h"
#include "serving.h"
#include "shadow.h"

struct request {
	struct strbuf body;
	int too_large;
	uint64_t start;
	struct reply_ctx reply;
	int http11;
	struct conn *conn; /* its connection's deadlines */
	int handled;       /* a handler answered it (not a guard) */
};

/* The request being answered, for the headers every answer carries. */
static _Thread_local const struct request *current;

static enum MHD_Result respond(struct MHD_Connection *c, unsigned status,
			       const char *type, const char *body, size_t len,
			       const char *allow)
{
	return reply_send(current ? &current->reply : NULL, c, status, type,
			  body, len, allow);
}

static enum MHD_Result respond_json(struct MHD_Connection *c, unsigned status,
				    json_t *j, const char *allow)
{
	return reply_json(current ? &current->reply : NULL, c, status, j,
			  allow);
}

static enum MHD_Result respond_preflight(struct MHD_Connection *c,
					 const char *methods)
{
	return reply_preflight(current ? &current->reply : NULL, c, methods);
}

static int authorized(const struct server *s, struct MHD_Connection *c,
		      int health)
{
	if (!s->opts.nkeys)
		return 1;
	if (s->opts.public_health && health)
		return 1;
	return auth_key_ok(s->opts.api_keys, s->opts.nkeys, auth_presented(c));
}

/* The client's address as raw bytes (for the rate limiter's key) and, if
 * text is given, as text (for the access log). */
static size_t client_addr(struct MHD_Connection *c, const void **raw,
			  char *text, size_t textlen)
{
	const union MHD_ConnectionInfo *ci =
		MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	const struct sockaddr *sa = ci ? ci->client_addr : NULL;
	int family = sa ? sa->sa_family : AF_UNSPEC;
	size_t len = 0;

	*raw = "";
	if (family == AF_INET) {
		*raw = &((const struct sockaddr_in *)sa)->sin_addr;
		len = 4;
	} else if (family == AF_INET6) {
		*raw = &((const struct sockaddr_in6 *)sa)->sin6_addr;
		len = 16;
	}
	if (text && textlen) {
		text[0] = '\0';
		if (len)
			inet_ntop(family, *raw, text, (socklen_t)textlen);
	}
	return len;
}

/* The client's token bucket; health checks are never limited. */
static int within_limit(struct server *s, struct MHD_Connection *c,
			const char *url, struct request *req)
{
	const void *key;
	size_t len;
	unsigned after = 1;

	if (!s->limit || strstr(url, "/health/") || !strcmp(url, "/health") ||
	    !strcmp(url, "/ping"))
		return 1;
	len = client_addr(c, &key, NULL, 0);
	if (ratelimit_take(s->limit, key, len, &after))
		return 1;
	snprintf(req->reply.retry_after, sizeof(req->reply.retry_after), "%u", after);
	return 0;
}

/* Overload: more requests under way than --max-in-flight get 503 (health
 * and metrics are still answered: that is when they matter). */
static int overloaded(const struct server *s, int health)
{
	if (!s->opts.max_in_flight || health)
		return 0;
	return server_in_flight(s) > (int64_t)s->opts.max_in_flight;
}

/* admission_check, answered here. */
static unsigned admit(struct MHD_Connection *c, const char *url,
		      const struct request *req)
{
	const char *why = NULL;
	unsigned status = admission_check(c, url, req->http11, req->conn, &why);

	if (!status)
		return 0;
	if (status == 503)
		conntrack_count_refused(req->conn);
	respond_json(c, status, error_json(why), NULL);
	return status;
}

/* Whether the guards treat a URL of route rd as health (OIP's health
 * paths are, like /health/...). */
static int health_url(const struct route_def *rd, const char *url)
{
	if (rd->id == ROUTE_OIP)
		return strstr(url, "/health/") != NULL;
	return (rd->flags & ROUTE_F_HEALTH) != 0;
}

/* The one admission chain every route goes through after the
 * connection checks: API key, method, overload, body size. 0, or the
 * status answered. */
static unsigned guard(struct server *s, struct MHD_Connection *c,
		      const struct route_def *rd, int health,
		      const char *method, const struct request *req)
{
	struct strbuf m = STRBUF_INIT;

	if (!authorized(s, c, health)) {
		respond_json(c, 401, error_json("unauthorized: send an API key "
						"(Authorization: Bearer KEY or "
						"X-API-Key: KEY)"),
			     NULL);
		return 401;
	}
	if (rd->method && strcmp(method, rd->method) &&
	    !(!strcmp(method, "HEAD") && !strcmp(rd->method, "GET"))) {
		respond_json(c, 405, error_json("method not allowed"),
			     rd->method);
		return 405;
	}
	if (overloaded(s, health)) {
		respond_json(c, 503, error_json("overloaded; retry after "
						"Retry-After seconds"),
			     NULL);
		return 503;
	}
	if (!req->too_large)
		return 0;
	strbuf_addf(&m, "the request body is larger than %zu bytes",
		    s->opts.max_body);
	respond_json(c, 413, rd->flags & ROUTE_F_MLFLOW ? mlflow_error(m.buf)
						       : error_json(m.buf),
		     NULL);
	strbuf_release(&m);
	return 413;
}

/* This server's OpenAPI document: what the options change, and every
 * model loaded (sv: the default model, NULL when none). Made for each
 * request from the versions it holds references to, so it is never
 * stale after a load or unload and no reload swaps it under a reader.
 * NULL when no model is loaded. */
static json_t *server_openapi(struct server *s, const struct serving *sv)
{
	struct openapi_opts o = { s->opts.nkeys > 0, s->opts.public_health,
				  s->opts.rate_limit > 0, s->opts.admin_url };
	struct serving **v;
	size_t i, n = models_list(s->models, &v, NULL);
	json_t *doc = openapi_served(v, n, sv ? sv->bm->d->name : NULL, &o);

	for (i = 0; i < n; i++)
		serving_put(v[i]);
	free(v);
	return doc;
}

/* A body sent with a Content-Encoding, decoded in place: 0, or the
 * status answered (413 past --max-body decoded, 415, 400). */
static unsigned decode_body(const struct server *s, struct MHD_Connection *c,
			    const struct route_def *rd, struct request *req)
{
	const char *coding = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
							 "Content-Encoding");
	const char *why;
	unsigned status;

	if (!coding || !req->body.len)
		return 0; /* no body: nothing to decode (a GET) */
	status = encoding_decode(coding, &req->body, s->opts.max_body, &why);
	if (status) /* in the route's protocol: MLflow's for /invocations */
		respond_json(c, status, rd->flags & ROUTE_F_MLFLOW
						? mlflow_error(why)
						: error_json(why), NULL);
	return status;
}

/* The OIP tree; an answer with binary tensors is its JSON header, then
 * their bytes, the header's length in Inference-Header-Content-Length. */
static unsigned answer_oip(struct server *s, const struct serving *sv,
			   struct MHD_Connection *c, const char *url,
			   const char *method, struct request *req)
{
	struct oip_binary bin = { 0 };
	const char *allow = NULL;
	json_t *out = NULL;
	unsigned status;
	char *text;

	bin.header_length = MHD_lookup_connection_value(
		c, MHD_HEADER_KIND, "Inference-Header-Content-Length");
	if (!strncmp(url, "/v2/repository/", 15)) {
		/* Triton's load and unload change the server: admin. */
		respond_json(c, 404, error_json("no such endpoint: load and "
						"unload are on the admin "
						"listener (--admin-listen)"),
			     NULL);
		return 404;
	}
	req->handled = 1;
	status = oip_handle(sv, server_ready_for(s, sv),
			    method, url, strbuf_str(&req->body), req->body.len,
			    &bin, &out, &allow);
	if (status == 405)
		out = error_json("method not allowed");
	else if (!status)
		out = error_json("no such endpoint");
	status = status ? status : 404;
	text = bin.out.len ? json_dumps(out, JSON_COMPACT |
						     JSON_REAL_PRECISION(9))
			   : NULL;
	if (text) {
		snprintf(req->reply.header_length,
			 sizeof(req->reply.header_length), "%zu", strlen(text));
		strbuf_insert(&bin.out, 0, text, strlen(text));
		respond(c, status, "application/octet-stream", bin.out.buf,
			bin.out.len, NULL);
		json_decref(out);
	} else {
		respond_json(c, status, out, status == 405 ? allow : NULL);
	}
	free(text);
	oip_binary_release(&bin);
	return status;
}

/* A CORS preflight (--cors-origin): answered before any key is asked
 * for, as browsers send none with it. */
static int preflight(const struct server *s, struct MHD_Connection *c,
		     const char *method, const struct route_def *rd)
{
	if (!s->opts.ncors || strcmp(method, "OPTIONS") ||
	    !MHD_lookup_connection_value(c, MHD_HEADER_KIND,
					 "Access-Control-Request-Method"))
		return 0;
	respond_preflight(c, !rd->method		      ? "GET, HEAD, POST, OPTIONS"
			     : !strcmp(rd->method, "GET") ? "GET, HEAD, OPTIONS"
							  : "POST, OPTIONS");
	return 1;
}

/* A route answered from the request alone: its handler's status and
 * JSON. */
static unsigned answer_call(struct server *s, struct serving *sv,
			    struct MHD_Connection *c, const char *url,
			    const char *method, struct request *req,
			    const struct route_def *rd)
{
	struct route_call call = {
		sv, &s->opts, url, method,
		MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Type"),
		strbuf_str(&req->body), req->body.len, s->opts.performance
	};
	json_t *out = NULL;
	unsigned status;

	req->handled = 1;
	status = rd->fn(&call, &out);
	respond_json(c, status, out, NULL);
	return status;
}

/* Triton's repository index: POST with an optional {"ready": true}
 * (only the models ready), or GET. */
static unsigned answer_index(struct server *s, struct MHD_Connection *c,
			     const char *method, const struct request *req)
{
	json_t *body = NULL, *ready;
	int get = !strcmp(method, "GET") || !strcmp(method, "HEAD");

	if (!get && strcmp(method, "POST")) {
		respond_json(c, 405, error_json("method not allowed"),
			     "GET, POST");
		return 405;
	}
	if (!get && req->body.len) {
		body = json_loadb(req->body.buf, req->body.len, 0, NULL);
		ready = json_object_get(body, "ready");
		if (!json_is_object(body) || (ready && !json_is_boolean(ready))) {
			json_decref(body);
			respond_json(c, 400, error_json("the body is {} or "
							"{\"ready\": true|false}"),
				     NULL);
			return 400;
		}
	}
	respond_json(c, 200, server_index(s, json_is_true(json_object_get(
						     body, "ready"))),
		     NULL);
	json_decref(body);
	return 200;
}

/* A model's shadow comparison (/shadow, /models/{name}/shadow). */
static unsigned answer_shadow(struct server *s, const struct serving *sv,
			      struct MHD_Connection *c)
{
	json_t *j = server_shadow_json(s, sv->bm->d->name, 0);

	if (!j) {
		respond_json(c, 404, error_json("this model has no shadow "
						"(serve --shadow, or the admin "
						"API's activate with weight "
						"\"shadow\")"),
			     NULL);
		return 404;
	}
	respond_json(c, 200, j, NULL);
	return 200;
}

/* The routes that answer for the server itself (sv: the default
 * model's version, NULL when there is none; a ROUTE_F_MODEL route's
 * model's). */
static unsigned answer_server(struct server *s, struct serving *sv,
			      struct MHD_Connection *c,
			      const struct route_def *rd,
			      const char *method, const struct request *req)
{
	struct strbuf text = STRBUF_INIT;
	unsigned status = 200;
	json_t *doc;

	switch (rd->id) {
	case ROUTE_LIVE:
		respond_json(c, 200, json_pack("{s:b}", "live", 1), NULL);
		return 200;
	case ROUTE_READY:
	case ROUTE_HEALTH:
		/* /health: live and ready in one answer, for load
		 * balancers. */
		doc = server_readiness(s, sv, rd->id == ROUTE_HEALTH, &status);
		respond_json(c, status, doc, NULL);
		return status;
	case ROUTE_REPO_INDEX:
		return answer_index(s, c, method, req);
	case ROUTE_SHADOW:
		return answer_shadow(s, sv, c);
	case ROUTE_METRICS:
		server_metrics_text(s, &text);
		if (s->opts.recorder)
			recorder_metrics(s->opts.recorder, &text);
		if (s->opts.performance)
			perf_watch_metrics(s->opts.performance, &text);
		respond(c, 200, "text/plain; version=0.0.4; charset=utf-8",
			strbuf_str(&text), text.len, NULL);
		break;
	case ROUTE_PING:
		/* MLflow's: a newline when the model is there. */
		if (!server_ready_for(s, sv)) {
			respond_json(c, 503, error_json("not ready"), NULL);
			return 503;
		}
		respond(c, 200, "application/json", "\n", 1, NULL);
		return 200;
	case ROUTE_OPENAPI:
	case ROUTE_DOCS:
		doc = server_openapi(s, sv);
		if (!doc) {
			respond_json(c, 503, error_json("no model is loaded"),
				     NULL);
			return 503;
		}
		if (rd->id == ROUTE_OPENAPI) {
			respond_json(c, 200, doc, NULL);
			return 200;
		}
		apidocs_html(doc, &text);
		respond(c, 200, "text/html; charset=utf-8", strbuf_str(&text),
			text.len, NULL);
		json_decref(doc);
		break;
	case ROUTE_VERSION:
		respond(c, 200, "text/plain; charset=utf-8", MLOPS_LIB_VERSION,
			strlen(MLOPS_LIB_VERSION), NULL);
		return 200;
	default:
		respond_json(c, 500, error_json("unrouted"), NULL);
		return 500;
	}
	strbuf_release(&text);
	return status;
}

/* The request's answer; rd: the route its URL names (NULL: none), pick
 * the version that answers it (or why none does); *route, the route it
 * is counted by (route_resolve's), ROUTE_OTHER when it is not admitted. */
static unsigned answer(struct server *s, const struct model_pick *pick,
		       struct MHD_Connection *c, const char *url,
		       const char *method, struct request *req,
		       const struct route_def *rd, enum route *route)
{
	struct serving *sv = pick->sv;
	enum route resolved = *route; /* counted once the URL is admitted */
	unsigned status;

	*route = ROUTE_OTHER;
	status = admit(c, url, req);
	if (status)
		return status;
	if (!within_limit(s, c, url, req)) {
		respond_json(c, 429, error_json("rate limit exceeded; retry "
						"after Retry-After seconds"),
			     NULL);
		return 429;
	}
	if (!rd) {
		respond_json(c, 404, error_json("no such endpoint"), NULL);
		return 404;
	}
	*route = resolved;
	if (preflight(s, c, method, rd))
		return 204;
	status = guard(s, c, rd, health_url(rd, url), method, req);
	if (!status)
		status = decode_body(s, c, rd, req);
	if (status)
		return status;
	if (!sv && (route_per_model(rd) || (rd->id == ROUTE_OIP &&
					    !strncmp(url, "/v2/models/", 11))) &&
	    !((rd->flags & ROUTE_F_EVERY_MODEL) && pick->status != 404)) {
		/* After the key: who may not ask learns no model names. */
		respond_json(c, pick->status, error_json(pick->why), NULL);
		return pick->status;
	}
	if (rd->id == ROUTE_OIP)
		return answer_oip(s, sv, c, url, method, req);
	if (rd->fn)
		return answer_call(s, sv, c, url, method, req, rd);
	return answer_server(s, sv, c, rd, method, req);
}

/* One JSON line per request (accesslog.h). */
static void access_log(const struct server *s, const struct serving *sv,
		       struct MHD_Connection *c, const struct request *req,
		       const char *method, enum route route, unsigned status,
		       uint64_t ns)
{
	char client[64];
	const void *raw;
	struct access_entry e = { req->reply.id, method,
				  sv ? sv->bm->d->version : "", client, route,
				  status, ns, &req->body,
				  sv ? sv->bm->d->name : "" };
	struct access_log log = { s->opts.log_fd, s->opts.log_payloads,
				  s->opts.redact, s->opts.nredact };

	if (log.fd < 0)
		return;
	client_addr(c, &raw, client, sizeof(client));
	access_log_write(&log, &e);
}

/* A copy of an answered prediction request, and the rows the live
 * version predicted, for the model's shadow (off the request path: it
 * only queues them). Requests a guard answered are not copied. */
static void mirror(struct shadow *sh,
		   const struct request *req, struct MHD_Connection *c,
		   const struct route_def *rd, enum route route,
		   const char *url, const char *method,
		   const struct model_pick *pick, unsigned status,
		   uint64_t ns, struct score_capture *rows)
{
	struct shadow_request r = {
		rd, route, url, method,
		MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Type"),
		MHD_lookup_connection_value(c, MHD_HEADER_KIND,
					    "Inference-Header-Content-Length"),
		strbuf_str(&req->body), req->body.len, pick->sv, status, ns,
		rows,
	};

	if (req->handled)
		shadow_offer(sh, &r);
	score_capture_release(rows);
}

static int served(void *models, const char *name, size_t len)
{
	return models_has(models, name, len);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c,
				  const char *url, const char *method,
				  const char *version, const char *data,
				  size_t *size, void **ctx)
{
	struct server *s = cls;
	struct request *req = *ctx;
	const struct route_def *rd;
	struct route_target t;
	struct model_pick pick;
	struct score_capture rows;
	enum route route;
	unsigned status;
	uint64_t t0;

	if (!req) {
		const char *rid = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
							      "X-Request-Id");

		const union MHD_ConnectionInfo *ci = MHD_get_connection_info(
			c, MHD_CONNECTION_INFO_SOCKET_CONTEXT);

		req = xcalloc(1, sizeof(*req));
		req->start = mono_ns();
		access_request_id(req->reply.id, sizeof(req->reply.id), rid);
		req->http11 = version && !strcmp(version, MHD_HTTP_VERSION_1_1);
		req->conn = ci ? ci->socket_context : NULL;
		req->reply.cors_origin = reply_cors_origin(
			s->opts.cors_origins, s->opts.ncors,
			MHD_lookup_connection_value(c, MHD_HEADER_KIND,
						    "Origin"));
		req->reply.accept = encoding_accepted(MHD_lookup_connection_value(
			c, MHD_HEADER_KIND, "Accept-Encoding"));
		conntrack_headers_done(req->conn);
		*ctx = req;
		__atomic_add_fetch(&s->metrics.in_flight, 1, __ATOMIC_RELAXED);
		return MHD_YES;
	}
	if (*size) {
		conntrack_body(req->conn, *size);
		if (req->body.len + *size > s->opts.max_body)
			req->too_large = 1; /* drain it, keep nothing */
		else
			strbuf_add(&req->body, data, *size);
		*size = 0;
		return MHD_YES;
	}
	conntrack_answering(req->conn);
	current = req;
	score_set_request(req->reply.id);
	rd = route_resolve(url, served, s->models, &t);
	route = !rd ? ROUTE_OTHER : rd->id == ROUTE_OIP ? t.route : rd->id;
	/* The canary takes its share of /predict and /predict/batch; a
	 * shadow gets a copy of every prediction its stable answers. */
	models_pick(s->models, t.name, t.len, t.version, t.vlen,
		    rd && (rd->flags & ROUTE_F_PREDICTION),
		    route_predicts(route), &pick);
	if (pick.shadow)
		score_capture_begin(&rows);
	t0 = mono_ns();
	status = answer(s, &pick, c, url, method, req, rd, &route);
	t0 = mono_ns() - t0;
	score_set_request(NULL);
	current = NULL;
	if (pick.shadow) {
		score_capture_end();
		mirror(pick.shadow, req, c, rd, route, url, method, &pick,
		       status, t0, &rows);
	}
	{
		uint64_t ns = mono_ns() - req->start;

		metrics_request(&s->metrics, pick.sv ? pick.sv->version_slot
						     : server_none_slot(s),
				route, status, ns);
		access_log(s, pick.sv, c, req, method, route, status, ns);
	}
	model_pick_release(&pick);
	/* An error a request left on this pool thread dies with it. */
	mlops_error_thread_exit();
	return MHD_YES;
}

static void on_completed(void *cls, struct MHD_Connection *c, void **ctx,
			 enum MHD_RequestTerminationCode code)
{
	struct server *s = cls;
	struct request *req = *ctx;

	(void)c;
	(void)code;
	if (!req)
		return;
	conntrack_answered(req->conn);
	strbuf_release(&req->body);
	free(req);
	*ctx = NULL;
	__atomic_sub_fetch(&s->metrics.in_flight, 1, __ATOMIC_RELAXED);
}

void server_count_reload(struct server *s, int ok)
{
	__atomic_add_fetch(&s->metrics.reloads[!!ok], 1, __ATOMIC_RELAXED);
}

int server_start(struct server **out, struct serving *sv,
		 const struct server_opts *o)
{
	struct server *s = xcalloc(1, sizeof(*s));
	size_t i;
	int rc = 0;

	*out = NULL;
	s->opts = *o;
	pthread_mutex_init(&s->adopt_lock, NULL);
	s->models = models_new(o->default_model);
	if (sv)
		server_model_put(s, sv);
	s->metrics.start_time = (double)time(NULL);
	if (o->rate_limit > 0)
		s->limit = ratelimit_new(o->rate_limit,
					 o->burst > 0 ? o->burst : o->rate_limit);
	for (i = 0; i < o->nlisten && i < MAX_LISTEN && !rc; i++) {
		struct conntrack_opts co = {
			o->max_connections ? o->max_connections : 1024,
			o->request_timeout, o->min_rate,
		};
		struct sockaddr_storage ss;
		socklen_t len;
		int v6 = 0;
		const union MHD_DaemonInfo *info;
		unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL;

		rc = server_parse_listen(o->listen[i], &ss, &len, &v6);
		if (rc)
			break;
		if (v6)
			flags |= MHD_USE_IPv6;
		if (o->tls_cert && o->tls_key)
			flags |= MHD_USE_TLS;
		s->ct[i] = conntrack_new(&co);
		if (!s->ct[i]) {
			rc = mlops_error_set(MLOPS_EIO, "cannot start the "
					     "connection watchdog");
			break;
		}
		s->d[i] = MHD_start_daemon(
			flags, 0, NULL, NULL, on_request, s,
			MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
			MHD_OPTION_THREAD_POOL_SIZE,
			(unsigned int)(o->threads ? o->threads : 2),
			MHD_OPTION_CONNECTION_TIMEOUT,
			(unsigned int)(o->conn_timeout ? o->conn_timeout : 30),
			/* A reserve above --max-connections: those are
			 * answered 503, health and metrics still served. */
			MHD_OPTION_CONNECTION_LIMIT,
			(unsigned int)(o->max_connections ? o->max_connections
							  : 1024) + 64,
			MHD_OPTION_PER_IP_CONNECTION_LIMIT,
			(unsigned int)o->max_per_ip,
			MHD_OPTION_CONNECTION_MEMORY_LIMIT,
			(size_t)ADMISSION_CONN_MEMORY,
			MHD_OPTION_NOTIFY_COMPLETED, on_completed, s,
			MHD_OPTION_NOTIFY_CONNECTION, admission_track, s->ct[i],
			/* Ignored without MHD_USE_TLS. */
			MHD_OPTION_HTTPS_MEM_CERT, o->tls_cert ? o->tls_cert : "",
			MHD_OPTION_HTTPS_MEM_KEY, o->tls_key ? o->tls_key : "",
			MHD_OPTION_END);
		if (!s->d[i]) {
			rc = mlops_error_errno(MLOPS_EIO, errno ? errno : EADDRINUSE,
					       "cannot listen on %s",
					       o->listen[i]);
			break;
		}
		info = MHD_get_daemon_info(s->d[i], MHD_DAEMON_INFO_BIND_PORT);
		s->port[i] = info ? info->port : 0;
		s->n++;
	}
	if (rc) {
		server_stop(s, 0);
		return rc;
	}
	*out = s;
	return 0;
}

void server_set_ready(struct server *s, int ready)
{
	__atomic_store_n(&s->ready, ready, __ATOMIC_RELEASE);
}

unsigned server_port(const struct server *s, size_t i)
{
	return i < s->n ? s->port[i] : 0;
}

int64_t server_in_flight(const struct server *s)
{
	return __atomic_load_n(&s->metrics.in_flight, __ATOMIC_RELAXED);
}

void server_stop(struct server *s, unsigned drain_ms)
{
	size_t i;
	unsigned waited = 0;

	if (!s)
		return;
	server_set_ready(s, 0);
	/* No new connections; requests under way may finish. */
	for (i = 0; i < s->n; i++) {
		MHD_socket fd = MHD_quiesce_daemon(s->d[i]);

		if (fd != MHD_INVALID_SOCKET)
			close(fd);
	}
	while (server_in_flight(s) > 0 && waited < drain_ms) {
		usleep(10000);
		waited += 10;
	}
	for (i = 0; i < MAX_LISTEN; i++)
		if (s->d[i])
			MHD_stop_daemon(s->d[i]);
	for (i = 0; i < MAX_LISTEN; i++)
		conntrack_free(s->ct[i]);
	ratelimit_free(s->limit);
	models_free(s->models);
	pthread_mutex_destroy(&s->adopt_lock);
	free(s);
}
