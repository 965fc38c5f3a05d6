/* The runtime interface: concurrent prediction is safe and gives the same
 * results as one thread; the GLM equals hand-computed values; metrics. */
#include <pthread.h>
#include <unistd.h>

#include "lib/core/error.h"
#include "lib/core/fsutil.h"
#include "lib/model/forest.h"
#include "lib/model/model.h"
#include "lib/quality/metrics.h"
#include "tap.h"

#define ROWS 64
#define CALLS 300

static const char *const features[] = { "f0", "f1", "f2", "f3" };
static struct model *shared;
static double X[ROWS * 4], want[ROWS];

struct worker {
	int mismatches, errors;
};

static void *work(void *arg)
{
	struct worker *w = arg;
	double y[ROWS];
	int c, i;

	for (c = 0; c < CALLS; c++) {
		/* Vary the batch size: one row, some rows, all rows. */
		int n = c % 3 == 0 ? 1 : c % 3 == 1 ? 7 : ROWS;

		if (model_predict(shared, X, (size_t)n, y) < 0) {
			w->errors++;
			continue;
		}
		for (i = 0; i < n; i++)
			if (y[i] != want[i])
				w->mismatches++;
	}
	mlops_error_thread_exit();
	return NULL;
}

static void test_concurrent(const char *src)
{
	struct model_spec spec = { 0 };
	struct worker w[4] = { 0 };
	pthread_t t[4];
	char path[4096];
	int i, bad = 0, errors = 0;

	snprintf(path, sizeof(path), "%s/tests/fixtures/models/binary.json", src);
	spec.path = path;
	spec.runtime = RUNTIME_XGBOOST;
	spec.task = TASK_BINARY;
	spec.features = features;
	spec.nfeatures = 4;
	spec.nthread = 1;
	if (!ok(model_load(&shared, &spec) == 0, "load the binary fixture")) {
		printf("# %s\n", mlops_error_last()->message);
		return;
	}
	for (i = 0; i < ROWS * 4; i++)
		X[i] = (double)((i * 7919) % 200 - 100) / 37.0;
	X[5] = NAN; /* a missing value */
	ok(model_predict(shared, X, ROWS, want) == 0, "one thread");
	for (i = 0; i < 4; i++)
		pthread_create(&t[i], NULL, work, &w[i]);
	for (i = 0; i < 4; i++) {
		pthread_join(t[i], NULL);
		bad += w[i].mismatches;
		errors += w[i].errors;
	}
	is_int(errors, 0, "4 threads x 300 calls: no errors");
	is_int(bad, 0, "4 threads x 300 calls: the same predictions as one thread");
	is_int(shared->noutputs, 1, "binary: one output per row");
	model_free(shared);
}

/* Native tree evaluation must give libxgboost's predictions bit for bit,
 * missing values included, for every JSON fixture. */
static void test_native(const char *src)
{
	static const struct {
		const char *file;
		enum model_task task;
	} fx[] = { { "binary.json", TASK_BINARY },
		   { "softprob.json", TASK_MULTICLASS },
		   { "reg.json", TASK_REGRESSION },
		   { "uneven.json", TASK_BINARY },
		   { "deep.json", TASK_BINARY } };
	static const enum forest_path paths[] = { FOREST_POINTERS,
		FOREST_COMPLETE, FOREST_AVX2, FOREST_TREES, FOREST_AUTO };
	static double rows[500 * 4], a[500 * 3], b[500 * 3];
	size_t f, i, p;

	for (i = 0; i < 500 * 4; i++)
		rows[i] = i % 13 == 0 ? NAN
				      : (double)((i * 2654435761u) % 4000) / 1000.0 - 2;
	for (f = 0; f < sizeof(fx) / sizeof(fx[0]); f++) {
		struct model_spec spec = { 0 };
		struct model *native = NULL, *lib = NULL;
		char path[4096];
		size_t n, diff = 0;

		snprintf(path, sizeof(path), "%s/tests/fixtures/models/%s", src,
			 fx[f].file);
		spec.path = path;
		spec.runtime = RUNTIME_XGBOOST;
		spec.task = fx[f].task;
		spec.features = features;
		spec.nfeatures = 4;
		spec.nthread = 1;
		ok(model_load(&native, &spec) == 0, "%s: native", fx[f].file);
		spec.no_native = 1;
		ok(model_load(&lib, &spec) == 0, "%s: libxgboost", fx[f].file);
		if (!native || !lib)
			continue;
		like(native->description, "native trees", "native evaluation used");
		model_predict(lib, rows, 500, b);
		n = 500 * native->noutputs;
		/* Every walk: child indices, the complete layout in C
		 * (rows or trees together) and with AVX2 (where the CPU
		 * has it), and the one picked. */
		for (p = 0; p < 5; p++) {
			forest_path = paths[p];
			model_predict(native, rows, 500, a);
			for (i = 0, diff = 0; i < n; i++)
				diff += a[i] != b[i];
			ok(diff == 0, "%s: native walk %d equals libxgboost bit "
			   "for bit (%zu differ)", fx[f].file, (int)paths[p],
			   diff);
		}
		forest_path = FOREST_AUTO;
		/* One row a call, as serve scores: the walk it picks then. */
		for (i = 0, diff = 0; i < 100; i++) {
			size_t k, w = native->noutputs;

			model_predict(native, rows + i * 4, 1, a);
			for (k = 0; k < w; k++)
				diff += a[k] != b[i * w + k];
		}
		ok(diff == 0, "%s: one row a call equals libxgboost (%zu "
		   "differ)", fx[f].file, diff);
		model_free(native);
		model_free(lib);
	}
}

