/* lib/monitor: reading stored answers and labels, grouping rows per
 * version and UTC bucket, the classes of a version from its answers,
 * rows that do not fit, the checks against a baseline, the drops alert
 * rules test; the monitor: section of mlops.yaml and its resolved
 * form. */
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "lib/alert/observe.h"
#include "lib/core/error.h"
#include "lib/core/timeutil.h"
#include "lib/descriptor/descriptor.h"
#include "lib/monitor/check.h"
#include "lib/monitor/outcome.h"
#include "lib/monitor/perf.h"
#include "tap.h"

#define DAY 86400000LL

/* {"prediction":1,"p":[[...[1]...]]} with levels of lists. */
static const char *nested(char *buf, int levels)
{
	char *p = buf + sprintf(buf, "{\"prediction\":1,\"p\":");

	for (int i = 0; i < levels; i++)
		*p++ = '[';
	*p++ = '1';
	for (int i = 0; i < levels; i++)
		*p++ = ']';
	strcpy(p, "}");
	return buf;
}

static void test_outcome(void)
{
	struct outcome_reader r = { 0 };
	char deep[256];
	struct outcome_output o;
	struct scalar s;

	ok(!outcome_read_output(&r, "{\"prediction\":1,\"probability\":0.25}",
				&o) && o.prediction.is_number &&
		   !strcmp(o.prediction.text, "1") && o.probability == 0.25 &&
		   o.has_probability && !o.has_probabilities,
	   "a binary answer");
	ok(!outcome_read_output(&r, " { \"probabilities\" : {\"l\\u00f6w\": 0.5, "
				"\"hi\\\"gh\": 5e-1}, \"x\": [1, {\"y\": [null, "
				"true]}], \"prediction\": \"hi\\\"gh\", "
				"\"probability\": 0.5 } ", &o) &&
		   o.nclasses == 2 && !strcmp(o.classes[0], "l\xc3\xb6w") &&
		   !strcmp(o.classes[1], "hi\"gh") && o.probabilities[1] == 0.5 &&
		   !strcmp(o.prediction.text, "hi\"gh") && !o.prediction.is_number,
	   "a multiclass answer: escapes, order, values skipped");
	ok(!outcome_read_output(&r, "{\"prediction\":-12.5e2,"
				"\"model_version\":\"1.0\"}", &o) &&
		   o.prediction.num == -1250 && !o.has_probability,
	   "a regressor's answer");
	ok(outcome_read_output(&r, "{\"probability\":0.5}", &o) < 0,
	   "no prediction: refused");
	ok(outcome_read_output(&r, "{\"prediction\":1,}", &o) < 0 &&
		   outcome_read_output(&r, "{\"prediction\":1} x", &o) < 0 &&
		   outcome_read_output(&r, "{\"prediction\":01}", &o) < 0 &&
		   outcome_read_output(&r, "{\"prediction\":NaN}", &o) < 0 &&
		   outcome_read_output(&r, "{\"prediction\":1e999}", &o) < 0 &&
		   outcome_read_output(&r, "{\"prediction\":\"a\\u0000\"}", &o) < 0 &&
		   outcome_read_output(&r, "{\"prediction\":\"\\ud800\"}", &o) < 0 &&
		   outcome_read_output(&r, "{\"prediction\":\"a\tb\"}", &o) < 0 &&
		   outcome_read_output(&r, nested(deep, 40), &o) < 0 &&
		   outcome_read_output(&r, "[1]", &o) < 0 &&
		   outcome_read_output(&r, "", &o) < 0 &&
		   outcome_read_output(&r, "{\"prediction\":\"x", &o) < 0,
	   "malformed JSON, inf, NUL, lone surrogates, control characters, "
	   "deep nesting: refused");
	ok(!outcome_read_output(&r, nested(deep, 20), &o),
	   "20 levels of nesting are read");
	ok(!outcome_read_label(&r, "1.0", &s) && s.is_number &&
		   !strcmp(s.text, "1"),
	   "a label 1.0 reads as class 1");
	ok(!outcome_read_label(&r, "\"\\ud83d\\ude00\"", &s) &&
		   !strcmp(s.text, "\xf0\x9f\x98\x80"),
	   "a surrogate pair");
	ok(!outcome_read_label(&r, "true", &s) && !strcmp(s.text, "true") &&
		   !outcome_read_label(&r, "false", &s) &&
		   !strcmp(s.text, "false"),
	   "true and false");
	ok(outcome_read_label(&r, "null", &s) < 0 &&
		   outcome_read_label(&r, "[1]", &s) < 0 &&
		   outcome_read_label(&r, "1 2", &s) < 0,
	   "null, lists and two values are no label");
	outcome_reader_release(&r);
}

