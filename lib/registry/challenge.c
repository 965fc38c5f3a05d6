#include "challenge.h"

#include <string.h>
#include <strings.h>

#include "../core/strbuf.h"

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
