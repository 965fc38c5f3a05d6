/* Canary analysis: reading a server's /metrics text, the p99 and PSI
 * made of it, and each check of canary_judge. */
#include <string.h>

#include "../../lib/core/error.h"
#include "../../lib/deploy/canary.h"
#include "tap.h"

static const char metrics_before[] =
	"# HELP mlops_requests_total HTTP requests answered.\n"
	"# TYPE mlops_requests_total counter\n"
	"mlops_requests_total{route=\"/predict\",status=\"200\",model_version=\"1.0\"} 100\n"
	"mlops_requests_total{route=\"/predict\",status=\"200\",model_version=\"2.0\"} 10\n"
	"mlops_requests_total{route=\"/metrics\",status=\"200\",model_version=\"2.0\"} 999\n"
	"mlops_version_request_duration_seconds_bucket{model_version=\"2.0\",le=\"0.001\"} 10\n"
	"mlops_version_request_duration_seconds_bucket{model_version=\"2.0\",le=\"0.01\"} 10\n"
	"mlops_version_request_duration_seconds_bucket{model_version=\"2.0\",le=\"+Inf\"} 10\n";

/* 100 more canary requests: 90 under 1 ms, 10 between 1 and 10 ms; 5
 * answered 500, 3 answered 401 (the client's fault, not counted). */
static const char metrics_after[] =
	"mlops_requests_total{route=\"/predict\",status=\"200\",model_version=\"1.0\"} 500\n"
	"mlops_requests_total{route=\"/predict\",status=\"200\",model_version=\"2.0\"} 102\n"
	"mlops_requests_total{route=\"/predict/batch\",status=\"500\",model_version=\"2.0\"} 5\n"
	"mlops_requests_total{route=\"/predict\",status=\"401\",model_version=\"2.0\"} 3\n"
	"mlops_version_request_duration_seconds_bucket{model_version=\"2.0\",le=\"0.001\"} 100\n"
	"mlops_version_request_duration_seconds_bucket{model_version=\"2.0\",le=\"0.01\"} 110\n"
	"mlops_version_request_duration_seconds_bucket{model_version=\"2.0\",le=\"+Inf\"} 110 1700000000\n";

/* A shadow's two sides (serve --shadow's mlops_shadow_* series). */
static const char shadow_metrics[] =
	"mlops_shadow_rows_total{model=\"m\"} 200\n"
	"mlops_shadow_rows_agreed_total{model=\"m\"} 180\n"
	"mlops_shadow_answers_total{model=\"m\",side=\"live\",status=\"200\"} 50\n"
	"mlops_shadow_answers_total{model=\"m\",side=\"shadow\",status=\"200\"} 48\n"
	"mlops_shadow_answers_total{model=\"m\",side=\"shadow\",status=\"500\"} 2\n"
	"mlops_shadow_duration_seconds_bucket{model=\"m\",side=\"live\",le=\"+Inf\"} 50\n"
	"mlops_shadow_predictions_bucket{model=\"m\",side=\"shadow\",le=\"0.5\"} 120\n"
	"mlops_shadow_predictions_bucket{model=\"m\",side=\"shadow\",le=\"+Inf\"} 200\n"
	"mlops_requests_total{route=\"/predict\",status=\"200\",model_version=\"2.0\"} 7\n";

static void shadow_checks(struct environment *e)
{
	struct version_stats live = { 0 }, sh = { 0 };
	struct canary_verdict v;

	ok(shadow_scrape(shadow_metrics, strlen(shadow_metrics), "live",
			 &live) == 0 &&
	   shadow_scrape(shadow_metrics, strlen(shadow_metrics), "shadow",
			 &sh) == 0, "shadow: both sides scraped");
	is_num(live.requests, 50, 0, "the live side: its answers");
	is_num(sh.requests, 50, 0, "the shadow side: its answers");
	is_num(sh.errors, 2, 0, "the shadow's 500s are its errors");
	is_num(sh.rows, 200, 0, "rows compared (the shadow side)");
	is_num(sh.agreed, 180, 0, "rows agreed");
	is_num(live.rows, 0, 0, "not on the live side");
	is_int(sh.npred, 2, "the shadow's predictions histogram");
	e->max_error_rate = 0.1;
	e->min_requests = 10;
	e->min_agreement = -1;
	shadow_judge(e, &live, &sh, &v);
	ok(v.passed, "no min_agreement: judged as a canary, passes");
	is_num(v.agreement, 0.9, 1e-12, "agreement 180 of 200");
	e->min_agreement = 0.95;
	shadow_judge(e, &live, &sh, &v);
	ok(!v.passed && strstr(v.why, "agreement 90.00% of 200 rows, below "
			       "min_agreement (95.00%)"),
	   "min_agreement 0.95: fails (%s)", v.why);
	e->min_agreement = 0.9;
	shadow_judge(e, &live, &sh, &v);
	ok(v.passed, "min_agreement 0.9: passes");
	sh.rows = sh.agreed = 0;
	shadow_judge(e, &live, &sh, &v);
	ok(!v.passed && strstr(v.why, "no row compared"),
	   "no row compared: cannot judge the agreement");
	e->max_error_rate = 0.01;
	sh.rows = 200;
	sh.agreed = 200;
	shadow_judge(e, &live, &sh, &v);
	ok(!v.passed && strstr(v.why, "error rate 4.00%"),
	   "the canary's checks first: the shadow's errors");
}

