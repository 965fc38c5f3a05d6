#include "metrics.h"

#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <time.h>
#include <dirent.h>
#include <unistd.h>

/* Seconds: 50 us .. 5 s. Rows: 1 .. 8192. */
static const double latency_bounds[LATENCY_BUCKETS] = {
	0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005,
	0.01,    0.025,  0.05,    0.1,    0.5,   1.0,    5.0,
};
static const double rows_bounds[LATENCY_BUCKETS] = {
	1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096, 8192,
};

static const unsigned slot_status[S_COUNT] = { 200, 400, 401, 404, 405, 413,
					       422, 429, 500, 503, 204, 415,
					       0 };

const char *route_name(enum route r)
{
	static const char *const names[ROUTE_COUNT] = {
		[ROUTE_PREDICT] = "/predict",
		[ROUTE_BATCH] = "/predict/batch",
		[ROUTE_LIVE] = "/health/live",
		[ROUTE_READY] = "/health/ready",
		[ROUTE_INFO] = "/model/info",
		[ROUTE_METRICS] = "/metrics",
		[ROUTE_DRIFT] = "/drift",
		[ROUTE_OIP] = "/v2",
		[ROUTE_OTHER] = "other",
		[ROUTE_HEALTH] = "/health",
		[ROUTE_OIP_LIVE] = "/v2/health/live",
		[ROUTE_OIP_READY] = "/v2/health/ready",
		[ROUTE_OIP_MODEL] = "/v2/models/{name}",
		[ROUTE_OIP_MODEL_READY] = "/v2/models/{name}/ready",
		[ROUTE_OIP_INFER] = "/v2/models/{name}/infer",
		[ROUTE_INVOCATIONS] = "/invocations",
		[ROUTE_PING] = "/ping",
		[ROUTE_VERSION] = "/version",
		[ROUTE_OPENAPI] = "/openapi.json",
		[ROUTE_EXPLAIN] = "/explain",
		[ROUTE_OIP_EXPLAIN] = "/v2/models/{name}/explain",
		[ROUTE_DOCS] = "/docs",
		[ROUTE_FEEDBACK] = "/feedback",
		[ROUTE_PERFORMANCE] = "/performance",
		[ROUTE_REPO_INDEX] = "/v2/repository/index",
		[ROUTE_SHADOW] = "/shadow",
	};

	return names[r];
}

unsigned metrics_slot_status(enum status_slot s)
{
	return s < S_COUNT ? slot_status[s] : 0;
}

enum status_slot status_slot(unsigned status)
{
	int i;

	for (i = 0; i < S_OTHER; i++)
		if (slot_status[i] == status)
			return (enum status_slot)i;
	return S_OTHER;
}

void metrics_observe(struct histogram *h, uint64_t v, int is_rows)
{
	const double *b = is_rows ? rows_bounds : latency_bounds;
	double x = is_rows ? (double)v : (double)v / 1e9;
	int i;

	for (i = 0; i < LATENCY_BUCKETS; i++)
		if (x <= b[i]) {
			__atomic_add_fetch(&h->buckets[i], 1, __ATOMIC_RELAXED);
			break;
		}
	__atomic_add_fetch(&h->count, 1, __ATOMIC_RELAXED);
	__atomic_add_fetch(&h->sum_ns, v, __ATOMIC_RELAXED);
}

unsigned metrics_version(struct metrics *m, const char *model,
			 const char *version)
{
	return metrics_version_reusing(m, model, version, NULL);
}