static const struct perf_group *group(const struct perf_result *r,
				      const char *version, int whole,
				      int64_t start)
{
	for (size_t i = 0; i < r->ngroups; i++)
		if (!strcmp(r->groups[i].version, version) &&
		    r->groups[i].whole == whole &&
		    (whole || r->groups[i].start_ms == start))
			return &r->groups[i];
	return NULL;
}

static double metric(const struct perf_group *g, const char *name)
{
	for (size_t i = 0; g && i < g->nmetrics; i++)
		if (!strcmp(g->metrics[i].name, name))
			return g->metrics[i].value;
	return NAN;
}

static void test_buckets(void)
{
	int64_t t;

	ok(!time_parse_utc("2025-03-03", &t) && t == 1740960000000LL,
	   "a UTC date");
	ok(!time_parse_utc("2025-03-03T01:02:03Z", &t) &&
		   t == 1740960000000LL + 3723000,
	   "a UTC time");
	ok(time_parse_utc("2025-02-30", &t) < 0 &&
		   time_parse_utc("2025-03-03T25:00", &t) < 0 &&
		   time_parse_utc("2025-3-3", &t) < 0 &&
		   time_parse_utc("2025-03-03Tx", &t) < 0,
	   "not dates");
	/* 2025-03-05 is a Wednesday: its ISO week began Monday 03-03. */
	ok(perf_bucket_start(PERF_BY_WEEK, 1740960000000LL + 2 * DAY + 5) ==
		   1740960000000LL,
	   "weeks begin on Monday 00:00 UTC");
	ok(perf_bucket_start(PERF_BY_DAY, 1740960000000LL + DAY - 1) ==
		   1740960000000LL,
	   "a day's last millisecond is in it");
	ok(perf_bucket_start(PERF_BY_HOUR, -1) == -3600000,
	   "before 1970: floor, not truncation");
	ok(perf_bucket_end(PERF_BY_WEEK, 0) == 7 * DAY, "a week is 7 days");
}

static void test_perf(void)
{
	struct perf_opts po = { 0, 10 * DAY, PERF_BY_DAY };
	struct perf *p = perf_new(&po);
	struct perf_result r;
	const struct perf_group *g;
	const char *yes = "{\"prediction\":\"yes\",\"probability\":0.8}";
	const char *no = "{\"prediction\":\"no\",\"probability\":0.3}";
	char out[200];

	/* Binary, string classes: "yes" is predicted at the higher p. */
	ok(!perf_add(p, 1000, "m", "1", yes, "\"yes\"") &&
		   !perf_add(p, 2000, "m", "1", no, "\"yes\"") &&
		   !perf_add(p, 3000, "m", "1", no, "\"no\"") &&
		   !perf_add(p, 4000, "m", "1", yes, NULL) &&
		   !perf_add(p, 5000, "m", "1", yes, "\"maybe\"") &&
		   !perf_add(p, 6000, "m", "1", "{\"prediction\":1.5}", "1"),
	   "rows of a binary version");
	/* Multiclass on day 2, and a regressor. */
	snprintf(out, sizeof(out), "{\"prediction\":\"b\",\"probabilities\":"
		 "{\"a\":0.25,\"b\":0.5,\"c\":0.25}}");
	ok(!perf_add(p, DAY + 1, "m", "2", out, "\"b\"") &&
		   !perf_add(p, DAY + 2, "m", "2", out, "\"a\"") &&
		   !perf_add(p, DAY + 3, "m", "2", out, "\"z\"") &&
		   !perf_add(p, DAY + 4, "m", "2", "{\"prediction\":\"b\","
			     "\"probabilities\":{\"a\":1}}", "\"a\"") &&
		   !perf_add(p, 2 * DAY, "r", "1", "{\"prediction\":2}", "4") &&
		   !perf_add(p, 2 * DAY, "r", "1", "{\"prediction\":2}", "\"x\""),
	   "rows of a multiclass version and a regressor");
	ok(perf_add(p, 5, "m", "1", yes, "\"yes\"") == MLOPS_EINTERNAL,
	   "a row older than the last: an internal error");
	perf_compute(p, &r);
	is_int(r.ngroups, 6, "each version's total and its days");
	g = group(&r, "1", 1, 0);
	ok(g && g->predictions == 6 && g->labelled == 5 && g->used == 3 &&
		   g->bad_labels == 1 && g->unreadable == 1,
	   "binary: counts (a label no class; an answer of another shape)");
	ok(g && g->nclasses == 2 && !strcmp(g->classes[0], "no") &&
		   !strcmp(g->classes[1], "yes"),
	   "binary: the positive class is the one predicted at higher p");
	/* y = yes yes no; pred = yes no no: accuracy 2/3, precision 1,
	 * recall 1/2. */
	is_num(metric(g, "accuracy"), 2.0 / 3, 1e-15, "binary: accuracy");
	is_num(metric(g, "precision"), 1, 0, "binary: precision");
	is_num(metric(g, "recall"), 0.5, 0, "binary: recall");
	g = group(&r, "2", 0, DAY);
	ok(g && g->used == 2 && g->bad_labels == 1 && g->unreadable == 1 &&
		   g->task == TASK_MULTICLASS && g->nclasses == 3,
	   "multiclass: classes from the answers; another set is unreadable");
	is_num(metric(g, "accuracy"), 0.5, 0, "multiclass: accuracy");
	ok(g && isnan(metric(g, "auc")), "multiclass: AUC null with class c "
	   "absent, as sklearn raises");
	g = group(&r, "1", 0, 2 * DAY);
	ok(g && g->task == TASK_REGRESSION && g->used == 1 &&
		   g->bad_labels == 1 && metric(g, "rmse") == 2 &&
		   isnan(metric(g, "r2")),
	   "regression: a label that is no number; r2 of one row is null");
	perf_free(p);

	/* One class predicted, strings: which is positive is not known. */
	p = perf_new(&po);
	perf_add(p, 1, "m", "1", yes, "\"no\"");
	perf_compute(p, &r);
	ok(r.groups[0].problem && strstr(r.groups[0].problem, "--bundle") &&
		   r.groups[0].nmetrics == 0,
	   "one string class predicted: a problem, no metrics");
	perf_free(p);

	/* Known from a bundle: then one class is enough. */
	{
		char *classes[] = { "no", "yes" };
		struct perf_known k = { "m", "1", TASK_BINARY, classes, 2 };

		p = perf_new(&po);
		perf_know(p, &k);
		perf_add(p, 1, "m", "1", yes, "\"no\"");
		perf_add(p, 2, "m", "1", yes, "\"yes\"");
		perf_compute(p, &r);
		is_num(metric(&r.groups[0], "precision"), 0.5, 0,
		       "classes from the bundle");
		perf_free(p);
	}
}

