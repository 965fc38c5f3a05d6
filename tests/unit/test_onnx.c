/* The ONNX runtime. Operator level: every model in
 * tests/fixtures/onnx-ops (made by make-ops.py) is run on its feeds and
 * each output compared with what onnxruntime 1.17 gave (expect-ops.js);
 * the broken ones must fail with the message their .json names. Model
 * level: the signature mapping, task checks, labels, threads, and the
 * sklearn-made models of tests/fixtures/onnx against sklearn's numbers. */
#include <dirent.h>
#include <jansson.h>
#include <pthread.h>

#include "lib/core/error.h"
#include "lib/core/fsutil.h"
#include "lib/core/strbuf.h"
#include "lib/descriptor/descriptor.h"
#include "lib/model/model.h"
#include "lib/model/onnx/onnx_rt.h"
#include "tap.h"

#define TOL 1e-6

static char ops_dir[4096], skl_dir[4096];

static int elem_of(const char *t)
{
	static const struct { const char *name; int elem; } map[] = {
		{ "float", OX_FLOAT },   { "float32", OX_FLOAT },
		{ "double", OX_DOUBLE }, { "float64", OX_DOUBLE },
		{ "int64", OX_INT64 },   { "int32", OX_INT32 },
		{ "bool", OX_BOOL },     { "string", OX_STRING },
	};
	size_t i;

	for (i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (!strcmp(map[i].name, t))
			return map[i].elem;
	return OX_UNDEF;
}

/* A feed from its JSON; strings point into the JSON. */
static int feed_tensor(struct ox_tensor *t, const json_t *f)
{
	const json_t *dims = json_object_get(f, "dims"), *data, *x;
	int64_t d[OX_MAX_RANK];
	size_t i;
	int rank = (int)json_array_size(dims), rc;

	for (i = 0; i < (size_t)rank; i++)
		d[i] = json_integer_value(json_array_get(dims, i));
	rc = ox_tensor_alloc(t, elem_of(json_string_value(
				     json_object_get(f, "type"))), rank, d);
	if (rc)
		return rc;
	data = json_object_get(f, "data");
	json_array_foreach(data, i, x) {
		if (i >= t->n)
			break;
		if (t->elem == OX_STRING)
			((const char **)t->data)[i] = json_string_value(x);
		else if (json_is_true(x) || json_is_false(x))
			ox_set(t, i, json_is_true(x));
		else if (t->elem == OX_INT64)
			((int64_t *)t->data)[i] = json_integer_value(x);
		else
			ox_set(t, i, json_is_null(x) ? NAN : json_number_value(x));
	}
	return 0;
}

static json_t *load_json(const char *dir, const char *name, const char *ext)
{
	char path[4200];

	snprintf(path, sizeof(path), "%s/%s%s", dir, name, ext);
	return json_load_file(path, 0, NULL);
}

static int same_number(double got, const json_t *want)
{
	double w;

	if (json_is_null(want))
		return isnan(got);
	w = json_number_value(want);
	return fabs(got - w) <= TOL * (fabs(w) > 1 ? fabs(w) : 1);
}

static void compare(const char *name, const char *out,
		    const struct ox_tensor *t, const json_t *want)
{
	const json_t *dims = json_object_get(want, "dims");
	const json_t *data = json_object_get(want, "data"), *x;
	size_t i, bad = 0, first = 0;
	int rank_ok = t->data && (size_t)t->rank == json_array_size(dims);

	for (i = 0; rank_ok && i < (size_t)t->rank; i++)
		if (t->dims[i] != json_integer_value(json_array_get(dims, i)))
			rank_ok = 0;
	if (!ok(rank_ok && t->n == json_array_size(data), "%s: %s shape",
		name, out))
		return;
	json_array_foreach(data, i, x) {
		int same;

		if (t->elem == OX_STRING)
			same = json_is_string(x) &&
			       !strcmp(((const char **)t->data)[i],
				       json_string_value(x));
		else
			same = same_number(ox_get(t, i), x);
		if (!same && !bad++)
			first = i;
	}
	if (!ok(!bad, "%s: %s values", name, out)) {
		x = json_array_get(data, first);
		if (t->elem == OX_STRING)
			printf("#   [%zu] got '%s', want '%s'\n", first,
			       ((const char **)t->data)[first],
			       json_string_value(x));
		else
			printf("#   [%zu] got %.9g, want %.9g (%zu bad)\n",
			       first, ox_get(t, first),
			       json_is_null(x) ? NAN : json_number_value(x),
			       bad);
	}
}

/* Loads, then runs on the feeds: 0, or the error code with the message
 * left in mlops_error_last(). */
static int run_case(const char *name, const json_t *meta, const json_t *want)
{
	struct ox_graph *g = NULL;
	struct ox_tensor *vals = NULL;
	const json_t *feeds = json_object_get(meta, "feeds"), *f;
	const char *key;
	char path[4200];
	int rc;

	snprintf(path, sizeof(path), "%s/%s.onnx", ops_dir, name);
	rc = ox_graph_load(&g, path);
	if (rc)
		return rc;
	ox_graph_mark_live(g, g->outputs, g->noutputs);
	vals = xcalloc(g->nvalues + 1, sizeof(*vals));
	json_object_foreach((json_t *)feeds, key, f) {
		int v = ox_value_find(g, key);

		if (v < 0 || (rc = feed_tensor(&vals[v], f)))
			break;
	}
	if (!rc)
		rc = ox_graph_run(g, vals);
	if (!rc && want) {
		const json_t *outs = json_object_get(want, "outputs"), *o;

		json_object_foreach((json_t *)outs, key, o) {
			int v = ox_value_find(g, key);

			if (!ok(v >= 0, "%s: output %s exists", name, key))
				continue;
			compare(name, key, &vals[v], o);
		}
	}
	ox_vals_free(g, vals);
	free(vals);
	ox_graph_free(g);
	return rc;
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void test_operators(void)
{
	DIR *d = opendir(ops_dir);
	struct dirent *de;
	char **names = NULL;
	size_t n = 0, i, failures = 0, cases = 0;

	if (!ok(d != NULL, "open %s", ops_dir))
		return;
	while ((de = readdir(d))) {
		size_t len = strlen(de->d_name);

		if (len > 5 && !strcmp(de->d_name + len - 5, ".onnx")) {
			names = realloc(names, (n + 1) * sizeof(*names));
			names[n++] = xstrndup(de->d_name, len - 5);
		}
	}
	closedir(d);
	qsort(names, n, sizeof(*names), by_name);
	for (i = 0; i < n; i++) {
		json_t *meta = load_json(ops_dir, names[i], ".json");
		json_t *want = load_json(ops_dir, names[i], ".expected.json");
		const char *err = json_string_value(json_object_get(meta,
								    "error"));
		int rc;

		cases++;
		mlops_error_clear();
		rc = run_case(names[i], meta, err ? NULL : want);
		if (err) {
			ok(rc < 0, "%s: refused", names[i]);
			like(mlops_error_last()->message, err, names[i]);
		} else if (!ok(rc == 0, "%s: runs", names[i])) {
			printf("#   %s\n", mlops_error_last()->message);
			failures++;
		}
		json_decref(meta);
		json_decref(want);
		free(names[i]);
	}
	free(names);
	ok(cases >= 100, "%zu operator cases (%zu failed to run)", cases,
	   failures);
}

/* Model level, through model_load: spec features f0..f2 by default. */
static const char *const f3[] = { "f0", "f1", "f2" };

static int load_model(struct model **m, const char *name, enum model_task task,
		      int nclasses, const char *const *feat, size_t nfeat,
		      const struct field *fields)
{
	struct model_spec spec = { 0 };
	char path[4200];

	snprintf(path, sizeof(path), "%s/%s.onnx", ops_dir, name);
	spec.path = path;
	spec.runtime = RUNTIME_ONNX;
	spec.task = task;
	spec.nclasses = nclasses;
	spec.features = feat;
	spec.nfeatures = nfeat;
	spec.fields = fields;
	mlops_error_clear();
	return model_load(m, &spec);
}

/* The rows of the fixture's float [N, 3] feed X, as doubles. */
static size_t fixture_rows(const char *name, double *rows, size_t max)
{
	json_t *meta = load_json(ops_dir, name, ".json");
	const json_t *data = json_object_get(json_object_get(
		json_object_get(meta, "feeds"), "X"), "data"), *x;
	size_t i, n = 0;

	json_array_foreach(data, i, x) {
		if (i >= max)
			break;
		rows[n++] = json_is_null(x) ? NAN : json_number_value(x);
	}
	json_decref(meta);
	return n;
}

static const json_t *expected_out(json_t *want, const char *out)
{
	return json_object_get(json_object_get(json_object_get(want,
							       "outputs"),
					       out), "data");
}

static void test_model_level(void)
{
	struct model *m = NULL;
	double rows[64], y[64];
	size_t n, i, bad;
	json_t *want;

	n = fixture_rows("tree_cls3_softmax", rows, 64) / 3;
	ok(load_model(&m, "tree_cls3_softmax", TASK_MULTICLASS, 3, f3, 3,
		      NULL) == 0, "multiclass tree: loads");
	if (m) {
		want = load_json(ops_dir, "tree_cls3_softmax", ".expected.json");
		is_int(m->noutputs, 3, "multiclass: 3 outputs");
		is_int(m->nlabels, 3, "multiclass: 3 labels");
		is_str(m->nlabels ? m->labels[2] : NULL, "12",
		       "int64 labels as decimal");
		like(m->description, "TreeEnsembleClassifier",
		     "description names the operator");
		is_int(m->digits, 7, "float outputs: 7 digits");
		ok(model_predict(m, rows, n, y) == 0, "multiclass: predicts");
		for (i = bad = 0; i < n * 3; i++)
			bad += !same_number(y[i], json_array_get(
				expected_out(want, "P"), i));
		is_int(bad, 0, "multiclass: the probabilities onnxruntime gave");
		json_decref(want);
		model_free(m);
		m = NULL;
	}
	ok(load_model(&m, "tree_bin_single_logistic", TASK_BINARY, 0, f3, 3,
		      NULL) == 0, "binary tree (one class's weights): loads");
	if (m) {
		want = load_json(ops_dir, "tree_bin_single_logistic",
				 ".expected.json");
		is_int(m->noutputs, 1, "binary: 1 output");
		is_str(m->nlabels == 2 ? m->labels[1] : NULL, "c1",
		       "binary: string labels");
		ok(model_predict(m, rows, n, y) == 0, "binary: predicts");
		for (i = bad = 0; i < n; i++)
			bad += !same_number(y[i], json_array_get(
				expected_out(want, "P"), i * 2 + 1));
		is_int(bad, 0, "binary: P(second class) as onnxruntime");
		json_decref(want);
		model_free(m);
		m = NULL;
	}
	ok(load_model(&m, "tree_reg_base", TASK_REGRESSION, 0, f3, 3, NULL) ==
		   0, "regression tree: loads");
	if (m) {
		want = load_json(ops_dir, "tree_reg_base", ".expected.json");
		ok(model_predict(m, rows, n, y) == 0, "regression: predicts");
		for (i = bad = 0; i < n; i++)
			bad += !same_number(y[i], json_array_get(
				expected_out(want, "Y"), i));
		is_int(bad, 0, "regression: the values onnxruntime gave");
		ok(m->nlabels == 0, "regression: no labels");
		json_decref(want);
		model_free(m);
		m = NULL;
	}
	ok(load_model(&m, "tree_cls3_none", TASK_BINARY, 0, f3, 3, NULL) < 0,
	   "3 classes for a binary task: refused");
	like(mlops_error_last()->message, "has 3 classes", "says so");
	ok(load_model(&m, "tree_cls3_none", TASK_MULTICLASS, 4, f3, 3, NULL) <
		   0, "3 classes, descriptor says 4: refused");
	like(mlops_error_last()->message, "descriptor says 4", "says so");
	ok(load_model(&m, "tree_cls3_none", TASK_REGRESSION, 0, f3, 3, NULL) <
		   0, "a classifier for regression: refused");
	like(mlops_error_last()->message, "is a classifier", "says so");
	ok(load_model(&m, "tree_reg_base", TASK_BINARY, 0, f3, 3, NULL) < 0,
	   "a regressor for a binary task: refused");
	like(mlops_error_last()->message, "is a regressor", "says so");
	ok(load_model(&m, "tree_reg_2targets_min", TASK_MULTICLASS, 0, f3, 3,
		      NULL) < 0, "a 2-target regressor for a multiclass task: "
	   "refused");
	ok(load_model(&m, "tree_reg_branch_leq", TASK_REGRESSION, 0, f3, 2, NULL) < 0,
	   "2 signature inputs for a [N, 3] graph input: refused");
	like(mlops_error_last()->message, "graph inputs: X: float[N, 3]",
	     "lists the graph inputs");
	like(mlops_error_last()->message, "signature inputs: f0, f1",
	     "and the signature's");
	{
		static const char *const ac[] = { "A", "C" };
		static const char *const ab[] = { "A", "B", "C" };

		ok(load_model(&m, "feature_vectorizer", TASK_MULTICLASS, 4, ac,
			      2, NULL) < 0, "by name: a graph input the "
		   "signature lacks: refused");
		like(mlops_error_last()->message, "graph input 'B' is not in "
		     "the signature", "names it");
		ok(load_model(&m, "feature_vectorizer", TASK_MULTICLASS, 4, ab,
			      3, NULL) < 0, "by name: a signature input the "
		   "graph lacks: refused");
		like(mlops_error_last()->message, "signature inputs: A, B, C",
		     "lists both");
	}
	ok(load_model(&m, "zipmap", TASK_BINARY, 0, f3, 3, NULL) == 0,
	   "a classifier with ZipMap: loads");
	if (m) {
		is_str(m->nlabels == 2 ? m->labels[0] : NULL, "a",
		       "ZipMap's labels");
		like(m->description, "ZipMap", "description");
		model_free(m);
		m = NULL;
	}
}

/* String inputs take the category's value; NaN is "". */
static void test_categories(void)
{
	static char *values[] = { "c", "a", "b" };
	static const char *const names[] = { "X" };
	struct field field = { 0 };
	struct model *m = NULL;
	double rows[4] = { 1, 2, 0, NAN }, y[4];

	field.name = "X";
	field.type = VT_CATEGORY;
	field.values = values;
	field.nvalues = 3;
	ok(load_model(&m, "labelenc2_s2f", TASK_REGRESSION, 0, names, 1,
		      &field) == 0, "string input fed from a category");
	if (!m) {
		printf("# %s\n", mlops_error_last()->message);
		return;
	}
	ok(model_predict(m, rows, 4, y) == 0, "predicts");
	is_num(y[0], 0.5, 0, "a -> 0.5");
	is_num(y[1], 1.5, 0, "b -> 1.5");
	is_num(y[2], 2.5, 0, "c -> 2.5");
	is_num(y[3], -1, 0, "missing -> '' -> the default");
	rows[0] = 7;
	ok(model_predict(m, rows, 1, y) < 0, "an index past the categories: "
	   "refused");
	model_free(m);
	field.type = VT_FLOAT;
	ok(load_model(&m, "labelenc2_s2f", TASK_REGRESSION, 0, names, 1,
		      &field) < 0, "string input for a float field: refused");
	like(mlops_error_last()->message, "is not a category", "says so");
}

static struct model *shared;
static double trows[3000 * 3], tref[3000 * 3];

static void *work(void *arg)
{
	double *y = malloc(sizeof(tref));
	int c, *bad = arg;

	for (c = 0; c < 20; c++) {
		size_t n = c % 2 ? 3000 : 7;

		if (model_predict(shared, trows, n, y) ||
		    memcmp(y, tref, n * 3 * sizeof(double)))
			(*bad)++;
	}
	free(y);
	mlops_error_thread_exit();
	return NULL;
}

static void test_threads(void)
{
	pthread_t t[4];
	int bad[4] = { 0 }, i, total = 0;

	if (load_model(&shared, "tree_cls3_softmax", TASK_MULTICLASS, 3, f3, 3,
		       NULL))
		return;
	for (i = 0; i < 3000 * 3; i++)
		trows[i] = i % 17 == 0 ? NAN : (double)((i * 7919) % 400) / 97.0 - 2;
	ok(model_predict(shared, trows, 3000, tref) == 0, "3000 rows (chunks)");
	for (i = 0; i < 4; i++)
		pthread_create(&t[i], NULL, work, &bad[i]);
	for (i = 0; i < 4; i++) {
		pthread_join(t[i], NULL);
		total += bad[i];
	}
	is_int(total, 0, "4 threads: the same predictions as one");
	model_free(shared);
}

/* The few keys of the fixtures' mlops.yaml fragments this test needs:
 * model.path, model.task, model.labels, signature.inputs. */
struct skl {
	char path[256];
	enum model_task task;
	char *labels[16];
	size_t nlabels;
	struct field inputs[32];
	size_t ninputs;
};

static size_t list_items(char *p, char **out, size_t max)
{
	size_t n = 0;
	char *end = strchr(p, ']');

	if (end)
		*end = '\0';
	while (p && *p && n < max) {
		char *c = strchr(p, ',');

		if (c)
			*c = '\0';
		while (*p == ' ')
			p++;
		out[n++] = xstrdup(p);
		p = c ? c + 1 : NULL;
	}
	return n;
}

static int skl_read(struct skl *k, const char *file)
{
	char line[1024];
	FILE *f = fopen(file, "r");

	memset(k, 0, sizeof(*k));
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		char *p;

		line[strcspn(line, "\r\n")] = '\0';
		if ((p = strstr(line, "path: ")) && line[0] == ' ')
			snprintf(k->path, sizeof(k->path), "%s", p + 6);
		else if ((p = strstr(line, "task: ")))
			k->task = !strcmp(p + 6, "regression") ? TASK_REGRESSION
				: !strcmp(p + 6, "multiclass") ? TASK_MULTICLASS
							       : TASK_BINARY;
		else if ((p = strstr(line, "labels: [")))
			k->nlabels = list_items(p + 9, k->labels, 16);
		else if ((p = strstr(line, "- {name: ")) && k->ninputs < 32 &&
			 !strstr(line, "prediction") &&
			 !strstr(line, "probability")) {
			struct field *fd = &k->inputs[k->ninputs++];
			char *v = strstr(p, "values: [");

			fd->name = xstrndup(p + 9, strcspn(p + 9, ","));
			fd->type = strstr(p, "type: category") ? VT_CATEGORY
							       : VT_FLOAT;
			if (v) {
				fd->values = xcalloc(64, sizeof(char *));
				fd->nvalues = list_items(v + 9, fd->values, 64);
			}
		}
	}
	fclose(f);
	return k->path[0] && k->ninputs ? 0 : -1;
}

static void skl_free(struct skl *k)
{
	size_t i;

	for (i = 0; i < k->nlabels; i++)
		free(k->labels[i]);
	for (i = 0; i < k->ninputs; i++) {
		free(k->inputs[i].name);
		ox_strings_free(k->inputs[i].values, k->inputs[i].nvalues);
	}
}

/* One CSV line split at commas (the fixtures quote nothing). */
static size_t split_csv(char *line, char **cells, size_t max)
{
	size_t n = 0;
	char *p = line;

	line[strcspn(line, "\r\n")] = '\0';
	while (n < max) {
		cells[n++] = p;
		p = strchr(p, ',');
		if (!p)
			break;
		*p++ = '\0';
	}
	return n;
}

static double cell_value(const struct field *f, const char *s)
{
	size_t i;

	if (!*s)
		return NAN;
	if (f->type != VT_CATEGORY)
		return strtod(s, NULL);
	for (i = 0; i < f->nvalues; i++)
		if (!strcmp(f->values[i], s))
			return (double)i;
	return NAN; /* unseen categories: the model encodes them as zeros */
}

/* rows.csv into doubles in signature order; expected.csv into the
 * numbers mlops must give. */
static size_t read_fixture(const char *name, const struct skl *d,
			   size_t nout, double **rows, double **want)
{
	char path[4200], line[8192], *cells[64], *head[64];
	char hline[8192];
	FILE *f;
	size_t n = 0, i, j, nc, nh;

	*rows = *want = NULL;
	snprintf(path, sizeof(path), "%s/%s.rows.csv", skl_dir, name);
	f = fopen(path, "r");
	if (!f || !fgets(hline, sizeof(hline), f))
		return 0;
	nh = split_csv(hline, head, 64);
	while (fgets(line, sizeof(line), f)) {
		nc = split_csv(line, cells, 64);
		*rows = realloc(*rows, (n + 1) * d->ninputs * sizeof(double));
		for (i = 0; i < d->ninputs; i++) {
			double v = NAN;

			for (j = 0; j < nh && j < nc; j++)
				if (!strcmp(head[j], d->inputs[i].name))
					v = cell_value(&d->inputs[i], cells[j]);
			(*rows)[n * d->ninputs + i] = v;
		}
		n++;
	}
	fclose(f);
	snprintf(path, sizeof(path), "%s/%s.expected.csv", skl_dir, name);
	f = fopen(path, "r");
	if (!f || !fgets(hline, sizeof(hline), f))
		return 0;
	nh = split_csv(hline, head, 64);
	*want = calloc(n * nout + 1, sizeof(double));
	for (i = 0; i < n && fgets(line, sizeof(line), f); i++) {
		size_t k = 0;

		nc = split_csv(line, cells, 64);
		/* every column but the prediction; binary: the last one */
		for (j = nh > 1 ? 1 : 0; j < nc; j++) {
			if (nout == 1 && j + 1 < nc && nh > 1)
				continue;
			if (k < nout)
				(*want)[i * nout + k++] = strtod(cells[j], NULL);
		}
	}
	fclose(f);
	return n;
}

static void sklearn_one(const char *name)
{
	struct skl sk, *d = &sk;
	struct model_spec spec = { 0 };
	struct model *m = NULL;
	const char **feat;
	char path[4200], *model_path;
	double *rows = NULL, *want = NULL, *y, worst = 0;
	size_t i, n;

	snprintf(path, sizeof(path), "%s/%s.yaml", skl_dir, name);
	if (!ok(skl_read(d, path) == 0, "%s: descriptor", name))
		return;
	feat = calloc(d->ninputs + 1, sizeof(char *));
	for (i = 0; i < d->ninputs; i++)
		feat[i] = d->inputs[i].name;
	model_path = fs_join(skl_dir, d->path);
	spec.path = model_path;
	spec.runtime = RUNTIME_ONNX;
	spec.task = d->task;
	spec.nclasses = d->task == TASK_MULTICLASS ? (int)d->nlabels : 0;
	spec.features = feat;
	spec.fields = d->inputs;
	spec.nfeatures = d->ninputs;
	if (!ok(model_load(&m, &spec) == 0, "%s: loads", name)) {
		printf("#   %s\n", mlops_error_last()->message);
		goto done;
	}
	for (i = 0; i < d->nlabels && i < m->nlabels; i++)
		if (strcmp(d->labels[i], m->labels[i]))
			break;
	ok(!m->nlabels || (m->nlabels == d->nlabels && i == d->nlabels),
	   "%s: labels", name);
	n = read_fixture(name, d, m->noutputs, &rows, &want);
	y = calloc(n * m->noutputs + 1, sizeof(double));
	ok(n && model_predict(m, rows, n, y) == 0, "%s: predicts %zu rows",
	   name, n);
	for (i = 0; i < n * m->noutputs; i++) {
		double e = fabs(y[i] - want[i]) /
			   (fabs(want[i]) > 1 ? fabs(want[i]) : 1);

		if (e > worst || isnan(e))
			worst = isnan(e) ? INFINITY : e;
	}
	/* the MLP's float matrix products drift a little further, as in
	 * tests/cli/t0520-predict-onnx.sh */
	if (!ok(worst <= (strstr(name, "mlp") ? 2e-6 : 1e-6),
		"%s: as sklearn (worst %.3g)", name, worst))
		for (i = 0; i < n * m->noutputs && i < 6; i++)
			printf("#   %.9g vs %.9g\n", y[i], want[i]);
	free(y);
done:
	model_free(m);
	free(rows);
	free(want);
	free(model_path);
	free(feat);
	skl_free(d);
}

static void test_sklearn(void)
{
	DIR *dir = opendir(skl_dir);
	struct dirent *de;
	char **names = NULL;
	size_t n = 0, i;

	if (!dir) {
		ok(1, "# SKIP no %s yet", skl_dir);
		return;
	}
	while ((de = readdir(dir))) {
		size_t len = strlen(de->d_name);

		if (len > 5 && !strcmp(de->d_name + len - 5, ".yaml")) {
			names = realloc(names, (n + 1) * sizeof(*names));
			names[n++] = xstrndup(de->d_name, len - 5);
		}
	}
	closedir(dir);
	qsort(names, n, sizeof(*names), by_name);
	for (i = 0; i < n; i++) {
		sklearn_one(names[i]);
		free(names[i]);
	}
	free(names);
}

int main(void)
{
	const char *src = getenv("MLOPS_SRC");

	snprintf(ops_dir, sizeof(ops_dir), "%s/tests/fixtures/onnx-ops",
		 src ? src : ".");
	snprintf(skl_dir, sizeof(skl_dir), "%s/tests/fixtures/onnx",
		 src ? src : ".");
	test_operators();
	test_model_level();
	test_categories();
	test_threads();
	test_sklearn();
	return done_testing();
}
