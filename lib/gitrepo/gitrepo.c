#include "gitrepo.h"

#include <git2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/error.h"
#include "../core/strbuf.h"

static int git_fail(int code, const char *what)
{
	const git_error *e = git_error_last();

	return mlops_error_set(code, "%s: %s", what,
			       e && e->message ? e->message : "libgit2 error");
}

/* Opens the repository holding `dir`; *repo NULL (and 0) when none. */
static int open_repo(git_repository **repo, const char *dir)
{
	int rc = git_repository_open_ext(repo, dir, 0, NULL);

	if (rc == GIT_ENOTFOUND) {
		*repo = NULL;
		return 0;
	}
	if (rc < 0)
		return git_fail(MLOPS_EIO, "cannot open the git repository");
	return 0;
}

/* The same, for operations that need a repository. */
static int open_existing_repo(git_repository **repo, const char *dir)
{
	int rc = open_repo(repo, dir);

	if (!rc && !*repo)
		rc = mlops_error_set(MLOPS_EINPUT, "'%s' is not in a git "
				     "repository", dir);
	return rc;
}

char *url_strip_credentials(const char *url)
{
	const char *scheme = strstr(url, "://");
	const char *host, *at, *end;
	struct strbuf sb = STRBUF_INIT;

	if (!scheme)
		return xstrdup(url); /* scp-like "git@host:path": no secret */
	host = scheme + 3;
	end = host + strcspn(host, "/?#");
	at = NULL;
	for (const char *p = host; p < end; p++)
		if (*p == '@')
			at = p;
	if (!at)
		return xstrdup(url);
	strbuf_add(&sb, url, (size_t)(host - url));
	strbuf_addstr(&sb, at + 1);
	return strbuf_detach(&sb);
}

static int status_is_dirty(git_repository *repo)
{
	git_status_options opts = GIT_STATUS_OPTIONS_INIT;
	git_status_list *list = NULL;
	size_t i, n;
	int dirty = 0;

	/* As `git describe --dirty`: tracked changes only. */
	opts.show = GIT_STATUS_SHOW_INDEX_AND_WORKDIR;
	opts.flags = GIT_STATUS_OPT_EXCLUDE_SUBMODULES;
	if (git_status_list_new(&list, repo, &opts) < 0)
		return -1;
	n = git_status_list_entrycount(list);
	for (i = 0; i < n && !dirty; i++) {
		const git_status_entry *e = git_status_byindex(list, i);

		if (e->status != GIT_STATUS_CURRENT &&
		    !(e->status & (GIT_STATUS_WT_NEW | GIT_STATUS_IGNORED)))
			dirty = 1;
	}
	git_status_list_free(list);
	return dirty;
}

/* Is any bundled file unknown to git (untracked or ignored)? */
static int bundled_untracked(git_repository *repo, const char *dir,
			     const char *const *paths, size_t npaths)
{
	const char *workdir = git_repository_workdir(repo);
	char *wd = workdir ? realpath(workdir, NULL) : NULL;
	char *base = realpath(dir, NULL);
	size_t i;
	int found = 0;

	if (!wd || !base)
		goto done;
	for (i = 0; i < npaths && !found; i++) {
		struct strbuf full = STRBUF_INIT;
		size_t wl = strlen(wd);
		unsigned int flags = 0;
		const char *rel;

		strbuf_addf(&full, "%s/%s", base, paths[i]);
		if (strncmp(full.buf, wd, wl) || full.buf[wl] != '/') {
			strbuf_release(&full);
			continue;
		}
		rel = full.buf + wl + 1;
		if (git_status_file(&flags, repo, rel) == 0 &&
		    (flags & (GIT_STATUS_WT_NEW | GIT_STATUS_IGNORED |
			      GIT_STATUS_INDEX_NEW)))
			found = 1;
		strbuf_release(&full);
	}
done:
	free(wd);
	free(base);
	return found;
}

static char *remote_url(git_repository *repo)
{
	git_remote *remote = NULL;
	git_strarray names = { 0 };
	char *url = NULL;

	if (git_remote_lookup(&remote, repo, "origin") < 0) {
		if (git_remote_list(&names, repo) == 0 && names.count)
			git_remote_lookup(&remote, repo, names.strings[0]);
		git_strarray_dispose(&names);
	}
	if (remote && git_remote_url(remote))
		url = url_strip_credentials(git_remote_url(remote));
	git_remote_free(remote);
	return url;
}

