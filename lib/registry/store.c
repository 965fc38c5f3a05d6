#include "store.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../core/fsutil.h"
#include "../core/strbuf.h"
#include "../core/xdg.h"

int store_open(struct store **out, const struct ref *ref,
	       const struct store_opts *opts)
{
	if (ref->kind == REF_LAYOUT)
		return layout_store_open(out, ref, opts);
	return remote_store_open(out, ref, opts);
}

void store_close(struct store *s)
{
	if (s)
		s->ops->close(s);
}

/* A plain text file of "host repo digest" lines in the cache: small,
 * append-only, best effort (a lost line only costs an upload). */
static char *seen_path(void)
{
	return xdg_path(XDG_CACHE, NULL);
}

void blob_seen(const char *host, const char *repo, const char *digest)
{
	char *dir = seen_path(), *path = fs_join(dir, "registry-blobs");
	char *known = blob_known_in(host, "", digest);
	FILE *f;

	/* Only the first repository is worth remembering. */
	if (!known) {
		fs_mkdir_p(dir, 0755);
		f = fopen(path, "a");
		if (f) {
			fprintf(f, "%s %s %s\n", host, repo, digest);
			fclose(f);
		}
	}
	free(known);
	free(dir);
	free(path);
}

char *blob_known_in(const char *host, const char *repo, const char *digest)
{
	char *dir = seen_path(), *path = fs_join(dir, "registry-blobs");
	char line[1024], h[512], r[512], d[128];
	char *found = NULL;
	FILE *f = fopen(path, "r");

	while (f && !found && fgets(line, sizeof(line), f))
		if (sscanf(line, "%511s %511s %127s", h, r, d) == 3 &&
		    !strcmp(h, host) && !strcmp(d, digest) && strcmp(r, repo))
			found = xstrdup(r);
	if (f)
		fclose(f);
	free(dir);
	free(path);
	return found;
}
