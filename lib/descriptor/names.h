/* Grammars the descriptor must satisfy: GTO artifact / stage names (so
 * `gto show` reads our tags) and Semantic Versioning 2.0.0. */
#ifndef MLOPS_DESCRIPTOR_NAMES_H
#define MLOPS_DESCRIPTOR_NAMES_H

/* [a-zA-Z0-9]([a-zA-Z0-9-/_]*[a-zA-Z0-9])? */
int name_is_gto(const char *s);
/* MAJOR.MINOR.PATCH[-PRERELEASE][+BUILD], no leading zeros. */
int version_is_semver(const char *s);

#endif
