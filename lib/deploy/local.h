/* A local environment's directory (mlops.yaml: kind: local, root: DIR),
 * laid out like Capistrano's: releases/<hex>/bundle.mlpkg, current ->
 * releases/<hex> switched by rename(2), and the serve.pid that
 * `mlops serve --root DIR` writes so a deploy can tell it to reload. */
#ifndef MLOPS_DEPLOY_LOCAL_H
#define MLOPS_DEPLOY_LOCAL_H

#include <stddef.h>
#include <stdint.h>

#define SERVE_PID_FILE "serve.pid"

/* Copies the bundle into releases/<hex>/ (atomically, verified by its
 * digest); kept as is when already there and intact. */
int local_install(const char *root, const char *bundle, const char *digest);
/* current -> releases/<hex of digest>, by a new link renamed over it. */
int local_switch(const char *root, const char *digest);
/* The digest current points to ("" when none). */
void local_current(const char *root, char *digest, size_t len);
/* The bundle a digest's release holds (the caller frees). */
char *local_release_bundle(const char *root, const char *digest);
/* Removes the releases whose digests are not in keep; *removed counts
 * them. Best effort: what cannot be removed stays. */
void local_prune(const char *root, const char *const *keep, size_t nkeep,
		 size_t *removed);
/* SIGHUP to the server serving root, if one runs: 1 sent, 0 none. */
int local_signal_server(const char *root);
/* Whether a server (mlops serve --root) serves root: 1 yes, 0 no. */
int local_server_running(const char *root);
/* The server side: write and remove ROOT/serve.pid. */
int local_write_pid(const char *root);
void local_remove_pid(const char *root);

/* What a deploy killed mid-copy leaves: temporary files under
 * releases/<digest>/, a release directory without its bundle, a
 * half-made current link. Removed; the caller holds the environment's
 * lock, so none of them belongs to a live deploy. Returns the number of
 * files removed and adds their bytes to *bytes. */
size_t local_clean_leftovers(const char *root, uint64_t *bytes);
/* Whether there is anything for local_clean_leftovers (nothing removed). */
int local_has_leftovers(const char *root);

#endif
