#include "models.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "../core/error.h"
#include "../core/strbuf.h"
#include "shadow.h"

struct slot {
	char *name;
	struct serving *stable;
	/* A canary answering `weight` percent of the prediction requests
	 * (NULL: none). */
	struct serving *canary;
	unsigned weight;
	uint64_t split; /* prediction requests so far, for the split */
	struct shadow *shadow;
};

struct models {
	pthread_mutex_t lock;
	struct slot **v; /* sorted by name */
	size_t n, alloc;
	char *default_name;
	json_t *unavailable;
	/* The shadows of models unloaded, by name, for when they load
	 * again (serve --shadow outlasts an unload). */
	struct slot **parked;
	size_t nparked, parked_alloc;
};

struct models *models_new(const char *default_name)
{
	struct models *m = xcalloc(1, sizeof(*m));

	pthread_mutex_init(&m->lock, NULL);
	m->default_name = default_name ? xstrdup(default_name) : NULL;
	m->unavailable = json_array();
	return m;
}

static void slot_free(struct slot *s)
{
	serving_put(s->stable);
	serving_put(s->canary);
	shadow_put(s->shadow);
	free(s->name);
	free(s);
}

void models_free(struct models *m)
{
	size_t i;

	if (!m)
		return;
	for (i = 0; i < m->n; i++)
		slot_free(m->v[i]);
	for (i = 0; i < m->nparked; i++)
		slot_free(m->parked[i]);
	free(m->parked);
	free(m->v);
	free(m->default_name);
	json_decref(m->unavailable);
	pthread_mutex_destroy(&m->lock);
	free(m);
}

/* Under the lock: the index of the slot named name (len bytes), or of
 * where it would go (*found 0). */
static size_t find(const struct models *m, const char *name, size_t len,
		   int *found)
{
	size_t lo = 0, hi = m->n;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		int c = strncmp(m->v[mid]->name, name, len);

		if (!c && m->v[mid]->name[len])
			c = 1;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	*found = lo < m->n && !strncmp(m->v[lo]->name, name, len) &&
		 !m->v[lo]->name[len];
	return lo;
}

static struct slot *lookup(const struct models *m, const char *name,
			   size_t len)
{
	int found;
	size_t i = find(m, name, len, &found);

	return found ? m->v[i] : NULL;
}

/* Under the lock: the default model's slot, NULL when there is none. */
static struct slot *default_slot(const struct models *m)
{
	if (m->default_name)
		return lookup(m, m->default_name, strlen(m->default_name));
	return m->n == 1 ? m->v[0] : NULL;
}

static struct slot *named_or_default(const struct models *m,
				     const char *name)
{
	return name ? lookup(m, name, strlen(name)) : default_slot(m);
}

/* "a, b, c" (the first 20), for errors that name the models. */
static void names(const struct models *m, struct strbuf *sb)
{
	size_t i;

	for (i = 0; i < m->n && i < 20; i++)
		strbuf_addf(sb, "%s%s", i ? ", " : "", m->v[i]->name);
	if (m->n > 20)
		strbuf_addf(sb, " and %zu more", m->n - 20);
	if (!m->n)
		strbuf_addstr(sb, "none");
}

/* Under the lock: why no model answers a request without a name. */
static void no_default(const struct models *m, struct model_pick *p)
{
	struct strbuf sb = STRBUF_INIT;

	if (m->default_name) {
		p->status = 503;
		strbuf_addf(&sb, "the default model '%s' is not loaded "
			    "(loaded: ", m->default_name);
		names(m, &sb);
		strbuf_addstr(&sb, ")");
	} else if (!m->n) {
		p->status = 503;
		strbuf_addstr(&sb, "no model is loaded");
	} else {
		p->status = 400;
		strbuf_addf(&sb, "%zu models are served (", m->n);
		names(m, &sb);
		strbuf_addstr(&sb, "): name one, as in /models/{name}/predict "
				   "or /v2/models/{name}/infer (or start the "
				   "server with --default-model NAME)");
	}
	p->why = strbuf_detach(&sb);
}

int models_has(struct models *m, const char *name, size_t len)
{
	int found;

	pthread_mutex_lock(&m->lock);
	find(m, name, len, &found);
	pthread_mutex_unlock(&m->lock);
	return found;
}

