/* The admin API of mlops serve (--admin-listen): a separate listener,
 * an admin key on every request, through which `mlops deploy` ships
 * bundles to a fleet instance and moves its traffic:
 *
 *   GET  /admin/state                   what it serves, weights, history
 *   GET  /admin/bundles/sha256:HEX      200 when it holds that bundle
 *   PUT  /admin/bundles/sha256:HEX      upload (refused unless the bundle's
 *                                       digest is the one named)
 *   POST /admin/activate {"digest", "weight"}
 *        weight 100: the stable version (a canary of that digest is
 *        promoted); 1..99: the canary, taking that share of prediction
 *        requests; 0: no canary
 *        "shadow": the shadow, answering a copy of the prediction
 *        requests, compared (GET /admin/shadow); 0 also stops it
 *   POST /admin/rollback                the stable version before
 *   GET  /admin/shadow                  the shadows' comparisons
 *
 * and, on a server of several models (a repository, repository.h):
 *
 *   POST /admin/models/NAME/load        load (or reload) model NAME
 *   POST /admin/models/NAME/unload      stop answering for it
 *   GET  /admin/models                  the repository index
 *
 * with Triton's paths for the same (POST /v2/repository/index,
 * /v2/repository/models/NAME/load and /unload).
 *
 * One thread answers it: changes never race. Each change of a fleet
 * instance is persisted in the state directory (state.h) before it is
 * answered. */
#ifndef MLOPS_SERVER_ADMIN_H
#define MLOPS_SERVER_ADMIN_H

#include <stddef.h>
#include <stdint.h>

#include "repository.h"
#include "server.h"
#include "serving.h"
#include "state.h"

struct admin_opts {
	const char *listen;           /* ADDR:PORT; port 0 picks one */
	const char *const *keys;      /* at least one */
	size_t nkeys;
	const char *state_dir;        /* NULL: no fleet routes */
	struct repository *repo;      /* NULL: no load and unload */
	struct serving_opts serving;  /* for the versions it loads */
	uint64_t max_upload;          /* bytes; more gets 413 */
	const char *tls_cert;         /* PEM text: TLS when both are set */
	const char *tls_key;
};

struct admin;

/* The versions a state directory says to serve: its stable one (else
 * seed, a bundle, is stored and becomes it), its canary and its shadow.
 * *stable is NULL only when there is neither. note: what was decided,
 * for the log. */
int admin_restore(const char *dir, struct serve_state *st, const char *seed,
		  const struct serving_opts *so, struct serving **stable,
		  struct serving **canary, struct serving **shadow,
		  char *note, size_t len);
/* DIR/shadow-HEX12.jsonl: where a fleet instance's shadow writes the
 * rows it disagrees on (the caller frees). */
char *admin_shadow_sample(const char *dir, const char *digest);
/* Starts answering; st (from admin_restore; NULL without --state) is
 * taken over. */
int admin_start(struct admin **out, struct server *srv,
		struct serve_state *st, const struct admin_opts *o);
unsigned admin_port(const struct admin *a);
void admin_stop(struct admin *a);

#endif
