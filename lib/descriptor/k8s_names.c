#include "k8s_names.h"

#include <stdlib.h>
#include <string.h>

#include "../core/sha256.h"
#include "../core/strbuf.h"
#include "names.h"

static int lower_alnum(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

static int alnum(char c)
{
	return lower_alnum(c) || (c >= 'A' && c <= 'Z');
}

static int is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static int dns_label_n(const char *s, size_t n)
{
	size_t i;

	if (!n || n > K8S_LABEL_MAX || !lower_alnum(s[0]) ||
	    !lower_alnum(s[n - 1]))
		return 0;
	for (i = 1; i + 1 < n; i++)
		if (!lower_alnum(s[i]) && s[i] != '-')
			return 0;
	return 1;
}

int k8s_is_dns_label(const char *s)
{
	return dns_label_n(s, strlen(s));
}

int k8s_is_dns_subdomain(const char *s)
{
	const char *dot;

	if (strlen(s) > 253)
		return 0;
	for (;;) {
		dot = strchr(s, '.');
		if (!dns_label_n(s, dot ? (size_t)(dot - s) : strlen(s)))
			return 0;
		if (!dot)
			return 1;
		s = dot + 1;
	}
}

int k8s_is_label_value(const char *s)
{
	size_t i, n = strlen(s);

	if (!n)
		return 1;
	if (n > K8S_LABEL_MAX || !alnum(s[0]) || !alnum(s[n - 1]))
		return 0;
	for (i = 1; i + 1 < n; i++)
		if (!alnum(s[i]) && !strchr("-_.", s[i]))
			return 0;
	return 1;
}

int k8s_is_quantity(const char *s)
{
	static const char *const suffixes[] = {
		"", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei", "n", "u", "m", "k",
		"M", "G", "T", "P", "E", NULL,
	};
	size_t digits = 0, i;

	for (; is_digit(*s); s++)
		digits++;
	if (*s == '.')
		for (s++; is_digit(*s); s++)
			digits++;
	if (!digits)
		return 0;
	/* An exponent, unless E is the exa suffix (1E, 1Ei). */
	if ((*s == 'e' || *s == 'E') &&
	    (is_digit(s[1]) || ((s[1] == '+' || s[1] == '-') &&
				is_digit(s[2])))) {
		for (s += 2; is_digit(*s); s++)
			;
		return !*s;
	}
	for (i = 0; suffixes[i]; i++)
		if (!strcmp(s, suffixes[i]))
			return 1;
	return 0;
}

/* HOST[:PORT] before the first '/', when it has a '.' or ':' or is
 * "localhost" (the rule docker and containerd share). */
static size_t host_len(const char *s)
{
	const char *slash = strchr(s, '/');
	size_t n = slash ? (size_t)(slash - s) : 0;

	if (!slash || !(memchr(s, '.', n) || memchr(s, ':', n) ||
			(n == 9 && !strncmp(s, "localhost", 9))))
		return 0;
	return n + 1;
}

int k8s_is_image_ref(const char *s, const char **digest)
{
	const char *at = strchr(s, '@'), *end = at ? at : s + strlen(s);
	const char *p, *colon = NULL, *last_slash = NULL;
	size_t h = host_len(s);

	*digest = NULL;
	if (at) {
		if (!digest_is_valid(at + 1))
			return 0;
		*digest = at + 1;
	}
	if (h && !name_is_registry_host(s, h - 1))
		return 0;
	for (p = s + h; p < end; p++) {
		if (*p == '/')
			last_slash = p;
		else if (*p == ':')
			colon = p;
	}
	if (colon && last_slash && colon < last_slash)
		return 0;
	{
		/* The repository: the same grammar as push's (no empty
		 * component, separators between letters and digits). */
		char *repo = xstrndup(s + h, (size_t)((colon ? colon : end) -
						      (s + h)));
		int ok = name_is_oci_repository(repo);

		free(repo);
		if (!ok)
			return 0;
	}
	if (colon) {
		if (colon + 1 == end || end - colon - 1 > 128 ||
		    !(alnum(colon[1]) || colon[1] == '_'))
			return 0;
		for (p = colon + 1; p < end; p++)
			if (!alnum(*p) && !strchr("_.-", *p))
				return 0;
	}
	return 1;
}

void k8s_object_name(struct strbuf *out, const char *name, const char *env)
{
	struct strbuf full = STRBUF_INIT;
	size_t i, start = out->len;

	strbuf_addf(&full, "%s-%s", name, env);
	for (i = 0; i < full.len; i++) {
		char c = full.buf[i];

		if (c >= 'A' && c <= 'Z')
			c = (char)(c - 'A' + 'a');
		if (!lower_alnum(c))
			c = '-';
		if (c == '-' && (out->len == start || out->buf[out->len - 1] == '-'))
			continue;
		if (out->len == start && !(c >= 'a' && c <= 'z'))
			strbuf_addstr(out, "m-");
		strbuf_addch(out, c);
	}
	if (out->len - start > K8S_LABEL_MAX) {
		char d[DIGEST_STR_LEN];

		sha256_digest_buf(full.buf, full.len, d);
		strbuf_setlen(out, start + K8S_LABEL_MAX - 9);
		strbuf_addf(out, "-%.8s", d + 7);
	}
	while (out->len > start && out->buf[out->len - 1] == '-')
		strbuf_setlen(out, out->len - 1);
	if (out->len == start)
		strbuf_addstr(out, "mlops");
	strbuf_release(&full);
}

void k8s_label_value(struct strbuf *out, const char *s)
{
	size_t start = out->len;

	for (; *s && !alnum(*s); s++)
		;
	for (; *s && out->len - start < K8S_LABEL_MAX; s++)
		strbuf_addch(out, alnum(*s) || strchr("-_.", *s) ? *s : '_');
	while (out->len > start && !alnum(out->buf[out->len - 1]))
		strbuf_setlen(out, out->len - 1);
}