unsigned metrics_version_reusing(struct metrics *m, const char *model,
				 const char *version, const unsigned char *busy)
{
	unsigned i, n = __atomic_load_n(&m->nversions, __ATOMIC_ACQUIRE);
	const struct version_metrics *same = NULL;
	struct version_metrics *v;

	for (i = 0; i < n; i++) {
		if (strcmp(m->versions[i].model, model))
			continue;
		if (!strcmp(m->versions[i].version, version))
			return i;
		if (m->versions[i].npred_edges)
			same = &m->versions[i];
	}
	if (n == METRIC_VERSIONS) {
		/* Full: a version no longer served gives its slot up (busy
		 * says which are); else the last slot is recycled. Either
		 * way its counters restart under the new labels. */
		for (i = 0; busy && i < METRIC_VERSIONS && busy[i]; i++)
			;
		n = busy && i < METRIC_VERSIONS ? i : METRIC_VERSIONS - 1;
	}
	v = &m->versions[n];
	if (same == v)
		same = NULL;
	memset(v, 0, offsetof(struct version_metrics, pred_edges));
	snprintf(v->model, sizeof(v->model), "%s", model);
	snprintf(v->version, sizeof(v->version), "%s", version);
	if (same)
		memcpy(v->pred_edges, same->pred_edges, sizeof(v->pred_edges));
	__atomic_store_n(&v->npred_edges, same ? same->npred_edges : 0,
			 __ATOMIC_RELEASE);
	if (n + 1 > __atomic_load_n(&m->nversions, __ATOMIC_RELAXED))
		__atomic_store_n(&m->nversions, n + 1, __ATOMIC_RELEASE);
	return n;
}

int route_predicts(enum route r)
{
	return r == ROUTE_PREDICT || r == ROUTE_BATCH ||
	       r == ROUTE_OIP_INFER || r == ROUTE_INVOCATIONS;
}

void metrics_request(struct metrics *m, unsigned version, enum route r,
		     unsigned status, uint64_t ns)
{
	if (version >= METRIC_VERSIONS)
		version = METRIC_VERSIONS - 1;
	__atomic_add_fetch(&m->versions[version].requests[r][status_slot(status)],
			   1, __ATOMIC_RELAXED);
	metrics_observe(&m->request_seconds[r], ns, 0);
	if (route_predicts(r))
		metrics_observe(&m->versions[version].latency, ns, 0);
}

void metrics_prediction_edges(struct metrics *m, unsigned version,
			      const double *edges, size_t n)
{
	struct version_metrics *vm;
	size_t i, k = 0;

	if (version >= METRIC_VERSIONS)
		return;
	vm = &m->versions[version];
	if (vm->npred_edges)
		return;
	for (i = 0; i < n && k < PRED_BUCKETS; i++)
		if (!k || edges[i] > vm->pred_edges[k - 1])
			vm->pred_edges[k++] = edges[i];
	__atomic_store_n(&vm->npred_edges, (unsigned)k, __ATOMIC_RELEASE);
}

void metrics_predictions(struct metrics *m, unsigned version,
			 const double *v, size_t n)
{
	uint64_t counts[PRED_BUCKETS + 1] = { 0 };
	struct version_metrics *vm;
	int64_t sum = 0;
	unsigned ne;
	size_t i;

	if (version >= METRIC_VERSIONS)
		version = METRIC_VERSIONS - 1;
	vm = &m->versions[version];
	ne = __atomic_load_n(&vm->npred_edges, __ATOMIC_ACQUIRE);
	if (!ne)
		return;
	/* Counted here, added once a bucket: a batch of 100 rows costs a
	 * few atomic adds, not 200. */
	for (i = 0; i < n; i++) {
		unsigned lo = 0, hi = ne;

		/* The first edge >= v (le semantics); ne: +Inf. */
		while (lo < hi) {
			unsigned mid = (lo + hi) / 2;

			if (v[i] <= vm->pred_edges[mid])
				hi = mid;
			else
				lo = mid + 1;
		}
		counts[lo]++;
		if (v[i] == v[i] && fabs(v[i]) < 1e12)
			sum += (int64_t)llround(v[i] * 1e6);
	}
	for (i = 0; i <= ne; i++)
		if (counts[i])
			__atomic_add_fetch(&vm->predictions[i], counts[i],
					   __ATOMIC_RELAXED);
	__atomic_add_fetch(&vm->prediction_sum_micro, sum, __ATOMIC_RELAXED);
	__atomic_add_fetch(&vm->npredictions, n, __ATOMIC_RELAXED);
}

void metrics_prediction_totals(const struct metrics *m, const char *model,
			       struct prediction_totals *t)
{
	unsigned nv = __atomic_load_n(&m->nversions, __ATOMIC_ACQUIRE), v, i;
	int r;

