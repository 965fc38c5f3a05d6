#include "lgbm.h"

#include <errno.h>
#include <jansson.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../core/error.h"
#include "../core/number.h"
#include "../core/strbuf.h"

#define MAX_LEAVES (1u << 24)
#define MAX_FEATURES (1u << 20)
#define MAX_TREES (1u << 24)
#define LGBM_MAX_CLASSES 10000

struct parse {
	const char *what;
	size_t line;
};

static int bad(const struct parse *p, const char *fmt, const char *arg)
{
	return mlops_error_set(MLOPS_EINPUT, "'%s' line %zu: not a LightGBM "
			       "model: %s%s", p->what, p->line, fmt,
			       arg ? arg : "");
}

/* key=value lines: a view of one line's value. */
struct kv {
	const char *key;
	const char *val; /* NUL-terminated copy */
	size_t line;
};

static int count_words(const char *s)
{
	int n = 0;

	while (*s) {
		while (*s == ' ')
			s++;
		if (!*s)
			break;
		n++;
		while (*s && *s != ' ')
			s++;
	}
	return n;
}

/* A list's length is checked before anything is allocated for it: the
 * counts in a model never make mlops allocate more than the text holds. */
static int want_words(const struct parse *p, const char *key, const char *s,
		      size_t n)
{
	if (!s)
		return bad(p, "a tree without ", key);
	return (size_t)count_words(s) == n
		       ? 0
		       : bad(p, "the wrong number of values in ", key);
}

/* Space-separated numbers into n doubles: exactly n. */
static int doubles(const struct parse *p, const char *key, const char *s,
		   double *out, size_t n)
{
	size_t i;
	char *end;

	for (i = 0; i < n; i++) {
		while (*s == ' ')
			s++;
		errno = 0;
		out[i] = strtod(s, &end);
		if (end == s || isnan(out[i]))
			return bad(p, "a bad number in ", key);
		s = end;
	}
	while (*s == ' ')
		s++;
	return *s ? bad(p, "more values than expected in ", key) : 0;
}

static int integers(const struct parse *p, const char *key, const char *s,
		    long long *out, size_t n, long long lo, long long hi)
{
	size_t i;
	char *end;

	for (i = 0; i < n; i++) {
		while (*s == ' ')
			s++;
		errno = 0;
		out[i] = strtoll(s, &end, 10);
		if (end == s || errno || out[i] < lo || out[i] > hi)
			return bad(p, "a bad or out-of-range integer in ", key);
		s = end;
	}
	while (*s == ' ')
		s++;
	return *s ? bad(p, "more values than expected in ", key) : 0;
}

static const char *get(const struct kv *kv, size_t n, const char *key)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!strcmp(kv[i].key, key))
			return kv[i].val;
	return NULL;
}

/* The tree's internal nodes form one tree rooted at 0: every node but
 * the root is some node's child exactly once, every leaf too. */
static int check_shape(const struct parse *p, const struct lgbm_tree *t)
{
	uint32_t n = t->nleaves - 1, i;
	uint8_t *seen = xcalloc((size_t)n + t->nleaves, 1);
	int rc = 0;

	for (i = 0; i < n && !rc; i++) {
		int32_t c[2] = { t->left[i], t->right[i] };

		for (int k = 0; k < 2 && !rc; k++) {
			size_t at = c[k] >= 0 ? (size_t)c[k]
					      : (size_t)n + (uint32_t)~c[k];

			if ((c[k] >= 0 && (uint32_t)c[k] >= n) ||
			    (c[k] < 0 && (uint32_t)~c[k] >= t->nleaves) ||
			    c[k] == 0 || seen[at]++)
				rc = bad(p, "the tree's children do not form "
					 "a tree", NULL);
		}
	}
	free(seen);
	return rc;
}

