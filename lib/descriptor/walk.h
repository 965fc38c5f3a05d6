/* Helpers for walking a YAML tree (ytree.h) into typed structs. Each
 * records an EINPUT error at file:line:col and returns it. `what` names
 * the place in the document, such as "signature.inputs[2]". */
#ifndef MLOPS_DESCRIPTOR_WALK_H
#define MLOPS_DESCRIPTOR_WALK_H

#include <jansson.h>
#include <stddef.h>

#include "../core/error.h"
#include "ytree.h"

struct walker {
	const char *file;
};

int walk_err_node(struct walker *w, const struct ynode *n, const char *fmt,
		  ...) MLOPS_PRINTF(3, 4);
/* Hint "did you mean X?" or the list of choices. */
void walk_hint_choices(const char *word, const char *const *choices);
int walk_want_kind(struct walker *w, const struct ynode *n,
		   enum ynode_kind kind, const char *what);
/* Every key of map must be in `known` (NULL-terminated). */
int walk_check_keys(struct walker *w, const struct ynode *map,
		    const char *what, const char *const *known);
int walk_require_key(struct walker *w, const struct ynode *map,
		     const char *key, const char *what,
		     const struct ynode **out);
/* A non-empty scalar as written; *out NULL when absent and optional. */
int walk_get_str(struct walker *w, const struct ynode *map, const char *key,
		 int required, const char *what, char **out);
int walk_get_number(struct walker *w, const struct ynode *n, const char *what,
		    double *out);
int walk_get_bool(struct walker *w, const struct ynode *map, const char *key,
		  int def, const char *what, int *out);
/* *out = index of the value in `names`; untouched when absent. */
int walk_get_enum(struct walker *w, const struct ynode *map, const char *key,
		  const char *const *names, int required, const char *what,
		  int *out);
int walk_get_str_list(struct walker *w, const struct ynode *n,
		      const char *what, char ***out, size_t *count);
int walk_check_rel_path(struct walker *w, const struct ynode *map,
			const char *key, const char *path, const char *what);
/* "30s", "500ms", "2m", "1h" or plain seconds. */
int walk_parse_duration(struct walker *w, const struct ynode *n,
			const char *what, double *out);
/* A scalar as JSON, typed by YAML's core schema; NULL when not UTF-8. */
json_t *walk_scalar_to_json(const struct ynode *n);
/* A mapping of scalars as a JSON object, typed by YAML's core schema. */
int walk_scalar_map_to_json(struct walker *w, const struct ynode *n,
			    const char *what, json_t **out);

struct descriptor;
/* descriptor_env.c: the environments section. */
int descriptor_parse_environments(struct walker *w, struct descriptor *d,
				  const struct ynode *n);

/* descriptor_monitor.c: the monitor section (after datasets: a rule
 * needs the golden set as its baseline). */
int descriptor_parse_monitor(struct walker *w, struct descriptor *d,
			     const struct ynode *n);

/* descriptor_drift.c: the drift section. */
int descriptor_parse_drift(struct walker *w, struct descriptor *d,
			   const struct ynode *n);

/* descriptor_alerts.c: the alerts section (after the signature, whose
 * inputs per-feature rules name). */
int descriptor_parse_alerts(struct walker *w, struct descriptor *d,
			    const struct ynode *n);

#endif
