#include "canary.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/number.h"
#include "../core/error.h"
#include "../drift/stats.h"

#define MAX_LABELS 8

struct label {
	char key[32];
	char value[128];
};

/* One sample line: name{k="v",...} value. 1 parsed, 0 not a sample
 * (comment, blank), -1 malformed. */
static int parse_line(const char *p, const char *end, char *name, size_t nlen,
		      struct label *labels, size_t *nlabels, double *value)
{
	size_t n = 0;
	char num[64];

	*nlabels = 0;
	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	if (p == end || *p == '#')
		return 0;
	while (p < end && *p != '{' && *p != ' ' && *p != '\t') {
		if (n + 1 >= nlen)
			return -1;
		name[n++] = *p++;
	}
	name[n] = '\0';
	if (!n)
		return -1;
	if (p < end && *p == '{') {
		p++;
		while (p < end && *p != '}') {
			struct label dummy, *l = *nlabels < MAX_LABELS
							 ? &labels[*nlabels]
							 : &dummy;
			size_t k = 0, v = 0;

			while (p < end && *p != '=') {
				if (k + 1 < sizeof(l->key))
					l->key[k++] = *p;
				p++;
			}
			l->key[k] = '\0';
			if (p + 1 >= end || p[1] != '"')
				return -1;
			p += 2;
			while (p < end && *p != '"') {
				char c = *p++;

				if (c == '\\' && p < end) {
					c = *p++;
					if (c == 'n')
						c = '\n';
				}
				if (v + 1 < sizeof(l->value))
					l->value[v++] = c;
			}
			l->value[v] = '\0';
			if (p >= end)
				return -1;
			p++; /* the closing quote */
			if (l != &dummy)
				(*nlabels)++;
			if (p < end && *p == ',')
				p++;
		}
		if (p >= end)
			return -1;
		p++;
	}
	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	for (n = 0; p < end && *p != ' ' && *p != '\t' && n + 1 < sizeof(num);)
		num[n++] = *p++;
	num[n] = '\0';
	if (!n)
		return -1;
	/* An instance is outside input: a NaN or an infinite count must
	 * not pass a gate by comparing false (core/number.h). Prometheus
	 * text may say NaN or +Inf for a gauge: such a line counts for
	 * nothing; anything else that is not a number is not Prometheus. */
	switch (number_parse(num, n, value)) {
	case NUMBER_OK:
		return 1;
	case NUMBER_NONFINITE:
	case NUMBER_RANGE:
		return 0;
	default:
		return -1;
	}
}

static const char *label(const struct label *l, size_t n, const char *key)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!strcmp(l[i].key, key))
			return l[i].value;
	return NULL;
}

/* A bucket's count added at its le (buckets arrive in order). */
static void add_bucket(double *le, double *cum, size_t *n, const char *les,
		       double v)
{
	double x = INFINITY;
	size_t i;

	if (strcmp(les, "+Inf") && number_parse_str(les, &x))
		return;
	for (i = 0; i < *n; i++)
		if (le[i] == x) {
			cum[i] += v;
			return;
		}
	if (*n < CANARY_BUCKETS) {
		le[*n] = x;
		cum[*n] = v;
		(*n)++;
	}
}

/* Failures of the service: not what a client got wrong about its key or
 * its rate (401, 429). */
static int is_error(const char *status)
{
	return strcmp(status, "200") && strcmp(status, "401") &&
	       strcmp(status, "429");
}

/* The series a version's counters come from, and the label that picks
 * the version. */
struct series {
	const char *requests, *latency, *predictions;
	const char *key, *value;
	int by_route; /* requests of /predict and /predict/batch only */
	int rows;     /* also the shadow's rows compared and agreed */
};

static int scrape(const char *text, size_t len, const struct series *se,
		  struct version_stats *s)
{
	const char *p = text, *end = text + len;
	struct label labels[MAX_LABELS];
	size_t nl, lineno = 0;
	char name[128];
	double v;

