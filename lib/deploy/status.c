#include "status.h"

#include <stdio.h>
#include <string.h>

#include "../core/error.h"
#include "../core/jsonutil.h"
#include "fleet.h"
#include "instance.h"
#include "local.h"

static json_t *fleet_env_status(const struct environment *e, const char *root,
				const struct revision *dep,
				const struct deploy_opts *o)
{
	json_t *inst = fleet_status(e, o), *row, *j;
	size_t i;
	int healthy = dep != NULL;

	json_array_foreach(inst, i, row) {
		const char *stable = json_str(json_object_get(row, "stable"),
					      "digest");
		int good = dep && json_is_true(json_object_get(row, "ready")) &&
			   !strcmp(stable, dep->digest) &&
			   json_is_null(json_object_get(row, "canary"));

		json_object_set_new(row, "healthy", json_boolean(good));
		healthy &= good;
	}
	j = json_pack("{s:s, s:s, s:s, s:I, s:s?, s:s?, s:O, s:b}", "env",
		      e->name, "kind", "fleet", "root", root, "revision",
		      (json_int_t)(dep ? dep->number : 0), "version",
		      dep ? dep->version : NULL, "deployed_digest",
		      dep ? dep->digest : NULL, "instances", inst, "healthy",
		      healthy);
	json_decref(inst);
	return j;
}

static json_t *local_env_status(const struct environment *e, const char *root,
				const struct revision *dep,
				const struct deploy_opts *o)
{
	struct http_resp resp = { 0 };
	char cur[96], served[96] = "";
	long ready = 0, info = 0;
	json_t *shadow = NULL, *j;
	int healthy;

	local_current(root, cur, sizeof(cur));
	if (e->url) {
		CURL *curl = curl_easy_init();

		ready = instance_get(curl, e->url, "/health/ready",
				     o->smoke.api_key, o->smoke.cainfo, &resp);
		info = instance_get(curl, e->url, "/model/info",
				    o->smoke.api_key, o->smoke.cainfo, &resp);
		if (info == 200) {
			json_t *mi = json_loadb(resp.body.buf, resp.body.len, 0,
						NULL);

			snprintf(served, sizeof(served), "%s",
				 json_str(mi, "digest"));
			json_decref(mi);
		}
		/* A shadow the server runs (serve --shadow): its comparison. */
		if (instance_get(curl, e->url, "/shadow", o->smoke.api_key,
				 o->smoke.cainfo, &resp) == 200)
			shadow = json_loadb(resp.body.buf, resp.body.len, 0,
					    NULL);
		curl_easy_cleanup(curl);
		http_resp_release(&resp);
	}
	/* Healthy: ready, serving what the ledger says is deployed. */
	healthy = dep && !strcmp(cur, dep->digest) &&
		  (!e->url || (ready == 200 && !strcmp(served, dep->digest)));
	j = json_pack("{s:s, s:s, s:s, s:s?, s:I, s:s?, s:s?, s:b, s:s?, "
			 "s:s, s:o, s:s, s:b}",
			 "env", e->name, "kind", "local", "root", root, "url",
			 e->url, "revision",
			 (json_int_t)(dep ? dep->number : 0), "version",
			 dep ? dep->version : NULL, "deployed_digest",
			 dep ? dep->digest : NULL, "unverified",
			 dep && dep->unverified, "current",
			 cur[0] ? cur : NULL, "served_digest", served,
			 "ready",
			 e->url ? json_boolean(ready == 200) : json_null(),
			 "server", !e->url ? "unknown (no url)"
				   : info ? "answering" : "not answering",
			 "healthy", healthy);
	if (j)
		json_object_set_new(j, "shadow", shadow ? shadow : json_null());
	else
		json_decref(shadow);
	return j;
}

int env_status(json_t **out, const struct environment *e, const char *root,
	       const struct revision *dep, const struct deploy_opts *o)
{
	*out = NULL;
	if (e->kind == ENV_KUBERNETES)
		return mlops_error_set(MLOPS_EUSAGE,
				       "environment %s is kubernetes: ask the "
				       "cluster (kubectl rollout status)",
				       e->name);
	*out = e->kind == ENV_FLEET ? fleet_env_status(e, root, dep, o)
				    : local_env_status(e, root, dep, o);
	if (!*out)
		return mlops_error_set(MLOPS_EINTERNAL, "out of memory");
	return 0;
}
