#include "ref.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "../descriptor/names.h"
#include "../core/error.h"
#include "../core/fsutil.h"
#include "../core/sha256.h"
#include "../core/strbuf.h"
#include "../core/xdg.h"
#include "../descriptor/ytree.h"

int tag_is_valid(const char *t)
{
	size_t i, n = strlen(t);

	if (!n || n > 128 || !(isalnum((unsigned char)t[0]) || t[0] == '_'))
		return 0;
	for (i = 1; i < n; i++)
		if (!isalnum((unsigned char)t[i]) && !strchr("._-", t[i]))
			return 0;
	return 1;
}

int ref_is_loopback(const char *host)
{
	return !strncmp(host, "localhost", 9) || !strncmp(host, "127.", 4) ||
	       !strncmp(host, "[::1]", 5);
}

/* The user config's "registry:" key, if any. */
static char *config_registry(void)
{
	char *path = xdg_path(XDG_CONFIG, "config.yaml");
	struct strbuf text = STRBUF_INIT;
	struct ynode *root = NULL;
	const struct ynode *v;
	char *out = NULL;

	if (path && fs_read_file(path, 1 << 20, &text) == 0 &&
	    ytree_parse(&root, path, text.buf, text.len) == 0) {
		v = ynode_map_get(root, "registry");
		if (v && v->kind == YNODE_SCALAR && v->text[0])
			out = xstrdup(v->text);
	}
	mlops_error_clear();
	ynode_free(root);
	free(path);
	strbuf_release(&text);
	return out;
}

char *registry_default(void)
{
	const char *env = getenv("MLOPS_REGISTRY");
	struct strbuf sb = STRBUF_INIT;
	char *cfg, *dir;

	if (env && *env)
		return xstrdup(env);
	cfg = config_registry();
	if (cfg)
		return cfg;
	dir = xdg_path(XDG_DATA, "registry");
	strbuf_addf(&sb, "oci:%s", dir);
	free(dir);
	return strbuf_detach(&sb);
}

/* "name[:tag]" or "name@sha256:..." split into its parts. */
static int split_tag(struct ref *r, char *s)
{
	char *at = strchr(s, '@'), *colon;

	if (at) {
		*at = '\0';
		if (!digest_is_valid(at + 1))
			return mlops_error_set(MLOPS_EUSAGE, "'%s' is not a "
					       "digest (sha256:<64 hex>)", at + 1);
		r->digest = xstrdup(at + 1);
	}
	colon = strrchr(s, ':');
	if (colon && !strchr(colon, '/')) {
		*colon = '\0';
		if (!tag_is_valid(colon + 1))
			return mlops_error_set(MLOPS_EUSAGE, "'%s' is not a valid "
					       "tag", colon + 1);
		r->tag = xstrdup(colon + 1);
	}
	return 0;
}

int ref_parse(struct ref *out, const char *text)
{
	char *s = xstrdup(text), *slash, *first;
	int rc = 0;

	memset(out, 0, sizeof(*out));
	if (!strncmp(s, "oci:", 4)) {
		out->kind = REF_LAYOUT;
		rc = split_tag(out, s + 4);
		if (!rc && !s[4])
			rc = mlops_error_set(MLOPS_EUSAGE, "'%s' names no "
					     "directory", text);
		if (!rc)
			out->path = xstrdup(s + 4);
		goto done;
	}
	slash = strchr(s, '/');
	first = slash ? xstrndup(s, (size_t)(slash - s)) : NULL;
	if (first && (strchr(first, '.') || strchr(first, ':') ||
		      !strcmp(first, "localhost") || first[0] == '[')) {
		out->kind = REF_REMOTE;
		out->host = first;
		if (!name_is_registry_host(first, strlen(first))) {
			rc = mlops_error_set(MLOPS_EUSAGE, "'%s' is not a registry "
					     "host (a name or [IPv6 address], "
					     "then :PORT 1-65535)", first);
			goto done;
		}
		rc = split_tag(out, slash + 1);
		if (!rc && strlen(slash + 1) > 255)
			rc = mlops_error_set(MLOPS_EUSAGE, "the repository name "
					     "is longer than 255 characters");
		if (!rc && !name_is_oci_repository(slash + 1))
			rc = mlops_error_set(MLOPS_EUSAGE, "'%s' is not a valid "
					     "repository name (lowercase letters, "
					     "digits, separators)", slash + 1);
		if (!rc)
			out->repo = xstrdup(slash + 1);
		goto done;
	}
	free(first);
	/* No registry named: the default one. */
	{
		char *def = registry_default();
		struct strbuf full = STRBUF_INIT;

		if (!strncmp(def, "oci:", 4)) {
			char *name = s;

			rc = split_tag(out, name);
			if (!rc && !name_is_oci_repository(name))
				rc = mlops_error_set(MLOPS_EUSAGE, "'%s' is not a "
						     "valid repository name",
						     name);
			if (!rc) {
				out->kind = REF_LAYOUT;
				out->repo = xstrdup(name);
				out->path = fs_join(def + 4, name);
			}
		} else {
			strbuf_addf(&full, "%s/%s", def, s);
			free(s);
			free(def);
			s = NULL;
			rc = ref_parse(out, full.buf);
			strbuf_release(&full);
			return rc;
		}
		free(def);
	}
done:
	free(s);
	if (rc)
		ref_free(out);
	return rc;
}

char *ref_string(const struct ref *r)
{
	struct strbuf sb = STRBUF_INIT;

	if (r->kind == REF_LAYOUT)
		strbuf_addf(&sb, "oci:%s", r->path);
	else
		strbuf_addf(&sb, "%s/%s", r->host, r->repo);
	if (r->tag)
		strbuf_addf(&sb, ":%s", r->tag);
	if (r->digest)
		strbuf_addf(&sb, "@%s", r->digest);
	return strbuf_detach(&sb);
}

void ref_free(struct ref *r)
{
	free(r->host);
	free(r->repo);
	free(r->path);
	free(r->tag);
	free(r->digest);
	memset(r, 0, sizeof(*r));
}
