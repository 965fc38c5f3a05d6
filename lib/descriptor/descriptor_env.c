/* The environments section of mlops.yaml (deploy targets). */
#include "descriptor.h"

#include <stdlib.h>
#include <string.h>

#include "../core/fsutil.h"
#include "../core/strbuf.h"
#include "k8s_names.h"
#include "names.h"
#include "walk.h"

static const char *const env_kind_names[] = { "local", "fleet", "kubernetes",
					      NULL };
static const char *const strategy_names[] = { "all-at-once", "rolling",
					      "canary", "shadow", NULL };

const char *env_kind_name(enum env_kind k) { return env_kind_names[k]; }
const char *strategy_name(enum env_strategy s) { return strategy_names[s]; }

static int parse_env_checks(struct walker *w, struct environment *e,
			    const struct ynode *n, const char *what)
{
	static const char *const keys[] = { "max_error_rate", "max_p99_ms",
					    "max_psi", "min_requests",
					    "min_agreement", NULL };
	const struct ynode *v;
	int rc;

	rc = walk_want_kind(w, n, YNODE_MAP, what);
	if (!rc)
		rc = walk_check_keys(w, n, what, keys);
	v = ynode_map_get(n, "max_error_rate");
	if (!rc && v) {
		rc = walk_get_number(w, v, "max_error_rate", &e->max_error_rate);
		if (!rc && (e->max_error_rate < 0 || e->max_error_rate > 1))
			rc = walk_err_node(w, v, "max_error_rate must lie in [0, 1]");
	}
	v = ynode_map_get(n, "max_p99_ms");
	if (!rc && v) {
		rc = walk_get_number(w, v, "max_p99_ms", &e->max_p99_ms);
		if (!rc && e->max_p99_ms <= 0)
			rc = walk_err_node(w, v, "max_p99_ms must be positive");
	}
	v = ynode_map_get(n, "max_psi");
	if (!rc && v) {
		rc = walk_get_number(w, v, "max_psi", &e->max_psi);
		if (!rc && e->max_psi <= 0)
			rc = walk_err_node(w, v, "max_psi must be positive");
	}
	v = ynode_map_get(n, "min_requests");
	if (!rc && v && (!ynode_integer(v, &e->min_requests) ||
			 e->min_requests < 0))
		rc = walk_err_node(w, v, "min_requests must be an integer >= 0");
	v = ynode_map_get(n, "min_agreement");
	if (!rc && v && e->strategy != STRATEGY_SHADOW)
		rc = walk_err_node(w, v, "min_agreement judges a shadow: it goes "
				   "with strategy: shadow");
	if (!rc && v) {
		rc = walk_get_number(w, v, "min_agreement", &e->min_agreement);
		if (!rc && (e->min_agreement < 0 || e->min_agreement > 1))
			rc = walk_err_node(w, v, "min_agreement must lie in "
					   "[0, 1]");
	}
	return rc;
}

/* A non-empty sequence. */
static int want_list(struct walker *w, const struct ynode *n, const char *what)
{
	int rc = walk_want_kind(w, n, YNODE_SEQ, what);

	if (!rc && !n->n)
		rc = walk_err_node(w, n, "%s must not be empty", what);
	return rc;
}

static int http_url(const char *u)
{
	return !strncmp(u, "http://", 7) || !strncmp(u, "https://", 8);
}

/* instances: [{url: PUBLIC, admin: ADMIN}, ...] */
static int parse_instances(struct walker *w, struct environment *e,
			   const struct ynode *n, const char *what)
{
	static const char *const keys[] = { "url", "admin", NULL };
	size_t i;
	int rc = want_list(w, n, what);

	if (rc)
		return rc;
	e->instances = xcalloc(n->n + 1, sizeof(char *));
	e->admins = xcalloc(n->n + 1, sizeof(char *));
	e->ninstances = n->n;
	for (i = 0; i < n->n && !rc; i++) {
		const struct ynode *it = n->items[i];

		if (it->kind != YNODE_MAP)
			return walk_err_node(w, it, "%s: each instance is {url: "
					     "URL, admin: URL} (where it serves, "
					     "where its admin API answers)", what);
		rc = walk_check_keys(w, it, what, keys);
		if (!rc)
			rc = walk_get_str(w, it, "url", 1, what, &e->instances[i]);
		if (!rc)
			rc = walk_get_str(w, it, "admin", 1, what, &e->admins[i]);
		if (!rc && (!http_url(e->instances[i]) || !http_url(e->admins[i])))
			rc = walk_err_node(w, it, "%s: url and admin must be "
					   "http:// or https:// URLs", what);
	}
	return rc;
}