	memset(t, 0, sizeof(*t));
	for (v = 0; v < nv && v < METRIC_VERSIONS; v++) {
		const struct version_metrics *vm = &m->versions[v];

		if (model && strcmp(vm->model, model))
			continue;
		for (r = 0; r < ROUTE_COUNT; r++) {
			if (!route_predicts((enum route)r))
				continue;
			for (i = 0; i < S_COUNT; i++) {
				uint64_t n = __atomic_load_n(&vm->requests[r][i],
							     __ATOMIC_RELAXED);

				t->requests += n;
				if (i == S500 || i == S503)
					t->errors += n;
			}
		}
		for (i = 0; i < LATENCY_BUCKETS; i++)
			t->latency[i] += __atomic_load_n(&vm->latency.buckets[i],
							 __ATOMIC_RELAXED);
		t->latency_count += __atomic_load_n(&vm->latency.count,
						    __ATOMIC_RELAXED);
	}
	t->reloads_failed = __atomic_load_n(&m->reloads[0], __ATOMIC_RELAXED);
}

double metrics_latency_quantile_ms(const uint64_t *buckets, uint64_t count,
				   double q)
{
	double rank = q * (double)count, cum = 0, lo = 0;
	int i;

	if (!count)
		return NAN;
	for (i = 0; i < LATENCY_BUCKETS; i++) {
		double n = (double)buckets[i];

		if (cum + n >= rank && n > 0)
			return (lo + (latency_bounds[i] - lo) * (rank - cum) / n) *
			       1e3;
		cum += n;
		lo = latency_bounds[i];
	}
	/* Beyond the last bound: the bound is all that is known. */
	return latency_bounds[LATENCY_BUCKETS - 1] * 1e3;
}

/* model="NAME",model_version="VERSION": a version's labels. */
static void version_labels(char *buf, size_t len,
			   const struct version_metrics *vm)
{
	snprintf(buf, len, "model=\"%s\",model_version=\"%s\"", vm->model,
		 vm->version);
}

/* Per version: latency of the prediction routes, and the predictions. */
static void render_versions(const struct metrics *m, unsigned nv,
			    struct strbuf *o)
{
	unsigned v, i, ne, any = 0;
	char labels[256];

	strbuf_addstr(o, "# HELP mlops_version_request_duration_seconds Time "
			 "from request to response of /predict and "
			 "/predict/batch, by the version that answered.\n"
			 "# TYPE mlops_version_request_duration_seconds "
			 "histogram\n");
	for (v = 0; v < nv; v++) {
		version_labels(labels, sizeof(labels), &m->versions[v]);
		metrics_histogram(o, "mlops_version_request_duration_seconds", labels,
			  &m->versions[v].latency, 0);
	}
	for (v = 0; v < nv; v++) {
		const struct version_metrics *vm = &m->versions[v];
		uint64_t cum = 0;

		ne = __atomic_load_n(&vm->npred_edges, __ATOMIC_ACQUIRE);
		if (!ne)
			continue;
		if (!any++)
			strbuf_addstr(o, "# HELP mlops_predictions Predictions "
					 "made (the score, or the class index), "
					 "by version.\n"
					 "# TYPE mlops_predictions histogram\n");
		version_labels(labels, sizeof(labels), vm);
		for (i = 0; i <= ne; i++) {
			cum += __atomic_load_n(&vm->predictions[i],
					       __ATOMIC_RELAXED);
			if (i < ne)
				strbuf_addf(o, "mlops_predictions_bucket{%s,"
					    "le=\"%.9g\"} %llu\n", labels,
					    vm->pred_edges[i],
					    (unsigned long long)cum);
			else
				strbuf_addf(o, "mlops_predictions_bucket{%s,"
					    "le=\"+Inf\"} %llu\n", labels,
					    (unsigned long long)cum);
		}
		strbuf_addf(o, "mlops_predictions_sum{%s} %.6f\n", labels,
			    (double)__atomic_load_n(&vm->prediction_sum_micro,
						    __ATOMIC_RELAXED) / 1e6);
		strbuf_addf(o, "mlops_predictions_count{%s} %llu\n", labels,
			    (unsigned long long)cum);
	}
}