static int tree_linear(const struct parse *p, struct lgbm_tree *t,
		       const struct kv *kv, size_t nkv, size_t nfeatures)
{
	const char *nf = get(kv, nkv, "num_features");
	const char *lf = get(kv, nkv, "leaf_features");
	const char *lc = get(kv, nkv, "leaf_coeff");
	long long *counts, *feat = NULL;
	size_t total = 0, i;
	int rc;

	if (get(kv, nkv, "leaf_const") &&
	    (rc = want_words(p, "leaf_const", get(kv, nkv, "leaf_const"),
			     t->nleaves)))
		return rc;
	if (nf && (rc = want_words(p, "num_features", nf, t->nleaves)))
		return rc;
	counts = xcalloc(t->nleaves, sizeof(long long));
	t->linear = 1;
	t->leaf_const = xcalloc(t->nleaves, sizeof(double));
	t->lstart = xcalloc((size_t)t->nleaves + 1, sizeof(uint32_t));
	rc = get(kv, nkv, "leaf_const")
		     ? doubles(p, "leaf_const", get(kv, nkv, "leaf_const"),
			       t->leaf_const, t->nleaves)
		     : 0;
	if (!rc && nf)
		rc = integers(p, "num_features", nf, counts, t->nleaves, 0,
			      (long long)nfeatures);
	for (i = 0; !rc && i < t->nleaves; i++) {
		t->lstart[i] = (uint32_t)total;
		total += (size_t)counts[i];
	}
	t->lstart[t->nleaves] = (uint32_t)total;
	if (!rc && total)
		rc = want_words(p, "leaf_features", lf, total);
	if (!rc && total)
		rc = want_words(p, "leaf_coeff", lc, total);
	if (!rc && total) {
		feat = xcalloc(total, sizeof(long long));
		t->lfeature = xcalloc(total, sizeof(uint32_t));
		t->lcoeff = xcalloc(total, sizeof(double));
		rc = integers(p, "leaf_features", lf, feat, total, 0,
			      (long long)nfeatures - 1);
		if (!rc)
			rc = doubles(p, "leaf_coeff", lc, t->lcoeff, total);
		for (i = 0; !rc && i < total; i++)
			t->lfeature[i] = (uint32_t)feat[i];
	}
	free(feat);
	free(counts);
	return rc;
}

/* internal_count and leaf_count, when the file has them. */
static int tree_counts(const struct parse *p, struct lgbm_tree *t,
		       const struct kv *kv, size_t nkv)
{
	const char *ic = get(kv, nkv, "internal_count");
	const char *lc = get(kv, nkv, "leaf_count");
	size_t n = t->nleaves - 1, i;
	long long *tmp;
	int rc;

	if (!ic || !lc)
		return 0;
	rc = want_words(p, "internal_count", ic, n);
	if (!rc)
		rc = want_words(p, "leaf_count", lc, t->nleaves);
	if (rc)
		return rc;
	tmp = xcalloc(t->nleaves + 1, sizeof(long long));
	t->internal_count = xcalloc(n + 1, sizeof(double));
	t->leaf_count = xcalloc(t->nleaves, sizeof(double));
	rc = integers(p, "internal_count", ic, tmp, n, 0, LLONG_MAX);
	for (i = 0; !rc && i < n; i++)
		t->internal_count[i] = (double)tmp[i];
	if (!rc)
		rc = integers(p, "leaf_count", lc, tmp, t->nleaves, 0,
			      LLONG_MAX);
	for (i = 0; !rc && i < t->nleaves; i++)
		t->leaf_count[i] = (double)tmp[i];
	free(tmp);
	return rc;
}

