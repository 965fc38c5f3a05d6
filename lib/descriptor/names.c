#include "names.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "../core/strbuf.h"

static int is_alnum(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9');
}

int name_is_gto(const char *s)
{
	size_t i, n = strlen(s);

	if (!n || !is_alnum(s[0]) || !is_alnum(s[n - 1]))
		return 0;
	for (i = 1; i + 1 < n; i++)
		if (!is_alnum(s[i]) && s[i] != '-' && s[i] != '/' && s[i] != '_')
			return 0;
	return 1;
}

static int lower_alnum(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

int name_is_oci_repository(const char *p)
{
	if (!*p)
		return 0;
	while (*p) {
		if (!lower_alnum(*p))
			return 0;
		while (lower_alnum(*p))
			p++;
		if (!*p)
			return 1;
		if (*p == '-') {
			while (*p == '-')
				p++;
		} else if (*p == '_' && p[1] == '_') {
			p += 2;
		} else if (*p == '/' || *p == '.' || *p == '_') {
			p++;
		} else {
			return 0;
		}
	}
	return 0;
}

int name_is_valid(const char *s)
{
	return strlen(s) <= NAME_MAX_LEN && name_is_gto(s) &&
	       name_is_oci_repository(s);
}

/* A numeric identifier: digits, no leading zero unless it is "0". */
static const char *numeric_id(const char *s)
{
	const char *p = s;

	while (isdigit((unsigned char)*p))
		p++;
	if (p == s || (s[0] == '0' && p - s > 1))
		return NULL;
	return p;
}

/* Dot-separated identifiers of [0-9A-Za-z-]; numeric ones in the
 * pre-release part have no leading zeros. */
static const char *identifiers(const char *s, int prerelease)
{
	for (;;) {
		const char *p = s;
		int all_digits = 1;

		while (is_alnum(*p) || *p == '-') {
			if (!isdigit((unsigned char)*p))
				all_digits = 0;
			p++;
		}
		if (p == s)
			return NULL;
		if (prerelease && all_digits && s[0] == '0' && p - s > 1)
			return NULL;
		if (*p != '.')
			return p;
		s = p + 1;
	}
}

int version_is_semver(const char *s)
{
	int i;

	if (strlen(s) > VERSION_MAX_LEN)
		return 0;
	for (i = 0; i < 3; i++) {
		s = numeric_id(s);
		if (!s)
			return 0;
		if (i < 2) {
			if (*s != '.')
				return 0;
			s++;
		}
	}
	if (*s == '-') {
		s = identifiers(s + 1, 1);
		if (!s)
			return 0;
	}
	if (*s == '+') {
		s = identifiers(s + 1, 0);
		if (!s)
			return 0;
	}
	return *s == '\0';
}

/* A registry host as the distribution grammar has it: a name of letters,
 * digits, dots and dashes (not at either end), or a bracketed IPv6
 * address, then an optional port 1-65535. */
int name_is_registry_host(const char *s, size_t len)
{
	char *h = xstrndup(s, len);
	const char *end = h, *p;
	long port = 0;
	int ok = 0;

	if (*h == '[') {
		end = strchr(h, ']');
		if (!end || end == h + 1 ||
		    strspn(h + 1, "0123456789abcdefABCDEF:.") !=
			    (size_t)(end - h - 1))
			goto done;
		end++;
	} else {
		end = h + strspn(h, "abcdefghijklmnopqrstuvwxyz"
				    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-");
		if (end == h || strchr(".-", *h) || strchr(".-", end[-1]))
			goto done;
	}
	if (!*end) {
		ok = 1;
		goto done;
	}
	if (*end != ':' || !end[1] || strlen(end + 1) > 5)
		goto done;
	for (p = end + 1; *p && *p >= '0' && *p <= '9'; p++)
		port = port * 10 + (*p - '0');
	ok = !*p && port >= 1 && port <= 65535;
done:
	free(h);
	return ok;
}