void metrics_label(struct strbuf *o, const char *v)
{
	for (; *v; v++) {
		if (*v == '\\' || *v == '"')
			strbuf_addch(o, '\\');
		if (*v == '\n')
			strbuf_addstr(o, "\\n");
		else
			strbuf_addch(o, *v);
	}
}

void metrics_histogram(struct strbuf *o, const char *name,
		       const char *labels, const struct histogram *h, int is_rows)
{
	const double *b = is_rows ? rows_bounds : latency_bounds;
	uint64_t cum = 0, sum;
	int i;

	for (i = 0; i < LATENCY_BUCKETS; i++) {
		cum += __atomic_load_n(&h->buckets[i], __ATOMIC_RELAXED);
		strbuf_addf(o, "%s_bucket{%s%sle=\"%g\"} %llu\n", name, labels,
			    *labels ? "," : "", b[i], (unsigned long long)cum);
	}
	strbuf_addf(o, "%s_bucket{%s%sle=\"+Inf\"} %llu\n", name, labels,
		    *labels ? "," : "",
		    (unsigned long long)__atomic_load_n(&h->count,
							__ATOMIC_RELAXED));
	sum = __atomic_load_n(&h->sum_ns, __ATOMIC_RELAXED);
	strbuf_addf(o, "%s_sum{%s} %.9g\n", name, labels,
		    is_rows ? (double)sum : (double)sum / 1e9);
	strbuf_addf(o, "%s_count{%s} %llu\n", name, labels,
		    (unsigned long long)__atomic_load_n(&h->count,
							__ATOMIC_RELAXED));
}

static long open_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	long n = 0;

	if (!d)
		return -1;
	while (readdir(d))
		n++;
	closedir(d);
	return n - 3; /* ".", ".." and the one opendir holds */
}

static long rss_bytes(void)
{
	FILE *f = fopen("/proc/self/statm", "r");
	long pages = 0, rss = 0;

	if (f) {
		if (fscanf(f, "%ld %ld", &pages, &rss) != 2)
			rss = 0;
		fclose(f);
	}
	return rss * sysconf(_SC_PAGESIZE);
}

