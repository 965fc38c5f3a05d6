/* jansson helpers: numbers that print as people wrote them, and dumping
 * to a strbuf with fixed flags (deterministic output). */
#ifndef MLOPS_CORE_JSONUTIL_H
#define MLOPS_CORE_JSONUTIL_H

#include <jansson.h>

#include "strbuf.h"

/* Integral values within 2^53 as JSON integers, others as reals. */
json_t *json_number(double v);
/* Compact, keys in insertion order, reals with 15 significant digits
 * (enough for any decimal a person wrote; identical on every run). */
#define JSON_DUMP_COMPACT (JSON_COMPACT | JSON_REAL_PRECISION(15))
#define JSON_DUMP_PRETTY (JSON_INDENT(2) | JSON_REAL_PRECISION(15))
void json_dump_strbuf(const json_t *j, size_t flags, struct strbuf *sb);
/* Parses a buffer; EINPUT naming `what` on failure. */
int json_parse_buf(json_t **out, const char *data, size_t len,
		   const char *what);
/* Getters that tolerate NULL and wrong types. */
const char *json_str(const json_t *obj, const char *key);
double json_num(const json_t *obj, const char *key, double def);

#endif
