#include "ldcache.h"

#include <elf.h>
#include <string.h>

#include "../core/error.h"
#include "../core/fsutil.h"

#define MAGIC_OLD "ld.so-1.7.0"
#define MAGIC_NEW "glibc-ld.so.cache1.1"
#define HEADER_NEW 48 /* magic, version, nlibs, len_strings, flags, ... */
#define ENTRY_NEW 24  /* flags, key, value, osversion, hwcap */
#define ENTRY_OLD 12  /* flags, key, value */
#define CACHE_MAX (64u << 20)

/* ldconfig's flags: the low byte is the kind of library, the next the
 * ABI it needs (sysdeps/generic/ldconfig.h). */
#define FLAG_TYPE_MASK 0x00ff
#define FLAG_ELF_LIBC6 0x0003
#define FLAG_REQUIRED_MASK 0xff00

static uint32_t rd32(const unsigned char *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static uint64_t rd64(const unsigned char *p)
{
	uint64_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

void ldcache_load(struct ldcache *c, const char *path)
{
	const unsigned char *d;
	size_t len, base = 0;

	memset(c, 0, sizeof(*c));
	if (fs_read_file(path ? path : "/etc/ld.so.cache", CACHE_MAX,
			 &c->file) < 0) {
		mlops_error_clear();
		return;
	}
	d = (const unsigned char *)c->file.buf;
	len = c->file.len;
	if (len >= 16 && !memcmp(d, MAGIC_OLD, strlen(MAGIC_OLD))) {
		/* The old table first; the new header follows it, 8-aligned. */
		uint32_t nold = rd32(d + 12);

		if ((uint64_t)nold * ENTRY_OLD + 16 > len)
			return;
		base = (16 + (size_t)nold * ENTRY_OLD + 7) & ~(size_t)7;
	}
	if (base + HEADER_NEW > len ||
	    memcmp(d + base, MAGIC_NEW, strlen(MAGIC_NEW)))
		return;
	c->nlibs = rd32(d + base + 20);
	if ((uint64_t)c->nlibs * ENTRY_NEW + HEADER_NEW > len - base)
		c->nlibs = 0;
	c->base = base;
}

static uint32_t required_flags(uint16_t machine)
{
	switch (machine) {
	case EM_X86_64: return 0x0300;  /* FLAG_X8664_LIB64 */
	case EM_AARCH64: return 0x0a00; /* FLAG_AARCH64_LIB64 */
	default: return 0xffff;         /* unknown: take any */
	}
}

/* A NUL-terminated string at `off` from the new header, or NULL. */
static const char *string_at(const struct ldcache *c, uint32_t off)
{
	size_t at = c->base + off;

	if (at >= c->file.len || !memchr(c->file.buf + at, '\0',
					 c->file.len - at))
		return NULL;
	return c->file.buf + at;
}

const char *ldcache_find(const struct ldcache *c, const char *name,
			 uint16_t machine, size_t *pos)
{
	const unsigned char *e;
	uint32_t need = required_flags(machine);

	for (; *pos < c->nlibs; (*pos)++) {
		const char *key, *value;
		uint32_t flags;

		e = (const unsigned char *)c->file.buf + c->base + HEADER_NEW +
		    *pos * ENTRY_NEW;
		flags = rd32(e);
		/* glibc-hwcaps variants (hwcap set) are chosen by the CPU
		 * at run time: an image takes the baseline library. */
		if ((flags & FLAG_TYPE_MASK) != FLAG_ELF_LIBC6 ||
		    (need != 0xffff && (flags & FLAG_REQUIRED_MASK) != need) ||
		    rd64(e + 16))
			continue;
		key = string_at(c, rd32(e + 4));
		value = string_at(c, rd32(e + 8));
		if (key && value && !strcmp(key, name)) {
			(*pos)++;
			return value;
		}
	}
	return NULL;
}

void ldcache_release(struct ldcache *c)
{
	strbuf_release(&c->file);
	c->nlibs = 0;
}
