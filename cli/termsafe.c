#include "termsafe.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The state of one stream: an escape sequence, or a UTF-8 lead byte of a
 * C1 control, may be cut between two writes. */
struct filter {
	FILE *raw;
	char seq[16];
	size_t nseq; /* bytes held: ESC [ params..., or 0xC2 */
};

static size_t put_escaped(unsigned char c, char *out)
{
	static const char hex[] = "0123456789abcdef";

	out[0] = '\\';
	out[1] = 'x';
	out[2] = hex[c >> 4];
	out[3] = hex[c & 15];
	return 4;
}

static size_t flush_held(struct filter *f, char *out)
{
	size_t n = 0, i;

	for (i = 0; i < f->nseq; i++) {
		unsigned char c = (unsigned char)f->seq[i];

		if (c < 0x20 || c == 0x7f || c == 0xc2)
			n += put_escaped(c, out + n);
		else
			out[n++] = (char)c;
	}
	f->nseq = 0;
	return n;
}

/* The escape sequences mlops itself writes (cli/output.c's colours):
 * the only ones let through. Anything else that starts with ESC, from
 * whatever source, is shown escaped: data cannot hide text (8m), erase
 * (K, J), move the cursor or retitle the window. */
static int own_sequence(const char *seq, size_t n)
{
	static const char *const own[] = {
		"\033[0m", "\033[1m", "\033[2m", "\033[31m", "\033[32m",
		"\033[33m", "\033[36m", NULL,
	};
	size_t i;

	for (i = 0; own[i]; i++)
		if (strlen(own[i]) == n && !memcmp(own[i], seq, n))
			return 1;
	return 0;
}

static size_t step(struct filter *f, unsigned char c, char *out)
{
	size_t n = 0;

	if (f->nseq && f->seq[0] == (char)0xc2) {
		f->nseq = 0;
		if (c >= 0x80 && c <= 0x9f) { /* U+0080..U+009F: C1 */
			n += put_escaped(0xc2, out);
			return n + put_escaped(c, out + n);
		}
		out[n++] = (char)0xc2;
	} else if (f->nseq) {
		/* In ESC [ ...: only digits before the final byte. */
		if (f->nseq == 1) {
			if (c == '[') {
				f->seq[f->nseq++] = (char)c;
				return 0;
			}
		} else if (c >= '0' && c <= '9') {
			if (f->nseq + 1 < sizeof(f->seq)) {
				f->seq[f->nseq++] = (char)c;
				return 0;
			}
		} else if (c == 'm') {
			f->seq[f->nseq++] = (char)c;
			if (own_sequence(f->seq, f->nseq)) {
				memcpy(out, f->seq, f->nseq);
				n = f->nseq;
				f->nseq = 0;
				return n;
			}
			return flush_held(f, out);
		}
		n += flush_held(f, out);
	}
	if (c == 0x1b || c == 0xc2) {
		f->seq[f->nseq++] = (char)c;
		return n;
	}
	if ((c < 0x20 && c != '\n' && c != '\t') || c == 0x7f)
		return n + put_escaped(c, out + n);
	out[n++] = (char)c;
	return n;
}

size_t termsafe_filter(const char *in, size_t len, char *out)
{
	struct filter f = { NULL, { 0 }, 0 };
	size_t n = 0, i;

	for (i = 0; i < len; i++)
		n += step(&f, (unsigned char)in[i], out + n);
	return n + flush_held(&f, out + n);
}

static ssize_t filter_write(void *cookie, const char *buf, size_t len)
{
	struct filter *f = cookie;
	char out[4 * 256 + 64];
	size_t done = 0;

	while (done < len) {
		size_t chunk = len - done < 256 ? len - done : 256, n = 0, i;

		for (i = 0; i < chunk; i++)
			n += step(f, (unsigned char)buf[done + i], out + n);
		if (n && fwrite(out, 1, n, f->raw) != n)
			return done ? (ssize_t)done : -1;
		done += chunk;
	}
	/* The wrapper buffers already; the raw stream passes through. */
	if (fflush(f->raw) != 0)
		return -1;
	return (ssize_t)len;
}

static int filter_close(void *cookie)
{
	struct filter *f = cookie;
	char out[4 * sizeof(f->seq) + 16];
	size_t n = flush_held(f, out);
	int rc = 0;

	if (n && fwrite(out, 1, n, f->raw) != n)
		rc = -1;
	if (fflush(f->raw) != 0)
		rc = -1;
	return rc;
}

/* One filter a stream, for the life of the process. */
static struct filter filters[2];
static FILE *raw_stderr;

FILE *termsafe_raw_stderr(void)
{
	return raw_stderr ? raw_stderr : stderr;
}

static FILE *wrap(FILE *raw, struct filter *f, int line_buffered)
{
	static const cookie_io_functions_t io = {
		.write = filter_write,
		.close = filter_close,
	};
	FILE *w;

	f->raw = raw;
	w = fopencookie(f, "w", io);
	if (!w)
		return raw;
	setvbuf(w, NULL, line_buffered ? _IOLBF : _IONBF, 0);
	return w;
}

void termsafe_install(void)
{
	static int done;
	const char *force = getenv("MLOPS_TERMSAFE");
	int all = force && !strcmp(force, "1");

	if (done)
		return;
	done = 1;
	if (all || isatty(STDOUT_FILENO))
		stdout = wrap(stdout, &filters[0], 1);
	if (all || isatty(STDERR_FILENO)) {
		raw_stderr = stderr;
		stderr = wrap(stderr, &filters[1], 0);
	}
}