void models_pick(struct models *m, const char *name, size_t len,
		 const char *version, size_t vlen, int predicting,
		 int with_shadow, struct model_pick *p)
{
	struct slot *s;

	memset(p, 0, sizeof(*p));
	pthread_mutex_lock(&m->lock);
	s = name ? lookup(m, name, len) : default_slot(m);
	if (!s) {
		if (name) {
			struct strbuf sb = STRBUF_INIT;

			strbuf_addf(&sb, "no model named '%.*s' here (loaded: ",
				    (int)(len > 128 ? 128 : len), name);
			names(m, &sb);
			strbuf_addstr(&sb, ")");
			p->status = 404;
			p->why = strbuf_detach(&sb);
		} else {
			no_default(m, p);
		}
		pthread_mutex_unlock(&m->lock);
		return;
	}
	p->sv = s->stable;
	if (version && s->canary &&
	    strlen(s->canary->bm->d->version) == vlen &&
	    !strncmp(s->canary->bm->d->version, version, vlen)) {
		p->sv = s->canary;
	} else if (!version && predicting && s->canary && s->weight) {
		/* Request n goes to the canary when n * weight crosses a
		 * multiple of 100: the share spread evenly. */
		uint64_t n = s->split++;

		if ((n + 1) * s->weight / 100 != n * s->weight / 100)
			p->sv = s->canary;
	}
	p->stable = p->sv == s->stable;
	serving_get(p->sv);
	if (with_shadow && p->stable && s->shadow) {
		p->shadow = s->shadow;
		shadow_get(p->shadow);
	}
	pthread_mutex_unlock(&m->lock);
}

void model_pick_release(struct model_pick *p)
{
	serving_put(p->sv);
	shadow_put(p->shadow);
	free(p->why);
	memset(p, 0, sizeof(*p));
}

/* Under the lock: a new slot for name, with the shadow it had when it
 * was unloaded. */
static struct slot *unpark(struct models *m, const char *name)
{
	struct slot *s;
	size_t i;

	for (i = 0; i < m->nparked; i++)
		if (!strcmp(m->parked[i]->name, name))
			break;
	if (i == m->nparked) {
		s = xcalloc(1, sizeof(*s));
		s->name = xstrdup(name);
		return s;
	}
	s = m->parked[i];
	m->parked[i] = m->parked[--m->nparked];
	return s;
}

struct serving *models_put(struct models *m, struct serving *sv,
			   int replace_default)
{
	const char *name = sv->bm->d->name;
	struct serving *old = NULL;
	struct slot *s = NULL;
	int found = 0;
	size_t i;

	pthread_mutex_lock(&m->lock);
	if (replace_default && (s = default_slot(m)) &&
	    strcmp(s->name, name)) {
		/* Renamed: the slot moves to its new place in the order. */
		for (i = 0; m->v[i] != s; i++)
			;
		memmove(m->v + i, m->v + i + 1, (m->n - i - 1) * sizeof(*m->v));
		m->n--;
		free(s->name);
		s->name = xstrdup(name);
	} else {
		s = NULL;
	}
	i = find(m, name, strlen(name), &found);
	if (found && s) {
		/* Another model had the new name: it is replaced. */
		slot_free(m->v[i]);
		m->v[i] = s;
	} else if (found) {
		s = m->v[i];
	} else {
		if (!s)
			s = unpark(m, name);
		m->v = xgrow_array(m->v, m->n + 1, &m->alloc, sizeof(*m->v));
		memmove(m->v + i + 1, m->v + i, (m->n - i) * sizeof(*m->v));
		m->v[i] = s;
		m->n++;
	}
	old = s->stable;
	s->stable = sv;
	pthread_mutex_unlock(&m->lock);
	return old;
}

struct serving *models_remove(struct models *m, const char *name)
{
	struct serving *old = NULL;
	struct slot *s = NULL;
	int found;
	size_t i;

	pthread_mutex_lock(&m->lock);
	i = find(m, name, strlen(name), &found);
	if (found) {
		s = m->v[i];
		memmove(m->v + i, m->v + i + 1, (m->n - i - 1) * sizeof(*m->v));
		m->n--;
		old = s->stable;
		s->stable = NULL;
		if (s->shadow) {
			/* Kept for the model's next load; its canary goes. */
			m->parked = xgrow_array(m->parked, m->nparked + 1,
						&m->parked_alloc,
						sizeof(*m->parked));
			m->parked[m->nparked++] = s;
			serving_put(s->canary);
			s->canary = NULL;
			s->weight = 0;
			s = NULL;
		}
	}
	pthread_mutex_unlock(&m->lock);
	if (s)
		slot_free(s); /* its canary and shadow (outside the lock: a
			       * shadow's worker is joined) */
	return old;
}

void models_set_canary(struct models *m, const char *name,
		       struct serving *sv, unsigned weight)
{
	struct serving *old = sv;
	struct slot *s;

	pthread_mutex_lock(&m->lock);
	s = named_or_default(m, name);
	if (s) {
		old = s->canary;
		s->canary = sv;
		s->weight = sv ? (weight > 100 ? 100 : weight) : 0;
		s->split = 0;
	}
	pthread_mutex_unlock(&m->lock);
	serving_put(old);
}

