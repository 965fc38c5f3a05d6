#include "elfdeps.h"

#include <elf.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../core/error.h"
#include "../core/fsutil.h"
#include "contract.h"
#include "../core/strbuf.h"
#include "ldcache.h"

/* Bounds on what a header may claim, so a hostile file cannot make us
 * allocate without limit. */
#define MAX_PHNUM 4096
#define MAX_DYNAMIC (1u << 20)
#define MAX_STRTAB (16u << 20)
#define MAX_OBJECTS 4096

static int host_is_lsb(void)
{
	const uint16_t one = 1;

	return *(const unsigned char *)&one == 1;
}

static int pread_exact(int fd, void *buf, size_t len, uint64_t off)
{
	return pread(fd, buf, len, (off_t)off) == (ssize_t)len ? 0 : -1;
}

static int elf_bad(const char *path, const char *why)
{
	return mlops_error_set(MLOPS_EINPUT, "'%s' is not a usable ELF "
			       "program: %s", path, why);
}

/* The file offset of virtual address `addr`, through the PT_LOAD
 * segments; -1 when no segment holds it. */
static int64_t vaddr_offset(const Elf64_Phdr *ph, size_t n, uint64_t addr)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (ph[i].p_type == PT_LOAD && addr >= ph[i].p_vaddr &&
		    addr - ph[i].p_vaddr < ph[i].p_filesz)
			return (int64_t)(addr - ph[i].p_vaddr + ph[i].p_offset);
	return -1;
}

static char *str_at(const char *tab, uint64_t size, uint64_t off)
{
	if (off >= size || !memchr(tab + off, '\0', (size_t)(size - off)))
		return NULL;
	return xstrdup(tab + off);
}

/* DT_NEEDED, DT_RPATH, DT_RUNPATH and DT_SONAME from PT_DYNAMIC. */
static int read_dynamic(struct elf_info *out, const char *path, int fd,
			uint64_t fsize, const Elf64_Phdr *ph, size_t nph,
			const Elf64_Phdr *dph)
{
	Elf64_Dyn *dyn = NULL;
	char *tab = NULL;
	uint64_t strtab = 0, strsz = 0;
	int64_t taboff;
	size_t n, i, alloc = 0;
	int rc = 0;

	if (dph->p_filesz > MAX_DYNAMIC || dph->p_offset > fsize ||
	    dph->p_filesz > fsize - dph->p_offset)
		return elf_bad(path, "a malformed dynamic section");
	n = (size_t)(dph->p_filesz / sizeof(Elf64_Dyn));
	dyn = xcalloc(n + 1, sizeof(*dyn));
	if (pread_exact(fd, dyn, n * sizeof(*dyn), dph->p_offset)) {
		rc = elf_bad(path, "a truncated dynamic section");
		goto done;
	}
	for (i = 0; i < n && dyn[i].d_tag != DT_NULL; i++) {
		if (dyn[i].d_tag == DT_STRTAB)
			strtab = dyn[i].d_un.d_ptr;
		else if (dyn[i].d_tag == DT_STRSZ)
			strsz = dyn[i].d_un.d_val;
	}
	taboff = vaddr_offset(ph, nph, strtab);
	if (!strsz || strsz > MAX_STRTAB || taboff < 0 ||
	    (uint64_t)taboff > fsize || strsz > fsize - (uint64_t)taboff) {
		rc = elf_bad(path, "a malformed dynamic string table");
		goto done;
	}
	tab = xmalloc((size_t)strsz);
	if (pread_exact(fd, tab, (size_t)strsz, (uint64_t)taboff)) {
		rc = elf_bad(path, "a truncated dynamic string table");
		goto done;
	}
	for (i = 0; !rc && i < n && dyn[i].d_tag != DT_NULL; i++) {
		char **slot = NULL;
		char *s;

		switch (dyn[i].d_tag) {
		case DT_NEEDED:
			ARRAY_GROW(out->needed, out->nneeded + 1, alloc);
			slot = &out->needed[out->nneeded++];
			*slot = NULL;
			break;
		case DT_RPATH: slot = &out->rpath; break;
		case DT_RUNPATH: slot = &out->runpath; break;
		case DT_SONAME: slot = &out->soname; break;
		default: continue;
		}
		s = str_at(tab, strsz, dyn[i].d_un.d_val);
		if (!s) {
			if (dyn[i].d_tag == DT_NEEDED)
				out->nneeded--;
			rc = elf_bad(path, "a dynamic entry outside its "
				     "string table");
			break;
		}
		free(*slot);
		*slot = s;
	}
done:
	free(dyn);
	free(tab);
	return rc;
}

