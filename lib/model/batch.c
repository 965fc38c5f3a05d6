#include "batch.h"

#include <errno.h>
#include <pthread.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../core/error.h"
#include "../core/number.h"
#include "../core/strbuf.h"
#include "../core/tempfile.h"

struct slot {
	uint64_t row;
	int valid;
	size_t id_off, id_len; /* into ids */
	int id_null;
	size_t problem;         /* into problems, for INVALID_NULL */
};

/* A batch of rows on its way from the reader to the writer. Two of them
 * alternate: the reader thread parses and checks one while the calling
 * thread predicts and writes the other. */
struct chunk {
	double *x;
	struct slot *slots;
	size_t n, nvalid;
	struct strbuf ids, problems;
	int last;     /* nothing follows */
	int rc;       /* the reader's error, carried across threads */
	struct strbuf msg, hint, file;
	unsigned line;
};

struct job {
	const struct batch_opts *o;
	struct bundled_model *bm;
	struct dataset *ds;
	struct batch_result *res;
	FILE *out;
	enum table_format fmt;
	double *y, *row;
	double *e;        /* explanations: cap rows of ew */
	size_t ew, *order;
	size_t cap;
	struct strbuf line;
	int classifier;
	int digits;       /* the model's precision (model.h) */
	char fmt_num[8];  /* "%.7g", "%.15g": the other precisions */
	/* Each class label as a cell (label()) and as a JSON key with its
	 * colon, written once per job rather than escaped again each row. */
	char **cell, **key;
	struct chunk chunks[2];
	int full[2], stop;
	pthread_mutex_t mu;
	pthread_cond_t cv;
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

/* Multiclass rows carry every class's probability: CSV columns
 * probability_<label>, a "probabilities" object in JSON lines. */
static int every_class(const struct job *j)
{
	return j->bm->m->task == TASK_MULTICLASS;
}

static void column(struct strbuf *l, const char *a, const char *b,
		   const char *c)
{
	struct strbuf col = STRBUF_INIT;

	strbuf_addf(&col, "%s%s%s", a, b, c);
	strbuf_addch(l, ',');
	csv_text(l, col.buf, col.len);
	strbuf_release(&col);
}

/* contrib_<feature>... contrib_bias (contrib_<label>_<feature> per class
 * for multiclass), or reason_<i>, reason_<i>_value. */
static void explain_header(struct job *j)
{
	const struct descriptor *d = j->bm->d;
	const struct model *m = j->bm->m;
	size_t i, k;
	char n[32];

	if (j->o->top) {
		for (i = 1; i <= j->o->top && i <= d->ninputs; i++) {
			snprintf(n, sizeof(n), "%zu", i);
			column(&j->line, "reason_", n, "");
			column(&j->line, "reason_", n, "_value");
		}
		return;
	}
	for (k = 0; k < m->noutputs; k++) {
		struct strbuf pre = STRBUF_INIT;

		strbuf_addstr(&pre, "contrib_");
		if (every_class(j))
			strbuf_addf(&pre, "%s_", m->labels[k]);
		for (i = 0; i < d->ninputs; i++)
			column(&j->line, pre.buf, d->inputs[i].name, "");
		column(&j->line, pre.buf, "bias", "");
		strbuf_release(&pre);
	}
}

static void write_header(struct job *j)
{
	struct strbuf *l = &j->line;
	const struct model *m = j->bm->m;
	size_t k;

	if (j->fmt != TABLE_CSV)
		return;
	strbuf_reset(l);
	strbuf_addstr(l, j->o->id_column ? j->o->id_column : "row");
	strbuf_addstr(l, ",prediction");
	if (j->classifier)
		strbuf_addstr(l, ",probability");
	for (k = 0; every_class(j) && k < m->nlabels; k++) {
		struct strbuf col = STRBUF_INIT;

		strbuf_addf(&col, "probability_%s", m->labels[k]);
		strbuf_addch(l, ',');
		csv_text(l, col.buf, col.len);
		strbuf_release(&col);
	}
	if (j->o->top || j->o->explain)
		explain_header(j);
	if (j->o->on_invalid == INVALID_NULL)
		strbuf_addstr(l, ",error");
	strbuf_addch(l, '\n');
	fwrite(l->buf, 1, l->len, j->out);
}

/* A class label: CSV text; in JSON a number when it is an integer. */
static void label(struct strbuf *l, const char *s, int csv)
{
	if (csv)
		csv_text(l, s, strlen(s));
	else if (label_is_integer(s))
		strbuf_addstr(l, s);
	else
		json_text(l, s, strlen(s));
}

static void label_cells(struct job *j)
{
	const struct model *m = j->bm->m;
	size_t k;

	j->cell = xcalloc(m->nlabels + 1, sizeof(char *));
	j->key = xcalloc(m->nlabels + 1, sizeof(char *));
	for (k = 0; k < m->nlabels; k++) {
		struct strbuf c = STRBUF_INIT;

		label(&c, m->labels[k], j->fmt == TABLE_CSV);
		j->cell[k] = strbuf_detach(&c);
		json_text(&c, m->labels[k], strlen(m->labels[k]));
		strbuf_addch(&c, ':');
		j->key[k] = strbuf_detach(&c);
	}
}

static void label_cells_free(struct job *j)
{
	size_t k;

	for (k = 0; j->cell && k < j->bm->m->nlabels; k++) {
		free(j->cell[k]);
		free(j->key[k]);
	}
	free(j->cell);
	free(j->key);
}

/* An output as the shortest text that reads back as it, laid out as %g
 * (number_format): a double model's to the double; a float32 model's
 * (digits 9: its outputs are floats widened) to the float, which "%.9g"
 * wrote with up to two digits more than that needs ("0.100000001" for
 * 0.1f). Any other precision (ONNX's 7 for float outputs, 15 for
 * double: FLT_DIG and DBL_DIG rounded up, fewer digits than the value
 * holds, on purpose) keeps "%.<digits>g", made once per job for
 * strfromd. */
static void number(struct strbuf *sb, double v, const struct job *j)
{
	if (isnan(v))
		return;
	strbuf_grow(sb, NUMBER_FORMAT_MAX);
	if (j->digits == 17)
		sb->len += number_format(v, sb->buf + sb->len);
	else if (j->digits == 9 && (double)(float)v == v)
		sb->len += number_format_float((float)v, sb->buf + sb->len);
	else
		sb->len += (size_t)strfromd(sb->buf + sb->len,
					    NUMBER_FORMAT_MAX, j->fmt_num, v);
}

static void contribution(struct strbuf *l, double v)
{
	strbuf_grow(l, NUMBER_FORMAT_MAX);
	l->len += number_format(v, l->buf + l->len);
}

static size_t explain_columns(const struct job *j)
{
	size_t nf = j->bm->d->ninputs;

	if (j->o->top)
		return 2 * (j->o->top < nf ? j->o->top : nf);
	return j->bm->m->noutputs * (nf + 1);
}

/* One row's explanation e: every contribution and the bias (in JSON,
 * "contributions" {feature: c} and "bias", per class label for
 * multiclass), or the top reasons of output `cls` (the predicted
 * class; 0 for one output). */
static void explain_cells(struct job *j, const double *e, size_t cls)
{
	const struct descriptor *d = j->bm->d;
	const struct model *m = j->bm->m;
	struct strbuf *l = &j->line;
	size_t nf = d->ninputs, i, k, n;
	int csv = j->fmt == TABLE_CSV, multi = every_class(j);

	if (j->o->top) {
		const double *phi = e + (multi ? cls : 0) * (nf + 1);

		n = model_explain_top(phi, nf, j->o->top, j->order);
		strbuf_addstr(l, csv ? "" : ",\"reasons\":[");
		for (i = 0; i < n; i++) {
			const char *name = d->inputs[j->order[i]].name;

			if (csv) {
				strbuf_addch(l, ',');
				csv_text(l, name, strlen(name));
				strbuf_addch(l, ',');
			} else {
				strbuf_addstr(l, i ? ",{\"feature\":"
						   : "{\"feature\":");
				json_text(l, name, strlen(name));
				strbuf_addstr(l, ",\"contribution\":");
			}
			contribution(l, phi[j->order[i]]);
			if (!csv)
				strbuf_addch(l, '}');
		}
		strbuf_addstr(l, csv ? "" : "]");
		return;
	}
	if (csv) {
		for (i = 0; i < m->noutputs * (nf + 1); i++) {
			strbuf_addch(l, ',');
			contribution(l, e[i]);
		}
		return;
	}
	for (n = 0; n < 2; n++) {
		strbuf_addstr(l, n ? ",\"bias\":" : ",\"contributions\":");
		if (multi)
			strbuf_addch(l, '{');
		for (k = 0; k < m->noutputs; k++) {
			const double *phi = e + k * (nf + 1);

			if (multi) {
				strbuf_addstr(l, k ? "," : "");
				strbuf_addstr(l, j->key[k]);
			}
			if (n) {
				contribution(l, phi[nf]);
				continue;
			}
			strbuf_addch(l, '{');
			for (i = 0; i < nf; i++) {
				strbuf_addstr(l, i ? "," : "");
				json_text(l, d->inputs[i].name,
					  strlen(d->inputs[i].name));
				strbuf_addch(l, ':');
				contribution(l, phi[i]);
			}
			strbuf_addch(l, '}');
		}
		if (multi)
			strbuf_addch(l, '}');
	}
}

static void write_slot(struct job *j, const struct chunk *c,
		       const struct slot *s, const double *y, const double *e)
{
	struct strbuf *l = &j->line;
	const char *id = c->ids.buf ? c->ids.buf + s->id_off : "";
	struct decision dec;
	int csv = j->fmt == TABLE_CSV;

	strbuf_reset(l);
	if (!csv)
		strbuf_addf(l, "{\"%s\":", j->o->id_column ? "id" : "row");
	if (!j->o->id_column) {
		char digits[24];
		int n = 0;
		uint64_t r = s->row;

		do
			digits[n++] = (char)('0' + r % 10);
		while ((r /= 10));
		while (n)
			strbuf_addch(l, digits[--n]);
	}
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
			strbuf_addstr(l, j->cell[(size_t)dec.prediction]);
		else
			number(l, dec.prediction, j);
		if (j->classifier) {
			strbuf_addstr(l, csv ? "," : ",\"probability\":");
			number(l, dec.probability, j);
		}
		if (every_class(j)) {
			const struct model *m = j->bm->m;

			if (!csv)
				strbuf_addstr(l, ",\"probabilities\":{");
			for (size_t k = 0; k < m->nlabels; k++) {
				if (csv || k)
					strbuf_addch(l, ',');
				if (!csv)
					strbuf_addstr(l, j->key[k]);
				number(l, y[k], j);
			}
			if (!csv)
				strbuf_addch(l, '}');
		}
		if (j->o->top || j->o->explain)
			explain_cells(j, e, (size_t)dec.prediction);
		if (j->o->on_invalid == INVALID_NULL)
			strbuf_addstr(l, csv ? "," : "");
	} else {
		const char *why = c->problems.buf + s->problem;

		strbuf_addstr(l, csv ? "," : ",\"prediction\":null");
		if (j->classifier)
			strbuf_addstr(l, csv ? "," : ",\"probability\":null");
		if (every_class(j) && csv)
			for (size_t k = 0; k < j->bm->m->nlabels; k++)
				strbuf_addch(l, ',');
		else if (every_class(j))
			strbuf_addstr(l, ",\"probabilities\":null");
		if ((j->o->top || j->o->explain) && csv)
			for (size_t k = 0; k < explain_columns(j); k++)
				strbuf_addch(l, ',');
		else if (j->o->top)
			strbuf_addstr(l, ",\"reasons\":null");
		else if (j->o->explain)
			strbuf_addstr(l, ",\"contributions\":null,"
				      "\"bias\":null");
		strbuf_addstr(l, csv ? "," : ",\"error\":");
		if (csv)
			csv_text(l, why, strlen(why));
		else
			json_text(l, why, strlen(why));
	}
	strbuf_addstr(l, csv ? "\n" : "}\n");
	fwrite(l->buf, 1, l->len, j->out);
}

