#include "error.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "strbuf.h"

struct error_state {
	struct mlops_error pub;
	struct strbuf message;
	struct strbuf hint;
	struct strbuf file;
};

static _Thread_local struct error_state state = {
	.message = STRBUF_INIT, .hint = STRBUF_INIT, .file = STRBUF_INIT,
};

static void state_reset(int code)
{
	strbuf_reset(&state.message);
	strbuf_reset(&state.hint);
	strbuf_reset(&state.file);
	state.pub.code = code;
	state.pub.line = state.pub.col = 0;
}

int mlops_error_set(int code, const char *fmt, ...)
{
	va_list ap;

	state_reset(code);
	va_start(ap, fmt);
	strbuf_vaddf(&state.message, fmt, ap);
	va_end(ap);
	return code;
}

int mlops_error_errno(int code, int errnum, const char *fmt, ...)
{
	va_list ap;

	state_reset(code);
	va_start(ap, fmt);
	strbuf_vaddf(&state.message, fmt, ap);
	va_end(ap);
	strbuf_addf(&state.message, ": %s", strerror(errnum));
	return code;
}

void mlops_error_hint(const char *fmt, ...)
{
	va_list ap;

	strbuf_reset(&state.hint);
	va_start(ap, fmt);
	strbuf_vaddf(&state.hint, fmt, ap);
	va_end(ap);
}

void mlops_error_location(const char *file, unsigned line, unsigned col)
{
	strbuf_reset(&state.file);
	strbuf_addstr(&state.file, file ? file : "");
	state.pub.line = line;
	state.pub.col = col;
}

void mlops_error_prefix(const char *fmt, ...)
{
	struct strbuf prefix = STRBUF_INIT;
	va_list ap;

	va_start(ap, fmt);
	strbuf_vaddf(&prefix, fmt, ap);
	va_end(ap);
	strbuf_insert(&state.message, 0, prefix.buf, prefix.len);
	strbuf_release(&prefix);
}

const struct mlops_error *mlops_error_last(void)
{
	state.pub.message = state.message.buf ? state.message.buf : "";
	state.pub.hint = state.hint.len ? state.hint.buf : NULL;
	state.pub.file = state.file.len ? state.file.buf : NULL;
	return &state.pub;
}

void mlops_error_clear(void)
{
	state_reset(0);
}

void mlops_error_thread_exit(void)
{
	strbuf_release(&state.message);
	strbuf_release(&state.hint);
	strbuf_release(&state.file);
	state.pub.code = 0;
}
