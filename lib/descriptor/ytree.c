#include "ytree.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <yaml.h>

#include "../core/number.h"
#include "../core/error.h"
#include "../core/strbuf.h"

/* Deeper nesting than this is no descriptor; it is an attack on the
 * recursion below. */
#define YTREE_MAX_DEPTH 64

struct builder {
	yaml_parser_t parser;
	const char *file;
};

static int err_at(struct builder *b, const yaml_mark_t *m, const char *msg)
{
	unsigned line = (unsigned)m->line + 1, col = (unsigned)m->column + 1;

	mlops_error_set(MLOPS_EINPUT, "%s:%u:%u: %s", b->file, line, col, msg);
	mlops_error_location(b->file, line, col);
	return MLOPS_EINPUT;
}

static int next_event(struct builder *b, yaml_event_t *ev)
{
	if (!yaml_parser_parse(&b->parser, ev)) {
		const yaml_mark_t *m = &b->parser.problem_mark;
		struct strbuf msg = STRBUF_INIT;

		strbuf_addf(&msg, "invalid YAML: %s",
			    b->parser.problem ? b->parser.problem : "syntax error");
		if (b->parser.context)
			strbuf_addf(&msg, " (%s)", b->parser.context);
		err_at(b, m, msg.buf);
		strbuf_release(&msg);
		return MLOPS_EINPUT;
	}
	return 0;
}

static struct ynode *node_new(enum ynode_kind kind, const yaml_mark_t *m)
{
	struct ynode *n = xcalloc(1, sizeof(*n));

	n->kind = kind;
	n->line = (unsigned)m->line + 1;
	n->col = (unsigned)m->column + 1;
	return n;
}

static void node_push(struct ynode *parent, struct ynode *key,
		      struct ynode *item)
{
	if (parent->n == parent->alloc) {
		size_t alloc = parent->alloc ? 2 * parent->alloc : 8;

		parent->items = xrealloc(parent->items,
					 alloc * sizeof(*parent->items));
		if (parent->kind == YNODE_MAP)
			parent->keys = xrealloc(parent->keys,
						alloc * sizeof(*parent->keys));
		parent->alloc = alloc;
	}
	if (parent->kind == YNODE_MAP)
		parent->keys[parent->n] = key;
	parent->items[parent->n++] = item;
}

static int key_order(const void *a, const void *b)
{
	const struct ynode *x = *(const struct ynode *const *)a;
	const struct ynode *y = *(const struct ynode *const *)b;
	int c = strcmp(x->text, y->text);

	if (c)
		return c;
	if (x->line != y->line)
		return x->line < y->line ? -1 : 1;
	return x->col < y->col ? -1 : (x->col > y->col);
}

/* Sorting keeps this O(n log n) for hostile files with huge mappings. */
static int check_duplicate_keys(struct builder *b, const struct ynode *map)
{
	struct ynode **sorted;
	size_t i;
	int rc = 0;

	if (map->n < 2)
		return 0;
	sorted = xmalloc(map->n * sizeof(*sorted));
	memcpy(sorted, map->keys, map->n * sizeof(*sorted));
	qsort(sorted, map->n, sizeof(*sorted), key_order);
	for (i = 1; i < map->n; i++) {
		if (!strcmp(sorted[i - 1]->text, sorted[i]->text)) {
			struct strbuf msg = STRBUF_INIT;
			yaml_mark_t m = { 0, sorted[i]->line - 1,
					  sorted[i]->col - 1 };

			strbuf_addf(&msg, "duplicate key '%s'", sorted[i]->text);
			rc = err_at(b, &m, msg.buf);
			strbuf_release(&msg);
			break;
		}
	}
	free(sorted);
	return rc;
}

static int build_node(struct builder *b, yaml_event_t *ev, int depth,
		      struct ynode **out);

static int build_children(struct builder *b, struct ynode *parent,
			  yaml_event_type_t end, int depth)
{
	for (;;) {
		yaml_event_t ev;
		struct ynode *key = NULL, *val = NULL;
		int rc;

		rc = next_event(b, &ev);
		if (rc)
			return rc;
		if (ev.type == end) {
			yaml_event_delete(&ev);
			if (parent->kind == YNODE_MAP)
				return check_duplicate_keys(b, parent);
			return 0;
		}
		if (parent->kind == YNODE_MAP) {
			if (ev.type != YAML_SCALAR_EVENT) {
				rc = err_at(b, &ev.start_mark,
					    "mapping keys must be plain text");
				yaml_event_delete(&ev);
				return rc;
			}
			rc = build_node(b, &ev, depth, &key);
			yaml_event_delete(&ev);
			if (rc)
				return rc;
			rc = next_event(b, &ev);
			if (rc) {
				ynode_free(key);
				return rc;
			}
		}
		rc = build_node(b, &ev, depth, &val);
		yaml_event_delete(&ev);
		if (rc) {
			ynode_free(key);
			return rc;
		}
		node_push(parent, key, val);
	}
}

static int build_node(struct builder *b, yaml_event_t *ev, int depth,
		      struct ynode **out)
{
	struct ynode *n;
	int rc;