static int tree_parse(const struct parse *p, struct lgbm_tree *t,
		      const struct kv *kv, size_t nkv, size_t nfeatures)
{
	const char *s;
	long long v, *tmp = NULL;
	size_t n, i;
	int rc = 0;

	if (!(s = get(kv, nkv, "num_leaves")) ||
	    integers(p, "num_leaves", s, &v, 1, 1, MAX_LEAVES))
		return bad(p, "a tree without a valid num_leaves", NULL);
	t->nleaves = (uint32_t)v;
	if (!(s = get(kv, nkv, "num_cat")) ||
	    integers(p, "num_cat", s, &v, 1, 0, MAX_LEAVES))
		return bad(p, "a tree without a valid num_cat", NULL);
	t->ncat = (uint32_t)v;
	s = get(kv, nkv, "leaf_value");
	if ((rc = want_words(p, "leaf_value", s, t->nleaves)))
		return rc;
	t->leaf = xcalloc(t->nleaves, sizeof(double));
	rc = doubles(p, "leaf_value", s, t->leaf, t->nleaves);
	if (!rc && (s = get(kv, nkv, "is_linear")) && strcmp(s, "0"))
		rc = tree_linear(p, t, kv, nkv, nfeatures);
	n = t->nleaves - 1;
	if (rc || !n)
		return rc;
	rc = tree_counts(p, t, kv, nkv);
	if (rc)
		return rc;
	if ((rc = want_words(p, "left_child", get(kv, nkv, "left_child"), n)))
		return rc;
	tmp = xcalloc(n, sizeof(long long));
	t->left = xcalloc(n, sizeof(int32_t));
	t->right = xcalloc(n, sizeof(int32_t));
	t->feature = xcalloc(n, sizeof(uint32_t));
	t->threshold = xcalloc(n, sizeof(double));
	t->dtype = xcalloc(n, 1);
	{
		static const char *const keys[] = { "left_child", "right_child",
						    "split_feature" };
		for (int k = 0; k < 3 && !rc; k++) {
			if (!(s = get(kv, nkv, keys[k]))) {
				rc = bad(p, "a tree without ", keys[k]);
				break;
			}
			rc = k < 2 ? integers(p, keys[k], s, tmp, n, -(long long)
					      t->nleaves, (long long)n - 1)
				   : integers(p, keys[k], s, tmp, n, 0,
					      (long long)nfeatures - 1);
			for (i = 0; !rc && i < n; i++)
				if (k == 0)
					t->left[i] = (int32_t)tmp[i];
				else if (k == 1)
					t->right[i] = (int32_t)tmp[i];
				else
					t->feature[i] = (uint32_t)tmp[i];
		}
	}
	if (!rc && !(s = get(kv, nkv, "threshold")))
		rc = bad(p, "a tree without threshold", NULL);
	if (!rc)
		rc = doubles(p, "threshold", s, t->threshold, n);
	if (!rc && (s = get(kv, nkv, "decision_type"))) {
		rc = integers(p, "decision_type", s, tmp, n, 0, 127);
		for (i = 0; !rc && i < n; i++)
			t->dtype[i] = (uint8_t)tmp[i];
	}
	if (!rc)
		rc = check_shape(p, t);
	if (!rc && t->ncat)
		rc = want_words(p, "cat_boundaries",
				get(kv, nkv, "cat_boundaries"), t->ncat + 1);
	if (!rc && t->ncat) {
		long long *b = xcalloc((size_t)t->ncat + 1, sizeof(long long));

		t->cat_bounds = xcalloc((size_t)t->ncat + 1, sizeof(uint32_t));
		if (!(s = get(kv, nkv, "cat_boundaries")))
			rc = bad(p, "a tree without cat_boundaries", NULL);
		if (!rc)
			rc = integers(p, "cat_boundaries", s, b, t->ncat + 1, 0,
				      MAX_LEAVES);
		for (i = 0; !rc && i <= t->ncat; i++) {
			t->cat_bounds[i] = (uint32_t)b[i];
			if (i ? b[i] < b[i - 1] : b[i] != 0)
				rc = bad(p, "cat_boundaries out of order", NULL);
		}
		free(b);
		if (!rc && !(s = get(kv, nkv, "cat_threshold")))
			rc = bad(p, "a tree without cat_threshold", NULL);
		if (!rc)
			rc = want_words(p, "cat_threshold", s,
					t->cat_bounds[t->ncat]);
		if (!rc) {
			size_t nb = t->cat_bounds[t->ncat];

			b = xcalloc(nb + 1, sizeof(long long));
			t->cat_bits = xcalloc(nb + 1, sizeof(uint32_t));
			rc = integers(p, "cat_threshold", s, b, nb, 0,
				      UINT32_MAX);
			for (i = 0; !rc && i < nb; i++)
				t->cat_bits[i] = (uint32_t)b[i];
			free(b);
		}
	}
	/* A categorical split's threshold names its bitset. */
	for (i = 0; !rc && i < n; i++)
		if ((t->dtype[i] & LGBM_CATEGORICAL) &&
		    !(t->threshold[i] >= 0 && t->threshold[i] < t->ncat &&
		      t->threshold[i] == floor(t->threshold[i])))
			rc = bad(p, "a categorical split without its bitset",
				 NULL);
	free(tmp);
	return rc;
}

