/* The project's git repository (libgit2): provenance for bundles, and
 * release tags in DVC GTO's grammar. */
#ifndef MLOPS_GITREPO_H
#define MLOPS_GITREPO_H

#include <stddef.h>
#include <stdint.h>

struct provenance {
	int in_repo;         /* 0: not in a git repository (nothing else set) */
	char commit[41];     /* HEAD, "" when the branch has no commit yet */
	int64_t commit_time; /* seconds since the epoch */
	int dirty;           /* tracked changes, or bundled files git lacks */
	char *remote;        /* origin's URL without credentials, or NULL */
	char *branch;        /* short name, or NULL when detached */
};

/* Provenance of the project in `dir`. `paths` (relative to dir) are the
 * files going into the bundle: if git does not track one, the commit
 * does not describe the bundle, and it counts as dirty. */
int gitrepo_provenance(struct provenance *out, const char *dir,
		       const char *const *paths, size_t npaths);
void provenance_free(struct provenance *p);

/* "https://user:token@host/x.git" -> "https://host/x.git". */
char *url_strip_credentials(const char *url);

enum tag_state { TAG_ABSENT = 0, TAG_PRESENT = 1 };

/* Looks up the annotated tag `name`. TAG_PRESENT fills `commit` (what it
 * points at) and *message (caller frees). */
int gitrepo_tag_lookup(const char *dir, const char *name, char commit[41],
		       char **message);
/* Creates annotated tag `name` on `commit` with `message`; the tagger is
 * GIT_COMMITTER_NAME / GIT_COMMITTER_EMAIL, else git's user config. */
int gitrepo_tag_create(const char *dir, const char *name, const char *commit,
		       const char *message);
int gitrepo_tag_name_valid(const char *name);
/* Pushes refs/tags/<tag> to the remote (such as "origin"), with
 * libgit2: a token from MLOPS_GIT_TOKEN (and MLOPS_GIT_USERNAME) for
 * https, the ssh agent for ssh. ENET naming the remote without
 * credentials when it fails or refuses. */
int gitrepo_tag_push(const char *dir, const char *remote_name,
		     const char *tag);
/* Tags matching a glob ("name#*"); NULL-terminated, the caller frees. */
int gitrepo_tag_list(const char *dir, const char *pattern, char ***names,
		     size_t *n);

#endif