void metrics_render(const struct metrics *m, struct strbuf *o,
		    const struct metrics_model *models, size_t nmodels)
{
	struct rusage ru;
	unsigned v, nv = __atomic_load_n(&m->nversions, __ATOMIC_ACQUIRE);
	size_t k;
	int r, s;

	strbuf_addstr(o, "# HELP mlops_requests_total HTTP requests answered, "
			 "by route and status.\n"
			 "# TYPE mlops_requests_total counter\n");
	for (v = 0; v < nv; v++)
	for (r = 0; r < ROUTE_COUNT; r++)
		for (s = 0; s < S_COUNT; s++) {
			uint64_t n = __atomic_load_n(
				&m->versions[v].requests[r][s],
				__ATOMIC_RELAXED);

			if (!n)
				continue;
			{
				char status[12];

				if (s == S_OTHER)
					snprintf(status, sizeof(status), "other");
				else
					snprintf(status, sizeof(status), "%u",
						 slot_status[s]);
				strbuf_addf(o, "mlops_requests_total{route=\"%s\","
					    "status=\"%s\",model=\"%s\","
					    "model_version=\"%s\"} %llu\n",
					    route_name((enum route)r), status,
					    m->versions[v].model,
					    m->versions[v].version,
					    (unsigned long long)n);
			}
		}
	strbuf_addstr(o, "# HELP mlops_request_duration_seconds Time from "
			 "request to response.\n"
			 "# TYPE mlops_request_duration_seconds histogram\n");
	for (r = 0; r < ROUTE_COUNT; r++) {
		char labels[64];

		if (!__atomic_load_n(&m->request_seconds[r].count,
				     __ATOMIC_RELAXED))
			continue;
		snprintf(labels, sizeof(labels), "route=\"%s\"",
			 route_name((enum route)r));
		metrics_histogram(o, "mlops_request_duration_seconds", labels,
			  &m->request_seconds[r], 0);
	}
	render_versions(m, nv, o);
	strbuf_addstr(o, "# HELP mlops_model_duration_seconds Time in the "
			 "model per call.\n"
			 "# TYPE mlops_model_duration_seconds histogram\n");
	metrics_histogram(o, "mlops_model_duration_seconds", "", &m->model_seconds, 0);
	strbuf_addstr(o, "# HELP mlops_batch_rows Rows per model call.\n"
			 "# TYPE mlops_batch_rows histogram\n");
	metrics_histogram(o, "mlops_batch_rows", "", &m->batch_rows, 1);
	strbuf_addf(o, "# HELP mlops_requests_in_flight Requests being "
		    "answered.\n# TYPE mlops_requests_in_flight gauge\n"
		    "mlops_requests_in_flight %lld\n",
		    (long long)__atomic_load_n(&m->in_flight, __ATOMIC_RELAXED));
	strbuf_addf(o, "# HELP mlops_rows_predicted_total Rows scored.\n"
		    "# TYPE mlops_rows_predicted_total counter\n"
		    "mlops_rows_predicted_total %llu\n",
		    (unsigned long long)__atomic_load_n(&m->rows_predicted,
							__ATOMIC_RELAXED));
	strbuf_addf(o, "# HELP mlops_rows_invalid_total Rows refused by the "
		    "data contract.\n# TYPE mlops_rows_invalid_total counter\n"
		    "mlops_rows_invalid_total %llu\n",
		    (unsigned long long)__atomic_load_n(&m->rows_invalid,
							__ATOMIC_RELAXED));
	strbuf_addstr(o, "# HELP mlops_model_load_seconds Time to load and "
			 "warm up the model.\n"
			 "# TYPE mlops_model_load_seconds gauge\n");
	for (k = 0; k < nmodels; k++)
		strbuf_addf(o, "mlops_model_load_seconds{model=\"%s\"} %.6f\n",
			    models[k].name, models[k].load_seconds);
	strbuf_addf(o, "# HELP mlops_model_reloads_total Loads after the start "
		    "(SIGHUP, the admin API), by result.\n# TYPE mlops_model_reloads_total counter\n"
		    "mlops_model_reloads_total{result=\"failure\"} %llu\n"
		    "mlops_model_reloads_total{result=\"success\"} %llu\n",
		    (unsigned long long)__atomic_load_n(&m->reloads[0],
							__ATOMIC_RELAXED),
		    (unsigned long long)__atomic_load_n(&m->reloads[1],
							__ATOMIC_RELAXED));
	strbuf_addstr(o, "# HELP mlops_model_info The models being served.\n"
			 "# TYPE mlops_model_info gauge\n");
	for (k = 0; k < nmodels; k++)
		strbuf_addf(o, "mlops_model_info{name=\"%s\",version=\"%s\","
			    "digest=\"%s\"} 1\n", models[k].name,
			    models[k].version, models[k].digest);
	getrusage(RUSAGE_SELF, &ru);
	strbuf_addf(o, "# HELP process_cpu_seconds_total CPU time used.\n"
		    "# TYPE process_cpu_seconds_total counter\n"
		    "process_cpu_seconds_total %.3f\n",
		    (double)ru.ru_utime.tv_sec + (double)ru.ru_stime.tv_sec +
			    (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) /
				    1e6);
	strbuf_addf(o, "# HELP process_resident_memory_bytes Resident memory.\n"
		    "# TYPE process_resident_memory_bytes gauge\n"
		    "process_resident_memory_bytes %ld\n", rss_bytes());
	strbuf_addf(o, "# HELP process_open_fds Open file descriptors.\n"
		    "# TYPE process_open_fds gauge\nprocess_open_fds %ld\n",
		    open_fds());
	strbuf_addf(o, "# HELP process_start_time_seconds Start time since the "
		    "epoch.\n# TYPE process_start_time_seconds gauge\n"
		    "process_start_time_seconds %.3f\n", m->start_time);
}
