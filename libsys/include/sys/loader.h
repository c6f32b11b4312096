/*
 * The program loader: builds an address space served by mm for a static
 * RISC-V ELF executable, through mm's control operations (SPACE_NEW,
 * SPACE_MMAP, SPACE_WRITE, SPACE_MPROTECT, SPACE_SET_BRK; proto/mm.h). mm
 * itself loads nothing. Used by root (boot-image programs of test modes)
 * and the process server (exec of files). Boot servers are not in spaces
 * of mm: root starts them as tasks of its own (sys/spawn.h).
 *
 * The ELF is validated (elf_parse, elf_parse_headers) before mm is asked
 * for anything; any later failure destroys the space again.
 */
#pragma once

#include <stdint.h>

#include <mica/caps.h>
#include <mica/err.h>
#include <sys/mm.h>

/* Where the program's ELF file comes from. */
struct loader_src {
    /* In memory (a boot-image program): the whole file. Its segments are
     * copied into anonymous memory mapped with MM_MAP_POPULATE, as if the
     * program had been linked into its space. */
    const void *image;
    uint64_t image_len;
    /* Or (image NULL) the open file `file` of `size` bytes at file server
     * fs: the headers are read, the segments mapped privately from the
     * file (each with a file capability of its own, FS_OP_MAP_FILE), so
     * text pages are the page cache's and data pages are copied on the
     * first write. */
    handle_t fs;
    uint64_t file;
    uint64_t size;
};

/* The lowest address a segment may use (libsys/user.ld links programs
 * from 0x10000; page 0 and its neighbours stay unmapped). */
#define LOADER_USER_MIN 0x10000ull

/* A space for the program in src, made with mm's control capability
 * `control`: the segments mapped, the break after the image, a lazy stack
 * below MM_STACK_TOP. death_ntfn and kmem_budget as mm_space_new. *out:
 * the space's capabilities, entry = the program's entry point, sp =
 * MM_STACK_TOP (the caller writes what the program finds on its stack
 * with mm_space_write and starts its thread). Errors: E_NOEXEC (not a
 * valid executable, or bss in a read-only segment of a file), mm's
 * (E_NOMEM, E_NOSPACE, E_INVAL budget), the file server's. On error
 * nothing is left. */
err_t loader_load(handle_t control, const struct loader_src *src, handle_t death_ntfn,
                  uint64_t kmem_budget, struct mm_space_caps *out);

/* Destroys a loaded space and deletes its capabilities (*sp zeroed). */
void loader_unload(handle_t control, struct mm_space_caps *sp);
