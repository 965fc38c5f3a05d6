/* glibc's /etc/ld.so.cache ("glibc-ld.so.cache1.1", as ldconfig writes
 * it since glibc 2.32, alone or after the old "ld.so-1.7.0" table): the
 * soname -> path map the loader reads before its default directories. */
#ifndef MLOPS_IMAGE_LDCACHE_H
#define MLOPS_IMAGE_LDCACHE_H

#include <stddef.h>
#include <stdint.h>

#include "../core/strbuf.h"

struct ldcache {
	struct strbuf file;
	size_t base;    /* offset of the new-format header: strings count
			 * from here */
	uint32_t nlibs; /* 0: no cache, or one we cannot read */
};

/* A missing or unreadable cache is not an error: the loader then uses
 * its default directories, and so do we. */
void ldcache_load(struct ldcache *c, const char *path);
/* The next entry for `name` of a library built for `machine` from entry
 * *pos on (start with *pos = 0); NULL when there is none. */
const char *ldcache_find(const struct ldcache *c, const char *name,
			 uint16_t machine, size_t *pos);
void ldcache_release(struct ldcache *c);

#endif
