#include "jsonutil.h"

#include <math.h>

#include "error.h"

json_t *json_number(double v)
{
	if (v == floor(v) && fabs(v) <= 9007199254740992.0)
		return json_integer((json_int_t)v);
	return json_real(v);
}

static int dump_cb(const char *buf, size_t size, void *data)
{
	strbuf_add(data, buf, size);
	return 0;
}

void json_dump_strbuf(const json_t *j, size_t flags, struct strbuf *sb)
{
	json_dump_callback(j, dump_cb, sb, flags);
	if (!sb->buf)
		strbuf_add(sb, "", 0);
}

int json_parse_buf(json_t **out, const char *data, size_t len,
		   const char *what)
{
	json_error_t err;

	*out = json_loadb(data, len, JSON_REJECT_DUPLICATES, &err);
	if (!*out)
		return mlops_error_set(MLOPS_EINPUT,
				       "%s is not valid JSON: %s (line %d, "
				       "column %d)", what, err.text, err.line,
				       err.column);
	return 0;
}

const char *json_str(const json_t *obj, const char *key)
{
	const json_t *v = json_object_get(obj, key);

	return json_is_string(v) ? json_string_value(v) : NULL;
}

double json_num(const json_t *obj, const char *key, double def)
{
	const json_t *v = json_object_get(obj, key);

	return json_is_number(v) ? json_number_value(v) : def;
}