static void test_glm(void)
{
	static const char glm[] =
		"{\"mlops_glm\": 1, \"link\": \"logit\", \"intercept\": 0.5,"
		" \"coefficients\": {\"f0\": 2.0, \"f1\": -1.0}}";
	char dir[] = "/tmp/mlops-glm-XXXXXX", path[64];
	struct model_spec spec = { 0 };
	struct model *m = NULL;
	double x[8] = { 1, 2, 0, 0, 0, 0, 0, 0 }, y[2];

	if (!mkdtemp(dir))
		return;
	snprintf(path, sizeof(path), "%s/m.json", dir);
	fs_write_atomic(path, glm, sizeof(glm) - 1, 0644);
	spec.path = path;
	spec.runtime = RUNTIME_GLM;
	spec.task = TASK_BINARY;
	spec.features = features;
	spec.nfeatures = 4;
	ok(model_load(&m, &spec) == 0, "load a GLM");
	ok(model_predict(m, x, 2, y) == 0, "GLM predicts");
	/* 0.5 + 2*1 - 1*2 = 0.5; 1/(1+e^-0.5) */
	is_num(y[0], 0.62245933120185459, 1e-15, "logit by hand");
	is_num(y[1], 0.62245933120185459, 1e-15, "all-zero row: the intercept");
	model_free(m);
	spec.task = TASK_REGRESSION;
	ok(model_load(&m, &spec) == MLOPS_EINPUT, "a logit GLM does not fit regression");
	unlink(path);
	rmdir(dir);
}

static void test_metrics(void)
{
	/* Ranks 1..4 for scores .1 .4 .35 .8, labels 0 0 1 1: AUC 0.75.
	 * The sklearn cross-checks are in test_metrics. */
	double s[] = { 0.1, 0.4, 0.35, 0.8 }, v[] = { 1, 2, 3 }, t[] = { 1, 2, 5 };
	int32_t y[] = { 0, 0, 1, 1 }, pred[] = { 0, 0, 0, 1 };
	struct class_rows r = { 4, 2, 1, y, pred, s };
	struct metric_value m[METRICS_MAX];
	double q[] = { 5, 1, 4, 2, 3 };

	is_num(metric_roc_auc(s, 1, y, 1, 4), 0.75, 1e-12, "AUC");
	metrics_classification(&r, m);
	is_num(m[0].value, 0.75, 1e-12, "accuracy");
	is_num(m[1].value, 1.0, 1e-12, "precision");
	is_num(m[2].value, 0.5, 1e-12, "recall");
	is_num(m[5].value, (-log(0.9) - log(0.6) - log(0.35) - log(0.8)) / 4,
	       1e-12, "log loss");
	metrics_regression(v, t, 3, m);
	is_num(m[0].value, sqrt(4.0 / 3), 1e-12, "rmse");
	is_num(m[1].value, 2.0 / 3, 1e-12, "mae");
	is_num(quantile(q, 5, 0.95), 4.8, 1e-12, "p95 interpolates");
}

int main(void)
{
	const char *src = getenv("MLOPS_SRC");

	test_concurrent(src ? src : ".");
	test_native(src ? src : ".");
	test_glm();
	test_metrics();
	return done_testing();
}