int gitrepo_provenance(struct provenance *out, const char *dir,
		       const char *const *paths, size_t npaths)
{
	git_repository *repo = NULL;
	git_reference *head = NULL;
	git_object *obj = NULL;
	int rc, dirty;

	memset(out, 0, sizeof(*out));
	git_libgit2_init();
	rc = open_repo(&repo, dir);
	if (rc || !repo)
		goto done;
	out->in_repo = 1;
	rc = git_repository_head(&head, repo);
	if (rc == GIT_EUNBORNBRANCH || rc == GIT_ENOTFOUND) {
		rc = 0;
		out->dirty = 1; /* nothing committed describes the files */
		goto remote;
	}
	if (rc < 0) {
		rc = git_fail(MLOPS_EIO, "cannot read HEAD");
		goto done;
	}
	if (git_reference_is_branch(head))
		out->branch = xstrdup(git_reference_shorthand(head));
	if (git_reference_peel(&obj, head, GIT_OBJECT_COMMIT) < 0) {
		rc = git_fail(MLOPS_EIO, "cannot resolve HEAD");
		goto done;
	}
	git_oid_tostr(out->commit, sizeof(out->commit), git_object_id(obj));
	out->commit_time = git_commit_time((git_commit *)obj);
	dirty = status_is_dirty(repo);
	if (dirty < 0) {
		rc = git_fail(MLOPS_EIO, "cannot read the repository status");
		goto done;
	}
	out->dirty = dirty || bundled_untracked(repo, dir, paths, npaths);
remote:
	out->remote = remote_url(repo);
done:
	git_object_free(obj);
	git_reference_free(head);
	git_repository_free(repo);
	git_libgit2_shutdown();
	if (rc)
		provenance_free(out);
	return rc;
}

void provenance_free(struct provenance *p)
{
	free(p->remote);
	free(p->branch);
	p->remote = p->branch = NULL;
}

int gitrepo_tag_name_valid(const char *name)
{
	struct strbuf ref = STRBUF_INIT;
	int valid = 0;

	git_libgit2_init();
	strbuf_addf(&ref, "refs/tags/%s", name);
	if (git_reference_name_is_valid(&valid, ref.buf) < 0)
		valid = 0;
	strbuf_release(&ref);
	git_libgit2_shutdown();
	return valid;
}

int gitrepo_tag_lookup(const char *dir, const char *name, char commit[41],
		       char **message)
{
	git_repository *repo = NULL;
	git_reference *ref = NULL;
	git_object *target = NULL;
	git_tag *tag = NULL;
	struct strbuf refname = STRBUF_INIT;
	int rc;

	*message = NULL;
	commit[0] = '\0';
	git_libgit2_init();
	rc = open_existing_repo(&repo, dir);
	if (rc)
		goto done;
	strbuf_addf(&refname, "refs/tags/%s", name);
	rc = git_reference_lookup(&ref, repo, refname.buf);
	if (rc == GIT_ENOTFOUND) {
		rc = TAG_ABSENT;
		goto done;
	}
	if (rc < 0) {
		rc = git_fail(MLOPS_EIO, "cannot read tags");
		goto done;
	}
	if (git_reference_peel(&target, ref, GIT_OBJECT_COMMIT) < 0) {
		rc = git_fail(MLOPS_EINPUT, "tag does not point at a commit");
		goto done;
	}
	git_oid_tostr(commit, 41, git_object_id(target));
	if (git_tag_lookup(&tag, repo, git_reference_target(ref)) == 0)
		*message = xstrdup(git_tag_message(tag));
	else
		*message = xstrdup(""); /* lightweight */
	rc = TAG_PRESENT;
done:
	git_tag_free(tag);
	git_object_free(target);
	git_reference_free(ref);
	git_repository_free(repo);
	strbuf_release(&refname);
	git_libgit2_shutdown();
	return rc;
}

static int tagger(git_signature **sig, git_repository *repo)
{
	const char *name = getenv("GIT_COMMITTER_NAME");
	const char *email = getenv("GIT_COMMITTER_EMAIL");

	if (name && *name && email && *email) {
		if (git_signature_now(sig, name, email) < 0)
			return git_fail(MLOPS_EINPUT, "invalid committer identity");
		return 0;
	}
	if (git_signature_default(sig, repo) < 0) {
		mlops_error_set(MLOPS_EINPUT, "no identity to sign the tag with");
		mlops_error_hint("set git's user.name and user.email, or "
				 "GIT_COMMITTER_NAME and GIT_COMMITTER_EMAIL");
		return MLOPS_EINPUT;
	}
	return 0;
}

