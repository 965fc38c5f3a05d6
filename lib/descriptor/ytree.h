/* A YAML document as a tree of nodes that remember where they stood
 * (line and column, 1-based), so every later error can say file:line:col.
 * Aliases, anchors on collections, tags, non-scalar keys, duplicate keys
 * and several documents in one file are refused: a descriptor has no use
 * for them and aliases are how "billion laughs" files get in. */
#ifndef MLOPS_DESCRIPTOR_YTREE_H
#define MLOPS_DESCRIPTOR_YTREE_H

#include <stddef.h>

enum ynode_kind { YNODE_SCALAR, YNODE_SEQ, YNODE_MAP };

struct ynode {
	enum ynode_kind kind;
	unsigned line, col;
	/* scalar */
	char *text;
	size_t text_len;
	int quoted; /* written in quotes or as a block: always a string */
	/* sequence: items; mapping: keys[i] -> items[i] */
	struct ynode **items;
	struct ynode **keys;
	size_t n, alloc;
};

/* Parses `data` (named `file` in errors). 0, or MLOPS_EINPUT. */
int ytree_parse(struct ynode **out, const char *file, const char *data,
		size_t len);
void ynode_free(struct ynode *n);

const struct ynode *ynode_map_get(const struct ynode *map, const char *key);
const char *ynode_kind_name(const struct ynode *n);

/* Plain-scalar typing in the manner of the YAML 1.2 core schema. */
int ynode_is_null(const struct ynode *n);
/* 1 and *out set when n is a plain true/false. */
int ynode_bool(const struct ynode *n, int *out);
/* 1 and *out set when n is a plain number (int or float, no inf/nan). */
int ynode_number(const struct ynode *n, double *out);
/* 1 and *out set when n is a plain integer within long long. */
int ynode_integer(const struct ynode *n, long long *out);

#endif