static int write_chunk(struct job *j, struct chunk *c)
{
	size_t i, v = 0, k = j->bm->m->noutputs;
	int rc = model_predict(j->bm->m, c->x, c->nvalid, j->y);
	size_t bad;

	if (rc && (bad = model_nonfinite(j->bm->m, j->y, c->nvalid)) <
			  c->nvalid) {
		/* Name the row as the input file numbers it. */
		for (i = 0; i < c->n; i++)
			if (c->slots[i].valid && !bad--)
				break;
		mlops_error_set(MLOPS_EINPUT, "row %llu: the model's output is "
				"not a finite number",
				(unsigned long long)c->slots[i].row);
		mlops_error_hint(MODEL_NONFINITE_HINT);
	}
	if (rc)
		return rc;
	if (j->e)
		rc = model_explain(j->bm->m, c->x, c->nvalid, j->e);
	if (rc)
		return rc;
	for (i = 0; i < c->n; i++) {
		const struct slot *s = &c->slots[i];

		write_slot(j, c, s, s->valid ? j->y + v * k : NULL,
			   s->valid && j->e ? j->e + v * j->ew : NULL);
		v += s->valid;
	}
	if (ferror(j->out))
		return mlops_error_errno(MLOPS_EIO, errno, "cannot write the "
					 "predictions");
	return 0;
}

