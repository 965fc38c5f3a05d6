/* The models one server answers for, by name: each one's stable version,
 * its canary (a share of the prediction requests) and its shadow (a copy
 * of them, answered to no client). A request picks its version under
 * one short lock and keeps a reference until it is answered, so a change
 * never pulls a version from under a request; the changes themselves
 * (loading, warming up) happen before, outside the lock. */
#ifndef MLOPS_SERVER_MODELS_H
#define MLOPS_SERVER_MODELS_H

#include <jansson.h>
#include <stddef.h>

#include "serving.h"

struct models;
struct shadow;

/* default_name: the model of /predict when several are loaded (NULL:
 * the only one). */
struct models *models_new(const char *default_name);
/* Drops every reference it holds (shadows stopped). */
void models_free(struct models *m);

/* Whether a model of name (len bytes) is served. */
int models_has(struct models *m, const char *name, size_t len);

/* What a request is answered with. */
struct model_pick {
	struct serving *sv;    /* a reference; NULL when none answers */
	struct shadow *shadow; /* a reference: mirror the request there */
	int stable;            /* sv is the stable version, not a canary */
	unsigned status;       /* sv NULL: 400 (which?), 404, 503 */
	char *why;             /* sv NULL: the error's message */
};

/* The version for a request naming model name (len bytes; NULL: the
 * default model) and version (vlen bytes, NULL: the stable one, or the
 * canary's share when predicting; else the stable or canary version of
 * that name). with_shadow (a prediction route): answered by the stable
 * version, the request also picks the model's shadow. */
void models_pick(struct models *m, const char *name, size_t len,
		 const char *version, size_t vlen, int predicting,
		 int with_shadow, struct model_pick *p);
void model_pick_release(struct model_pick *p);

/* Makes sv the stable version of its model (taking the reference),
 * adding the model when it is new; the previous version is returned
 * (a reference for the caller; NULL when none). replace_default: sv
 * replaces the default model whatever its name (a single-model server's
 * reload). */
struct serving *models_put(struct models *m, struct serving *sv,
			   int replace_default);
/* The model name is no longer served: its stable version returned (a
 * reference; NULL when there is no such model); its canary dropped, its
 * shadow kept aside until a version of that name is put again. */
struct serving *models_remove(struct models *m, const char *name);
/* The canary of model name (NULL: the default), taking sv's reference;
 * sv NULL: none. The previous one is dropped. */
void models_set_canary(struct models *m, const char *name,
		       struct serving *sv, unsigned weight);
/* The shadow of model name (NULL: the default), taking sh's reference;
 * NULL: none. 0, or -1 when there is no such model (sh dropped). */
int models_set_shadow(struct models *m, const char *name, struct shadow *sh);

/* References for the caller (NULL when none). name NULL: the default. */
struct serving *models_acquire(struct models *m, const char *name);
struct serving *models_acquire_canary(struct models *m, const char *name,
				      unsigned *weight);
struct shadow *models_acquire_shadow(struct models *m, const char *name);
/* Every model's stable version (and, with shadows, each one's shadow
 * or NULL), references in arrays the caller frees (serving_put /
 * shadow_put each). The count. */
size_t models_list(struct models *m, struct serving ***out,
		   struct shadow ***shadows);
size_t models_count(struct models *m);
/* busy[slot] = 1 for the metrics slot of every version served (stable
 * and canary; n flags). */
void models_slots(struct models *m, unsigned char *busy, size_t n);

/* Entries that could not be loaded, for the index: [{name, version?,
 * reason}] (taken). */
void models_set_unavailable(struct models *m, json_t *entries);
/* Triton's repository index: [{name, version, state, reason}], the
 * models loaded (their stable and canary versions: READY) and, unless
 * ready_only, the entries that failed (UNAVAILABLE). */
json_t *models_index(struct models *m, int ready_only);

#endif
