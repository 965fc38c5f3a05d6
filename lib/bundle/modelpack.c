#include "modelpack.h"

#include <string.h>

enum kind { STR, STR_ARRAY, BOOL, OBJ };

struct prop {
	const char *name;
	enum kind kind;
};

static const struct prop descriptor_props[] = {
	{ "createdAt", STR }, { "authors", STR_ARRAY }, { "family", STR },
	{ "name", STR },      { "docURL", STR },        { "sourceURL", STR },
	{ "datasetsURL", STR_ARRAY }, { "version", STR }, { "revision", STR },
	{ "vendor", STR },    { "licenses", STR_ARRAY }, { "title", STR },
	{ "description", STR }, { NULL, STR },
};

static const struct prop config_props[] = {
	{ "architecture", STR }, { "format", STR }, { "paramSize", STR },
	{ "precision", STR },    { "quantization", STR },
	{ "capabilities", OBJ }, { NULL, STR },
};

static int kind_ok(const json_t *v, enum kind k)
{
	size_t i;

	switch (k) {
	case STR:
		return json_is_string(v);
	case BOOL:
		return json_is_boolean(v);
	case OBJ:
		return json_is_object(v);
	case STR_ARRAY:
		if (!json_is_array(v))
			return 0;
		for (i = 0; i < json_array_size(v); i++)
			if (!json_is_string(json_array_get(v, i)))
				return 0;
		return 1;
	}
	return 0;
}

static int check_object(const json_t *o, const struct prop *props,
			const char *where, struct strbuf *why)
{
	const char *key;
	json_t *v;

	if (!json_is_object(o)) {
		strbuf_addf(why, "%s is not an object", where);
		return 1;
	}
	json_object_foreach((json_t *)o, key, v) {
		const struct prop *p;

		for (p = props; p->name; p++)
			if (!strcmp(p->name, key))
				break;
		if (!p->name) {
			strbuf_addf(why, "%s.%s is not allowed", where, key);
			return 1;
		}
		if (!kind_ok(v, p->kind)) {
			strbuf_addf(why, "%s.%s has the wrong type", where, key);
			return 1;
		}
	}
	return 0;
}

int modelpack_config_check(const json_t *cfg, struct strbuf *why)
{
	static const char *const top[] = { "descriptor", "config", "modelfs",
					   NULL };
	const json_t *fs, *ids;
	const char *key, *name;
	json_t *v;
	size_t i;

	if (!json_is_object(cfg)) {
		strbuf_addstr(why, "the config is not an object");
		return 1;
	}
	for (i = 0; top[i]; i++)
		if (!json_object_get(cfg, top[i])) {
			strbuf_addf(why, "the config has no '%s'", top[i]);
			return 1;
		}
	json_object_foreach((json_t *)cfg, key, v) {
		for (i = 0; top[i] && strcmp(top[i], key); i++)
			;
		if (!top[i]) {
			strbuf_addf(why, "'%s' is not allowed in the config", key);
			return 1;
		}
	}
	if (check_object(json_object_get(cfg, "descriptor"), descriptor_props,
			 "descriptor", why) ||
	    check_object(json_object_get(cfg, "config"), config_props, "config",
			 why))
		return 1;
	name = json_string_value(json_object_get(
		json_object_get(cfg, "descriptor"), "name"));
	if (name && !*name) {
		strbuf_addstr(why, "descriptor.name is empty");
		return 1;
	}
	fs = json_object_get(cfg, "modelfs");
	ids = json_object_get(fs, "diffIds");
	if (!json_is_object(fs) || json_object_size(fs) != 2 ||
	    !json_string_value(json_object_get(fs, "type")) ||
	    strcmp(json_string_value(json_object_get(fs, "type")), "layers") ||
	    !kind_ok(ids, STR_ARRAY) || !json_array_size(ids)) {
		strbuf_addstr(why, "modelfs must be {\"type\": \"layers\", "
			      "\"diffIds\": [at least one]}");
		return 1;
	}
	return 0;
}