static void test_check(void)
{
	struct perf_opts po = { 0, DAY, PERF_BY_NONE };
	struct perf *p = perf_new(&po);
	struct perf_result r;
	struct metric_value base[] = { { "accuracy", 0.65 }, { "auc", 0.76 },
				       { "log_loss", 0.3 } };
	struct monitor_rule rules[] = { { "accuracy", 0, 0.15, 0 },
					{ "auc", 0, 5, 1 },
					{ "log_loss", 1, 10, 1 } };
	struct gate gates[] = { { "accuracy", GATE_GE, 0.5 },
				{ "latency_p95_ms", GATE_LE, 1 } };
	struct monitor_baseline b = { "m", "1", base, 3, gates, 2, rules, 3, 2 };
	const char *one = "{\"prediction\":1,\"probability\":0.9}";

	/* accuracy 0.5: dropped 0.15 exactly (allowed; 0.65 - 0.5 is
	 * 0.15000000000000002); auc 0.75 */
	perf_add(p, 1, "m", "1", one, "1");
	perf_add(p, 2, "m", "1", "{\"prediction\":0,\"probability\":0.4}",
		 "1");
	perf_add(p, 3, "m", "1", "{\"prediction\":0,\"probability\":0.3}",
		 "0");
	perf_add(p, 4, "m", "1", "{\"prediction\":1,\"probability\":0.6}",
		 "0");
	perf_add(p, 5, "m", "9", one, "0");
	perf_compute(p, &r);
	ok(monitor_check(&r, &b) == 1, "a failed rule: 1");
	is_int(r.groups[0].nchecks, 4, "three rules and one gate (latency "
	       "is not live)");
	ok(r.groups[0].checks[0].pass, "a drop of exactly the limit holds "
	   "(0.65 - 0.5 is 0.15 and some rounding)");
	ok(r.groups[0].checks[1].pass && r.groups[0].checks[1].value == 0.75,
	   "auc 0.75 fell less than 5%% of 0.76: holds");
	ok(!r.groups[0].checks[2].pass && r.groups[0].checks[2].computed,
	   "log_loss rose more than 10%% of 0.3: fails");
	ok(r.groups[0].checks[3].pass, "the gate holds");
	ok(r.groups[0].status == PERF_FAIL && r.groups[1].status == PERF_UNCHECKED,
	   "the bundle's version fails, another is unchecked");
	b.min_labels = 5;
	ok(monitor_check(&r, &b) == 0 && r.groups[0].status == PERF_FEW_LABELS,
	   "under min_labels: not judged, not failed");
	perf_free(p);
}