static int parse_steps(struct walker *w, struct environment *e,
		       const struct ynode *n, const char *what)
{
	size_t i;
	int rc = want_list(w, n, what);

	if (rc)
		return rc;
	e->steps = xcalloc(n->n, sizeof(int));
	e->nsteps = n->n;
	for (i = 0; i < n->n; i++) {
		long long p;

		if (!ynode_integer(n->items[i], &p) || p < 1 || p > 100)
			return walk_err_node(w, n->items[i], "%s: each step is a "
					"percentage from 1 to 100", what);
		if (i && p <= e->steps[i - 1])
			return walk_err_node(w, n->items[i], "%s must increase", what);
		e->steps[i] = (int)p;
	}
	if (e->steps[n->n - 1] != 100)
		return walk_err_node(w, n->items[n->n - 1], "%s must end at 100",
				what);
	return 0;
}

/* An integer in [lo, hi] at key of map, if there. */
static int get_int(struct walker *w, const struct ynode *map, const char *key,
		   long long lo, long long hi, long long *out)
{
	const struct ynode *v = ynode_map_get(map, key);

	if (v && (!ynode_integer(v, out) || *out < lo || *out > hi))
		return walk_err_node(w, v, "%s must be an integer from %lld to "
				     "%lld", key, lo, hi);
	return 0;
}

/* autoscale: {min: N, max: M, cpu_percent: P}: an HPA sets the count. */
static int parse_autoscale(struct walker *w, struct environment *e,
			   const struct ynode *n, const char *what)
{
	static const char *const keys[] = { "min", "max", "cpu_percent",
					    NULL };
	const struct ynode *v = NULL;
	int rc = walk_want_kind(w, n, YNODE_MAP, what);

	if (!rc)
		rc = walk_check_keys(w, n, what, keys);
	if (!rc)
		rc = walk_require_key(w, n, "max", what, &v);
	e->min_replicas = 1;
	e->cpu_percent = 70;
	if (!rc)
		rc = get_int(w, n, "min", 1, 10000, &e->min_replicas);
	if (!rc)
		rc = get_int(w, n, "max", 1, 10000, &e->max_replicas);
	if (!rc)
		rc = get_int(w, n, "cpu_percent", 1, 1000, &e->cpu_percent);
	if (!rc && e->max_replicas < e->min_replicas)
		rc = walk_err_node(w, v, "%s.max must be at least min (%lld)",
				   what, e->min_replicas);
	return rc;
}

/* A string at key that grammar accepts (rule says what it is). */
static int get_checked(struct walker *w, const struct ynode *map,
		       const char *key, int required, const char *what,
		       int (*grammar)(const char *), const char *rule,
		       char **out)
{
	int rc = walk_get_str(w, map, key, required, what, out);

	if (!rc && *out && !grammar(*out))
		rc = walk_err_node(w, ynode_map_get(map, key), "%s.%s '%s' is "
				   "not valid: %s", what, key, *out, rule);
	return rc;
}

static int image_ref_ok(const char *s)
{
	const char *digest;

	return k8s_is_image_ref(s, &digest);
}

/* Checked here, where a mistake has a line and column, rather than by
 * the API server after kubectl apply. */
static int parse_kubernetes(struct walker *w, struct environment *e,
			    const struct ynode *n, const char *what)
{
	const struct ynode *v = ynode_map_get(n, "autoscale");
	int rc;

	rc = get_checked(w, n, "namespace", 1, what, k8s_is_dns_label,
			 "a namespace is lower-case letters, digits and '-', "
			 "starting and ending with a letter or digit, at most "
			 "63 bytes", &e->namespace_);
	if (!rc)
		rc = get_checked(w, n, "image", 1, what, image_ref_ok,
				 "an image is [HOST/]REPO[:TAG][@sha256:HEX], "
				 "REPO in lower case", &e->image);
	if (!rc)
		rc = get_int(w, n, "replicas", 1, 10000, &e->replicas);
	if (!rc && v && ynode_map_get(n, "replicas"))
		rc = walk_err_node(w, v, "%s: replicas or autoscale, not both "
				   "(with autoscale, the HorizontalPodAutoscaler "
				   "sets the count)", what);
	if (!rc && v) {
		struct strbuf sub = STRBUF_INIT;

		strbuf_addf(&sub, "%s.autoscale", what);
		rc = parse_autoscale(w, e, v, sub.buf);
		strbuf_release(&sub);
	}
	if (!rc)
		rc = get_checked(w, n, "cpu", 0, what, k8s_is_quantity,
				 "a quantity such as 500m or 2", &e->cpu);
	if (!rc)
		rc = get_checked(w, n, "memory", 0, what, k8s_is_quantity,
				 "a quantity such as 256Mi or 1Gi", &e->memory);
	if (!rc)
		rc = get_checked(w, n, "api_key_secret", 0, what,
				 k8s_is_dns_subdomain, "a Secret's name is "
				 "lower-case letters, digits, '-' and '.', at "
				 "most 253 bytes", &e->api_key_secret);
	return rc;
}