static void take_row(struct job *j, struct chunk *c, int valid)
{
	struct slot *s = &c->slots[c->n++];
	const struct cell *id = dataset_id(j->ds);

	s->row = table_row(j->ds->t);
	s->valid = valid;
	s->id_off = c->ids.len;
	s->id_null = 0;
	s->id_len = 0;
	if (id && id->kind == CELL_TEXT) {
		strbuf_add(&c->ids, id->text, id->len);
		s->id_len = id->len;
	} else if (id && id->kind == CELL_NUMBER) {
		strbuf_grow(&c->ids, NUMBER_FORMAT_MAX);
		c->ids.len += number_format(id->num, c->ids.buf + c->ids.len);
		s->id_len = c->ids.len - s->id_off;
	} else if (id) {
		s->id_null = 1;
	}
	strbuf_addch(&c->ids, '\0');
	if (valid) {
		memcpy(c->x + c->nvalid * j->bm->d->ninputs, j->row,
		       j->bm->d->ninputs * sizeof(double));
		c->nvalid++;
	} else {
		const char *why = dataset_why(j->ds);

		s->problem = c->problems.len;
		strbuf_add(&c->problems, why, strlen(why) + 1);
	}
}

/* Error state is per thread: the reader hands its error over. */
static void keep_error(struct chunk *c, int rc)
{
	const struct mlops_error *e = mlops_error_last();

	c->rc = rc;
	strbuf_addstr(&c->msg, e->message);
	if (e->hint)
		strbuf_addstr(&c->hint, e->hint);
	if (e->file)
		strbuf_addstr(&c->file, e->file);
	c->line = e->line;
}

