/* The drift section of mlops.yaml: defaults for `mlops drift` and for
 * the live drift of `mlops serve`, kept as JSON (the resolved form that
 * bundles carry) and checked by lib/drift's own rules. */
#include "descriptor.h"

#include <string.h>

#include "../drift/config.h"
#include "walk.h"

int descriptor_parse_drift(struct walker *w, struct descriptor *d,
			   const struct ynode *n)
{
	json_t *cfg;
	const char *why;
	size_t i, j;
	int rc;

	rc = walk_want_kind(w, n, YNODE_MAP, "drift");
	if (rc)
		return rc;
	cfg = json_object();
	for (i = 0; i < n->n && !rc; i++) {
		const struct ynode *k = n->keys[i], *v = n->items[i];
		json_t *val = NULL;

		if (strcmp(k->text, "columns")) {
			if (v->kind != YNODE_SCALAR || !(val = walk_scalar_to_json(v)))
				rc = walk_err_node(w, v, "drift.%s must be a "
						   "scalar value", k->text);
			else
				json_object_set_new(cfg, k->text, val);
			continue;
		}
		rc = walk_want_kind(w, v, YNODE_MAP, "drift.columns");
		val = json_object();
		for (j = 0; !rc && j < v->n; j++) {
			const struct ynode *c = v->items[j];
			json_t *spec = NULL;

			if (c->kind == YNODE_SCALAR)
				spec = json_pack("{s:s}", "test", c->text);
			else
				rc = walk_scalar_map_to_json(w, c, "drift.columns",
							     &spec);
			if (spec)
				json_object_set_new(val, v->keys[j]->text, spec);
		}
		json_object_set_new(cfg, "columns", val);
	}
	if (!rc && drift_config_check(cfg, &why) < 0) {
		rc = walk_err_node(w, n, "%s", why);
		mlops_error_hint("see DRIFT in mlops help mlops.yaml");
	}
	if (rc) {
		json_decref(cfg);
		return rc;
	}
	d->drift = cfg;
	return 0;
}
