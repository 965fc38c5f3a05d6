/* The models a server answers for (models.h) as the server's API sees
 * them: versions swapped in with their counters, canaries, shadows, and
 * what the server says of them all (readiness, /metrics, the repository
 * index). */
#include <stdlib.h>
#include <string.h>

#include "../core/error.h"
#include "../core/jsonutil.h"
#include "livedrift.h"
#include "record.h"
#include "server.h"
#include "server_impl.h"
#include "shadow.h"

void server_adopt(struct server *s, struct serving *sv)
{
	double edges[PRED_BUCKETS];
	size_t n = 0;

	pthread_mutex_lock(&s->adopt_lock);
	sv->metrics = &s->metrics;
	sv->recorder = s->opts.recorder;
	sv->record = recorder_rows;
	sv->max_batch = s->opts.max_batch ? s->opts.max_batch : 10000;
	if (__atomic_load_n(&s->metrics.nversions, __ATOMIC_ACQUIRE) ==
	    METRIC_VERSIONS) {
		/* Full (many models, or many reloads): a version no longer
		 * served gives its counters up. */
		unsigned char busy[METRIC_VERSIONS] = { 0 };

		models_slots(s->models, busy, METRIC_VERSIONS);
		if (s->has_none_slot)
			busy[s->none_slot] = 1;
		sv->version_slot = metrics_version_reusing(
			&s->metrics, sv->bm->d->name, sv->bm->d->version, busy);
	} else {
		sv->version_slot = metrics_version(
			&s->metrics, sv->bm->d->name, sv->bm->d->version);
	}
	serving_prediction_edges(sv, edges, &n);
	metrics_prediction_edges(&s->metrics, sv->version_slot, edges, n);
	pthread_mutex_unlock(&s->adopt_lock);
}

unsigned server_none_slot(struct server *s)
{
	if (!__atomic_load_n(&s->has_none_slot, __ATOMIC_ACQUIRE)) {
		pthread_mutex_lock(&s->adopt_lock);
		if (!s->has_none_slot) {
			s->none_slot = metrics_version(&s->metrics, "", "");
			__atomic_store_n(&s->has_none_slot, 1, __ATOMIC_RELEASE);
		}
		pthread_mutex_unlock(&s->adopt_lock);
	}
	return s->none_slot;
}

void server_swap(struct server *s, struct serving *sv)
{
	server_adopt(s, sv);
	/* Requests still using the old version hold their own references. */
	serving_put(models_put(s->models, sv, 1));
}

void server_set_canary(struct server *s, struct serving *sv,
		       unsigned weight)
{
	if (sv)
		server_adopt(s, sv);
	models_set_canary(s->models, NULL, sv, weight);
}

struct serving *server_acquire_canary(struct server *s, unsigned *weight)
{
	return models_acquire_canary(s->models, NULL, weight);
}

struct serving *server_acquire(struct server *s)
{
	return models_acquire(s->models, NULL);
}

void server_model_put(struct server *s, struct serving *sv)
{
	server_adopt(s, sv);
	serving_put(models_put(s->models, sv, 0));
}

int server_model_remove(struct server *s, const char *name)
{
	struct serving *old = models_remove(s->models, name);

	if (!old)
		return mlops_error_set(MLOPS_EUSAGE, "no model named '%s' is "
				       "loaded", name);
	serving_put(old);
	return 0;
}

struct serving *server_model_acquire(struct server *s, const char *name)
{
	return models_acquire(s->models, name);
}

size_t server_models(struct server *s, struct serving ***out)
{
	return models_list(s->models, out, NULL);
}

json_t *server_model_names(struct server *s)
{
	struct serving **v;
	size_t i, n = models_list(s->models, &v, NULL);
	json_t *a = json_array();

	for (i = 0; i < n; i++) {
		json_array_append_new(a, json_string(v[i]->bm->d->name));
		serving_put(v[i]);
	}
	free(v);
	return a;
}

void server_set_unavailable(struct server *s, json_t *entries)
{
	models_set_unavailable(s->models, entries);
}

json_t *server_index(struct server *s, int ready_only)
{
	return models_index(s->models, ready_only);
}

int server_set_shadow(struct server *s, const char *model,
		      struct serving *sv, const char *sample)
{
	struct shadow_opts o = { 0 };
	struct shadow *sh = NULL;
	struct serving *live;
	const struct version_metrics *vm;
	const char *name = model;