int elf_read(struct elf_info *out, const char *path)
{
	Elf64_Ehdr eh;
	Elf64_Phdr *ph = NULL;
	const Elf64_Phdr *dph = NULL;
	struct stat st;
	size_t i;
	int fd, rc = 0;

	memset(out, 0, sizeof(*out));
	fd = fs_open_regular(path, &st);
	if (fd < 0)
		return fd;
	if ((uint64_t)st.st_size < sizeof(eh) ||
	    pread_exact(fd, &eh, sizeof(eh), 0) ||
	    memcmp(eh.e_ident, ELFMAG, SELFMAG)) {
		rc = mlops_error_set(MLOPS_EINPUT, "'%s' is not an ELF file",
				     path);
		goto done;
	}
	if (eh.e_ident[EI_CLASS] != ELFCLASS64) {
		rc = elf_bad(path, "only 64-bit ELF files are supported");
		goto done;
	}
	if (eh.e_ident[EI_DATA] != (host_is_lsb() ? ELFDATA2LSB : ELFDATA2MSB)) {
		rc = elf_bad(path, "its byte order is not this machine's");
		goto done;
	}
	if ((eh.e_type != ET_EXEC && eh.e_type != ET_DYN) ||
	    eh.e_phentsize != sizeof(Elf64_Phdr) || !eh.e_phnum ||
	    eh.e_phnum > MAX_PHNUM) {
		rc = elf_bad(path, "no program headers");
		goto done;
	}
	out->machine = eh.e_machine;
	ph = xcalloc(eh.e_phnum, sizeof(*ph));
	if (pread_exact(fd, ph, eh.e_phnum * sizeof(*ph), eh.e_phoff)) {
		rc = elf_bad(path, "truncated program headers");
		goto done;
	}
	for (i = 0; !rc && i < eh.e_phnum; i++) {
		if (ph[i].p_type == PT_DYNAMIC)
			dph = &ph[i];
		if (ph[i].p_type != PT_INTERP)
			continue;
		if (!ph[i].p_filesz || ph[i].p_filesz > PATH_MAX) {
			rc = elf_bad(path, "a malformed PT_INTERP");
			break;
		}
		free(out->interp);
		out->interp = xcalloc(1, (size_t)ph[i].p_filesz + 1);
		if (pread_exact(fd, out->interp, (size_t)ph[i].p_filesz,
				ph[i].p_offset))
			rc = elf_bad(path, "a truncated PT_INTERP");
	}
	if (!rc && dph)
		rc = read_dynamic(out, path, fd, (uint64_t)st.st_size, ph,
				  eh.e_phnum, dph);
done:
	close(fd);
	free(ph);
	if (rc)
		elf_info_free(out);
	return rc;
}

void elf_info_free(struct elf_info *e)
{
	size_t i;

	for (i = 0; i < e->nneeded; i++)
		free(e->needed[i]);
	free(e->needed);
	free(e->interp);
	free(e->rpath);
	free(e->runpath);
	free(e->soname);
	memset(e, 0, sizeof(*e));
}

const char *elf_oci_arch(uint16_t machine)
{
	switch (machine) {
	case EM_X86_64: return "amd64";
	case EM_AARCH64: return "arm64";
	case EM_PPC64: return "ppc64le";
	case EM_S390: return "s390x";
	case EM_RISCV: return "riscv64";
	default: return NULL;
	}
}

/* Debian's multiarch triplet: where the loader looks by default. */
static const char *triplet(uint16_t machine)
{
	switch (machine) {
	case EM_X86_64: return "x86_64-linux-gnu";
	case EM_AARCH64: return "aarch64-linux-gnu";
	case EM_PPC64: return "powerpc64le-linux-gnu";
	case EM_S390: return "s390x-linux-gnu";
	case EM_RISCV: return "riscv64-linux-gnu";
	default: return NULL;
	}
}

/* One loaded object: the program (0), its loader (1) or a library. */
struct object {
	char *path;
	char *real;   /* its real path: one file is loaded once */
	char *origin; /* $ORIGIN: the directory of its real path */
	struct elf_info info;
	size_t loader; /* the object that loaded it; (size_t)-1 for 0 */
};

struct resolver {
	struct object *objs;
	size_t n, alloc;
	struct ldcache cache;
	const char *const *dirs;
	uint16_t machine;
};

/* A candidate file the loader would take: an ELF64 of our machine. */
static int usable(const char *path, uint16_t machine)
{
	struct elf_info e;
	int ok = !elf_read(&e, path) && e.machine == machine;

	if (ok)
		elf_info_free(&e);
	mlops_error_clear();
	return ok;
}

