#include "fetch.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../core/error.h"
#include "../core/fsutil.h"
#include "../core/strbuf.h"

/* Not a file: HOST/REPO:TAG, oci:DIR:TAG, or NAME:TAG of the default
 * registry. A name ending in .mlpkg is always taken for a file. */
static int names_a_ref(const char *arg)
{
	size_t n = strlen(arg);

	if (fs_exists(arg) || (n > 6 && !strcmp(arg + n - 6, ".mlpkg")))
		return 0;
	return strchr(arg, '/') || strchr(arg, ':');
}

int deploy_ref_parse(struct ref *ref, const char *arg)
{
	memset(ref, 0, sizeof(*ref));
	if (names_a_ref(arg) && ref_parse(ref, arg) == 0)
		return 1;
	mlops_error_clear();
	ref_free(ref);
	return 0;
}

int deploy_fetch_ref(struct deploy_fetch *out, const struct ref *ref,
		     const char *arg, const struct push_opts *o)
{
	struct pull_result res = { 0 };
	struct strbuf t = STRBUF_INIT;
	const char *tmp = getenv("TMPDIR");
	int rc;

	memset(out, 0, sizeof(*out));
	strbuf_addf(&t, "%s/mlops-deploy-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	out->tmpdir = strbuf_detach(&t);
	if (!mkdtemp(out->tmpdir)) {
		rc = mlops_error_set(MLOPS_EIO,
				     "cannot make a temporary directory %s",
				     out->tmpdir);
		free(out->tmpdir);
		out->tmpdir = NULL;
		return rc;
	}
	out->path = fs_join(out->tmpdir, "bundle.mlpkg");
	rc = bundle_pull(&res, ref, out->path, o);
	if (rc < 0) {
		if (!strchr(arg, '/'))
			mlops_error_hint("there is no file '%s' either", arg);
		deploy_fetch_release(out);
		return rc;
	}
	memcpy(out->digest, res.digest, sizeof(out->digest));
	free(res.path);
	return 0;
}

void deploy_fetch_release(struct deploy_fetch *f)
{
	if (f->tmpdir) {
		if (f->path)
			unlink(f->path);
		rmdir(f->tmpdir);
	}
	free(f->path);
	free(f->tmpdir);
	f->path = f->tmpdir = NULL;
}
