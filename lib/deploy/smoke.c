#include "smoke.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../core/error.h"
#include "../core/jsonutil.h"
#include "../core/strbuf.h"
#include "../core/timeutil.h"
#include "../registry/http.h"

#define BACKOFF_MAX_MS 5000.0

static int retryable(int rc, long status)
{
	return rc < 0 || status == 429 || status == 502 || status == 503 ||
	       status == 504;
}

static void why(struct smoke_result *r, const char *fmt, ...)
	MLOPS_PRINTF(2, 3);
static void why(struct smoke_result *r, const char *fmt, ...)
{
	struct strbuf sb = STRBUF_INIT;
	va_list ap;

	if (r->why)
		return;
	va_start(ap, fmt);
	strbuf_vaddf(&sb, fmt, ap);
	va_end(ap);
	r->why = strbuf_detach(&sb);
}

/* The answer against `expect`: status, prediction, probability. */
static void check(const struct smoke_test *t, struct smoke_result *r,
		  const struct http_resp *resp)
{
	const json_t *want_status = json_object_get(t->expect, "status");
	const json_t *want_pred = json_object_get(t->expect, "prediction");
	const json_t *want_prob = json_object_get(t->expect, "probability");
	json_t *got = json_loadb(resp->body.buf ? resp->body.buf : "",
				 resp->body.len, 0, NULL);
	long want = want_status ? (long)json_integer_value(want_status) : 200;

	if (r->status != want) {
		why(r, "HTTP %ld, expected %ld", r->status, want);
	} else if (want == 200 && !json_is_object(got)) {
		why(r, "the answer is not a JSON object");
	} else if (want == 200) {
		const json_t *p = json_object_get(got, "prediction");
		const json_t *q = json_object_get(got, "probability");

		if (want_pred && !json_equal(p, (json_t *)want_pred) &&
		    !(json_is_number(p) && json_is_number(want_pred) &&
		      fabs(json_number_value(p) - json_number_value(want_pred)) <=
			      t->tolerance)) {
			char *g = p ? json_dumps(p, JSON_ENCODE_ANY | JSON_COMPACT)
				    : NULL;
			char *w = json_dumps(want_pred,
					     JSON_ENCODE_ANY | JSON_COMPACT);

			why(r, "prediction %.40s, expected %.40s",
			    g ? g : "missing", w ? w : "?");
			free(g);
			free(w);
		}
		else if (want_prob && (!json_is_number(q) ||
				       fabs(json_number_value(q) -
					    json_number_value(want_prob)) >
					       t->tolerance))
			why(r, "probability %.6g, expected %.6g +- %g",
			    json_is_number(q) ? json_number_value(q) : NAN,
			    json_number_value(want_prob), t->tolerance);
	}
	if (t->max_latency_ms > 0 && r->latency_ms > t->max_latency_ms)
		why(r, "took %.1f ms, the budget is %g ms", r->latency_ms,
		    t->max_latency_ms);
	json_decref(got);
}

static void run_one(CURL *curl, const char *url, const struct smoke_test *t,
		    const struct smoke_opts *o, struct smoke_result *r)
{
	json_t *body = json_pack("{s:O}", "features", t->features);
	char *text = json_dumps(body, JSON_COMPACT);
	struct strbuf auth = STRBUF_INIT;
	const char *headers[] = { "Content-Type: application/json", NULL };
	struct http_resp resp = { 0 };
	struct http_req req = { 0 };
	double timeout_ms = (o->timeout_s > 0 ? o->timeout_s : 30) * 1000;
	double wait = o->backoff_ms > 0 ? o->backoff_ms : 100;
	uint64_t start = mono_ns();
	int rc;

	if (o->api_key)
		strbuf_addf(&auth, "Bearer %s", o->api_key);
	req.method = "POST";
	req.url = url;
	req.headers = headers;
	req.authorization = o->api_key ? auth.buf : NULL;
	req.body = text;
	req.body_len = strlen(text);
	req.body_fd = -1;
	req.cainfo = o->cainfo;
	for (;;) {
		double left = timeout_ms - (double)(mono_ns() - start) / 1e6;
		uint64_t t0 = mono_ns();

		req.timeout_ms = left > 1 ? (long)left : 1;
		r->attempts++;
		rc = http_perform(curl, &req, &resp);
		r->latency_ms = (double)(mono_ns() - t0) / 1e6;
		r->status = rc < 0 ? 0 : resp.status;
		if (!retryable(rc, r->status))
			break;
		left = timeout_ms - (double)(mono_ns() - start) / 1e6;
		if (left <= wait) {
			if (rc < 0)
				why(r, "no answer in %.0f s (%u attempt%s): %s",
				    timeout_ms / 1000, r->attempts,
				    plural(r->attempts),
				    mlops_error_last()->message);
			else
				why(r, "HTTP %ld after %u attempt%s in %.0f s",
				    r->status, r->attempts, plural(r->attempts),
				    timeout_ms / 1000);
			mlops_error_clear();
			goto done;
		}
		mlops_error_clear();
		sleep_ms(wait);
		wait = fmin(wait * 2, BACKOFF_MAX_MS);
	}
	r->reached = 1;
	check(t, r, &resp);
done:
	r->passed = !r->why;
	http_resp_release(&resp);
	strbuf_release(&auth);
	free(text);
	json_decref(body);
}

size_t smoke_run(const char *base_url, const struct descriptor *d,
		 const struct smoke_opts *o, struct smoke_result **out)
{
	struct strbuf url = STRBUF_INIT;
	CURL *curl = curl_easy_init();
	size_t i, failed = 0, n = strlen(base_url);

	*out = xcalloc(d->nsmoke ? d->nsmoke : 1, sizeof(**out));
	strbuf_add(&url, base_url, n && base_url[n - 1] == '/' ? n - 1 : n);
	strbuf_addstr(&url, "/predict");
	for (i = 0; i < d->nsmoke; i++) {
		(*out)[i].name = d->smoke[i].name;
		run_one(curl, url.buf, &d->smoke[i], o, &(*out)[i]);
		failed += !(*out)[i].passed;
	}
	curl_easy_cleanup(curl);
	strbuf_release(&url);
	return failed;
}

void smoke_results_free(struct smoke_result *r, size_t n)
{
	size_t i;

	for (i = 0; r && i < n; i++)
		free(r[i].why);
	free(r);
}

const char *smoke_env_api_key(void)
{
	const char *key = getenv("MLOPS_API_KEY");

	return key && *key ? key : NULL;
}
