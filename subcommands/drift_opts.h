/* What drift and drift profile share: how columns are typed, and the
 * --columns and --na-values lists. */
#ifndef MLOPS_SUBCOMMANDS_DRIFT_OPTS_H
#define MLOPS_SUBCOMMANDS_DRIFT_OPTS_H

#include "cli/options.h"

#define SIGNATURE_OPTIONS(bundle, file, signature)                           \
	OPT_STR(0, "bundle", bundle, "BUNDLE",                                \
		"type the columns by this bundle's signature", "file:mlpkg"), \
	OPT_STR('f', "file", file, "FILE",                                    \
		"type the columns by this descriptor's signature", "file"),   \
	OPT_BOOLEAN(0, "signature", signature,                                \
		    "type the columns by ./mlops.yaml's signature")

struct drift_opts;
/* --columns and --na-values into drift_opts (the lists are the
 * caller's to free with free_list). */
void drift_opts_lists(struct drift_opts *o, const char *columns,
		      const char *na_values, char ***cols, char ***na);

#endif
