#include "batch.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../core/error.h"
#include "../core/strbuf.h"
#include "../core/tempfile.h"

struct slot {
	uint64_t row;
	int valid;
	size_t id_off, id_len; /* into ids */
	int id_null;
	size_t problem;         /* into problems, for INVALID_NULL */
};

struct job {
	const struct batch_opts *o;
	struct bundled_model *bm;
	struct dataset *ds;
	FILE *out;
	enum table_format fmt;
	double *x, *y, *row;
	struct slot *slots;
	size_t n, nvalid, cap;
	struct strbuf ids, problems, line;
	int classifier;
};

static int out_format(const struct batch_opts *o)
{
	size_t n = o->output ? strlen(o->output) : 0;

	if (o->out_format != TABLE_AUTO)
		return o->out_format;
	if (n > 6 && !strcmp(o->output + n - 6, ".jsonl"))
		return TABLE_JSONL;
	return TABLE_CSV;
}

/* RFC 4180: quote when the text holds a comma, quote or line break. */
static void csv_text(struct strbuf *sb, const char *s, size_t len)
{
	size_t i;

	if (!memchr(s, ',', len) && !memchr(s, '"', len) &&
	    !memchr(s, '\n', len) && !memchr(s, '\r', len)) {
		strbuf_add(sb, s, len);
		return;
	}
	strbuf_addch(sb, '"');
	for (i = 0; i < len; i++) {
		if (s[i] == '"')
			strbuf_addch(sb, '"');
		strbuf_addch(sb, s[i]);
	}
	strbuf_addch(sb, '"');
}

static void json_text(struct strbuf *sb, const char *s, size_t len)
{
	json_t *j = json_stringn(s, len);
	char *d = j ? json_dumps(j, JSON_ENCODE_ANY) : NULL;

	strbuf_addstr(sb, d ? d : "null");
	free(d);
	json_decref(j);
}

static void write_header(struct job *j)
{
	if (j->fmt != TABLE_CSV)
		return;
	fprintf(j->out, "%s,prediction%s%s\n",
		j->o->id_column ? j->o->id_column : "row",
		j->classifier ? ",probability" : "",
		j->o->on_invalid == INVALID_NULL ? ",error" : "");
}

static void number(struct strbuf *sb, double v, int digits)
{
	if (isnan(v))
		strbuf_addstr(sb, "");
	else
		strbuf_addf(sb, "%.*g", digits, v);
}

static void write_slot(struct job *j, const struct slot *s, const double *y)
{
	struct strbuf *l = &j->line;
	const char *id = j->ids.buf ? j->ids.buf + s->id_off : "";
	struct decision dec;
	int csv = j->fmt == TABLE_CSV;

	strbuf_reset(l);
	if (!csv)
		strbuf_addf(l, "{\"%s\":", j->o->id_column ? "id" : "row");
	if (!j->o->id_column)
		strbuf_addf(l, "%llu", (unsigned long long)s->row);
	else if (s->id_null)
		strbuf_addstr(l, csv ? "" : "null");
	else if (csv)
		csv_text(l, id, s->id_len);
	else
		json_text(l, id, s->id_len);
	if (s->valid) {
		model_decide(j->bm->m, y, j->bm->d->model.threshold, &dec);
		strbuf_addstr(l, csv ? "," : ",\"prediction\":");
		if (j->classifier)
			strbuf_addf(l, "%d", (int)dec.prediction);
		else
			number(l, dec.prediction, j->bm->m->digits);
		if (j->classifier) {
			strbuf_addstr(l, csv ? "," : ",\"probability\":");
			number(l, dec.probability, j->bm->m->digits);
		}
		if (j->o->on_invalid == INVALID_NULL)
			strbuf_addstr(l, csv ? "," : "");
	} else {
		const char *why = j->problems.buf + s->problem;

		strbuf_addstr(l, csv ? "," : ",\"prediction\":null");
		if (j->classifier)
			strbuf_addstr(l, csv ? "," : ",\"probability\":null");
		strbuf_addstr(l, csv ? "," : ",\"error\":");
		if (csv)
			csv_text(l, why, strlen(why));
		else
			json_text(l, why, strlen(why));
	}
	strbuf_addstr(l, csv ? "\n" : "}\n");
	fwrite(l->buf, 1, l->len, j->out);
}

static int flush_batch(struct job *j)
{
	size_t i, v = 0, k = j->bm->m->noutputs;
	int rc = model_predict(j->bm->m, j->x, j->nvalid, j->y);

	if (rc)
		return rc;
	for (i = 0; i < j->n; i++) {
		const struct slot *s = &j->slots[i];

		write_slot(j, s, s->valid ? j->y + (v++) * k : NULL);
	}
	j->n = j->nvalid = 0;
	strbuf_reset(&j->ids);
	strbuf_reset(&j->problems);
	if (ferror(j->out))
		return mlops_error_errno(MLOPS_EIO, errno, "cannot write the "
					 "predictions");
	return 0;
}