int gitrepo_tag_create(const char *dir, const char *name, const char *commit,
		       const char *message)
{
	git_repository *repo = NULL;
	git_object *target = NULL;
	git_signature *sig = NULL;
	git_oid oid, tag_oid;
	int rc;

	git_libgit2_init();
	rc = open_existing_repo(&repo, dir);
	if (rc)
		goto done;
	if (git_oid_fromstr(&oid, commit) < 0 ||
	    git_object_lookup(&target, repo, &oid, GIT_OBJECT_COMMIT) < 0) {
		rc = git_fail(MLOPS_EINPUT, "cannot find the commit to tag");
		goto done;
	}
	rc = tagger(&sig, repo);
	if (rc)
		goto done;
	rc = git_tag_create(&tag_oid, repo, name, target, sig, message, 0);
	if (rc == GIT_EEXISTS)
		rc = mlops_error_set(MLOPS_EINPUT, "tag '%s' already exists",
				     name);
	else if (rc < 0)
		rc = git_fail(MLOPS_EIO, "cannot create the tag");
done:
	git_signature_free(sig);
	git_object_free(target);
	git_repository_free(repo);
	git_libgit2_shutdown();
	return rc;
}

int gitrepo_tag_list(const char *dir, const char *pattern, char ***names,
		     size_t *n)
{
	git_repository *repo = NULL;
	git_strarray tags = { 0 };
	size_t i;
	int rc;

	*names = NULL;
	*n = 0;
	git_libgit2_init();
	rc = open_existing_repo(&repo, dir);
	if (!rc && git_tag_list_match(&tags, pattern, repo) < 0)
		rc = git_fail(MLOPS_EIO, "cannot list tags");
	if (!rc) {
		*names = xcalloc(tags.count + 1, sizeof(char *));
		for (i = 0; i < tags.count; i++)
			(*names)[i] = xstrdup(tags.strings[i]);
		*n = tags.count;
	}
	git_strarray_dispose(&tags);
	git_repository_free(repo);
	git_libgit2_shutdown();
	return rc;
}

struct push_ctx {
	int attempts;
	char rejected[256];
};

/* Credentials, asked for by the remote: a token from MLOPS_GIT_TOKEN
 * (https), else the ssh agent. Never from argv, never printed. A few
 * attempts at most: libgit2 asks again after a refusal. */
static int push_credentials(git_credential **out, const char *url,
			    const char *user, unsigned int allowed, void *data)
{
	struct push_ctx *c = data;
	const char *token = getenv("MLOPS_GIT_TOKEN");
	const char *name = getenv("MLOPS_GIT_USERNAME");

	(void)url;
	if (++c->attempts > 3)
		return GIT_EUSER;
	if ((allowed & GIT_CREDENTIAL_USERPASS_PLAINTEXT) && token && *token)
		return git_credential_userpass_plaintext_new(
			out, name && *name ? name : user ? user : "x-access-token",
			token);
	if (allowed & GIT_CREDENTIAL_SSH_KEY)
		return git_credential_ssh_key_from_agent(out, user ? user : "git");
	return GIT_PASSTHROUGH;
}

static int push_update(const char *ref, const char *status, void *data)
{
	struct push_ctx *c = data;

	if (status && !c->rejected[0])
		snprintf(c->rejected, sizeof(c->rejected), "%s: %s", ref, status);
	return 0;
}

int gitrepo_tag_push(const char *dir, const char *remote_name,
		     const char *tag)
{
	git_repository *repo = NULL;
	git_remote *remote = NULL;
	git_push_options po;
	struct push_ctx ctx = { 0 };
	struct strbuf spec = STRBUF_INIT;
	char *specs[1];
	git_strarray refspecs = { specs, 1 };
	int rc;

	git_libgit2_init();
	rc = open_existing_repo(&repo, dir);
	if (!rc && git_remote_lookup(&remote, repo, remote_name) < 0)
		rc = git_fail(MLOPS_EINPUT, "no remote to push the tag to");
	if (rc)
		goto done;
	strbuf_addf(&spec, "refs/tags/%s:refs/tags/%s", tag, tag);
	specs[0] = spec.buf;
	git_push_options_init(&po, GIT_PUSH_OPTIONS_VERSION);
	po.callbacks.credentials = push_credentials;
	po.callbacks.push_update_reference = push_update;
	po.callbacks.payload = &ctx;
	if (git_remote_push(remote, &refspecs, &po) < 0) {
		char *url = url_strip_credentials(git_remote_url(remote));
		const git_error *e = git_error_last();

		rc = mlops_error_set(MLOPS_ENET, "cannot push %s to %s (%s): %s",
				     tag, remote_name, url,
				     e && e->message ? e->message
						     : "libgit2 error");
		free(url);
	} else if (ctx.rejected[0]) {
		rc = mlops_error_set(MLOPS_ENET, "the remote %s refused %s",
				     remote_name, ctx.rejected);
	}
done:
	strbuf_release(&spec);
	git_remote_free(remote);
	git_repository_free(repo);
	git_libgit2_shutdown();
	return rc;
}
