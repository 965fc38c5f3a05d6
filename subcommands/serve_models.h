/* mlops serve's several models and shadows (see mlops-serve(1), SEVERAL
 * MODELS and SHADOWS): started, reported, and read again on SIGHUP. */
#ifndef MLOPS_SUBCOMMANDS_SERVE_MODELS_H
#define MLOPS_SUBCOMMANDS_SERVE_MODELS_H

#include "cli/options.h"
#include "lib/server/livealerts.h"
#include "lib/server/repository.h"
#include "lib/server/server.h"

/* Every bundle of argv and what dir holds (NULL: none) loaded into srv,
 * each load logged; default_model (NULL: none) must be among them. A
 * load that fails later (SIGHUP, the admin API) is the alerts'
 * reload_failed event once *la (the live alerts) is set. 0, or the
 * exit status (the error printed). */
int serve_start_repository(struct server *srv, const char *dir, int argc,
			   const char **argv, const char *default_model,
			   const struct serving_opts *so,
			   struct live_alerts *const *la,
			   struct repository **repo);
/* SIGHUP: the repository read again, what changed logged. */
void serve_sync_models(struct repository *repo);
/* Each of bundles the shadow of the model of its name (or of the only
 * one), its disagreements to sample (NULL: none). 0, or the exit
 * status. */
int serve_start_shadows(struct server *srv, const struct strv *bundles,
			const char *sample, const struct serving_opts *so);

/* What decides how mlops serve serves: BUNDLE, several (or --models),
 * --root, --state, and the options that go with some of them. */
struct serve_modes {
	const char *root, *state, *models, *admin_listen, *admin_key_file;
	const char *expect_digest, *default_model, *shadow_sample;
	size_t nshadow;
	int shadow_sample_max_set;
	int argc; /* BUNDLE arguments */
};
/* Several models: --models, or more than one BUNDLE. */
int serve_modes_multi(const struct serve_modes *m);
/* The usage error of a combination; NULL when there is none. */
const char *serve_modes_error(const struct serve_modes *m);

#endif