static void tree_free(struct lgbm_tree *t)
{
	free(t->left);
	free(t->right);
	free(t->feature);
	free(t->threshold);
	free(t->dtype);
	free(t->leaf);
	free(t->cat_bounds);
	free(t->cat_bits);
	free(t->internal_count);
	free(t->leaf_count);
	free(t->leaf_const);
	free(t->lstart);
	free(t->lfeature);
	free(t->lcoeff);
}

void lgbm_free(struct lgbm *g)
{
	size_t i;

	if (!g)
		return;
	for (i = 0; i < g->ntrees; i++)
		tree_free(&g->trees[i]);
	free(g->trees);
	for (i = 0; i < g->nfeatures; i++) {
		if (g->feature_names)
			free(g->feature_names[i]);
		if (g->feature_infos)
			free(g->feature_infos[i]);
		if (g->categories && g->categories[i]) {
			for (size_t k = 0; g->categories[i][k]; k++)
				free(g->categories[i][k]);
			free(g->categories[i]);
		}
	}
	free(g->feature_names);
	free(g->feature_infos);
	free(g->categories);
	free(g->ncategories);
	free(g->categorical);
	free(g->objective);
	free(g);
}

/* Splits "a b c" into exactly n strdup'd words. */
static int words(const struct parse *p, const char *key, const char *s,
		 char ***out, size_t n)
{
	size_t i = 0;

	if ((size_t)count_words(s) != n)
		return bad(p, "the wrong number of entries in ", key);
	*out = xcalloc(n, sizeof(char *));
	while (*s) {
		const char *e;

		while (*s == ' ')
			s++;
		if (!*s)
			break;
		for (e = s; *e && *e != ' '; e++)
			;
		(*out)[i++] = xstrndup(s, (size_t)(e - s));
		s = e;
	}
	return 0;
}

/* A line-by-line cursor over the text; lines are copied out so that
 * their values end in NUL. */
struct cursor {
	const char *s, *end;
	struct parse p;
	struct strbuf line;
};

static int next_line(struct cursor *c)
{
	const char *e;

	if (c->s >= c->end)
		return 0;
	e = memchr(c->s, '\n', (size_t)(c->end - c->s));
	if (!e)
		e = c->end;
	strbuf_reset(&c->line);
	strbuf_add(&c->line, c->s, (size_t)(e - c->s));
	if (c->line.len && c->line.buf[c->line.len - 1] == '\r')
		strbuf_setlen(&c->line, c->line.len - 1);
	c->s = e < c->end ? e + 1 : e;
	c->p.line++;
	return 1;
}

/* key=value lines up to a blank line or `stop` (exclusive); kv owns
 * copies. */
static size_t read_block(struct cursor *c, struct kv **kv, size_t *alloc,
			 const char *stop, int *bare_average)
{
	size_t n = 0;
	const char *save;
	size_t save_line;

	for (;;) {
		char *eq;

		save = c->s;
		save_line = c->p.line;
		if (!next_line(c) || !c->line.len)
			break;
		if (stop && !strncmp(c->line.buf, stop, strlen(stop))) {
			c->s = save;
			c->p.line = save_line;
			break;
		}
		eq = strchr(c->line.buf, '=');
		if (!eq) {
			if (bare_average && !strcmp(c->line.buf,
						    "average_output"))
				*bare_average = 1;
			continue;
		}
		ARRAY_GROW(*kv, n + 1, *alloc);
		*eq = '\0';
		(*kv)[n].key = xstrdup(c->line.buf);
		(*kv)[n].val = xstrdup(eq + 1);
		(*kv)[n].line = c->p.line;
		n++;
	}
	return n;
}

static void kv_clear(struct kv *kv, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free((char *)kv[i].key);
		free((char *)kv[i].val);
	}
}

