#include "record.h"

#include <stddef.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
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

/* A cell as JSON: what the client sent, as the contract read it. */
static json_t *cell_json(const struct cell *c)
{
	switch (c->kind) {
	case CELL_NUMBER:
		return json_number(c->num);
	case CELL_TEXT:
		return json_stringn(c->text, c->len);
	case CELL_BOOL:
		return json_boolean(c->b);
	case CELL_NULL:
		return json_null();
	default:
		return NULL;
	}
}

/* The keyed hash of a value's text: a string's bytes, a number as the
 * shortest text that reads back as it ("12345.67", "50000"), true /
 * false. null stays null: there is nothing to hide. */
static json_t *hashed(const struct recorder *rec, json_t *v)
{
	char text[40], hex[65];
	const char *p = text;
	size_t len;

	if (json_is_string(v)) {
		p = json_string_value(v);
		len = json_string_length(v);
	} else if (json_is_number(v)) {
		number_shortest(json_number_value(v), text, sizeof(text));
		len = strlen(text);
	} else if (json_is_boolean(v)) {
		len = (size_t)snprintf(text, sizeof(text), "%s",
				       json_is_true(v) ? "true" : "false");
	} else {
		return json_incref(v);
	}
	recorder_hmac_hex(rec->key, rec->key_len, p, len, hex);
	return json_string(hex);
}

static void row_inputs(const struct recorder *rec, const struct serving *s,
		       const struct score_rows *r, size_t i, struct strbuf *sb)
{
	const struct descriptor *d = s->bm->d;
	json_t *o = json_object();

	for (size_t j = 0; j < d->ninputs; j++) {
		const char *name = d->inputs[j].name;
		enum field_fate f = fate(rec, name);
		json_t *v;

		if (f == REDACT)
			continue;
		if (r->vals)
			v = cell_json(&r->vals[i * r->ninputs + j]);
		else if (json_is_real(r->cells[i * r->ninputs + j]))
			/* Integers as integers: bodies are read as reals. */
			v = json_number(json_real_value(
				r->cells[i * r->ninputs + j]));
		else
			v = json_incref((json_t *)r->cells[i * r->ninputs + j]);
		if (!v)
			continue; /* absent */
		if (f == HASH) {
			json_t *h = hashed(rec, v);

			json_decref(v);
			v = h;
		}
		json_object_set_new(o, name, v);
	}
	strbuf_reset(sb);
	json_dump_strbuf(o, JSON_DUMP_COMPACT, sb);
	json_decref(o);
}

void recorder_rows(struct recorder *rec, const struct serving *s,
		   const struct score_rows *r, const struct scores *sc,
		   const char *rid)
{
	struct strbuf id = STRBUF_INIT, in = STRBUF_INIT, out = STRBUF_INIT;
	struct pstore_prediction p = { 0 };
	int64_t now = pstore_now_ms();

	p.request_id = rid;
	p.ts_ms = now;
	p.model = s->bm->d->name;
	p.version = s->bm->d->version;
	p.digest = s->digest;
	p.latency_ms = (double)sc->ns / 1e6;
	for (size_t i = 0; i < sc->n; i++) {
		json_t *dec = score_decision_json(s, sc->y + i * sc->k);

		score_row_id(&id, rid, i, sc->n);
		row_inputs(rec, s, r, i, &in);
		strbuf_reset(&out);
		json_dump_strbuf(dec, JSON_DUMP_COMPACT,
				 &out);
		json_decref(dec);
		p.id = id.buf;
		p.inputs_json = in.buf;
		p.output_json = out.buf;
		pstore_writer_put(rec->w, pstore_row_new(&p));
	}
	strbuf_release(&id);
	strbuf_release(&in);
	strbuf_release(&out);
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
