/* profile_build: a profile from a data file, read the way drift reads
 * one (collect.h). Apart from profile.c, which knows profiles and not
 * files, so that the reader can take its reference from a profile. */
#include "profile.h"

#include <stdlib.h>

#include "../core/strbuf.h"
#include "collect.h"

int profile_build(const char *path, const struct descriptor *d,
		  const struct drift_opts *o, size_t sample,
		  const struct profile *like, struct profile **out)
{
	struct col *cols = NULL;
	char **owned = NULL;
	size_t n = 0, i, j;
	unsigned long long rows = 0;
	struct profile *p;
	int rc;

	*out = NULL;
	rc = collect_columns(path, d, o, &cols, &n, &owned);
	if (!rc && !d)
		rc = collect_infer_types(path, o, cols, n);
	if (!rc && d)
		collect_type_by_signature(cols, n);
	if (!rc)
		rc = collect_read(path, 0, o, cols, n, &rows, 0, 0);
	if (!rc)
		collect_merge(cols, n);
	if (rc) {
		collect_free(cols, n);
		for (i = 0; owned && owned[i]; i++)
			free(owned[i]);
		free(owned);
		return rc;
	}
	p = xcalloc(1, sizeof(*p));
	p->columns = xcalloc(n ? n : 1, sizeof(*p->columns));
	p->ncolumns = n;
	p->rows = rows;
	p->source = xstrdup(path);
	for (i = 0; i < n; i++) {
		struct profile_column *pc = &p->columns[i];
		struct col *c = &cols[i];

		pc->name = xstrdup(c->name);
		pc->categorical = c->categorical;
		pc->missing = c->missing[0];
		if (c->error) {
			pc->error = xstrdup(c->error);
			continue;
		}
		if (!c->categorical) {
			profile_numeric_column(pc, values_doubles(&c->num[0], NULL),
					       c->num[0].n, sample,
				       profile_find(like, c->name));
			continue;
		}
		pc->ncats = c->cats.n;
		pc->cats = xcalloc(pc->ncats + 1, sizeof(char *));
		pc->cat_counts = xcalloc(pc->ncats + 1, sizeof(double));
		for (j = 0; j < pc->ncats; j++) {
			pc->cats[j] = xstrdup(c->cats.names[j]);
			pc->cat_counts[j] = c->cats.count[0][j];
			pc->count += (uint64_t)c->cats.count[0][j];
		}
	}
	collect_free(cols, n);
	for (i = 0; owned && owned[i]; i++)
		free(owned[i]);
	free(owned);
	*out = p;
	return 0;
}
