#include "run.h"

#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/strbuf.h"

void deploy_say(const struct deploy_opts *o, const char *fmt, ...)
{
	struct strbuf sb = STRBUF_INIT;
	va_list ap;

	if (!o->say)
		return;
	va_start(ap, fmt);
	strbuf_vaddf(&sb, fmt, ap);
	va_end(ap);
	o->say(o->say_ctx, sb.buf);
	strbuf_release(&sb);
}

void deploy_why(struct deploy_result *r, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(r->why, sizeof(r->why), fmt, ap);
	va_end(ap);
}

void deploy_test_point(const char *step)
{
	const char *at = getenv("MLOPS_TEST_KILL_AT");

	if (at && !strcmp(at, step))
		raise(SIGKILL);
	at = getenv("MLOPS_TEST_PAUSE_AT");
	if (at && !strcmp(at, step)) {
		unsetenv("MLOPS_TEST_PAUSE_AT"); /* once */
		raise(SIGSTOP);
	}
}
