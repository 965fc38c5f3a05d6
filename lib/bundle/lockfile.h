/* Pinned dependencies from lock files (pip's requirements format), as
 * package URLs for the SBOM. */
#ifndef MLOPS_BUNDLE_LOCKFILE_H
#define MLOPS_BUNDLE_LOCKFILE_H

#include <stddef.h>

struct pinned_dep {
	char *name;    /* PEP 503 normalised */
	char *version;
	char *purl;    /* pkg:pypi/NAME@VERSION */
};

struct dep_list {
	struct pinned_dep *v;
	size_t n, alloc;
	size_t unpinned;     /* requirement lines without "==" */
	char *first_unpinned;
};

/* Parses requirements.txt-style text, appending to `out` (sorted and
 * de-duplicated by dep_list_finish). */
void lockfile_parse_requirements(struct dep_list *out, const char *text,
				 size_t len);
void dep_list_finish(struct dep_list *l);
void dep_list_free(struct dep_list *l);

#endif
