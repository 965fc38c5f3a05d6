/* GTO "assign" tags: NAME#STAGE#N, annotated, on the commit a bundle was
 * built from, written when a deploy or rollback goes live, so `gto show`
 * and `git log` tell what runs where. N is 1 + the highest counter on any
 * tag of the artifact (fetch tags first in shallow CI clones). */
#ifndef MLOPS_GITREPO_ASSIGN_H
#define MLOPS_GITREPO_ASSIGN_H

/* *tag is the tag written (the caller frees). */
int assign_tag(const char *dir, const char *name, const char *stage,
	       const char *version, const char *commit, const char *digest,
	       char **tag);
/* The counter of a GTO tag ("name#prod#7" -> 7, "name@v1.0.0#3" -> 3),
 * 0 when it has none. */
long gto_counter(const char *tag, const char *name);

#endif
