/* The files of `mlops init --template NAME`, compiled in from templates/
 * (scripts/embed-templates): the binary needs no data files. */
#ifndef MLOPS_SUBCOMMANDS_TEMPLATES_H
#define MLOPS_SUBCOMMANDS_TEMPLATES_H

#include <stddef.h>

struct template_file {
	const char *name;  /* the template: "prometheus" */
	const char *path;  /* relative: "mlops-alerts.yml" */
	const char *data;
	size_t len;
};

extern const struct template_file template_files[];
extern const size_t ntemplate_files;

#endif
