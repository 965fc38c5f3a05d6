#include "assign.h"

#include <stdlib.h>
#include <string.h>

#include "../core/error.h"
#include "../core/strbuf.h"
#include "gitrepo.h"

#define TRAILER "Bundle-Digest: "

long gto_counter(const char *tag, const char *name)
{
	size_t n = strlen(name);
	const char *hash;
	char *end;
	long v;

	/* NAME#STAGE[!]#N or NAME@vSEMVER[!]#N: the counter follows the
	 * first '#' after the stage or version. */
	if (strncmp(tag, name, n) || (tag[n] != '#' && tag[n] != '@'))
		return 0;
	hash = strchr(tag + n + 1, '#');
	if (!hash)
		return 0;
	v = strtol(hash + 1, &end, 10);
	return *end || end == hash + 1 || v < 0 ? 0 : v;
}

int assign_tag(const char *dir, const char *name, const char *stage,
	       const char *version, const char *commit, const char *digest,
	       char **tag)
{
	struct strbuf pat = STRBUF_INIT, t = STRBUF_INIT, msg = STRBUF_INIT;
	char **names = NULL;
	size_t n = 0, i;
	long max = 0;
	int rc;

	*tag = NULL;
	strbuf_addf(&pat, "%s[#@]*", name);
	rc = gitrepo_tag_list(dir, pat.buf, &names, &n);
	for (i = 0; !rc && i < n; i++) {
		long c = gto_counter(names[i], name);

		if (c > max)
			max = c;
	}
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
	if (!rc) {
		strbuf_addf(&t, "%s#%s#%ld", name, stage, max + 1);
		strbuf_addf(&msg, "Assigning stage %s to artifact %s version v%s"
			    "\n\n" TRAILER "%s\n", stage, name, version, digest);
		rc = gitrepo_tag_create(dir, t.buf, commit, msg.buf);
	}
	if (!rc)
		*tag = strbuf_detach(&t);
	strbuf_release(&t);
	strbuf_release(&pat);
	strbuf_release(&msg);
	return rc;
}
