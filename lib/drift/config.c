#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../core/number.h"
#include "../core/error.h"
#include "../core/strbuf.h"

const char *drift_fail_on_name(enum drift_fail_on f)
{
	return f == DRIFT_FAIL_COLUMN ? "column" : "dataset";
}

int drift_fail_on_from_name(const char *name, enum drift_fail_on *f)
{
	if (!strcmp(name, "dataset"))
		*f = DRIFT_FAIL_DATASET;
	else if (!strcmp(name, "column"))
		*f = DRIFT_FAIL_COLUMN;
	else
		return -1;
	return 0;
}

int drift_binning_parse(const char *b, struct drift_opts *o, double **edges)
{
	*edges = NULL;
	if (!b || !strcmp(b, "auto")) {
		o->binning = BIN_AUTO;
	} else if (!strcmp(b, "sturges")) {
		o->binning = BIN_STURGES;
	} else if (!strcmp(b, "doane")) {
		o->binning = BIN_DOANE;
	} else if (!strncmp(b, "quantile:", 9)) {
		char *end;
		long q = strtol(b + 9, &end, 10);

		if (*end || end == b + 9 || q < 2 || q > 1000)
			return -1;
		o->binning = BIN_QUANTILE;
		o->quantiles = (int)q;
	} else if (!strncmp(b, "edges:", 6)) {
		const char *p = b + 6;
		size_t n = 0, cap = 8;

		*edges = xmalloc(sizeof(double) * cap);
		(*edges)[n++] = -INFINITY;
		while (*p) {
			const char *end = strchr(p, ',');
			double v;

			if (!end)
				end = p + strlen(p);
			if (number_parse(p, (size_t)(end - p), &v) ||
			    (n > 1 && v <= (*edges)[n - 1]))
				goto bad;
			if (n + 2 > cap) {
				cap *= 2;
				*edges = xrealloc(*edges, sizeof(double) * cap);
			}
			(*edges)[n++] = v;
			p = *end ? end + 1 : end;
		}
		if (n < 2)
			goto bad;
		(*edges)[n++] = INFINITY;
		/* Open-ended outer bins around the given edges. */
		o->binning = BIN_FIXED;
		o->edges = *edges;
		o->nedges = n;
	} else {
		return -1;
	}
	return 0;
bad:
	free(*edges);
	*edges = NULL;
	return -1;
}

static int number_in(const json_t *v, double lo, double hi)
{
	return json_is_number(v) && json_number_value(v) >= lo &&
	       json_number_value(v) <= hi;
}

static int check_test(const json_t *v)
{
	enum drift_test t;

	return json_is_string(v) &&
	       !drift_test_from_name(json_string_value(v), &t);
}

int drift_config_check(const json_t *cfg, const char **why)
{
	const char *k;
	const json_t *v;
	struct drift_opts scratch = { 0 };
	double *edges = NULL;

	if (!json_is_object(cfg))
		return *why = "drift must be a mapping", -1;
	json_object_foreach((json_t *)cfg, k, v) {
		if (!strcmp(k, "test")) {
			if (!check_test(v))
				return *why = "drift.test is not a test name "
					      "(see man mlops-drift)", -1;
		} else if (!strcmp(k, "threshold")) {
			if (!number_in(v, 0, 1e300))
				return *why = "drift.threshold must be a number "
					      ">= 0", -1;
		} else if (!strcmp(k, "drift_share")) {
			if (!number_in(v, 1e-9, 1))
				return *why = "drift.drift_share must lie in "
					      "(0, 1]", -1;
		} else if (!strcmp(k, "fail_on")) {
			enum drift_fail_on f;

			if (!json_is_string(v) ||
			    drift_fail_on_from_name(json_string_value(v), &f) < 0)
				return *why = "drift.fail_on must be dataset or "
					      "column", -1;
		} else if (!strcmp(k, "missing_threshold")) {
			if (!number_in(v, 0, 1))
				return *why = "drift.missing_threshold must lie "
					      "in [0, 1]", -1;
		} else if (!strcmp(k, "binning")) {
			if (!json_is_string(v) ||
			    drift_binning_parse(json_string_value(v), &scratch,
						&edges) < 0)
				return *why = "drift.binning must be auto, "
					      "sturges, doane, quantile:N or "
					      "edges:A,B,...", -1;
			free(edges);
			edges = NULL;
		} else if (!strcmp(k, "columns")) {
			const char *col;
			const json_t *c;

			if (!json_is_object(v))
				return *why = "drift.columns must map column "
					      "names to a test", -1;
			json_object_foreach((json_t *)v, col, c) {
				const json_t *t = json_object_get(c, "test"),
					     *th = json_object_get(c, "threshold");

				if (!json_is_object(c) || !t || !check_test(t) ||
				    (th && !number_in(th, 0, 1e300)) ||
				    json_object_size(c) != 1u + !!th)
					return *why = "drift.columns.NAME takes a "
						      "test name and an optional "
						      "threshold", -1;
			}
		} else {
			return *why = "drift has test, threshold, drift_share, "
				      "fail_on, missing_threshold, binning and "
				      "columns", -1;
		}
	}
	return 0;
}

int drift_config_apply(const json_t *cfg, struct drift_opts *o,
		       struct drift_override **ov, double **edges)
{
	const json_t *v, *cols;
	const char *why;

	*ov = NULL;
	*edges = NULL;
	if (!cfg)
		return 0;
	if (drift_config_check(cfg, &why) < 0)
		return mlops_error_set(MLOPS_EINPUT, "%s", why);
	if ((v = json_object_get(cfg, "test")))
		drift_test_from_name(json_string_value(v), &o->test);
	if ((v = json_object_get(cfg, "threshold")))
		o->threshold = json_number_value(v);
	if ((v = json_object_get(cfg, "drift_share")))
		o->drift_share = json_number_value(v);
	if ((v = json_object_get(cfg, "fail_on")))
		drift_fail_on_from_name(json_string_value(v), &o->fail_on);
	if ((v = json_object_get(cfg, "missing_threshold")))
		o->missing_threshold = json_number_value(v);
	if ((v = json_object_get(cfg, "binning")))
		drift_binning_parse(json_string_value(v), o, edges);
	cols = json_object_get(cfg, "columns");
	if (cols && json_object_size(cols)) {
		const char *name;
		const json_t *c;
		size_t i = 0;

		*ov = xcalloc(json_object_size(cols), sizeof(**ov));
		json_object_foreach((json_t *)cols, name, c) {
			const json_t *th = json_object_get(c, "threshold");

			(*ov)[i].column = name;
			drift_test_from_name(
				json_string_value(json_object_get(c, "test")),
				&(*ov)[i].test);
			(*ov)[i].threshold = th ? json_number_value(th) : NAN;
			i++;
		}
		o->overrides = *ov;
		o->noverrides = i;
	}
	return 0;
}
