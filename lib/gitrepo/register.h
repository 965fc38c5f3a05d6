/* GTO "register" tags: NAME@vVERSION, annotated, on the commit a bundle
 * was built from, with the bundle's digest as a trailer. */
#ifndef MLOPS_GITREPO_REGISTER_H
#define MLOPS_GITREPO_REGISTER_H

#include "gitrepo.h"

struct register_plan {
	char *tag;          /* NAME@vVERSION */
	int exists;         /* already on this commit */
	char *existing_msg; /* its message, when it exists */
};

/* Checks that `prov` can be tagged: a repository with a commit, clean
 * unless allow_dirty, and no tag of that name on another commit. */
int register_prepare(struct register_plan *plan, const char *dir,
		     const char *name, const char *version,
		     const struct provenance *prov, int allow_dirty);
/* Creates the tag; if it already exists on this commit, it must carry
 * this digest. *created says which happened. */
int register_apply(struct register_plan *plan, const char *dir,
		   const char *name, const char *version,
		   const struct provenance *prov, const char *digest,
		   int *created);
void register_plan_free(struct register_plan *plan);
/* The digest in a tag message's "Bundle-Digest:" trailer, or NULL. */
char *register_message_digest(const char *message);

#endif