static void test_section(void)
{
	static const char head[] =
		"name: m\nversion: 1.0.0\nmodel: {path: m.json, runtime: "
		"xgboost, task: binary-classification}\n"
		"datasets: {golden: {path: g.csv, label: y}}\n";
	char text[1024];
	struct descriptor *d = NULL, *back = NULL;
	json_t *j;

	snprintf(text, sizeof(text), "%smonitor:\n  window: 2w\n  min_labels: "
		 "30\n  accuracy: {max_drop: 0.05}\n  f1: {max_drop: 2.5%%}\n"
		 "  log_loss: {max_rise: 0.1}\n", head);
	ok(!descriptor_parse(&d, "mlops.yaml", ".", text, strlen(text)),
	   "a monitor section parses");
	ok(d && d->monitor.present && d->monitor.nrules == 3 &&
		   d->monitor.window_ms == 14 * DAY && d->monitor.min_labels == 30 &&
		   d->monitor.rules[1].relative && d->monitor.rules[1].limit == 2.5 &&
		   d->monitor.rules[2].rise,
	   "its rules, window and min_labels");
	j = d ? descriptor_to_json(d) : NULL;
	ok(j && !descriptor_from_json(&back, j) && back->monitor.nrules == 3 &&
		   back->monitor.rules[1].relative &&
		   back->monitor.rules[1].limit == 2.5 &&
		   back->monitor.window_ms == 14 * DAY,
	   "and back from the resolved form a bundle carries");
	json_decref(j);
	descriptor_free(back);
	descriptor_free(d);
	d = NULL;
	snprintf(text, sizeof(text), "%smonitor:\n  r2: {max_drop: 0.1}\n", head);
	ok(descriptor_parse(&d, "mlops.yaml", ".", text, strlen(text)) ==
		   MLOPS_EINPUT &&
		   strstr(mlops_error_last()->message, "mlops.yaml:6:8: monitor.r2: "
			  "r2 is a regression metric"),
	   "a rule for another task: file:line:col");
	snprintf(text, sizeof(text), "%s", head);
	ok(!descriptor_parse(&d, "mlops.yaml", ".", text, strlen(text)) &&
		   !d->monitor.present && d->monitor.min_labels == 100,
	   "no section: min_labels 100");
	descriptor_free(d);
}

static double observed(const struct alert_observations *o,
		       enum alert_metric_id m)
{
	for (size_t i = 0; i < o->n; i++)
		if (o->v[i].metric == m)
			return o->v[i].value;
	return NAN;
}

/* Drops and rises, absolute, of the bundle's version only, and none
 * under min_labels. */
static void test_observe_performance(void)
{
	struct perf_opts po = { 0, DAY, PERF_BY_NONE };
	struct perf *p = perf_new(&po);
	struct metric_value base[] = { { "rmse", 1.0 }, { "mae", 0.25 },
				       { "r2", 0.75 } };
	struct monitor_baseline b = { "m", "1", base, 3, NULL, 0, NULL, 0, 4 };
	struct alert_observations o = { 0 };
	struct perf_result r;
	double rmse, mae, r2;

	/* Errors 1, -1, 2, 0 on labels 0, 2, 4, 6: rmse sqrt(1.5), mae
	 * 1, r2 1 - 6 / 20. Version 2 errs far more. */
	perf_add(p, 1, "m", "1", "{\"prediction\":1}", "0");
	perf_add(p, 2, "m", "2", "{\"prediction\":90}", "0");
	perf_add(p, 3, "m", "1", "{\"prediction\":1}", "2");
	perf_add(p, 4, "m", "1", "{\"prediction\":6}", "4");
	perf_add(p, 5, "m", "1", "{\"prediction\":6}", "6");
	perf_compute(p, &r);
	alert_observe_performance(&o, &r, &b);
	rmse = observed(&o, AM_RMSE_RISE);
	mae = observed(&o, AM_MAE_RISE);
	r2 = observed(&o, AM_R2_DROP);
	ok(fabs(rmse - (sqrt(1.5) - 1.0)) < 1e-12 && fabs(mae - 0.75) < 1e-12 &&
		   fabs(r2 - (0.75 - 0.7)) < 1e-12 &&
		   isnan(observed(&o, AM_ACCURACY_DROP)) && o.n == 3,
	   "rmse_rise, mae_rise: live - baseline; r2_drop: baseline - live; "
	   "nothing for a classifier's metric");
	alert_obs_release(&o);
	b.min_labels = 5;
	alert_observe_performance(&o, &r, &b);
	ok(o.n == 0, "fewer labelled rows than min_labels: nothing measured");
	b.min_labels = 0;
	b.metrics = NULL;
	alert_observe_performance(&o, &r, &b);
	ok(o.n == 0, "no baseline: nothing measured");
	alert_obs_release(&o);
	perf_free(p);
}

int main(void)
{
	test_outcome();
	test_buckets();
	test_perf();
	test_check();
	test_section();
	test_observe_performance();
	return done_testing();
}
