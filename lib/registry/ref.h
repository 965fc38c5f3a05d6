/* References to bundles in registries: HOST[:PORT]/REPO[:TAG|@DIGEST] for
 * an OCI distribution registry, oci:PATH[:TAG] for a local OCI image
 * layout directory, and plain REPO[:TAG] resolved against the default
 * registry (MLOPS_REGISTRY, the user config, else a local store under
 * $XDG_DATA_HOME/mlops/registry, so nothing needs a server). */
#ifndef MLOPS_REGISTRY_REF_H
#define MLOPS_REGISTRY_REF_H

enum ref_kind { REF_REMOTE, REF_LAYOUT };

struct ref {
	enum ref_kind kind;
	char *host;   /* remote: "localhost:5000" */
	char *repo;   /* remote: "team/credit-risk"; layout: its directory */
	char *path;   /* layout: the directory */
	char *tag;    /* or NULL */
	char *digest; /* or NULL */
};

int ref_parse(struct ref *out, const char *text);
/* "host/repo:tag", "oci:path:tag", ... (caller frees). */
char *ref_string(const struct ref *r);
void ref_free(struct ref *r);
/* Hosts on loopback speak plain HTTP without asking. */
int ref_is_loopback(const char *host);
/* The default registry, as text (caller frees). */
char *registry_default(void);
int tag_is_valid(const char *tag);

#endif