static int restore_error(const struct chunk *c)
{
	mlops_error_set(c->rc, "%s", strbuf_str(&c->msg));
	if (c->hint.len)
		mlops_error_hint("%s", c->hint.buf);
	if (c->file.len)
		mlops_error_location(c->file.buf, c->line, 0);
	return c->rc;
}

/* Reads rows into c until it is full or the input ends. */
static void fill(struct job *j, struct chunk *c)
{
	struct batch_result *res = j->res;
	int rc;

	c->n = c->nvalid = 0;
	strbuf_reset(&c->ids);
	strbuf_reset(&c->problems);
	while (c->n < j->cap) {
		rc = dataset_next(j->ds, j->row);
		if (rc == 1) {
			c->last = 1;
			return;
		}
		if (rc < 0) {
			keep_error(c, rc);
			c->last = 1;
			return;
		}
		res->rows++;
		if (j->o->progress && (res->rows & 4095) == 0)
			j->o->progress(j->o->progress_ctx,
				       table_bytes(j->ds->t),
				       table_size(j->ds->t));
		if (rc == 0) {
			res->scored++;
			take_row(j, c, 1);
			continue;
		}
		res->invalid++;
		if (j->o->on_invalid == INVALID_FAIL) {
			mlops_error_set(MLOPS_EINPUT, "%s:%llu: row %llu: %s",
					j->o->input,
					(unsigned long long)table_line(j->ds->t),
					(unsigned long long)table_row(j->ds->t),
					dataset_why(j->ds));
			mlops_error_location(j->o->input,
					     (unsigned)table_line(j->ds->t), 0);
			mlops_error_hint("fix the row, or pass --on-invalid=skip "
					 "or --on-invalid=null");
			keep_error(c, MLOPS_EINPUT);
			c->last = 1;
			return;
		}
		if (j->o->on_invalid == INVALID_NULL)
			take_row(j, c, 0);
	}
}

static void *reader(void *arg)
{
	struct job *j = arg;
	int i = 0;

	for (;;) {
		struct chunk *c = &j->chunks[i];

		pthread_mutex_lock(&j->mu);
		while (j->full[i] && !j->stop)
			pthread_cond_wait(&j->cv, &j->mu);
		pthread_mutex_unlock(&j->mu);
		if (j->stop)
			break;
		fill(j, c);
		pthread_mutex_lock(&j->mu);
		j->full[i] = 1;
		pthread_cond_broadcast(&j->cv);
		pthread_mutex_unlock(&j->mu);
		if (c->last)
			break;
		i ^= 1;
	}
	mlops_error_thread_exit();
	return NULL;
}

