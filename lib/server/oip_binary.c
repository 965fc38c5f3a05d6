#include "oip_binary.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../core/jsonutil.h"
#include "score.h"

static unsigned refuse(json_t **out, const char *name, const char *why)
{
	struct strbuf m = STRBUF_INIT;

	strbuf_addf(&m, "tensor '%s': %s", name ? name : "?", why);
	*out = error_json(m.buf);
	strbuf_release(&m);
	return 400;
}

unsigned oip_binary_split(struct oip_binary *b, const char *body, size_t len,
			  size_t *json_len, json_t **out)
{
	const char *h = b->header_length;
	char *end;
	unsigned long long n;

	b->body_len = len;
	*json_len = len;
	if (!h)
		return 0;
	n = strtoull(h, &end, 10);
	if (*h < '0' || *h > '9' || *end || n > len) {
		*out = error_json("Inference-Header-Content-Length must be the "
				  "length of the JSON header, within the body");
		return 400;
	}
	*json_len = (size_t)n;
	b->data = (const unsigned char *)body + n;
	b->len = len - (size_t)n;
	b->used = 0;
	return 0;
}

static uint64_t le(const unsigned char *p, size_t size)
{
	uint64_t v = 0;

	while (size--)
		v = v << 8 | p[size];
	return v;
}

/* IEEE 754 half precision. */
static double half(uint16_t h)
{
	int e = h >> 10 & 0x1f;
	double m = h & 0x3ff, v;

	if (e == 0)
		v = ldexp(m, -24);
	else if (e == 31)
		v = m ? NAN : INFINITY;
	else
		v = ldexp(m + 1024, e - 25);
	return h & 0x8000 ? -v : v;
}

/* The size of an element of a fixed-size datatype; 0 for BYTES. */
static size_t element_size(const char *type)
{
	static const struct { const char *name; size_t size; } t[] = {
		{ "BOOL", 1 },	 { "UINT8", 1 },  { "INT8", 1 },
		{ "UINT16", 2 }, { "INT16", 2 },  { "FP16", 2 },
		{ "UINT32", 4 }, { "INT32", 4 },  { "FP32", 4 },
		{ "UINT64", 8 }, { "INT64", 8 },  { "FP64", 8 },
	};

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		if (!strcmp(t[i].name, type))
			return t[i].size;
	return 0;
}

static double number(const char *type, const unsigned char *p, size_t size)
{
	uint64_t u = le(p, size);

	if (type[0] == 'U')
		return (double)u;
	if (!strcmp(type, "FP16"))
		return half((uint16_t)u);
	if (!strcmp(type, "FP32")) {
		float f;
		uint32_t w = (uint32_t)u;

		memcpy(&f, &w, 4);
		return f;
	}
	if (!strcmp(type, "FP64")) {
		double d;

		memcpy(&d, &u, 8);
		return d;
	}
	/* Signed: sign-extend from its width. */
	if (size < 8 && (u >> (size * 8 - 1) & 1))
		u |= ~(uint64_t)0 << (size * 8);
	return (double)(int64_t)u;
}

/* BYTES: n elements, each a 4-byte length and that many bytes, copied
 * NUL-terminated into b->texts (an element's copy fits in the room its
 * length prefix took). */
static unsigned bytes_cells(struct oip_binary *b, const unsigned char *p,
			    size_t size, size_t n, struct cell *cells,
			    const char *name, json_t **out)
{
	size_t at = 0;

	if (!b->texts)
		b->texts = xmalloc(b->len + 1);
	for (size_t k = 0; k < n; k++) {
		uint64_t l;

		if (size - at < 4)
			return refuse(out, name, "BYTES data ends inside an "
				      "element");
		l = le(p + at, 4);
		at += 4;
		if (l > size - at)
			return refuse(out, name, "a BYTES element is longer "
				      "than the data");
		cells[k].kind = CELL_TEXT;
		cells[k].text = memcpy(b->texts + b->ntexts, p + at, l);
		cells[k].len = l;
		b->texts[b->ntexts + l] = '\0';
		b->ntexts += l + 1;
		at += l;
	}
	return at == size ? 0 : refuse(out, name, "binary_data_size is more "
				       "than its elements");
}