	while (p < end) {
		const char *nlp = memchr(p, '\n', (size_t)(end - p));
		const char *le = nlp ? nlp : end, *ver, *route, *st, *les;
		int r = parse_line(p, le, name, sizeof(name), labels, &nl, &v);

		lineno++;
		p = nlp ? nlp + 1 : end;
		if (r < 0)
			return mlops_error_set(MLOPS_EINPUT, "metrics line %zu is "
					       "not Prometheus text", lineno);
		if (!r)
			continue;
		if (se->rows && !strcmp(name, "mlops_shadow_rows_total"))
			s->rows += v;
		else if (se->rows &&
			 !strcmp(name, "mlops_shadow_rows_agreed_total"))
			s->agreed += v;
		ver = label(labels, nl, se->key);
		if (!ver || strcmp(ver, se->value))
			continue;
		if (!strcmp(name, se->requests)) {
			route = label(labels, nl, "route");
			st = label(labels, nl, "status");
			if (!st || (se->by_route &&
				    (!route || (strcmp(route, "/predict") &&
						strcmp(route, "/predict/batch")))))
				continue;
			s->requests += v;
			if (is_error(st))
				s->errors += v;
		} else if (!strcmp(name, se->latency) &&
			   (les = label(labels, nl, "le"))) {
			add_bucket(s->lat_le, s->lat_cum, &s->nlat, les, v);
		} else if (!strcmp(name, se->predictions) &&
			   (les = label(labels, nl, "le"))) {
			add_bucket(s->pred_le, s->pred_cum, &s->npred, les, v);
		}
	}
	return 0;
}

int canary_scrape(const char *text, size_t len, const char *version,
		  struct version_stats *s)
{
	struct series se = { "mlops_requests_total",
			     "mlops_version_request_duration_seconds_bucket",
			     "mlops_predictions_bucket", "model_version",
			     version, 1, 0 };

	return scrape(text, len, &se, s);
}

int shadow_scrape(const char *text, size_t len, const char *side,
		  struct version_stats *s)
{
	struct series se = { "mlops_shadow_answers_total",
			     "mlops_shadow_duration_seconds_bucket",
			     "mlops_shadow_predictions_bucket", "side", side, 0,
			     !strcmp(side, "shadow") };

	return scrape(text, len, &se, s);
}

void canary_delta(struct version_stats *a, const struct version_stats *b)
{
	size_t i, j;

	a->requests -= b->requests;
	a->errors -= b->errors;
	a->rows -= b->rows;
	a->agreed -= b->agreed;
	for (i = 0; i < a->nlat; i++)
		for (j = 0; j < b->nlat; j++)
			if (a->lat_le[i] == b->lat_le[j])
				a->lat_cum[i] -= b->lat_cum[j];
	for (i = 0; i < a->npred; i++)
		for (j = 0; j < b->npred; j++)
			if (a->pred_le[i] == b->pred_le[j])
				a->pred_cum[i] -= b->pred_cum[j];
}

/* Like Prometheus's histogram_quantile: linear within the bucket. */
static double quantile_ms(const struct version_stats *s, double q)
{
	double total, rank, lo = 0, prev = 0;
	size_t i;

	if (!s->nlat || !(total = s->lat_cum[s->nlat - 1]) || total <= 0)
		return NAN;
	rank = q * total;
	for (i = 0; i < s->nlat; i++) {
		if (s->lat_cum[i] >= rank) {
			if (isinf(s->lat_le[i]))
				return lo * 1e3;
			if (s->lat_cum[i] == prev)
				return s->lat_le[i] * 1e3;
			return (lo + (s->lat_le[i] - lo) * (rank - prev) /
					     (s->lat_cum[i] - prev)) * 1e3;
		}
		lo = s->lat_le[i];
		prev = s->lat_cum[i];
	}
	return lo * 1e3;
}

/* PSI of the canary's predictions against the stable ones', on the
 * shared buckets; empty buckets count as a share of 1e-4. */
static double prediction_psi(const struct version_stats *st,
			     const struct version_stats *ca)
{
	double r[CANARY_BUCKETS], c[CANARY_BUCKETS];
	double tr, tc, pr = 0, pc = 0;
	size_t i, k = st->npred;

	if (!k || k != ca->npred)
		return NAN;
	tr = st->pred_cum[k - 1];
	tc = ca->pred_cum[k - 1];
	if (tr <= 0 || tc <= 0)
		return NAN;
	for (i = 0; i < k; i++) {
		r[i] = (st->pred_cum[i] - pr) / tr;
		c[i] = (ca->pred_cum[i] - pc) / tc;
		pr = st->pred_cum[i];
		pc = ca->pred_cum[i];
		if (r[i] <= 0)
			r[i] = 1e-4;
		if (c[i] <= 0)
			c[i] = 1e-4;
	}
	return psi(r, c, k);
}

