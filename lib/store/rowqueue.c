#include "rowqueue.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../core/strbuf.h"

/* 64 KiB: about 150 rows of the credit-risk example; below glibc's mmap
 * threshold, and few enough spares that an idle server keeps little. */
#define BLOCK_BYTES (64u * 1024u)
#define MAX_SPARE 8

/* A row in a block: this header, then its strings, each with its NUL,
 * in struct pstore_prediction's order; the next row starts 8-aligned. */
struct rec {
	int64_t ts_ms;
	double latency_ms;
	uint32_t len[7];
};

struct rowq_block {
	struct rowq_block *next;
	size_t used, cap, rows;
	_Alignas(8) unsigned char data[];
};

static size_t align8(size_t n)
{
	return (n + 7) & ~(size_t)7;
}

/* p's seven strings in the block's order, NULL as "". */
static void fields(const struct pstore_prediction *p, const char *s[7])
{
	const char *v[7] = { p->id,	 p->request_id, p->model,
			     p->version, p->digest,	p->inputs_json,
			     p->output_json };

	for (int i = 0; i < 7; i++)
		s[i] = v[i] ? v[i] : "";
}

/* The bytes a row of these string lengths takes in a block. */
static size_t row_bytes(const size_t len[7])
{
	size_t total = sizeof(struct rec);

	for (int i = 0; i < 7; i++)
		total += len[i] + 1;
	return align8(total);
}

size_t rowq_measure(const struct pstore_prediction *p, size_t len[7])
{
	const char *s[7];

	fields(p, s);
	for (int i = 0; i < 7; i++) {
		len[i] = strlen(s[i]);
		if (len[i] >= UINT32_MAX)
			return 0; /* a length the block's header cannot hold */
	}
	return row_bytes(len);
}

static struct rowq_block *block_new(struct rowq *q, size_t need)
{
	struct rowq_block *b;

	if (need <= BLOCK_BYTES - sizeof(*b) && q->spare) {
		b = q->spare;
		q->spare = b->next;
		q->nspare--;
	} else {
		size_t cap = BLOCK_BYTES - sizeof(*b);

		if (need > cap)
			cap = need;
		b = xmalloc(sizeof(*b) + cap);
		b->cap = cap;
	}
	b->next = NULL;
	b->used = b->rows = 0;
	return b;
}

static void link_block(struct rowq *q, struct rowq_block *b)
{
	if (q->tail)
		q->tail->next = b;
	else
		q->head = b;
	q->tail = b;
}

static void put_row(struct rowq_block *b, const struct pstore_prediction *p,
		    const size_t len[7], size_t need)
{
	struct rec h;
	unsigned char *at = b->data + b->used;
	const char *s[7];

	fields(p, s);
	h.ts_ms = p->ts_ms;
	h.latency_ms = p->latency_ms;
	for (int i = 0; i < 7; i++)
		h.len[i] = (uint32_t)len[i];
	memcpy(at, &h, sizeof(h));
	at += sizeof(h);
	for (int i = 0; i < 7; i++) {
		memcpy(at, s[i], len[i] + 1);
		at += len[i] + 1;
	}
	b->used += need;
	b->rows++;
}

void rowq_push(struct rowq *q, const struct pstore_prediction *p,
	       const size_t len[7])
{
	size_t need = row_bytes(len);
	struct rowq_block *b = q->tail;

	if (!b || b->cap - b->used < need) {
		b = block_new(q, need);
		link_block(q, b);
	}
	put_row(b, p, len, need);
	q->rows++;
}

struct rowq_block *rowq_block_of(const struct pstore_prediction *p,
				 const size_t len[7])
{
	size_t need = row_bytes(len);
	struct rowq_block *b;

	b = xmalloc(sizeof(*b) + need);
	b->next = NULL;
	b->cap = need;
	b->used = b->rows = 0;
	put_row(b, p, len, need);
	return b;
}

void rowq_link(struct rowq *q, struct rowq_block *b)
{
	link_block(q, b);
	q->rows += b->rows;
}

struct rowq_block *rowq_take(struct rowq *q, size_t max_rows, size_t *n)
{
	struct rowq_block *first = q->head, *last = q->head;
	size_t rows;

	*n = 0;
	if (!first || !first->rows)
		return NULL;
	rows = first->rows;
	while (last->next && rows + last->next->rows <= max_rows) {
		last = last->next;
		rows += last->rows;
	}
	q->head = last->next;
	if (!q->head)
		q->tail = NULL;
	last->next = NULL;
	q->rows -= rows;
	*n = rows;
	return first;
}

void rowq_unpack(const struct rowq_block *b, struct pstore_prediction *out)
{
	for (; b; b = b->next) {
		const unsigned char *at = b->data, *end = b->data + b->used;

		while (at < end) {
			const char **dst[7] = {
				&out->id,      &out->request_id,
				&out->model,   &out->version,
				&out->digest,  &out->inputs_json,
				&out->output_json,
			};
			struct rec h;
			const unsigned char *s;

			memcpy(&h, at, sizeof(h));
			out->ts_ms = h.ts_ms;
			out->latency_ms = h.latency_ms;
			s = at + sizeof(h);
			for (int i = 0; i < 7; i++) {
				*dst[i] = (const char *)s;
				s += h.len[i] + 1;
			}
			at += align8((size_t)(s - at));
			out++;
		}
	}
}

void rowq_give_back(struct rowq *q, struct rowq_block *b)
{
	while (b) {
		struct rowq_block *next = b->next;

		if (q->nspare < MAX_SPARE &&
		    b->cap == BLOCK_BYTES - sizeof(*b)) {
			b->next = q->spare;
			q->spare = b;
			q->nspare++;
		} else {
			free(b);
		}
		b = next;
	}
}

void rowq_free_blocks(struct rowq_block *b)
{
	while (b) {
		struct rowq_block *next = b->next;

		free(b);
		b = next;
	}
}

void rowq_release(struct rowq *q)
{
	rowq_free_blocks(q->head);
	rowq_free_blocks(q->spare);
	q->head = q->tail = q->spare = NULL;
	q->rows = q->nspare = 0;
}
