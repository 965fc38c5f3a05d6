#include "ingest.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../core/error.h"
#include "../core/strbuf.h"
#include "../data/csv.h"

/* Labels a transaction. */
#define INGEST_BATCH 2000

struct pending {
	struct pstore_feedback f[INGEST_BATCH];
	char *text[INGEST_BATCH]; /* id, NUL, label JSON, NUL */
	size_t n;
};

static int flush(struct pstore *st, struct pending *p,
		 struct feedback_report *rep)
{
	size_t stored = 0, unknown = 0;
	int rc = pstore_write_feedback(st, p->f, p->n, &stored, &unknown);

	for (size_t i = 0; i < p->n; i++)
		free(p->text[i]);
	p->n = 0;
	rep->stored += stored;
	rep->unknown += unknown;
	return rc;
}

static int find_columns(struct csv_field *h, size_t n, const char *path,
			size_t *id, size_t *label)
{
	*id = *label = (size_t)-1;
	for (size_t i = 0; i < n; i++) {
		if (!strcmp(h[i].p, "id") && *id == (size_t)-1)
			*id = i;
		else if (!strcmp(h[i].p, "label") && *label == (size_t)-1)
			*label = i;
	}
	if (*id != (size_t)-1 && *label != (size_t)-1)
		return 0;
	mlops_error_set(MLOPS_EINPUT, "%s: no '%s' column in the header",
			path, *id == (size_t)-1 ? "id" : "label");
	mlops_error_hint("the first line names the columns: id,label");
	return MLOPS_EINPUT;
}

int feedback_ingest_csv(struct pstore *st, const char *path,
			const struct label_rules *rules,
			struct feedback_report *rep, feedback_invalid_fn *fn,
			void *ctx)
{
	struct pending *p = xcalloc(1, sizeof(*p));
	struct csv_reader *r = NULL;
	struct csv_field *fields;
	size_t n, id_col, label_col;
	int64_t now = pstore_now_ms();
	int fd = strcmp(path, "-") ? open(path, O_RDONLY | O_CLOEXEC) : 0;
	int rc;

	*rep = (struct feedback_report){ 0 };
	if (fd < 0) {
		rc = mlops_error_errno(MLOPS_EIO, errno, "cannot open '%s'",
				       path);
		goto done;
	}
	rc = csv_open(&r, fd, path);
	if (!rc)
		rc = csv_next(r, &fields, &n);
	if (rc == 1)
		rc = mlops_error_set(MLOPS_EINPUT, "%s: empty: no header "
				     "(id,label)", path);
	if (!rc)
		rc = find_columns(fields, n, path, &id_col, &label_col);
	while (!rc && (rc = csv_next(r, &fields, &n)) == 0) {
		const char *why = NULL, *id;
		char *label = NULL;
		size_t idlen, llen;

		/* A blank line (one empty field): no row, as a spreadsheet
		 * or an editor leaves at the end. */
		if (n == 1 && !fields[0].len)
			continue;
		rep->rows++;
		if (n <= id_col || n <= label_col) {
			rep->invalid++;
			if (fn)
				fn(ctx, csv_line(r), n > id_col ? fields[id_col].p
								: "",
				   "the row has no id or no label");
			continue;
		}
		id = fields[id_col].p;
		idlen = fields[id_col].len;
		if (feedback_id_check(id, idlen, &why) < 0 ||
		    (strlen(id) != idlen && (why = "the id holds a NUL byte")) ||
		    label_from_text(rules, fields[label_col].p, &label,
				    &why) < 0) {
			rep->invalid++;
			if (fn)
				fn(ctx, csv_line(r), id, why);
			continue;
		}
		llen = strlen(label);
		p->text[p->n] = xmalloc(idlen + llen + 2);
		memcpy(p->text[p->n], id, idlen + 1);
		memcpy(p->text[p->n] + idlen + 1, label, llen + 1);
		free(label);
		p->f[p->n].id = p->text[p->n];
		p->f[p->n].label_json = p->text[p->n] + idlen + 1;
		p->f[p->n].ts_ms = now;
		if (++p->n == INGEST_BATCH)
			rc = flush(st, p, rep);
	}
	if (rc == 1)
		rc = 0; /* the end */
	if (!rc && p->n)
		rc = flush(st, p, rep);
done:
	for (size_t i = 0; i < p->n; i++)
		free(p->text[i]);
	free(p);
	csv_close(r);
	if (fd > 0)
		close(fd);
	return rc;
}
