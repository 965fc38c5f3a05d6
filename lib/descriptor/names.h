/* Grammars the descriptor must satisfy: GTO artifact / stage names (so
 * `gto show` reads our tags) and Semantic Versioning 2.0.0. */
#ifndef MLOPS_DESCRIPTOR_NAMES_H
#define MLOPS_DESCRIPTOR_NAMES_H

#include <stddef.h>

/* [a-zA-Z0-9]([a-zA-Z0-9-/_]*[a-zA-Z0-9])? */
int name_is_gto(const char *s);
/* An OCI distribution repository path: components of lowercase letters
 * and digits joined by '.', '_', '__' or runs of '-', split by '/'. */
int name_is_oci_repository(const char *s);
/* s[0..len) is a registry host as the distribution grammar has it: a
 * name of letters, digits, dots and dashes (not at either end), or a
 * bracketed IPv6 address, then an optional :PORT (1-65535). The one check
 * push, pull, image and the descriptor's image: share. */
int name_is_registry_host(const char *s, size_t len);
/* A model's name: both, at most NAME_MAX_LEN bytes, so that it works as
 * a git tag (GTO), a registry repository (push with no REF) and a file
 * name. */
#define NAME_MAX_LEN 128
int name_is_valid(const char *s);
#define NAME_RULE "lowercase letters and digits, joined by '-', '_' or '/', " \
	"starting and ending with a letter or digit, at most 128 bytes"
/* MAJOR.MINOR.PATCH[-PRERELEASE][+BUILD], no leading zeros, at most
 * VERSION_MAX_LEN bytes (it goes into tags, file names, the ledger). */
#define VERSION_MAX_LEN 64
int version_is_semver(const char *s);

#endif
