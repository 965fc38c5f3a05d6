/* What a dynamically linked ELF64 program needs at run time: its
 * loader (PT_INTERP) and the closure of its DT_NEEDED libraries,
 * resolved as glibc's ld.so resolves them (DT_RPATH, DT_RUNPATH,
 * /etc/ld.so.cache, the default directories), so that an image holding
 * exactly these files runs the program. LD_LIBRARY_PATH is not read:
 * an image must not depend on the builder's environment. */
#ifndef MLOPS_IMAGE_ELFDEPS_H
#define MLOPS_IMAGE_ELFDEPS_H

#include <stddef.h>
#include <stdint.h>

struct elf_info {
	uint16_t machine;      /* e_machine: EM_X86_64, EM_AARCH64, ... */
	char *interp;          /* PT_INTERP, NULL for a static program */
	char **needed;         /* DT_NEEDED names, in order */
	size_t nneeded;
	char *rpath, *runpath; /* DT_RPATH, DT_RUNPATH, or NULL */
	char *soname;          /* DT_SONAME, or NULL */
};

/* EINPUT when `path` is not an ELF64 file of this byte order. */
int elf_read(struct elf_info *out, const char *path);
void elf_info_free(struct elf_info *e);

struct elf_lib {
	char *name; /* the DT_NEEDED name: "libcurl.so.4" */
	char *path; /* where the loader finds it: "/lib/x86_64-linux-gnu/..." */
};

struct elf_closure {
	uint16_t machine;
	char *interp;        /* NULL for a static program */
	struct elf_lib *libs; /* breadth-first, as the loader loads them */
	size_t n, alloc;
};

struct elf_closure_opts {
	const char *ld_cache;    /* NULL: /etc/ld.so.cache */
	const char *const *dirs; /* NULL: the default directories */
};

/* The closure of `binary`. A library found nowhere is EINPUT naming it
 * and the object that needs it. */
int elf_closure(struct elf_closure *out, const char *binary,
		const struct elf_closure_opts *o);
void elf_closure_free(struct elf_closure *c);

/* "amd64", "arm64", ... (OCI architecture names); NULL when unknown. */
const char *elf_oci_arch(uint16_t machine);

#endif
