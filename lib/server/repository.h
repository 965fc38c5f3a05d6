/* The model repository of a server that answers for several models
 * (mlops serve A.mlpkg B.mlpkg ..., serve --models DIR): its entries are
 * the BUNDLE arguments and what DIR holds (NAME.mlpkg files, release
 * directories holding bundle.mlpkg, environment roots whose current
 * points to one), each serving the model its bundle names.
 *
 * At start every entry must load, under names of its own. Later, a sync
 * (SIGHUP) reads DIR again: new and changed entries are loaded and
 * warmed up while the others answer, removed ones unloaded; the admin
 * API loads and unloads models by name. An entry that fails to load is
 * reported and kept out (the version it served before, if any, goes on
 * answering); the others never notice. */
#ifndef MLOPS_SERVER_REPOSITORY_H
#define MLOPS_SERVER_REPOSITORY_H

#include <jansson.h>
#include <stddef.h>

#include "server.h"
#include "serving.h"

enum repo_action { REPO_LOADED, REPO_RELOADED, REPO_UNLOADED, REPO_FAILED };

/* What an operation did to one entry. */
struct repo_change {
	enum repo_action action;
	char *entry;            /* its path */
	char *name;             /* the model; NULL when it never opened */
	char *version, *digest; /* the version loaded (or unloaded) */
	char *why;              /* REPO_FAILED: the error */
	double seconds;         /* to load and warm up */
};

struct repo_changes {
	struct repo_change *v;
	size_t n, alloc;
};

struct repository_opts {
	const char *dir;            /* --models DIR; NULL: none */
	const char *const *bundles; /* BUNDLE arguments */
	size_t nbundles;
	struct serving_opts serving;
	/* Told of every change (on the thread that made it: the admin
	 * API's, or the caller's); NULL: nobody. */
	void (*report)(const struct repo_changes *ch, void *arg);
	void *report_arg;
};

struct repository;

/* Every entry loaded into srv, or the first failure (EINPUT for two
 * entries of one model name): the server must not start. */
int repository_start(struct repository **out, struct server *srv,
		     const struct repository_opts *o);
void repository_free(struct repository *r);
/* DIR read again, the server brought in line with it. 0, or -1 when an
 * entry failed (the others done all the same; see the report). */
int repository_sync(struct repository *r, struct repo_changes *ch);
/* Loads (or reloads, when its entry changed) the model name: an entry
 * that served it, else one of DIR named after it (NAME.mlpkg, NAME/).
 * EUSAGE: no such entry; EINPUT/EIO: it failed to load. */
int repository_load(struct repository *r, const char *name,
		    struct repo_changes *ch);
/* Stops answering for model name; a sync leaves it unloaded until it
 * is loaded again. EUSAGE: no such model loaded. */
int repository_unload(struct repository *r, const char *name,
		      struct repo_changes *ch);

/* [{action, entry, name, version, digest, error, seconds}] */
json_t *repo_changes_json(const struct repo_changes *ch);
const char *repo_action_name(enum repo_action a);
void repo_changes_release(struct repo_changes *ch);

#endif
