/*
 * ELF64 reader for RISC-V executables: validates a file held in memory and
 * lists its loadable segments. Pure code (no kernel services), built
 * natively for host tests; libsys, mm and proc use it to load programs.
 * Every field is checked against the buffer before use: a truncated or
 * hostile file gives an error, never an out-of-bounds read.
 * Format: System V ABI (gABI) ELF-64 and the RISC-V ELF psABI.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include <mica/err.h>

#define ELF_MAX_SEGMENTS 16

/* Segment permission bits (from p_flags). */
#define ELF_SEG_X 1u
#define ELF_SEG_W 2u
#define ELF_SEG_R 4u

struct elf_segment {
    uint64_t vaddr;   /* p_vaddr */
    uint64_t memsz;   /* p_memsz, >= filesz */
    uint64_t offset;  /* p_offset: file bytes start here */
    uint64_t filesz;  /* p_filesz: bytes taken from the file; rest is zero */
    uint32_t perm;    /* ELF_SEG_* */
    uint32_t _pad0;
};

struct elf_image {
    uint64_t entry;
    uint32_t nsegments; /* PT_LOAD segments, in file order */
    uint32_t _pad0;
    struct elf_segment seg[ELF_MAX_SEGMENTS];
};

/*
 * Validates the ELF file in buf[0, len) as a static RISC-V 64-bit
 * little-endian executable (ET_EXEC, EM_RISCV, ELFCLASS64, EV_CURRENT) whose
 * PT_LOAD segments all lie inside [user_min, user_top), do not overlap each
 * other (page granularity: two segments may not share a 4 KiB page),
 * have p_offset % 4096 == p_vaddr % 4096, filesz <= memsz, file bytes inside
 * buf, and whose entry point lies inside an executable segment.
 * Fills *out on success.
 * Errors: E_INVAL (not ELF, wrong class/endianness/machine/type/version, bad
 * header sizes), E_RANGE (offsets or sizes outside the file, address
 * arithmetic that wraps, a segment outside [user_min, user_top)),
 * E_EXIST (overlapping segments), E_NOSPACE (more than ELF_MAX_SEGMENTS
 * PT_LOAD segments), E_NOENT (no PT_LOAD segment, or the entry point is
 * not in an executable segment).
 */
__attribute__((warn_unused_result)) err_t
elf_parse(const void *buf, uint64_t len, uint64_t user_min, uint64_t user_top,
          struct elf_image *out);

/*
 * The same checks when only the start of a file of file_len bytes is in
 * buf[0, len) (a loader that reads the headers, then maps the segments
 * from the file): the ELF and program headers must lie in buf, the
 * segments' file bytes inside file_len. E_INVAL also when file_len < len.
 */
__attribute__((warn_unused_result)) err_t
elf_parse_headers(const void *buf, uint64_t len, uint64_t file_len, uint64_t user_min,
                  uint64_t user_top, struct elf_image *out);
