#include "registry_opts.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exit_status.h"
#include "lib/core/strbuf.h"
#include "lib/registry/creds.h"
#include "output.h"

int registry_cli_setup(struct registry_cli *r, struct store_opts *o)
{
	const char *user, *pass;

	o->plain_http = r->plain_http;
	if (r->password_stdin) {
		struct strbuf sb = STRBUF_INIT;
		char buf[256];
		size_t n;

		while ((n = fread(buf, 1, sizeof(buf), stdin)) > 0 &&
		       sb.len < 65536)
			strbuf_add(&sb, buf, n);
		while (sb.len && (sb.buf[sb.len - 1] == '\n' ||
				  sb.buf[sb.len - 1] == '\r'))
			strbuf_setlen(&sb, sb.len - 1);
		memset(buf, 0, sizeof(buf));
		r->password = strbuf_detach(&sb);
	}
	if (creds_given(r->username, r->password, &user, &pass) < 0) {
		registry_cli_release(r);
		return report_error();
	}
	/* Only what the command line named: the environment alone is
	 * creds_lookup's to apply, per registry host. */
	if (r->username || r->password) {
		o->user = user;
		o->password = pass;
	}
	return 0;
}

void registry_cli_release(struct registry_cli *r)
{
	if (r->password) {
		memset(r->password, 0, strlen(r->password));
		free(r->password);
		r->password = NULL;
	}
}

unsigned long long parse_size(const char *s)
{
	char *end;
	unsigned long long v;
	unsigned shift = 0;

	/* strtoull takes "-1" as the largest value: digits only. */
	if (*s < '0' || *s > '9')
		return 0;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || end == s)
		return 0;
	switch (*end) {
	case 'k': case 'K': shift = 10; end++; break;
	case 'm': case 'M': shift = 20; end++; break;
	case 'g': case 'G': shift = 30; end++; break;
	default: break;
	}
	if (shift && v > (~0ull >> shift))
		return 0; /* would wrap */
	v <<= shift;
	if (*end == 'i' && end[1] == 'B')
		end += 2;
	else if (*end == 'B')
		end++;
	return *end ? 0 : v;
}