/* $ORIGIN, $LIB and $PLATFORM (also as ${...}) in one path entry. */
static void expand_dst(struct strbuf *out, const char *s, size_t len,
		       const struct object *o, uint16_t machine)
{
	static const char *const vars[] = { "ORIGIN", "LIB", "PLATFORM" };
	size_t i = 0, k;

	while (i < len) {
		size_t skip = 0;
		const char *val = NULL;

		if (s[i] != '$') {
			strbuf_addch(out, s[i++]);
			continue;
		}
		for (k = 0; k < 3 && !val; k++) {
			size_t vl = strlen(vars[k]);

			if (i + 1 + vl <= len && !strncmp(s + i + 1, vars[k], vl))
				skip = 1 + vl;
			else if (i + 3 + vl <= len && s[i + 1] == '{' &&
				 !strncmp(s + i + 2, vars[k], vl) &&
				 s[i + 2 + vl] == '}')
				skip = 3 + vl;
			else
				continue;
			/* The program's $ORIGIN is where the image puts it,
			 * not where it lies here: what its RUNPATH names
			 * must be found as the image will hold it. */
			val = k == 0 ? (o->loader == (size_t)-1
						? IMAGE_BINARY_DIR
						: o->origin)
				     : k == 2 ? elf_oci_arch(machine) : NULL;
			if (k == 1) {
				strbuf_addf(out, "lib/%s", triplet(machine)
							     ? triplet(machine)
							     : "");
				val = "";
			}
		}
		strbuf_addstr(out, val ? val : "$");
		i += skip ? skip : 1;
	}
}

/* The first directory of a DT_RPATH / DT_RUNPATH list holding `name`. */
static char *search_list(const struct resolver *r, const char *list,
			 const struct object *o, const char *name)
{
	const char *p = list;

	while (*p) {
		size_t len = strcspn(p, ":");
		struct strbuf c = STRBUF_INIT;

		if (len) {
			expand_dst(&c, p, len, o, r->machine);
			strbuf_addf(&c, "/%s", name);
			if (usable(c.buf, r->machine))
				return strbuf_detach(&c);
		}
		strbuf_release(&c);
		p += len + (p[len] == ':');
	}
	return NULL;
}

static char *search_dirs(const struct resolver *r, const char *name)
{
	const char *t = triplet(r->machine);
	char *multi[2] = { NULL, NULL };
	const char *fallback[5] = { NULL };
	const char *const *dirs = r->dirs;
	char *found = NULL;
	size_t i;

	if (!dirs) {
		struct strbuf a = STRBUF_INIT, b = STRBUF_INIT;
		size_t k = 0;

		if (t) {
			strbuf_addf(&a, "/lib/%s", t);
			strbuf_addf(&b, "/usr/lib/%s", t);
			multi[0] = strbuf_detach(&a);
			multi[1] = strbuf_detach(&b);
			fallback[k++] = multi[0];
			fallback[k++] = multi[1];
		}
		fallback[k++] = "/lib";
		fallback[k++] = "/usr/lib";
		dirs = fallback;
	}
	for (i = 0; dirs[i] && !found; i++) {
		char *c = fs_join(dirs[i], name);

		if (usable(c, r->machine))
			found = c;
		else
			free(c);
	}
	free(multi[0]);
	free(multi[1]);
	return found;
}

/* Where the loader finds `name` for object `req` (ld.so(8): DT_RPATH of
 * the loader chain unless DT_RUNPATH is set, DT_RUNPATH, the cache, the
 * default directories). */
static char *resolve(struct resolver *r, size_t req, const char *name)
{
	const struct object *o = &r->objs[req];
	const char *hit;
	size_t pos = 0, l;
	char *found = NULL;

	if (strchr(name, '/'))
		return usable(name, r->machine) ? xstrdup(name) : NULL;
	if (!o->info.runpath)
		for (l = req; !found && l != (size_t)-1; l = r->objs[l].loader)
			if (r->objs[l].info.rpath && !r->objs[l].info.runpath)
				found = search_list(r, r->objs[l].info.rpath,
						    &r->objs[l], name);
	if (!found && o->info.runpath)
		found = search_list(r, o->info.runpath, o, name);
	while (!found &&
	       (hit = ldcache_find(&r->cache, name, r->machine, &pos)))
		if (usable(hit, r->machine))
			found = xstrdup(hit);
	if (!found)
		found = search_dirs(r, name);
	return found;
}