static int take_row(struct job *j, int valid)
{
	struct slot *s = &j->slots[j->n++];
	const struct cell *id = dataset_id(j->ds);

	s->row = table_row(j->ds->t);
	s->valid = valid;
	s->id_off = j->ids.len;
	s->id_null = 0;
	s->id_len = 0;
	if (id && id->kind == CELL_TEXT) {
		strbuf_add(&j->ids, id->text, id->len);
		s->id_len = id->len;
	} else if (id && id->kind == CELL_NUMBER) {
		strbuf_addf(&j->ids, "%.17g", id->num);
		s->id_len = j->ids.len - s->id_off;
	} else if (id) {
		s->id_null = 1;
	}
	strbuf_addch(&j->ids, '\0');
	if (valid) {
		memcpy(j->x + j->nvalid * j->bm->d->ninputs, j->row,
		       j->bm->d->ninputs * sizeof(double));
		j->nvalid++;
	} else {
		const char *why = dataset_why(j->ds);

		s->problem = j->problems.len;
		strbuf_add(&j->problems, why, strlen(why) + 1);
	}
	return j->n == j->cap ? flush_batch(j) : 0;
}

static int run(struct job *j, struct batch_result *res)
{
	int rc;

	write_header(j);
	for (;;) {
		rc = dataset_next(j->ds, j->row);
		if (rc == 1)
			break;
		if (rc < 0)
			return rc;
		res->rows++;
		if (rc == 2) {
			res->invalid++;
			if (j->o->on_invalid == INVALID_FAIL) {
				mlops_error_set(MLOPS_EINPUT, "%s:%llu: row %llu: "
						"%s", j->o->input,
						(unsigned long long)table_line(
							j->ds->t),
						(unsigned long long)table_row(
							j->ds->t),
						dataset_why(j->ds));
				mlops_error_location(j->o->input,
						     (unsigned)table_line(
							     j->ds->t), 0);
				mlops_error_hint("fix the row, or pass "
						 "--on-invalid=skip or "
						 "--on-invalid=null");
				return MLOPS_EINPUT;
			}
			if (j->o->on_invalid == INVALID_SKIP)
				continue;
		} else {
			res->scored++;
		}
		rc = take_row(j, rc == 0);
		if (rc)
			return rc;
		if (j->o->progress && (res->rows & 4095) == 0)
			j->o->progress(j->o->progress_ctx,
				       table_bytes(j->ds->t),
				       table_size(j->ds->t));
	}
	return j->n ? flush_batch(j) : 0;
}

int batch_predict(struct batch_result *res, struct bundled_model *bm,
		  const struct batch_opts *o)
{
	struct dataset_opts dopts = { 0 };
	struct tempfile tmp = { -1, NULL, NULL, -1 };
	struct job j = { o, bm };
	static char outbuf[1 << 20];
	int to_stream = o->stream != NULL, rc;

	memset(res, 0, sizeof(*res));
	dopts.table.format = o->in_format;
	dopts.table.na_values = o->na_values;
	dopts.id_column = o->id_column;
	dopts.unknown = UNKNOWN_IGNORE;
	dopts.max_examples = 20;
	j.cap = o->batch_size ? o->batch_size : 4096;
	j.fmt = out_format(o);
	j.classifier = bm->d->model.task != TASK_REGRESSION;
	rc = dataset_open(&j.ds, o->input, bm->d->inputs, bm->d->ninputs,
			  &dopts);
	if (rc)
		return rc;
	j.x = xcalloc(j.cap * bm->d->ninputs + 1, sizeof(double));
	j.y = xcalloc(j.cap * bm->m->noutputs + 1, sizeof(double));
	j.row = xcalloc(bm->d->ninputs + 1, sizeof(double));
	j.slots = xcalloc(j.cap, sizeof(*j.slots));
	if (to_stream) {
		j.out = o->stream;
	} else {
		rc = tempfile_create(&tmp, o->output, 0666);
		if (!rc) {
			j.out = fdopen(dup(tmp.fd), "w");
			if (!j.out)
				rc = mlops_error_errno(MLOPS_EIO, errno,
						       "cannot write '%s'",
						       o->output);
		}
	}
	if (!rc) {
		if (!to_stream)
			setvbuf(j.out, outbuf, _IOFBF, sizeof(outbuf));
		rc = run(&j, res);
	}
	if (j.out && fflush(j.out) != 0 && !rc)
		rc = mlops_error_errno(MLOPS_EIO, errno, "cannot write '%s'",
				       to_stream ? "the output" : o->output);
	if (j.out && !to_stream && fclose(j.out) != 0 && !rc)
		rc = mlops_error_errno(MLOPS_EIO, errno, "cannot write '%s'",
				       o->output);
	if (!rc && !to_stream)
		rc = tempfile_commit(&tmp);
	tempfile_discard(&tmp);
	/* Hand the record of invalid rows to the caller. */
	res->report = j.ds->report;
	memset(&j.ds->report, 0, sizeof(j.ds->report));
	dataset_close(j.ds);
	free(j.x);
	free(j.y);
	free(j.row);
	free(j.slots);
	strbuf_release(&j.ids);
	strbuf_release(&j.problems);
	strbuf_release(&j.line);
	return rc;
}

void batch_result_free(struct batch_result *res)
{
	contract_report_free(&res->report);
}