unsigned oip_binary_cells(struct oip_binary *b, const json_t *t, size_t n,
			  struct cell *cells, json_t **out)
{
	const json_t *sz = json_object_get(json_object_get(t, "parameters"),
					   "binary_data_size");
	const char *name = json_str(t, "name"), *type = json_str(t, "datatype");
	const unsigned char *p;
	size_t size, es;

	if (!sz)
		return 1;
	if (!json_is_integer(sz) || json_integer_value(sz) < 0)
		return refuse(out, name, "binary_data_size must be a count of "
			      "bytes");
	if (json_object_get(t, "data"))
		return refuse(out, name, "binary data and \"data\" both");
	if ((json_int_t)(b->len - b->used) < json_integer_value(sz))
		return refuse(out, name, "binary_data_size is beyond the body "
			      "(or no Inference-Header-Content-Length)");
	size = (size_t)json_integer_value(sz);
	p = b->data + b->used;
	b->used += size;
	if (!strcmp(type, "BYTES"))
		return bytes_cells(b, p, size, n, cells, name, out);
	es = element_size(type);
	if (!es || size / es != n || size % es)
		return refuse(out, name, "binary_data_size does not match its "
			      "shape and datatype");
	for (size_t k = 0; k < n; k++) {
		if (!strcmp(type, "BOOL")) {
			cells[k].kind = CELL_BOOL;
			cells[k].b = p[k] != 0;
		} else {
			cells[k].kind = CELL_NUMBER;
			cells[k].num = number(type, p + k * es, es);
		}
	}
	return 0;
}

/* Does output o go out in binary? Its own "binary_data", else the
 * request's "binary_data_output". */
static int binary_wanted(const json_t *req, const char *name)
{
	const json_t *outs = json_object_get(req, "outputs"), *o;
	const json_t *all = json_object_get(json_object_get(req, "parameters"),
					    "binary_data_output");
	size_t i;

	json_array_foreach(outs, i, o) {
		const json_t *bd = json_object_get(
			json_object_get(o, "parameters"), "binary_data");

		if (bd && !strcmp(json_str(o, "name"), name))
			return json_is_true(bd);
	}
	return json_is_true(all);
}

static void put_le(struct strbuf *o, uint64_t v, size_t size)
{
	unsigned char b[8];

	for (size_t i = 0; i < size; i++)
		b[i] = (unsigned char)(v >> (8 * i));
	strbuf_add(o, b, size);
}

void oip_binary_outputs(struct oip_binary *b, const json_t *req,
			json_t *outputs)
{
	json_t *t, *v;
	size_t i, k;

	json_array_foreach(outputs, i, t) {
		const char *type = json_str(t, "datatype");
		size_t start = b->out.len;

		if (!binary_wanted(req, json_str(t, "name")))
			continue;
		json_array_foreach(json_object_get(t, "data"), k, v) {
			if (!strcmp(type, "BYTES")) {
				put_le(&b->out, json_string_length(v), 4);
				strbuf_add(&b->out, json_string_value(v),
					   json_string_length(v));
			} else if (!strcmp(type, "INT64")) {
				put_le(&b->out, (uint64_t)json_integer_value(v), 8);
			} else {
				double d = json_number_value(v);
				uint64_t u;

				memcpy(&u, &d, 8);
				put_le(&b->out, u, 8);
			}
		}
		json_object_del(t, "data");
		json_object_set_new(t, "parameters",
				    json_pack("{s:I}", "binary_data_size",
					      (json_int_t)(b->out.len - start)));
	}
}

void oip_binary_release(struct oip_binary *b)
{
	strbuf_release(&b->out);
	free(b->texts);
	b->texts = NULL;
	b->ntexts = 0;
}