int models_set_shadow(struct models *m, const char *name, struct shadow *sh)
{
	struct shadow *old = sh;
	struct slot *s;

	pthread_mutex_lock(&m->lock);
	s = named_or_default(m, name);
	if (s) {
		old = s->shadow;
		s->shadow = sh;
	}
	pthread_mutex_unlock(&m->lock);
	shadow_put(old);
	return s ? 0 : -1;
}

struct serving *models_acquire(struct models *m, const char *name)
{
	struct serving *sv = NULL;
	struct slot *s;

	pthread_mutex_lock(&m->lock);
	s = named_or_default(m, name);
	if (s) {
		sv = s->stable;
		serving_get(sv);
	}
	pthread_mutex_unlock(&m->lock);
	return sv;
}

struct serving *models_acquire_canary(struct models *m, const char *name,
				      unsigned *weight)
{
	struct serving *sv = NULL;
	struct slot *s;

	*weight = 0;
	pthread_mutex_lock(&m->lock);
	s = named_or_default(m, name);
	if (s && s->canary) {
		sv = s->canary;
		*weight = s->weight;
		serving_get(sv);
	}
	pthread_mutex_unlock(&m->lock);
	return sv;
}

struct shadow *models_acquire_shadow(struct models *m, const char *name)
{
	struct shadow *sh = NULL;
	struct slot *s;

	pthread_mutex_lock(&m->lock);
	s = named_or_default(m, name);
	if (s && s->shadow) {
		sh = s->shadow;
		shadow_get(sh);
	}
	pthread_mutex_unlock(&m->lock);
	return sh;
}

size_t models_list(struct models *m, struct serving ***out,
		   struct shadow ***shadows)
{
	size_t i, n;

	pthread_mutex_lock(&m->lock);
	n = m->n;
	*out = xcalloc(n + 1, sizeof(**out));
	if (shadows)
		*shadows = xcalloc(n + 1, sizeof(**shadows));
	for (i = 0; i < n; i++) {
		(*out)[i] = m->v[i]->stable;
		serving_get(m->v[i]->stable);
		if (shadows && m->v[i]->shadow) {
			(*shadows)[i] = m->v[i]->shadow;
			shadow_get(m->v[i]->shadow);
		}
	}
	pthread_mutex_unlock(&m->lock);
	return n;
}

void models_slots(struct models *m, unsigned char *busy, size_t n)
{
	size_t i;

	pthread_mutex_lock(&m->lock);
	for (i = 0; i < m->n; i++) {
		if (m->v[i]->stable && m->v[i]->stable->version_slot < n)
			busy[m->v[i]->stable->version_slot] = 1;
		if (m->v[i]->canary && m->v[i]->canary->version_slot < n)
			busy[m->v[i]->canary->version_slot] = 1;
	}
	pthread_mutex_unlock(&m->lock);
}

size_t models_count(struct models *m)
{
	size_t n;

	pthread_mutex_lock(&m->lock);
	n = m->n;
	pthread_mutex_unlock(&m->lock);
	return n;
}

void models_set_unavailable(struct models *m, json_t *entries)
{
	json_t *old;

	pthread_mutex_lock(&m->lock);
	old = m->unavailable;
	m->unavailable = entries ? entries : json_array();
	pthread_mutex_unlock(&m->lock);
	json_decref(old);
}

static json_t *ready_entry(const struct serving *sv)
{
	return json_pack("{s:s, s:s, s:s, s:s}", "name", sv->bm->d->name,
			 "version", sv->bm->d->version, "state", "READY",
			 "reason", "");
}

json_t *models_index(struct models *m, int ready_only)
{
	json_t *a = json_array(), *e;
	size_t i;

	pthread_mutex_lock(&m->lock);
	for (i = 0; i < m->n; i++) {
		json_array_append_new(a, ready_entry(m->v[i]->stable));
		if (m->v[i]->canary)
			json_array_append_new(a, ready_entry(m->v[i]->canary));
	}
	/* Copies: the list may be replaced once the lock is let go. */
	json_array_foreach(ready_only ? NULL : m->unavailable, i, e) {
		const char *v = json_string_value(json_object_get(e, "version"));

		json_array_append_new(a, json_pack(
			"{s:s, s:s, s:s, s:s}", "name",
			json_string_value(json_object_get(e, "name")), "version",
			v ? v : "", "state", "UNAVAILABLE", "reason",
			json_string_value(json_object_get(e, "reason"))));
	}
	pthread_mutex_unlock(&m->lock);
	return a;
}
