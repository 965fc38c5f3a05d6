/* Versions of the libraries mlops runs on, for `mlops --version` and
 * bug reports. */
#ifndef MLOPS_CORE_LIBVERSIONS_H
#define MLOPS_CORE_LIBVERSIONS_H

#include <stddef.h>

struct lib_version {
	const char *name;
	char version[48];
};

#define MLOPS_NLIBS 8
void mlops_library_versions(struct lib_version out[MLOPS_NLIBS]);

#endif