static int parse_environment(struct walker *w, struct environment *e,
			     const struct ynode *key, const struct ynode *n)
{
	static const char *const keys[] = {
		"kind", "root", "url", "instances", "admin_key_env", "strategy",
		"steps", "interval", "checks", "namespace", "image",
		"replicas", "autoscale", "cpu", "memory", "api_key_secret",
		"keep_releases", "require_signature", NULL,
	};
	struct strbuf what = STRBUF_INIT;
	const struct ynode *v;
	int rc, kind = 0, strategy = 0;

	e->name = xstrdup(key->text);
	e->max_error_rate = e->max_p99_ms = e->max_psi = -1;
	e->min_agreement = -1;
	e->min_requests = 10;
	e->keep_releases = 5;
	e->interval_s = 60;
	e->replicas = 1;
	strbuf_addf(&what, "environments.%s", e->name);
	if (!name_is_gto(e->name)) {
		rc = walk_err_node(w, key, "environment name '%s' is not valid: "
			      "letters, digits, '-', '_' and '/', starting "
			      "and ending with a letter or digit", e->name);
		goto done;
	}
	rc = walk_want_kind(w, n, YNODE_MAP, what.buf);
	if (!rc)
		rc = walk_check_keys(w, n, what.buf, keys);
	if (!rc)
		rc = walk_get_enum(w, n, "kind", env_kind_names, 1, what.buf, &kind);
	if (rc)
		goto done;
	e->kind = kind;
	switch (e->kind) {
	case ENV_LOCAL:
		rc = walk_get_str(w, n, "root", 1, what.buf, &e->root);
		if (!rc)
			rc = walk_get_str(w, n, "url", 0, what.buf, &e->url);
		if (!rc && e->url && !http_url(e->url))
			rc = walk_err_node(w, ynode_map_get(n, "url"),
					   "%s.url must be an http:// or https:// "
					   "URL", what.buf);
		break;
	case ENV_FLEET:
		rc = walk_require_key(w, n, "instances", what.buf, &v);
		if (!rc)
			rc = parse_instances(w, e, v, "instances");
		if (!rc)
			rc = walk_get_str(w, n, "root", 0, what.buf, &e->root);
		if (!rc && !e->root) {
			struct strbuf r = STRBUF_INIT;

			strbuf_addf(&r, ".mlops/%s", e->name);
			e->root = strbuf_detach(&r);
		}
		if (!rc)
			rc = walk_get_str(w, n, "admin_key_env", 1, what.buf,
				     &e->admin_key_env);
		if (!rc)
			rc = walk_get_enum(w, n, "strategy", strategy_names, 0,
				      what.buf, &strategy);
		e->strategy = strategy;
		v = ynode_map_get(n, "steps");
		if (!rc && v && e->strategy == STRATEGY_SHADOW)
			rc = walk_err_node(w, v, "a shadow has no steps: it runs "
					   "for 'interval', then is promoted or "
					   "stopped");
		if (!rc && v)
			rc = parse_steps(w, e, v, "steps");
		if (!rc && e->strategy == STRATEGY_CANARY && !v) {
			static const int def[] = { 10, 50, 100 };

			e->steps = xcalloc(3, sizeof(int));
			memcpy(e->steps, def, sizeof(def));
			e->nsteps = 3;
		}
		v = ynode_map_get(n, "interval");
		if (!rc && v)
			rc = walk_parse_duration(w, v, "interval", &e->interval_s);
		v = ynode_map_get(n, "checks");
		if (!rc && v)
			rc = parse_env_checks(w, e, v, "checks");
		break;
	case ENV_KUBERNETES:
		rc = parse_kubernetes(w, e, n, what.buf);
		break;
	}
	v = ynode_map_get(n, "keep_releases");
	if (!rc && v && e->kind == ENV_KUBERNETES)
		rc = walk_err_node(w, v, "%s: 'keep_releases' does not apply to "
				   "a kubernetes environment", what.buf);
	if (!rc && v && (!ynode_integer(v, &e->keep_releases) ||
			 e->keep_releases < 1 || e->keep_releases > 1000))
		rc = walk_err_node(w, v, "keep_releases must be an integer from 1 "
				   "to 1000");
	if (!rc)
		rc = walk_get_str(w, n, "require_signature", 0, what.buf,
				  &e->require_signature);
	/* Keys of other kinds are mistakes, not silently ignored. */
	if (!rc) {
		static const char *const local_only[] = { "url", NULL };
		static const char *const fleet_only[] = {
			"instances", "admin_key_env", "strategy", "steps",
			"interval", "checks", NULL };
		static const char *const kube_only[] = {
			"namespace", "image", "replicas", "autoscale", "cpu",
			"memory", "api_key_secret", NULL };
		const char *const *groups[] = { local_only, fleet_only,
						kube_only };
		int g;

		v = ynode_map_get(n, "root");
		if (v && e->kind == ENV_KUBERNETES)
			rc = walk_err_node(w, v, "%s: 'root' does not apply to a "
					   "kubernetes environment", what.buf);
		for (g = 0; g < 3 && !rc; g++) {
			const char *const *k;

			if (g == (int)e->kind)
				continue;
			for (k = groups[g]; *k && !rc; k++) {
				v = ynode_map_get(n, *k);
				if (v)
					rc = walk_err_node(w, v, "%s: '%s' does not "
						      "apply to a %s "
						      "environment", what.buf,
						      *k, env_kind_name(e->kind));
			}
		}
	}
done:
	strbuf_release(&what);
	return rc;
}

