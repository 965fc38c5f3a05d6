/* lib/deploy without servers: env_status (a local environment's health
 * from what current points to and what its server answers; kubernetes
 * is not asked) and which deploy arguments are registry references. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../lib/core/error.h"
#include "../../lib/core/jsonutil.h"
#include "../../lib/deploy/fetch.h"
#include "../../lib/deploy/status.h"
#include "tap.h"

#define HEX "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

static void test_ref_parse(const char *dir)
{
	struct ref r;

	ok(deploy_ref_parse(&r, "localhost:5000/team/m:1.0") == 1,
	   "HOST/REPO:TAG is a reference");
	is_str(r.tag, "1.0", "its tag");
	ref_free(&r);
	ok(deploy_ref_parse(&r, "credit-risk:1.0") == 1,
	   "NAME:TAG is a reference (the default registry)");
	ref_free(&r);
	ok(deploy_ref_parse(&r, "dist/m-1.0.mlpkg") == 0,
	   "a name ending in .mlpkg is a file");
	ok(!r.repo && !r.tag, "and leaves the ref empty");
	ok(deploy_ref_parse(&r, "bundle") == 0, "a plain name is a file");
	ok(mlops_error_last()->code == 0, "no error left behind");
	ok(deploy_ref_parse(&r, dir) == 0,
	   "a path that exists is a file, ':' or '/' in it or not");
}

int main(void)
{
	char root[] = "/tmp/mlops-test-deploy-XXXXXX";
	struct environment e = { 0 };
	struct deploy_opts o = { 0 };
	struct revision dep = { 0 };
	json_t *j = NULL;
	char link[sizeof(root) + 16];

	if (!mkdtemp(root))
		return 1;
	e.name = "staging";
	e.kind = ENV_LOCAL;
	dep.number = 3;
	strcpy(dep.digest, "sha256:" HEX);
	strcpy(dep.name, "m");
	strcpy(dep.version, "1.0");

	ok(env_status(&j, &e, root, NULL, &o) == 0, "local, nothing deployed");
	ok(json_is_false(json_object_get(j, "healthy")),
	   "nothing deployed: not healthy");
	ok(json_is_null(json_object_get(j, "current")), "no current");
	is_str(json_str(j, "server"), "unknown (no url)", "no url: unknown");
	ok(json_is_null(json_object_get(j, "ready")), "no url: ready null");
	json_decref(j);

	ok(env_status(&j, &e, root, &dep, &o) == 0, "local, deployed");
	ok(json_is_false(json_object_get(j, "healthy")),
	   "current missing: not healthy");
	is_int(json_integer_value(json_object_get(j, "revision")), 3,
	       "the deployed revision");
	json_decref(j);

	snprintf(link, sizeof(link), "%s/current", root);
	ok(symlink("releases/" HEX, link) == 0, "current -> the release");
	ok(env_status(&j, &e, root, &dep, &o) == 0, "local, current set");
	is_str(json_str(j, "current"), "sha256:" HEX, "current read");
	ok(json_is_true(json_object_get(j, "healthy")),
	   "no url, current is the deployed revision: healthy");
	json_decref(j);

	/* A port nothing listens on: connection refused at once. */
	e.url = "http://127.0.0.1:1";
	ok(env_status(&j, &e, root, &dep, &o) == 0, "local, server down");
	is_str(json_str(j, "server"), "not answering", "server not answering");
	ok(json_is_false(json_object_get(j, "ready")), "not ready");
	is_str(json_str(j, "served_digest"), "", "serves nothing");
	ok(json_is_false(json_object_get(j, "healthy")),
	   "with a url, the server must be ready: not healthy");
	json_decref(j);

	test_ref_parse(root);

	e.kind = ENV_KUBERNETES;
	ok(env_status(&j, &e, root, &dep, &o) == MLOPS_EUSAGE && !j,
	   "kubernetes: a usage error");
	like(mlops_error_last()->message, "kubectl", "says to ask the cluster");

	unlink(link);
	rmdir(root);
	return done_testing();
}
