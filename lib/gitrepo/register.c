#include "register.h"

#include <stdlib.h>
#include <string.h>

#include "../core/error.h"
#include "../core/strbuf.h"

#define TRAILER "Bundle-Digest: "

int register_prepare(struct register_plan *plan, const char *dir,
		     const char *name, const char *version,
		     const struct provenance *prov, int allow_dirty)
{
	struct strbuf tag = STRBUF_INIT;
	char commit[41];
	int rc;

	memset(plan, 0, sizeof(*plan));
	strbuf_addf(&tag, "%s@v%s", name, version);
	plan->tag = strbuf_detach(&tag);
	if (!gitrepo_tag_name_valid(plan->tag))
		return mlops_error_set(MLOPS_EINPUT, "'%s' is not a valid git "
				       "tag name", plan->tag);
	if (!prov->in_repo) {
		mlops_error_set(MLOPS_EINPUT, "--tag needs a git repository, "
				"and '%s' is not in one", dir);
		mlops_error_hint("run 'git init' and commit the project, or "
				 "package without --tag");
		return MLOPS_EINPUT;
	}
	if (!prov->commit[0])
		return mlops_error_set(MLOPS_EINPUT, "the repository has no "
				       "commit to tag yet");
	if (prov->dirty && !allow_dirty) {
		mlops_error_set(MLOPS_EINPUT, "the working tree has changes that "
				"are not committed, so commit %.12s does not "
				"describe the bundle", prov->commit);
		mlops_error_hint("commit them (bundled files too), or pass "
				 "--allow-dirty");
		return MLOPS_EINPUT;
	}
	rc = gitrepo_tag_lookup(dir, plan->tag, commit, &plan->existing_msg);
	if (rc < 0)
		return rc;
	if (rc == TAG_ABSENT)
		return 0;
	if (strcmp(commit, prov->commit)) {
		mlops_error_set(MLOPS_EINPUT, "tag '%s' already exists on "
				"commit %.12s", plan->tag, commit);
		mlops_error_hint("a version is registered once: raise "
				 "'version' in the descriptor");
		return MLOPS_EINPUT;
	}
	plan->exists = 1;
	return 0;
}

char *register_message_digest(const char *message)
{
	const char *p = message;

	while (p && *p) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);

		if (len > strlen(TRAILER) && !strncmp(p, TRAILER, strlen(TRAILER)))
			return xstrndup(p + strlen(TRAILER),
					len - strlen(TRAILER));
		p = nl ? nl + 1 : NULL;
	}
	return NULL;
}

int register_apply(struct register_plan *plan, const char *dir,
		   const char *name, const char *version,
		   const struct provenance *prov, const char *digest,
		   int *created)
{
	struct strbuf msg = STRBUF_INIT;
	int rc;

	*created = 0;
	if (plan->exists) {
		char *had = register_message_digest(plan->existing_msg);

		rc = 0;
		if (!had || strcmp(had, digest)) {
			rc = mlops_error_set(MLOPS_EINPUT, "tag '%s' already "
					     "exists on this commit for bundle "
					     "%s, not %s", plan->tag,
					     had ? had : "(unknown)", digest);
			mlops_error_hint("the bundle changed without a commit; "
					 "commit, then raise 'version'");
		}
		free(had);
		return rc;
	}
	/* GTO's message, with the digest as a trailer GTO ignores. */
	strbuf_addf(&msg, "Registering artifact %s version v%s\n\n" TRAILER
		    "%s\n", name, version, digest);
	rc = gitrepo_tag_create(dir, plan->tag, prov->commit, msg.buf);
	strbuf_release(&msg);
	if (!rc)
		*created = 1;
	return rc;
}

void register_plan_free(struct register_plan *plan)
{
	free(plan->tag);
	free(plan->existing_msg);
	memset(plan, 0, sizeof(*plan));
}