/* The loader loads a name once: a library already loaded under that
 * name or soname satisfies it. */
static int loaded(const struct resolver *r, const struct elf_closure *c,
		  const char *name)
{
	size_t i;

	for (i = 0; i < c->n; i++)
		if (!strcmp(c->libs[i].name, name))
			return 1;
	for (i = 1; i < r->n; i++)
		if (r->objs[i].info.soname &&
		    !strcmp(r->objs[i].info.soname, name))
			return 1;
	return 0;
}

/* 0 when added, 1 when that file is in already, or an error. */
static int add_object(struct resolver *r, const char *path, size_t loader)
{
	struct object *o;
	char *real = realpath(path, NULL);
	size_t i;
	int rc;

	if (!real)
		return mlops_error_errno(MLOPS_EIO, errno, "cannot resolve "
					 "'%s'", path);
	for (i = 0; i < r->n; i++)
		if (!strcmp(r->objs[i].real, real)) {
			free(real);
			return 1;
		}
	if (r->n == MAX_OBJECTS) {
		free(real);
		return mlops_error_set(MLOPS_EINPUT, "more than %d libraries",
				       MAX_OBJECTS);
	}
	ARRAY_GROW(r->objs, r->n + 1, r->alloc);
	o = &r->objs[r->n];
	memset(o, 0, sizeof(*o));
	rc = elf_read(&o->info, path);
	if (rc) {
		free(real);
		return rc;
	}
	o->path = xstrdup(path);
	o->real = real;
	o->origin = fs_dirname(real);
	o->loader = loader;
	r->n++;
	return 0;
}

static int not_found(const char *name, const char *by)
{
	int rc = mlops_error_set(MLOPS_EINPUT, "library '%s' (needed by '%s') "
				 "not found", name, by);

	mlops_error_hint("install the package that holds it, or run ldconfig "
			 "if it lies outside the default directories");
	return rc;
}

int elf_closure(struct elf_closure *out, const char *binary,
		const struct elf_closure_opts *o)
{
	struct resolver r = { 0 };
	size_t i, k;
	int rc;

	memset(out, 0, sizeof(*out));
	r.dirs = o ? o->dirs : NULL;
	rc = add_object(&r, binary, (size_t)-1);
	if (rc)
		goto done;
	r.machine = r.objs[0].info.machine;
	out->machine = r.machine;
	if (!r.objs[0].info.interp) {
		if (r.objs[0].info.nneeded)
			rc = elf_bad(binary, "it needs libraries but names no "
				     "loader (PT_INTERP)");
		goto done; /* static: nothing to add */
	}
	/* The loader is loaded first; libc's DT_NEEDED names it by its
	 * soname, which then matches. */
	out->interp = xstrdup(r.objs[0].info.interp);
	rc = add_object(&r, out->interp, 0);
	if (rc < 0 && mlops_error_last()->code == MLOPS_EIO)
		rc = mlops_error_set(MLOPS_EINPUT, "the loader '%s' (PT_INTERP "
				     "of '%s') not found", out->interp, binary);
	if (rc < 0)
		goto done;
	rc = 0;
	ldcache_load(&r.cache, o ? o->ld_cache : NULL);
	/* Breadth-first, as the loader maps dependencies. */
	for (i = 0; !rc && i < r.n; i++) {
		for (k = 0; !rc && k < r.objs[i].info.nneeded; k++) {
			const char *name = r.objs[i].info.needed[k];
			char *path;

			if (loaded(&r, out, name))
				continue;
			path = resolve(&r, i, name);
			if (!path) {
				rc = not_found(name, i ? r.objs[i].path : binary);
				break;
			}
			rc = add_object(&r, path, i);
			if (rc == 0) {
				ARRAY_GROW(out->libs, out->n + 1, out->alloc);
				out->libs[out->n].name = xstrdup(name);
				out->libs[out->n++].path = path;
			} else {
				free(path);
			}
			rc = rc > 0 ? 0 : rc;
		}
	}
done:
	for (i = 0; i < r.n; i++) {
		free(r.objs[i].path);
		free(r.objs[i].real);
		free(r.objs[i].origin);
		elf_info_free(&r.objs[i].info);
	}
	free(r.objs);
	ldcache_release(&r.cache);
	if (rc)
		elf_closure_free(out);
	return rc;
}

void elf_closure_free(struct elf_closure *c)
{
	size_t i;

	for (i = 0; i < c->n; i++) {
		free(c->libs[i].name);
		free(c->libs[i].path);
	}
	free(c->libs);
	free(c->interp);
	memset(c, 0, sizeof(*c));
}
