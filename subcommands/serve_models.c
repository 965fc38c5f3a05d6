#include "subcommands/serve_models.h"

#include <stdlib.h>

#include "cli/exit_status.h"
#include "cli/output.h"
#include "lib/core/error.h"

/* A failed load as the alerts' reload_failed event (la: the live
 * alerts, NULL before they start). */
static void alert_failed(struct live_alerts *la, const struct repo_change *c)
{
	struct strbuf why = STRBUF_INIT;

	if (!la)
		return;
	if (c->name)
		strbuf_addf(&why, "a load of %s from %s failed, the version "
			    "loaded before (if any) and the other models still "
			    "answer: %s", c->name, c->entry, c->why);
	else
		strbuf_addf(&why, "a load of %s failed, the other models still "
			    "answer: %s", c->entry, c->why);
	live_alerts_event(la, c->name, EV_RELOAD_FAILED, SEVERITY_CRITICAL,
			  why.buf);
	strbuf_release(&why);
}

/* What a repository did (at start, on SIGHUP, through the admin API),
 * one line each; arg: where the live alerts are (struct live_alerts
 * **). */
static void report_changes(const struct repo_changes *ch, void *arg)
{
	struct live_alerts *const *la = arg;
	size_t i;

	for (i = 0; i < ch->n; i++) {
		const struct repo_change *c = &ch->v[i];

		if (c->action == REPO_FAILED) {
			print_error("%s: %s%s", c->entry, c->why,
				    c->name ? "; the version loaded before (if "
					      "any) still answers" : "");
			alert_failed(*la, c);
		}
		else if (c->action == REPO_UNLOADED)
			print_info("mlops: unloaded %s %s (%s)", c->name,
				   c->version ? c->version : "",
				   c->entry);
		else
			print_info("mlops: %s %s %s (%s) from %s; warmed up in "
				   "%.3f s", repo_action_name(c->action),
				   c->name, c->version, c->digest, c->entry,
				   c->seconds);
	}
}

int serve_start_shadows(struct server *srv, const struct strv *bundles,
			const char *sample, const struct serving_opts *so)
{
	size_t i;

	for (i = 0; i < bundles->n; i++) {
		struct serving *sv = NULL;

		if (serving_open(&sv, bundles->v[i], so) < 0)
			return report_error();
		print_info("mlops: shadow %s %s (%s): a copy of the prediction "
			   "requests, compared (GET /shadow)", sv->bm->d->name,
			   sv->bm->d->version, sv->digest);
		if (server_set_shadow(srv, NULL, sv, sample) < 0)
			return report_error();
	}
	return 0;
}

int serve_start_repository(struct server *srv, const char *dir, int argc,
			   const char **argv, const char *default_model,
			   const struct serving_opts *so,
			   struct live_alerts *const *la,
			   struct repository **repo)
{
	struct repository_opts ro = { 0 };
	struct serving *def;
	json_t *names;
	char *list;

	ro.dir = dir;
	ro.bundles = argv;
	ro.nbundles = (size_t)argc;
	ro.serving = *so;
	ro.report = report_changes;
	ro.report_arg = (void *)la;
	if (repository_start(repo, srv, &ro) < 0)
		return report_error();
	if (!default_model)
		return 0;
	def = server_model_acquire(srv, default_model);
	serving_put(def);
	if (def)
		return 0;
	names = server_model_names(srv);
	list = json_dumps(names, JSON_COMPACT);
	print_error("--default-model %s: no model of that name is served (%s)",
		    default_model, list);
	free(list);
	json_decref(names);
	return EXIT_USAGE;
}

/* The report says what changed and what failed; the rest answers on. */
void serve_sync_models(struct repository *repo)
{
	struct repo_changes ch = { 0 };

	if (repository_sync(repo, &ch) < 0)
		print_warning("SIGHUP: not every entry loaded (see above); "
			      "the other models answer");
	else if (!ch.n)
		print_info("mlops: SIGHUP: no model changed");
	mlops_error_clear();
	repo_changes_release(&ch);
}

int serve_modes_multi(const struct serve_modes *m)
{
	return m->models || m->argc > 1;
}

const char *serve_modes_error(const struct serve_modes *m)
{
	int multi = serve_modes_multi(m);

	if (m->root && m->state)
		return "--root (a local environment) or --state (a fleet "
		       "instance), not both";
	if (multi && (m->root || m->state))
		return "several models (--models, or BUNDLE ...) go without "
		       "--root and --state";
	if ((m->admin_listen || m->admin_key_file) && !m->state && !multi)
		return "the admin API needs --state DIR, --models DIR or "
		       "several BUNDLEs";
	if (multi && m->expect_digest)
		return "--expect-digest names one bundle: not with several "
		       "models";
	if (m->default_model && !multi)
		return "--default-model goes with several models";
	if ((m->shadow_sample || m->shadow_sample_max_set) && !m->nshadow)
		return "--shadow-sample and --shadow-sample-max go with "
		       "--shadow";
	if (m->nshadow && m->state)
		return "a fleet instance's shadow comes through its admin API "
		       "(activate, weight \"shadow\"), not --shadow";
	if (m->state ? m->argc > 1 : m->root ? m->argc != 0
					      : !m->models && m->argc < 1)
		return m->root ? "--root DIR takes no BUNDLE"
			       : "serve BUNDLE ..., --models DIR, --root DIR or "
				 "--state DIR [BUNDLE]";
	return NULL;
}