	*out = NULL;
	if (depth > YTREE_MAX_DEPTH)
		return err_at(b, &ev->start_mark, "nesting is too deep");
	switch (ev->type) {
	case YAML_ALIAS_EVENT:
		return err_at(b, &ev->start_mark,
			      "YAML aliases (*name) are not supported");
	case YAML_SCALAR_EVENT:
		if (ev->data.scalar.tag && !ev->data.scalar.plain_implicit &&
		    !ev->data.scalar.quoted_implicit)
			return err_at(b, &ev->start_mark,
				      "YAML tags (!!type) are not supported");
		n = node_new(YNODE_SCALAR, &ev->start_mark);
		n->text = xstrndup((const char *)ev->data.scalar.value,
				   ev->data.scalar.length);
		n->text_len = ev->data.scalar.length;
		n->quoted = ev->data.scalar.style != YAML_PLAIN_SCALAR_STYLE;
		*out = n;
		return 0;
	case YAML_SEQUENCE_START_EVENT:
		if (ev->data.sequence_start.anchor)
			return err_at(b, &ev->start_mark,
				      "YAML anchors (&name) are not supported");
		n = node_new(YNODE_SEQ, &ev->start_mark);
		rc = build_children(b, n, YAML_SEQUENCE_END_EVENT, depth + 1);
		break;
	case YAML_MAPPING_START_EVENT:
		if (ev->data.mapping_start.anchor)
			return err_at(b, &ev->start_mark,
				      "YAML anchors (&name) are not supported");
		n = node_new(YNODE_MAP, &ev->start_mark);
		rc = build_children(b, n, YAML_MAPPING_END_EVENT, depth + 1);
		break;
	default:
		return err_at(b, &ev->start_mark, "unexpected YAML structure");
	}
	if (rc) {
		ynode_free(n);
		return rc;
	}
	*out = n;
	return 0;
}

static int expect_event(struct builder *b, yaml_event_type_t type,
			const char *what)
{
	yaml_event_t ev;
	int rc = next_event(b, &ev);

	if (rc)
		return rc;
	if (ev.type != type)
		rc = err_at(b, &ev.start_mark, what);
	yaml_event_delete(&ev);
	return rc;
}

int ytree_parse(struct ynode **out, const char *file, const char *data,
		size_t len)
{
	struct builder b = { .file = file };
	struct ynode *root = NULL;
	yaml_event_t ev;
	int rc;

	*out = NULL;
	if (!yaml_parser_initialize(&b.parser))
		return mlops_error_set(MLOPS_EINTERNAL,
				       "cannot initialise the YAML parser");
	yaml_parser_set_input_string(&b.parser, (const unsigned char *)data,
				     len);
	rc = expect_event(&b, YAML_STREAM_START_EVENT, "not a YAML stream");
	if (rc)
		goto done;
	rc = next_event(&b, &ev);
	if (rc)
		goto done;
	if (ev.type == YAML_STREAM_END_EVENT) {
		rc = err_at(&b, &ev.start_mark, "the file is empty");
		yaml_event_delete(&ev);
		goto done;
	}
	yaml_event_delete(&ev);
	rc = next_event(&b, &ev);
	if (rc)
		goto done;
	rc = build_node(&b, &ev, 0, &root);
	yaml_event_delete(&ev);
	if (rc)
		goto done;
	rc = expect_event(&b, YAML_DOCUMENT_END_EVENT,
			  "unexpected content after the document");
	if (rc)
		goto done;
	rc = expect_event(&b, YAML_STREAM_END_EVENT,
			  "only one YAML document is allowed");
done:
	yaml_parser_delete(&b.parser);
	if (rc) {
		ynode_free(root);
		return rc;
	}
	*out = root;
	return 0;
}

void ynode_free(struct ynode *n)
{
	size_t i;

	if (!n)
		return;
	for (i = 0; i < n->n; i++) {
		ynode_free(n->items[i]);
		if (n->keys)
			ynode_free(n->keys[i]);
	}
	free(n->items);
	free(n->keys);
	free(n->text);
	free(n);
}

const struct ynode *ynode_map_get(const struct ynode *map, const char *key)
{
	size_t i;

	if (!map || map->kind != YNODE_MAP)
		return NULL;
	for (i = 0; i < map->n; i++)
		if (!strcmp(map->keys[i]->text, key))
			return map->items[i];
	return NULL;
}

const char *ynode_kind_name(const struct ynode *n)
{
	if (n->kind == YNODE_MAP)
		return "a mapping";
	if (n->kind == YNODE_SEQ)
		return "a list";
	if (ynode_is_null(n))
		return "null";
	return "a scalar";
}

int ynode_is_null(const struct ynode *n)
{
	if (n->kind != YNODE_SCALAR || n->quoted)
		return 0;
	return !n->text[0] || !strcmp(n->text, "~") ||
	       !strcasecmp(n->text, "null");
}

int ynode_bool(const struct ynode *n, int *out)
{
	if (n->kind != YNODE_SCALAR || n->quoted)
		return 0;
	if (!strcmp(n->text, "true") || !strcmp(n->text, "True") ||
	    !strcmp(n->text, "TRUE")) {
		*out = 1;
		return 1;
	}
	if (!strcmp(n->text, "false") || !strcmp(n->text, "False") ||
	    !strcmp(n->text, "FALSE")) {
		*out = 0;
		return 1;
	}
	return 0;
}

int ynode_number(const struct ynode *n, double *out)
{
	double v;
	const char *s;

	if (n->kind != YNODE_SCALAR || n->quoted || !n->text[0])
		return 0;
	s = n->text;
	/* The one number policy (core/number.h): no hex, inf or nan. */
	if (number_parse_str(s, &v))
		return 0;
	*out = v;
	return 1;
}

int ynode_integer(const struct ynode *n, long long *out)
{
	char *end;
	long long v;

	if (n->kind != YNODE_SCALAR || n->quoted || !n->text[0])
		return 0;
	errno = 0;
	v = strtoll(n->text, &end, 10);
	if (*end || errno == ERANGE)
		return 0;
	*out = v;
	return 1;
}