int main(void)
{
	struct version_stats b = { 0 }, a = { 0 }, s = { 0 }, c = { 0 };
	struct environment e;
	struct canary_verdict v;

	ok(canary_scrape(metrics_before, strlen(metrics_before), "2.0", &b) == 0,
	   "scrape: before");
	ok(canary_scrape(metrics_after, strlen(metrics_after), "2.0", &a) == 0,
	   "scrape: after (a timestamp is allowed)");
	is_num(b.requests, 10, 0, "only prediction routes count");
	canary_delta(&a, &b);
	is_num(a.requests, 100, 0, "the step: 100 requests");
	is_num(a.errors, 5, 0, "5 errors: 500 counts, 401 does not");
	is_int(a.nlat, 3, "three latency buckets");
	is_num(a.lat_cum[2], 100, 0, "bucket deltas");
	ok(canary_scrape("metric{a=\"1\" 3\n", strlen("metric{a=\"1\" 3\n"), "2.0", &s) < 0,
	   "an unterminated label set is not Prometheus text");
	{
		static const char odd[] =
			"mlops_requests_total{route=\"/predict\",status=\"200\",model_version=\"2.0\"} NaN\n"
			"mlops_requests_total{route=\"/predict\",status=\"500\",model_version=\"2.0\"} +Inf\n"
			"mlops_requests_total{route=\"/predict\",status=\"200\",model_version=\"2.0\"} 7\n"
			"mlops_version_request_duration_seconds_bucket{model_version=\"2.0\",le=\"0x1p3\"} 4\n"
			"some_gauge NaN\n";
		struct version_stats o = { 0 };

		ok(canary_scrape(odd, strlen(odd), "2.0", &o) == 0,
		   "NaN and +Inf samples are Prometheus text");
		is_num(o.requests, 7, 0, "but count for nothing (a NaN would "
		       "pass every gate)");
		is_num(o.errors, 0, 0, "an infinite error count is not taken");
		is_int(o.nlat, 0, "a bucket edge outside the number policy is "
		       "left out");
		ok(canary_scrape("m 0x10\n", 7, "2.0", &o) < 0,
		   "a hex sample is not Prometheus text");
		mlops_error_clear();
	}
	mlops_error_clear();

	memset(&e, 0, sizeof(e));
	e.max_error_rate = e.max_p99_ms = e.max_psi = -1;
	e.min_requests = 10;
	/* Stable: 1000 requests, no errors, all under 1 ms. */
	s.requests = 1000;
	s.nlat = 2;
	s.lat_le[0] = 0.001;
	s.lat_cum[0] = 1000;
	s.lat_le[1] = 1.0 / 0.0;
	s.lat_cum[1] = 1000;
	canary_judge(&e, &s, &a, &v);
	ok(!v.passed && strstr(v.why, "error rate 5.00%"), "5%% errors vs 0%%: fails (%s)",
	   v.why);
	a.errors = 1;
	canary_judge(&e, &s, &a, &v);
	ok(!v.passed && strstr(v.why, "above 6.98 ms"),
	   "1%% errors pass; p99 over twice the stable one plus 5 ms fails (%s)",
	   v.why);
	e.max_p99_ms = 50;
	canary_judge(&e, &s, &a, &v);
	ok(v.passed, "max_p99_ms 50: passes");
	/* p99 of the canary: rank 99 of 100 in (1 ms, 10 ms]: 1 + 9 * 9/10. */
	is_num(v.p99_ms[1], 9.1, 1e-9, "p99 interpolated within its bucket");
	is_num(v.p99_ms[0], 0.99, 1e-9, "the stable p99");
	e.max_p99_ms = 5;
	canary_judge(&e, &s, &a, &v);
	ok(!v.passed && strstr(v.why, "p99 latency 9.10 ms"), "max_p99_ms 5: fails");
	e.max_p99_ms = 50;

	/* Predictions: the same shape passes, a shifted one fails. */
	c = a;
	s.npred = c.npred = 3;
	s.pred_le[0] = c.pred_le[0] = 0.5;
	s.pred_le[1] = c.pred_le[1] = 0.9;
	s.pred_le[2] = c.pred_le[2] = 1.0 / 0.0;
	s.pred_cum[0] = 500; s.pred_cum[1] = 900; s.pred_cum[2] = 1000;
	c.pred_cum[0] = 50; c.pred_cum[1] = 90; c.pred_cum[2] = 100;
	canary_judge(&e, &s, &c, &v);
	ok(v.passed, "the same prediction shares pass");
	is_num(v.psi, 0, 1e-12, "PSI 0");
	c.pred_cum[0] = 0; c.pred_cum[1] = 10; c.pred_cum[2] = 100;
	canary_judge(&e, &s, &c, &v);
	ok(!v.passed && strstr(v.why, "prediction drift"), "shifted predictions fail (%s)",
	   v.why);
	c.requests = 5;
	canary_judge(&e, &s, &c, &v);
	ok(!v.passed && strstr(v.why, "not enough traffic"),
	   "fewer than min_requests: cannot judge, fails");
	shadow_checks(&e);
	return done_testing();
}
