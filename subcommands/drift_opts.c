#include "drift_opts.h"

#include "lib/drift/drift.h"

void drift_opts_lists(struct drift_opts *o, const char *columns,
		      const char *na_values, char ***cols, char ***na)
{
	if (columns) {
		*cols = split_list(columns);
		o->columns = (const char *const *)*cols;
		while ((*cols)[o->ncolumns])
			o->ncolumns++;
	}
	if (na_values) {
		*na = split_list(na_values);
		o->na_values = (const char *const *)*na;
	}
}