/* Two kubernetes environments in one namespace whose names come out the
 * same once made Kubernetes names (prod_eu, prod-eu) would be one set of
 * objects, each render overwriting the other's. */
static int k8s_names_apart(struct walker *w, const struct descriptor *d,
			   size_t i, const struct ynode *key)
{
	const struct environment *e = &d->environments[i];
	struct strbuf a = STRBUF_INIT, b = STRBUF_INIT;
	size_t j;
	int rc = 0;

	if (e->kind != ENV_KUBERNETES || !d->name)
		return 0;
	k8s_object_name(&a, d->name, e->name);
	for (j = 0; j < i && !rc; j++) {
		const struct environment *o = &d->environments[j];

		if (o->kind != ENV_KUBERNETES ||
		    strcmp(o->namespace_, e->namespace_))
			continue;
		strbuf_reset(&b);
		k8s_object_name(&b, d->name, o->name);
		if (!strcmp(a.buf, b.buf))
			rc = walk_err_node(w, key, "environments %s and %s would "
					   "both be %s in the namespace %s: "
					   "rename one, or give it another "
					   "namespace", o->name, e->name, a.buf,
					   e->namespace_);
	}
	strbuf_release(&a);
	strbuf_release(&b);
	return rc;
}

int descriptor_parse_environments(struct walker *w, struct descriptor *d,
			      const struct ynode *n)
{
	size_t i;
	int rc;

	rc = walk_want_kind(w, n, YNODE_MAP, "environments");
	if (rc)
		return rc;
	d->environments = xcalloc(n->n + 1, sizeof(*d->environments));
	d->nenvironments = n->n;
	for (i = 0; i < n->n && !rc; i++)
		rc = parse_environment(w, &d->environments[i], n->keys[i],
				       n->items[i]);
	for (i = 0; i < n->n && !rc; i++)
		rc = k8s_names_apart(w, d, i, n->keys[i]);
	return rc;
}


const struct environment *descriptor_environment(const struct descriptor *d,
						 const char *name)
{
	size_t i;

	for (i = 0; i < d->nenvironments; i++)
		if (!strcmp(d->environments[i].name, name))
			return &d->environments[i];
	return NULL;
}

char *environment_root(const struct environment *e, const char *dir)
{
	if (!e->root)
		return NULL;
	return e->root[0] == '/' || !dir ? xstrdup(e->root)
					 : fs_join(dir, e->root);
}
