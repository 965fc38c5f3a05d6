#include "challenge.h"

#include <string.h>
#include <strings.h>

#include "../core/strbuf.h"

char *registry_location(const char *base, const char *loc)
{
	struct strbuf sb = STRBUF_INIT;
	const char *p;

	for (p = loc; *p; p++)
		if ((unsigned char)*p <= ' ' || *p == 0x7f)
			return NULL;
	if (!*loc)
		return NULL;
	if (!strncasecmp(loc, "http://", 7) || !strncasecmp(loc, "https://", 8)) {
		strbuf_addstr(&sb, loc);
	} else if (loc[0] == '/' && loc[1] == '/') {
		p = strstr(base, "://");
		strbuf_add(&sb, base, p ? (size_t)(p - base) + 1 : 0);
		strbuf_addstr(&sb, loc);
	} else {
		strbuf_addf(&sb, "%s%s%s", base, loc[0] == '/' ? "" : "/", loc);
	}
	return strbuf_detach(&sb);
}

char *registry_challenge_param(const char *c, const char *key)
{
	size_t klen = strlen(key);
	const char *p = strchr(c, ' ');

	while (p && *p) {
		while (*p == ' ' || *p == ',')
			p++;
		if (!strncasecmp(p, key, klen) && p[klen] == '=') {
			struct strbuf v = STRBUF_INIT;

			p += klen + 1;
			if (*p == '"') {
				for (p++; *p && *p != '"'; p++) {
					if (*p == '\\' && p[1])
						p++;
					strbuf_addch(&v, *p);
				}
			} else {
				while (*p && *p != ',' && *p != ' ')
					strbuf_addch(&v, *p++);
			}
			return strbuf_detach(&v);
		}
		/* skip this parameter */
		while (*p && *p != ',') {
			if (*p == '"') {
				for (p++; *p && *p != '"'; p++)
					if (*p == '\\' && p[1])
						p++;
			}
			if (*p)
				p++;
		}
	}
	return NULL;
}