	if (!sv)
		return models_set_shadow(s->models, model, NULL) < 0
			       ? mlops_error_set(MLOPS_EUSAGE, "no model named "
						 "'%s' is loaded", model)
			       : 0;
	if (!name) {
		live = models_acquire(s->models, sv->bm->d->name);
		if (!live)
			live = models_acquire(s->models, NULL);
	} else {
		live = models_acquire(s->models, name);
	}
	if (!live) {
		serving_put(sv);
		return mlops_error_set(MLOPS_EUSAGE, "the shadow %s %s has no "
				       "model to shadow: none of its name is "
				       "served, and no default model",
				       sv->bm->d->name, sv->bm->d->version);
	}
	vm = &s->metrics.versions[live->version_slot];
	o.queue = s->opts.shadow_queue;
	o.sample_path = sample;
	o.sample_max = s->opts.shadow_sample_max;
	o.tolerance = s->opts.shadow_tolerance;
	o.server = &s->opts;
	o.max_batch = s->opts.max_batch;
	o.edges = vm->pred_edges;
	o.nedges = __atomic_load_n(&vm->npred_edges, __ATOMIC_ACQUIRE);
	if (shadow_start(&sh, sv, live->bm->d->name, &o) < 0) {
		serving_put(live);
		return -1;
	}
	models_set_shadow(s->models, live->bm->d->name, sh);
	serving_put(live);
	return 0;
}

json_t *server_shadow_json(struct server *s, const char *model, int all)
{
	struct serving **v;
	struct shadow **sh, *one;
	json_t *a;
	size_t i, n;

	if (!all) {
		one = models_acquire_shadow(s->models, model);
		a = one ? shadow_json(one) : NULL;
		shadow_put(one);
		return a;
	}
	a = json_array();
	n = models_list(s->models, &v, &sh);
	for (i = 0; i < n; i++) {
		if (sh[i])
			json_array_append_new(a, shadow_json(sh[i]));
		shadow_put(sh[i]);
		serving_put(v[i]);
	}
	free(sh);
	free(v);
	return a;
}

int server_shadows_idle(struct server *s, unsigned ms)
{
	struct serving **v;
	struct shadow **sh;
	size_t i, n = models_list(s->models, &v, &sh);
	int rc = 0;

	for (i = 0; i < n; i++) {
		if (sh[i] && shadow_idle(sh[i], ms) < 0)
			rc = -1;
		shadow_put(sh[i]);
		serving_put(v[i]);
	}
	free(sh);
	free(v);
	return rc;
}

int server_ready_for(struct server *s, const struct serving *sv)
{
	if (!__atomic_load_n(&s->ready, __ATOMIC_ACQUIRE))
		return 0;
	if (sv)
		return serving_has_digest(sv, s->opts.expect_digest);
	return models_count(s->models) > 0;
}

json_t *server_readiness(struct server *s, const struct serving *sv,
			 int health, unsigned *status)
{
	int flag = __atomic_load_n(&s->ready, __ATOMIC_ACQUIRE);
	size_t n = models_count(s->models);
	const char *why;

	/* One model: its readiness, as before there were several. */
	if (n == 1 && sv)
		return health ? serving_health(sv, flag, s->opts.expect_digest,
					       status)
			      : serving_readiness(sv, flag,
						  s->opts.expect_digest, status);
	why = !n     ? "no model is loaded"
	      : !flag ? "not ready: loading, or draining to stop"
		      : NULL;
	*status = why ? 503 : 200;
	if (health)
		return why ? json_pack("{s:s, s:s}", "status", "unavailable",
				       "reason", why)
			   : json_pack("{s:s}", "status", "ok");
	return json_pack("{s:b, s:I, s:s*}", "ready", !why, "models",
			 (json_int_t)n, "reason", why);
}

void server_metrics_text(struct server *s, struct strbuf *text)
{
	struct serving **v;
	struct shadow **sh;
	size_t i, n = models_list(s->models, &v, &sh);
	struct metrics_model *mm = xcalloc(n + 1, sizeof(*mm));
	struct live_drift **drift = xcalloc(n + 1, sizeof(*drift));
	const char **names = xcalloc(n + 1, sizeof(*names));

	for (i = 0; i < n; i++) {
		mm[i].name = v[i]->bm->d->name;
		mm[i].version = v[i]->bm->d->version;
		mm[i].digest = v[i]->digest;
		mm[i].load_seconds = v[i]->load_seconds;
		drift[i] = v[i]->drift;
		names[i] = v[i]->bm->d->name;
	}
	metrics_render(&s->metrics, text, mm, n);
	live_drift_metrics(drift, names, n, text);
	shadow_metrics(sh, n, text);
	conntrack_metrics(s->ct, s->n, text);
	for (i = 0; i < n; i++) {
		shadow_put(sh[i]);
		serving_put(v[i]);
	}
	free(names);
	free(drift);
	free(mm);
	free(sh);
	free(v);
}