static int run(struct job *j)
{
	pthread_t t;
	int i = 0, rc = 0, last = 0;

	write_header(j);
	if (pthread_create(&t, NULL, reader, j) != 0)
		return mlops_error_set(MLOPS_EIO, "cannot start a thread");
	while (!last && !rc) {
		struct chunk *c = &j->chunks[i];

		pthread_mutex_lock(&j->mu);
		while (!j->full[i])
			pthread_cond_wait(&j->cv, &j->mu);
		pthread_mutex_unlock(&j->mu);
		rc = write_chunk(j, c);
		last = c->last;
		if (!rc && c->rc)
			rc = restore_error(c);
		pthread_mutex_lock(&j->mu);
		j->full[i] = 0;
		if (rc)
			j->stop = 1;
		pthread_cond_broadcast(&j->cv);
		pthread_mutex_unlock(&j->mu);
		i ^= 1;
	}
	pthread_join(t, NULL);
	return rc;
}

int batch_predict(struct batch_result *res, struct bundled_model *bm,
		  const struct batch_opts *o)
{
	struct dataset_opts dopts = { 0 };
	struct tempfile tmp = { -1, NULL, NULL, -1 };
	struct job j = { o, bm };
	static char outbuf[1 << 20];
	int to_stream = o->stream != NULL, rc, i;

	memset(res, 0, sizeof(*res));
	dopts.table.format = o->in_format;
	dopts.table.na_values = o->na_values;
	dopts.id_column = o->id_column;
	dopts.unknown = UNKNOWN_IGNORE;
	dopts.max_examples = 20;
	j.cap = o->batch_size ? o->batch_size : 4096;
	if (o->explain || o->top) {
		rc = model_explain_ready(bm->m);
		if (rc)
			return rc;
		j.ew = model_explain_width(bm->m);
	}
	/* Wide rows or many classes: batches stay under ~64 MB. */
	while (j.cap > 64 &&
	       j.cap * (bm->d->ninputs + bm->m->noutputs + j.ew) > (8u << 20))
		j.cap /= 2;
	j.fmt = out_format(o);
	j.classifier = bm->d->model.task != TASK_REGRESSION;
	j.digits = bm->m->digits;
	snprintf(j.fmt_num, sizeof(j.fmt_num), "%%.%dg", bm->m->digits);
	rc = dataset_open(&j.ds, o->input, bm->d->inputs, bm->d->ninputs,
			  &dopts);
	if (rc)
		return rc;
	label_cells(&j);
	for (i = 0; i < 2; i++) {
		j.chunks[i].x = xcalloc(j.cap * bm->d->ninputs + 1,
					sizeof(double));
		j.chunks[i].slots = xcalloc(j.cap, sizeof(struct slot));
	}
	j.y = xcalloc(j.cap * bm->m->noutputs + 1, sizeof(double));
	if (j.ew) {
		j.e = xcalloc(j.cap * j.ew + 1, sizeof(double));
		j.order = xcalloc(bm->d->ninputs + 1, sizeof(size_t));
	}
	j.row = xcalloc(bm->d->ninputs + 1, sizeof(double));
	j.res = res;
	pthread_mutex_init(&j.mu, NULL);
	pthread_cond_init(&j.cv, NULL);
	if (to_stream) {
		j.out = o->stream;
	} else {
		rc = tempfile_create_output(&tmp, o->output, 0666);
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
		rc = run(&j);
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
	for (i = 0; i < 2; i++) {
		struct chunk *c = &j.chunks[i];

		free(c->x);
		free(c->slots);
		strbuf_release(&c->ids);
		strbuf_release(&c->problems);
		strbuf_release(&c->msg);
		strbuf_release(&c->hint);
		strbuf_release(&c->file);
	}
	pthread_mutex_destroy(&j.mu);
	pthread_cond_destroy(&j.cv);
	free(j.y);
	free(j.e);
	free(j.order);
	free(j.row);
	label_cells_free(&j);
	strbuf_release(&j.line);
	return rc;
}

void batch_result_free(struct batch_result *res)
{
	contract_report_free(&res->report);
}
