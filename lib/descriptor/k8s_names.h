/* The grammars Kubernetes holds names, label values, quantities and image
 * references to: checked when mlops.yaml is read (namespace, Secret
 * name, cpu, memory, image), and made to fit when manifests are rendered
 * (object names from the model and environment names, label values from
 * versions). */
#ifndef MLOPS_DESCRIPTOR_K8S_NAMES_H
#define MLOPS_DESCRIPTOR_K8S_NAMES_H

#include "../core/strbuf.h"

#define K8S_LABEL_MAX 63

/* RFC 1123 label: [a-z0-9]([-a-z0-9]*[a-z0-9])?, at most 63 bytes
 * (namespaces). */
int k8s_is_dns_label(const char *s);
/* RFC 1123 subdomain: such labels joined by '.', at most 253 bytes
 * (Secrets and most object names). */
int k8s_is_dns_subdomain(const char *s);
/* A label value: empty, or [A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?,
 * at most 63 bytes. */
int k8s_is_label_value(const char *s);
/* A resource quantity as the API server parses it, unsigned: a number
 * (digits, with an optional fraction) then a binary suffix (Ki ... Ei),
 * a decimal one (m, k, M, G, T, P, E) or an exponent (e3, E-2). */
int k8s_is_quantity(const char *s);
/* An image reference: [HOST[:PORT]/]REPO[:TAG][@sha256:HEX]. *digest
 * points at the "sha256:" part, or is NULL when there is none. */
int k8s_is_image_ref(const char *s, const char **digest);

/* An object name for NAME-ENV: an RFC 1035 label (what a Service's name
 * must be, so one name fits every object): lower-case, any other byte
 * made '-', runs of '-' made one, starting with a letter. One longer
 * than 63 bytes is cut and ends in 8 hex digits of NAME-ENV's sha256,
 * so that two long names stay apart. */
void k8s_object_name(struct strbuf *out, const char *name, const char *env);
/* s as a label value: bytes outside [-A-Za-z0-9_.] made '_' (so the
 * '+' of a version's build metadata fits), cut to 63 bytes, trimmed to
 * start and end with a letter or digit. */
void k8s_label_value(struct strbuf *out, const char *s);

#endif
