/* A growable, always NUL-terminated byte buffer. Allocation failure is
 * not recoverable here: xmalloc() aborts (documented in mlops(1)). */
#ifndef MLOPS_CORE_STRBUF_H
#define MLOPS_CORE_STRBUF_H

#include <stdarg.h>
#include <stddef.h>

#include "attributes.h"

struct strbuf {
	char *buf;    /* NULL until the first addition; then NUL-terminated */
	size_t len;
	size_t alloc;
};

#define STRBUF_INIT { NULL, 0, 0 }

void strbuf_grow(struct strbuf *sb, size_t extra);
void strbuf_add(struct strbuf *sb, const void *data, size_t len);
void strbuf_addstr(struct strbuf *sb, const char *s);
void strbuf_addch(struct strbuf *sb, char c);
void strbuf_addf(struct strbuf *sb, const char *fmt, ...) MLOPS_PRINTF(2, 3);
/* "[a, b, c]": a list of names for messages. */
/* s with the five characters HTML gives meaning to escaped. */
void strbuf_add_html(struct strbuf *sb, const char *s);
void strbuf_addlist(struct strbuf *sb, char *const *v, size_t n);
void strbuf_vaddf(struct strbuf *sb, const char *fmt, va_list ap);
void strbuf_insert(struct strbuf *sb, size_t pos, const void *data,
		   size_t len);
void strbuf_setlen(struct strbuf *sb, size_t len);
void strbuf_reset(struct strbuf *sb);
/* Returns the buffer (never NULL) and leaves sb empty. */
char *strbuf_detach(struct strbuf *sb);
void strbuf_release(struct strbuf *sb);
/* The contents, "" when empty. */
const char *strbuf_str(const struct strbuf *sb);

/* The plural ending of a count, for every count a message prints:
 * "%zu file%s", n, plural(n). */
static inline const char *plural(unsigned long long n)
{
	return n == 1 ? "" : "s";
}

void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
/* Grows an array to hold at least `need` items of `size` bytes. */
void *xgrow_array(void *p, size_t need, size_t *alloc, size_t size);
#define ARRAY_GROW(p, need, alloc)                                       \
	((need) <= (alloc) ? (p)                                          \
			   : ((p) = xgrow_array((p), (need), &(alloc),    \
						sizeof(*(p)))))

#endif
