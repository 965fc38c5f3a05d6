#include "record.h"

#include <stddef.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/jsonutil.h"
#include "../core/number.h"
#include "../store/pstore.h"
#include "score.h"
#include "serving.h"

enum field_fate { KEEP, REDACT, HASH };

struct recorder {
	struct pstore_writer *w;
	char **redact, **hash;
	size_t nredact, nhash;
	unsigned char *key;
	size_t key_len;
};

static char **copy_names(const char *const *v, size_t n)
{
	char **out = xcalloc(n + 1, sizeof(*out));

	for (size_t i = 0; i < n; i++)
		out[i] = xstrdup(v[i]);
	return out;
}

static void free_names(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

struct recorder *recorder_new(struct pstore_writer *w,
			      const struct recorder_opts *o)
{
	struct recorder *rec = xcalloc(1, sizeof(*rec));

	rec->w = w;
	rec->redact = copy_names(o->redact, o->nredact);
	rec->nredact = o->nredact;
	rec->hash = copy_names(o->hash, o->nhash);
	rec->nhash = o->nhash;
	rec->key = xmalloc(o->hash_key_len + 1);
	if (o->hash_key_len)
		memcpy(rec->key, o->hash_key, o->hash_key_len);
	rec->key_len = o->hash_key_len;
	return rec;
}

void recorder_hmac_hex(const void *key, size_t key_len, const void *data,
		       size_t len, char out[65])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;

	HMAC(EVP_sha256(), key, (int)key_len, data, len, md, &mdlen);
	for (unsigned i = 0; i < mdlen && i < 32; i++)
		snprintf(out + 2 * i, 3, "%02x", md[i]);
	out[64] = '\0';
}

static enum field_fate fate(const struct recorder *rec, const char *name)
{
	for (size_t i = 0; i < rec->nredact; i++)
		if (!strcmp(rec->redact[i], name))
			return REDACT;
	for (size_t i = 0; i < rec->nhash; i++)
		if (!strcmp(rec->hash[i], name))
			return HASH;
	return KEEP;
}

/* The rows are written as JSON text by hand: jansson's objects cost
 * more than the prediction on the request path (bench/store). */

static void add_string(struct strbuf *sb, const char *p, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	size_t i, run = 0;

	strbuf_addch(sb, '"');
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)p[i];

		if (c >= 0x20 && c != '"' && c != '\\')
			continue;
		strbuf_add(sb, p + run, i - run);
		run = i + 1;
		if (c == '"' || c == '\\') {
			strbuf_addch(sb, '\\');
			strbuf_addch(sb, (char)c);
		} else {
			char u[7] = { '\\', 'u', '0', '0', hex[c >> 4],
				      hex[c & 15], 0 };

			strbuf_add(sb, u, 6);
		}
	}
	strbuf_add(sb, p + run, len - run);
	strbuf_addch(sb, '"');
}

/* A finite double as the shortest text that reads back as it. */
static void add_number(struct strbuf *sb, double x)
{
	char buf[NUMBER_FORMAT_MAX];

	if (!isfinite(x)) {
		strbuf_addstr(sb, "null");
		return;
	}
	strbuf_add(sb, buf, number_format(x, buf));
}

/* A class label as answers show it: a number when it is an integer. */
static void add_label(struct strbuf *sb, const char *label)
{
	if (label_is_integer(label))
		strbuf_addstr(sb, label);
	else
		add_string(sb, label, strlen(label));
}

/* The keyed hash of a value's text as a JSON string. */
static void add_hash(const struct recorder *rec, struct strbuf *sb,
		     const char *p, size_t len)
{
	char hex[65];

	recorder_hmac_hex(rec->key, rec->key_len, p, len, hex);
	strbuf_addch(sb, '"');
	strbuf_add(sb, hex, 64);
	strbuf_addch(sb, '"');
}

/* One input's value: what the client sent, as the contract read it;
 * 0 when absent. A hashed value is HMAC-SHA256 of its text: a string's
 * bytes, a number as the shortest text that reads back as it
 * ("12345.67", "50000"), true / false; null stays null. */
static int add_value(const struct recorder *rec, struct strbuf *sb,
		     const struct cell *c, enum field_fate f)
{
	char buf[NUMBER_FORMAT_MAX];

	switch (c->kind) {
	case CELL_NUMBER:
		if (f != HASH) {
			add_number(sb, c->num);
			return 1;
		}
		number_shortest(c->num, buf, sizeof(buf));
		add_hash(rec, sb, buf, strlen(buf));
		return 1;
	case CELL_TEXT:
		if (f == HASH)
			add_hash(rec, sb, c->text, c->len);
		else
			add_string(sb, c->text, c->len);
		return 1;
	case CELL_BOOL:
		if (f == HASH)
			add_hash(rec, sb, c->b ? "true" : "false", c->b ? 4 : 5);
		else
			strbuf_addstr(sb, c->b ? "true" : "false");
		return 1;
	case CELL_NULL:
		strbuf_addstr(sb, "null");
		return 1;
	default:
		return 0; /* absent; objects and arrays never got this far */
	}
}

