/* TreeSHAP (lib/model/treeshap.c) against exact Shapley values computed
 * by brute force over every subset of features, with the path-dependent
 * value function TreeSHAP defines, on random trees (features split on
 * again down a path, covers of 0 included); model_explain_top's order;
 * model_explain from several threads at once. */
#include <pthread.h>

#include "lib/core/error.h"
#include "lib/model/model.h"
#include "lib/model/treeshap.h"
#include "tap.h"

#define NF 5

static unsigned long rnd_state = 12345;

static unsigned rnd(unsigned n)
{
	rnd_state = rnd_state * 6364136223846793005ul + 1442695040888963407ul;
	return (unsigned)((rnd_state >> 33) % n);
}

/* A node's split: x[feature] < thr goes left. */
static double thr[64];

static int decide(const void *ctx, size_t tree, uint32_t node,
		  const double *row)
{
	const struct shap_forest *f = ctx;

	return !(row[f->trees[tree].feature[node]] < thr[node]);
}

/* A random full tree of depth d from node *next, into t; covers random
 * integers (0 sometimes), a split's the sum of its children's. */
static uint32_t grow(struct shap_tree *t, uint32_t *next, int d)
{
	uint32_t n = (*next)++;

	if (!d) {
		t->kids[2 * n] = t->kids[2 * n + 1] = SHAP_LEAF;
		t->value[n] = (double)rnd(2000) / 100 - 10;
		t->cover[n] = rnd(5) ? 1 + rnd(20) : 0;
		return n;
	}
	t->feature[n] = rnd(NF);
	thr[n] = (double)rnd(100) / 100;
	t->kids[2 * n] = grow(t, next, d - 1);
	t->kids[2 * n + 1] = grow(t, next, d - 1);
	t->cover[n] = t->cover[t->kids[2 * n]] + t->cover[t->kids[2 * n + 1]];
	return n;
}

/* The tree's expectation with the features in mask fixed at x. */
static double value(const struct shap_tree *t, uint32_t n, const double *x,
		    unsigned mask)
{
	uint32_t l = t->kids[2 * n], r = t->kids[2 * n + 1];

	if (l == SHAP_LEAF)
		return t->value[n];
	if (mask & (1u << t->feature[n]))
		return value(t, x[t->feature[n]] < thr[n] ? l : r, x, mask);
	if (t->cover[n] == 0)
		return 0;
	return (t->cover[l] * value(t, l, x, mask) +
		t->cover[r] * value(t, r, x, mask)) / t->cover[n];
}

static double fact(int n)
{
	return n <= 1 ? 1 : n * fact(n - 1);
}

static void brute(const struct shap_tree *t, const double *x, double *phi)
{
	unsigned s, i;

	for (i = 0; i <= NF; i++)
		phi[i] = 0;
	phi[NF] = value(t, 0, x, 0);
	for (i = 0; i < NF; i++)
		for (s = 0; s < (1u << NF); s++) {
			int k = __builtin_popcount(s);

			if (s & (1u << i))
				continue;
			phi[i] += fact(k) * fact(NF - k - 1) / fact(NF) *
				  (value(t, 0, x, s | (1u << i)) -
				   value(t, 0, x, s));
		}
}

static void test_random_trees(void)
{
	int trial, worst_trial = -1;
	double worst = 0;

	for (trial = 0; trial < 200; trial++) {
		struct shap_forest *f = shap_forest_new(1, NF);
		struct shap_tree *t = shap_forest_add(f, 31);
		uint32_t next = 0;
		double x[NF], got[NF + 1], want[NF + 1];
		int i;

		f->decide = decide;
		f->ctx = f;
		grow(t, &next, 4);
		for (i = 0; i < NF; i++)
			x[i] = (double)rnd(100) / 100;
		if (shap_forest_check(f, "a random tree") ||
		    shap_forest_explain(f, x, 1, got, 1)) {
			ok(0, "random tree %d: %s", trial,
			   mlops_error_last()->message);
			shap_forest_free(f);
			return;
		}
		brute(t, x, want);
		for (i = 0; i <= NF; i++) /* a NaN stays the worst */
			if (!isnan(worst) && !(fabs(got[i] - want[i]) <= worst)) {
				worst = fabs(got[i] - want[i]);
				worst_trial = trial;
			}
		shap_forest_free(f);
	}
	if (!ok(worst < 1e-12, "200 random trees of depth 4 over %d features "
		"(repeated splits, zero covers): TreeSHAP is the exact Shapley "
		"value", NF))
		printf("#   worst difference %g in trial %d\n", worst,
		       worst_trial);
}

/* A branch no training data reached: the hot side (its value counts
 * fully) and the cold side (nothing from it, no 0 / 0). */