static int header(struct lgbm *g, struct cursor *c, const struct kv *kv,
		  size_t n)
{
	const char *s;
	long long v;
	int rc;

	if (!(s = get(kv, n, "version")) ||
	    (strcmp(s, "v3") && strcmp(s, "v4") && strcmp(s, "v2")))
		return bad(&c->p, "an unknown version=", s ? s : "(none)");
	g->version = s[1] - '0';
	if (!(s = get(kv, n, "num_class")) ||
	    integers(&c->p, "num_class", s, &v, 1, 1, LGBM_MAX_CLASSES))
		return bad(&c->p, "no valid num_class (1 to 10000)", NULL);
	g->nclass = (size_t)v;
	g->per_iter = g->nclass;
	if ((s = get(kv, n, "num_tree_per_iteration")) &&
	    (integers(&c->p, "num_tree_per_iteration", s, &v, 1, 1,
		      LGBM_MAX_CLASSES) || (size_t)v != g->nclass))
		return bad(&c->p, "num_tree_per_iteration is not num_class",
			   NULL);
	if (!(s = get(kv, n, "max_feature_idx")) ||
	    integers(&c->p, "max_feature_idx", s, &v, 1, 0, MAX_FEATURES - 1))
		return bad(&c->p, "no valid max_feature_idx", NULL);
	g->nfeatures = (size_t)v + 1;
	g->objective = xstrdup(get(kv, n, "objective") ? get(kv, n, "objective")
						      : "");
	if (!(s = get(kv, n, "feature_names")))
		return bad(&c->p, "no feature_names", NULL);
	rc = words(&c->p, "feature_names", s, &g->feature_names, g->nfeatures);
	if (!rc && (s = get(kv, n, "feature_infos")))
		rc = words(&c->p, "feature_infos", s, &g->feature_infos,
			   g->nfeatures);
	return rc;
}

/* A pandas category as text: strings as they are, numbers by
 * number_shortest (integers plainly, so 1.0 is "1"; others the shortest
 * text that reads back), as a JSON number sent for a category is. */
static char *category_text(const json_t *v)
{
	char buf[64];

	if (json_is_string(v))
		return xstrdup(json_string_value(v));
	if (json_is_integer(v)) {
		snprintf(buf, sizeof(buf), "%lld",
			 (long long)json_integer_value(v));
		return xstrdup(buf);
	}
	if (json_is_real(v)) {
		number_shortest(json_real_value(v), buf, sizeof(buf));
		return xstrdup(buf);
	}
	if (json_is_boolean(v))
		return xstrdup(json_is_true(v) ? "True" : "False");
	return NULL;
}

/* Which features are categorical: the parameters' categorical_feature
 * list when it names indices, else the features whose feature_infos
 * list codes. */
static void find_categorical(struct lgbm *g, const char *params)
{
	const char *s = params ? strstr(params, "[categorical_feature: ")
			       : NULL;
	size_t i;

	g->categorical = xcalloc(g->nfeatures, sizeof(int));
	if (s) {
		s += strlen("[categorical_feature: ");
		while (*s >= '0' && *s <= '9') {
			unsigned long k = strtoul(s, (char **)&s, 10);

			if (k < g->nfeatures)
				g->categorical[k] = 1;
			if (*s == ',')
				s++;
		}
		if (*s == ']')
			return;
		memset(g->categorical, 0, g->nfeatures * sizeof(int));
	}
	for (i = 0; g->feature_infos && i < g->nfeatures; i++)
		g->categorical[i] = g->feature_infos[i][0] != '[' &&
				    strcmp(g->feature_infos[i], "none");
}