static void row_inputs(const struct recorder *rec, const struct serving *s,
		       const struct score_rows *r, size_t i, struct strbuf *sb)
{
	const struct descriptor *d = s->bm->d;
	size_t at, start = sb->len;

	strbuf_addch(sb, '{');
	for (size_t j = 0; j < d->ninputs; j++) {
		const char *name = d->inputs[j].name;
		enum field_fate f = fate(rec, name);
		struct cell c;

		if (f == REDACT)
			continue;
		if (r->vals)
			c = r->vals[i * r->ninputs + j];
		else
			cell_from_json(r->cells[i * r->ninputs + j], &c);
		at = sb->len;
		if (sb->len > start + 1)
			strbuf_addch(sb, ',');
		add_string(sb, name, strlen(name));
		strbuf_addch(sb, ':');
		if (!add_value(rec, sb, &c, f))
			strbuf_setlen(sb, at);
	}
	strbuf_addch(sb, '}');
}

/* What the request's answer says of the row (score_decision_json's
 * object, as text). */
static void row_output(const struct serving *s, const double *y,
		       struct strbuf *sb)
{
	const struct model *m = s->bm->m;
	struct decision dec;

	model_decide(m, y, s->bm->d->model.threshold, &dec);
	strbuf_addstr(sb, "{\"prediction\":");
	if (m->task == TASK_REGRESSION) {
		add_number(sb, dec.prediction);
		strbuf_addch(sb, '}');
		return;
	}
	add_label(sb, m->labels[(size_t)dec.prediction]);
	strbuf_addstr(sb, ",\"probability\":");
	add_number(sb, dec.probability);
	if (m->task == TASK_MULTICLASS) {
		strbuf_addstr(sb, ",\"probabilities\":{");
		for (size_t k = 0; k < m->nlabels; k++) {
			if (k)
				strbuf_addch(sb, ',');
			add_string(sb, m->labels[k], strlen(m->labels[k]));
			strbuf_addch(sb, ':');
			add_number(sb, y[k]);
		}
		strbuf_addch(sb, '}');
	}
	strbuf_addch(sb, '}');
}

void recorder_rows(struct recorder *rec, const struct serving *s,
		   const struct score_rows *r, const struct scores *sc,
		   const char *rid)
{
	/* One buffer for a row's three texts, sized once, not three that
	 * each grew by reallocation on every request (bench/store). */
	struct strbuf text = STRBUF_INIT;
	struct pstore_prediction p = { 0 };
	size_t in_at, out_at;

	p.request_id = rid;
	p.ts_ms = pstore_now_ms();
	p.model = s->bm->d->name;
	p.version = s->bm->d->version;
	p.digest = s->digest;
	p.latency_ms = (double)sc->ns / 1e6;
	strbuf_grow(&text, 1024);
	for (size_t i = 0; i < sc->n; i++) {
		strbuf_reset(&text);
		score_row_id_add(&text, rid, i, sc->n);
		strbuf_addch(&text, '\0');
		in_at = text.len;
		row_inputs(rec, s, r, i, &text);
		strbuf_addch(&text, '\0');
		out_at = text.len;
		row_output(s, sc->y + i * sc->k, &text);
		p.id = text.buf;
		p.inputs_json = text.buf + in_at;
		p.output_json = text.buf + out_at;
		pstore_writer_put(rec->w, &p);
	}
	strbuf_release(&text);
}

struct pstore_writer *recorder_writer(struct recorder *rec)
{
	return rec->w;
}

void recorder_metrics(struct recorder *rec, struct strbuf *text)
{
	struct pstore_writer_stats st;
	static const struct {
		const char *name, *help;
		size_t off;
	} counters[] = {
		{ "mlops_store_queued_total",
		  "Scored rows queued for the prediction store.",
		  offsetof(struct pstore_writer_stats, queued) },
		{ "mlops_store_written_total",
		  "Scored rows written to the prediction store.",
		  offsetof(struct pstore_writer_stats, written) },
		{ "mlops_store_dropped_total",
		  "Scored rows dropped because the store's queue was full.",
		  offsetof(struct pstore_writer_stats, dropped) },
		{ "mlops_store_failed_total",
		  "Scored rows lost to a failed write to the store.",
		  offsetof(struct pstore_writer_stats, failed) },
		{ "mlops_store_pruned_total",
		  "Rows retention deleted from the store.",
		  offsetof(struct pstore_writer_stats, pruned) },
	};

	pstore_writer_stats(rec->w, &st);
	for (size_t i = 0; i < sizeof(counters) / sizeof(counters[0]); i++)
		strbuf_addf(text, "# HELP %s %s\n# TYPE %s counter\n%s %llu\n",
			    counters[i].name, counters[i].help,
			    counters[i].name, counters[i].name,
			    (unsigned long long)*(const uint64_t *)(
				    (const char *)&st + counters[i].off));
	strbuf_addf(text, "# HELP mlops_store_queue_rows Rows waiting for the "
		    "store's writer.\n# TYPE mlops_store_queue_rows gauge\n"
		    "mlops_store_queue_rows %llu\n",
		    (unsigned long long)st.depth);
}

uint64_t recorder_stop(struct recorder *rec, unsigned timeout_ms,
		       struct pstore_writer_stats *last)
{
	uint64_t left;

	if (!rec)
		return 0;
	left = pstore_writer_stop(rec->w, timeout_ms, last);
	free_names(rec->redact, rec->nredact);
	free_names(rec->hash, rec->nhash);
	if (rec->key_len)
		memset(rec->key, 0, rec->key_len);
	free(rec->key);
	free(rec);
	return left;
}