static void test_zero_cover(void)
{
	struct shap_forest *f = shap_forest_new(1, NF);
	struct shap_tree *t = shap_forest_add(f, 3);
	double left[NF] = { 0 }, right[NF] = { 1 }, phi[NF + 1];

	f->decide = decide;
	f->ctx = f;
	thr[0] = 0.5;
	t->kids[0] = 1;
	t->kids[1] = 2;
	t->kids[2] = t->kids[3] = t->kids[4] = t->kids[5] = SHAP_LEAF;
	t->cover[0] = 10;
	t->cover[1] = 10;
	t->cover[2] = 0;
	t->value[1] = 1;
	t->value[2] = 5;
	ok(shap_forest_check(f, "zero cover") == 0, "a tree with a cover of 0");
	shap_forest_explain(f, right, 1, phi, 1);
	ok(phi[0] == 4 && phi[NF] == 1, "to the empty branch: 4 + bias 1 "
	   "(got %g, %g)", phi[0], phi[NF]);
	shap_forest_explain(f, left, 1, phi, 1);
	ok(phi[0] == 0 && phi[NF] == 1, "away from it: 0 + bias 1 (got %g, "
	   "%g)", phi[0], phi[NF]);
	t->cover[1] = -1;
	ok(shap_forest_check(f, "a model") != 0 &&
	   strstr(mlops_error_last()->message, "tree 0, node 1: its cover is "
		  "negative"), "a negative cover is refused, naming the node");
	t->cover[1] = 10;
	t->kids[1] = 1; /* both children the same node */
	ok(shap_forest_check(f, "a model") != 0 &&
	   strstr(mlops_error_last()->message, "do not form a tree"),
	   "children that are not a tree are refused");
	shap_forest_free(f);
}

static void test_top(void)
{
	const double phi[] = { 0.5, -2, 2, 0, -0.5, 1 };
	size_t idx[6], n;

	n = model_explain_top(phi, 6, 4, idx);
	ok(n == 4 && idx[0] == 1 && idx[1] == 2 && idx[2] == 5 && idx[3] == 0,
	   "top 4 by size, ties in feature order (%zu: %zu %zu %zu %zu)", n,
	   idx[0], idx[1], idx[2], idx[3]);
	n = model_explain_top(phi, 6, 1, idx);
	ok(n == 1 && idx[0] == 1, "top 1 of 6 (the selection path)");
	n = model_explain_top(phi, 6, 10, idx);
	ok(n == 6 && idx[4] == 4 && idx[5] == 3, "more than there are: all, "
	   "the 0 last");
}

#define ROWS 200
static struct model *shared;
static double X[ROWS * 4], want[ROWS * 15];

static void *work(void *arg)
{
	int *bad = arg, c;
	double got[ROWS * 15];

	for (c = 0; c < 20; c++) {
		if (model_explain(shared, X, ROWS, got) < 0) {
			(*bad)++;
			continue;
		}
		*bad += memcmp(got, want, sizeof(got)) != 0;
	}
	mlops_error_thread_exit();
	return NULL;
}

/* The first explanation prepares under a lock: four threads asking at
 * once, then again, all get one thread's numbers. */
static void test_concurrent(const char *src)
{
	static const char *const features[] = { "f0", "f1", "f2", "f3" };
	struct model_spec spec = { 0 };
	struct model *one;
	pthread_t t[4];
	int bad[4] = { 0 }, i, sum = 0;
	char path[4096];

	snprintf(path, sizeof(path), "%s/tests/fixtures/models/softprob.json",
		 src);
	spec.path = path;
	spec.runtime = RUNTIME_XGBOOST;
	spec.task = TASK_MULTICLASS;
	spec.features = features;
	spec.nfeatures = 4;
	spec.nthread = 2;
	for (i = 0; i < ROWS * 4; i++)
		X[i] = i % 17 == 0 ? NAN : (double)((i * 7919) % 200) / 50 - 2;
	if (!ok(model_load(&one, &spec) == 0 && model_load(&shared, &spec) == 0,
		"load the softprob fixture twice"))
		return;
	ok(model_explain_width(one) == 15, "3 classes of 4 inputs and a bias");
	ok(model_explain(one, X, ROWS, want) == 0, "explain on one thread");
	for (i = 0; i < 4; i++)
		pthread_create(&t[i], NULL, work, &bad[i]);
	for (i = 0; i < 4; i++) {
		pthread_join(t[i], NULL);
		sum += bad[i];
	}
	ok(sum == 0, "four threads explaining at once, from the first call: "
	   "the same numbers (%d differ)", sum);
	model_free(one);
	model_free(shared);
}

int main(void)
{
	const char *src = getenv("MLOPS_SRC");

	test_random_trees();
	test_zero_cover();
	test_top();
	test_concurrent(src ? src : ".");
	return done_testing();
}