/* The checks of a canary (who: "canary") or a shadow ("shadow"). */
static void judge(const struct environment *e, const char *who,
		  const struct version_stats *stable,
		  const struct version_stats *canary, struct canary_verdict *v)
{
	double max_err = e->max_error_rate >= 0 ? e->max_error_rate : 0.01;
	double max_psi = e->max_psi > 0 ? e->max_psi : 0.2;
	double need = e->min_requests > 0 ? (double)e->min_requests : 1;
	double p99_limit;

	memset(v, 0, sizeof(*v));
	v->requests[0] = stable->requests;
	v->requests[1] = canary->requests;
	v->error_rate[0] = stable->requests > 0 ? stable->errors / stable->requests
						: 0;
	v->error_rate[1] = canary->requests > 0 ? canary->errors / canary->requests
						: 0;
	v->p99_ms[0] = quantile_ms(stable, 0.99);
	v->p99_ms[1] = quantile_ms(canary, 0.99);
	v->psi = NAN;
	v->agreement = canary->rows > 0 ? canary->agreed / canary->rows : NAN;
	if (canary->requests < (double)e->min_requests) {
		snprintf(v->why, sizeof(v->why), "%.0f %s prediction requests "
			 "in the step, fewer than min_requests (%lld): not enough "
			 "traffic to judge", canary->requests, who,
			 e->min_requests);
		return;
	}
	if (v->error_rate[1] > v->error_rate[0] + max_err) {
		snprintf(v->why, sizeof(v->why), "error rate %.2f%% (stable "
			 "%.2f%%): more than %.2f points above the stable "
			 "version's", v->error_rate[1] * 100,
			 v->error_rate[0] * 100, max_err * 100);
		return;
	}
	p99_limit = e->max_p99_ms > 0 ? e->max_p99_ms
		    : !isnan(v->p99_ms[0]) ? 2 * v->p99_ms[0] + 5
					   : NAN;
	if (!isnan(p99_limit) && !isnan(v->p99_ms[1]) &&
	    v->p99_ms[1] > p99_limit) {
		snprintf(v->why, sizeof(v->why), "p99 latency %.2f ms (stable "
			 "%.2f ms) above %.2f ms", v->p99_ms[1], v->p99_ms[0],
			 p99_limit);
		return;
	}
	if (stable->npred && stable->pred_cum[stable->npred - 1] >= need &&
	    canary->npred && canary->pred_cum[canary->npred - 1] >= need)
		v->psi = prediction_psi(stable, canary);
	if (!isnan(v->psi) && v->psi > max_psi) {
		snprintf(v->why, sizeof(v->why), "prediction drift: PSI %.3f of "
			 "the %s's predictions from the stable version's, "
			 "above %.3f", v->psi, who, max_psi);
		return;
	}
	v->passed = 1;
}

void canary_judge(const struct environment *e,
		  const struct version_stats *stable,
		  const struct version_stats *canary, struct canary_verdict *v)
{
	judge(e, "canary", stable, canary, v);
}

void shadow_judge(const struct environment *e,
		  const struct version_stats *live,
		  const struct version_stats *shadow, struct canary_verdict *v)
{
	judge(e, "shadow", live, shadow, v);
	if (!v->passed || e->min_agreement < 0)
		return;
	if (isnan(v->agreement) || v->agreement < e->min_agreement) {
		v->passed = 0;
		if (isnan(v->agreement))
			snprintf(v->why, sizeof(v->why), "no row compared: the "
				 "agreement cannot be judged");
		else
			snprintf(v->why, sizeof(v->why), "agreement %.2f%% of "
				 "%.0f rows, below min_agreement (%.2f%%)",
				 v->agreement * 100, shadow->rows,
				 e->min_agreement * 100);
	}
}