static int pandas_categorical(struct lgbm *g, struct cursor *c,
			      const char *json)
{
	json_t *j = json_loads(json, JSON_DECODE_ANY, NULL), *list;
	size_t i, k = 0, idx;
	int rc = 0;

	if (!j)
		return bad(&c->p, "pandas_categorical is not JSON", NULL);
	if (json_is_null(j)) {
		json_decref(j);
		return 0;
	}
	g->categories = xcalloc(g->nfeatures, sizeof(char **));
	g->ncategories = xcalloc(g->nfeatures, sizeof(size_t));
	if (!json_is_array(j))
		rc = bad(&c->p, "pandas_categorical is not a list", NULL);
	json_array_foreach(rc ? NULL : j, idx, list) {
		const json_t *v;
		size_t m;

		while (k < g->nfeatures && !g->categorical[k])
			k++;
		if (k == g->nfeatures || !json_is_array(list)) {
			rc = bad(&c->p, "pandas_categorical does not match "
				 "the categorical features", NULL);
			break;
		}
		g->categories[k] = xcalloc(json_array_size(list) + 1,
					   sizeof(char *));
		json_array_foreach(list, m, v)
			if (!(g->categories[k][m] = category_text(v))) {
				rc = bad(&c->p, "a pandas category that is "
					 "not a string or a number", NULL);
				break;
			}
		g->ncategories[k] = json_array_size(list);
		if (rc)
			break;
		k++;
	}
	for (i = k; !rc && i < g->nfeatures; i++)
		if (g->categorical[i] && i >= k && json_array_size(j))
			rc = bad(&c->p, "pandas_categorical lists fewer "
				 "categorical features than the model has",
				 NULL);
	json_decref(j);
	return rc;
}

/* After "end of trees": the parameters and the pandas trailer. */
static int trailer(struct lgbm *g, struct cursor *c)
{
	const char *params = NULL, *pc;
	int rc = 0;

	params = c->s < c->end ? strstr(c->s, "\nparameters:") : NULL;
	find_categorical(g, params);
	pc = c->s < c->end ? strstr(c->s, "pandas_categorical:") : NULL;
	if (pc) {
		const char *from = pc + strlen("pandas_categorical:");
		const char *e = strchr(from, '\n');
		char *json = xstrndup(from, e ? (size_t)(e - from)
					      : strlen(from));

		rc = pandas_categorical(g, c, json);
		free(json);
	}
	return rc;
}

int lgbm_parse(struct lgbm **out, const char *text, size_t len,
	       const char *what)
{
	struct lgbm *g = xcalloc(1, sizeof(*g));
	struct cursor c = { text, text + len, { what, 0 }, STRBUF_INIT };
	struct kv *kv = NULL;
	size_t nkv, alloc = 0, talloc = 0;
	int rc;

	*out = NULL;
	if (memchr(text, '\0', len))
		rc = bad(&c.p, "a NUL byte in the text", NULL);
	else if (!next_line(&c) || strcmp(c.line.buf, "tree"))
		rc = bad(&c.p, "the first line is not 'tree'", NULL);
	else {
		nkv = read_block(&c, &kv, &alloc, "Tree=", &g->average_output);
		rc = header(g, &c, kv, nkv);
		kv_clear(kv, nkv);
	}
	while (!rc) {
		const char *save = c.s;
		size_t save_line = c.p.line;

		if (!next_line(&c)) {
			rc = bad(&c.p, "the text ends before 'end of trees'",
				 NULL);
			break;
		}
		if (!c.line.len)
			continue;
		if (!strcmp(c.line.buf, "end of trees"))
			break;
		if (strncmp(c.line.buf, "Tree=", 5)) {
			c.s = save;
			c.p.line = save_line;
			rc = bad(&c.p, "expected 'Tree=' or 'end of trees', "
				 "not: ", c.line.buf);
			break;
		}
		if (g->ntrees >= MAX_TREES) {
			rc = bad(&c.p, "too many trees", NULL);
			break;
		}
		ARRAY_GROW(g->trees, g->ntrees + 1, talloc);
		memset(&g->trees[g->ntrees], 0, sizeof(*g->trees));
		g->ntrees++;
		nkv = read_block(&c, &kv, &alloc, NULL, NULL);
		rc = tree_parse(&c.p, &g->trees[g->ntrees - 1], kv, nkv,
				g->nfeatures);
		g->linear |= g->trees[g->ntrees - 1].linear;
		kv_clear(kv, nkv);
	}
	if (!rc && g->ntrees % g->per_iter)
		rc = bad(&c.p, "the tree count is not a multiple of "
			 "num_tree_per_iteration", NULL);
	if (!rc)
		rc = trailer(g, &c);
	free(kv);
	strbuf_release(&c.line);
	if (rc) {
		lgbm_free(g);
		return rc;
	}
	*out = g;
	return 0;
}
