/*
 * ELF64 reader (contract in lib/elf.h): checks the file header and the
 * program header table of a static RISC-V executable held in memory, with
 * every read bounds-checked and all address arithmetic guarded against wrap.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <lib/elf.h>

/* gABI ELF-64 layout: sizes and byte offsets of the fields we read. */
#define EHDR_SIZE 64u
#define PHDR_SIZE 56u

#define EI_MAG0 0
#define EI_CLASS 4
#define EI_DATA 5
#define EI_VERSION 6
#define ELFCLASS64 2u
#define ELFDATA2LSB 1u
#define EV_CURRENT 1u

#define E_TYPE 16    /* uint16_t */
#define E_MACHINE 18 /* uint16_t */
#define E_VERSION 20 /* uint32_t */
#define E_ENTRY 24   /* uint64_t */
#define E_PHOFF 32   /* uint64_t */
#define E_EHSIZE 52  /* uint16_t */
#define E_PHENTSIZE 54
#define E_PHNUM 56

#define ET_EXEC 2u
#define EM_RISCV 243u /* RISC-V psABI */
#define PN_XNUM 0xffffu /* real count would be in section header 0 */

#define P_TYPE 0    /* uint32_t */
#define P_FLAGS 4   /* uint32_t */
#define P_OFFSET 8  /* uint64_t */
#define P_VADDR 16  /* uint64_t */
#define P_FILESZ 32 /* uint64_t */
#define P_MEMSZ 40  /* uint64_t */

#define PT_LOAD 1u
#define PT_DYNAMIC 2u
#define PT_INTERP 3u

#define PF_X 1u
#define PF_W 2u
#define PF_R 4u

#define PAGE_SIZE 4096u
#define PAGE_MASK ((uint64_t)PAGE_SIZE - 1)

/*
 * Little-endian loads one byte at a time: the buffer has no alignment
 * guarantee, and this stays correct whatever the host's byte order.
 */
static uint16_t rd16(const uint8_t *p)
{
    return (uint16_t)(p[0] | (uint16_t)p[1] << 8);
}

static uint32_t rd32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
           (uint32_t)p[3] << 24;
}

static uint64_t rd64(const uint8_t *p)
{
    return (uint64_t)rd32(p) | (uint64_t)rd32(p + 4) << 32;
}

/* Checks e_ident and the fixed header fields; E_OK or E_INVAL. */
static err_t check_ehdr(const uint8_t *b)
{
    if (b[EI_MAG0] != 0x7f || b[EI_MAG0 + 1] != 'E' ||
        b[EI_MAG0 + 2] != 'L' || b[EI_MAG0 + 3] != 'F')
        return E_INVAL;
    if (b[EI_CLASS] != ELFCLASS64 || b[EI_DATA] != ELFDATA2LSB ||
        b[EI_VERSION] != EV_CURRENT)
        return E_INVAL;
    /* EI_OSABI is not checked: GNU tools may set ELFOSABI_GNU (3). */
    if (rd16(b + E_TYPE) != ET_EXEC || rd16(b + E_MACHINE) != EM_RISCV ||
        rd32(b + E_VERSION) != EV_CURRENT)
        return E_INVAL;
    if (rd16(b + E_EHSIZE) < EHDR_SIZE || rd16(b + E_PHENTSIZE) != PHDR_SIZE)
        return E_INVAL;
    /* Extended numbering keeps the count in a section header; unsupported. */
    if (rd16(b + E_PHNUM) == PN_XNUM)
        return E_INVAL;
    return E_OK;
}

static uint32_t perm_of(uint32_t p_flags)
{
    uint32_t perm = 0;

    if (p_flags & PF_R)
        perm |= ELF_SEG_R;
    if (p_flags & PF_W)
        perm |= ELF_SEG_W;
    if (p_flags & PF_X)
        perm |= ELF_SEG_X;
    return perm;
}

/*
 * Page-rounded span [*lo, *hi) of a segment. The loader maps whole pages,
 * so bounds and overlap are judged on these. Fails if vaddr + memsz or the
 * round-up wraps past 2^64.
 */
static bool page_span(uint64_t vaddr, uint64_t memsz, uint64_t *lo,
                      uint64_t *hi)
{
    if (memsz > UINT64_MAX - vaddr)
        return false;
    uint64_t end = vaddr + memsz;
    if (end > UINT64_MAX - PAGE_MASK)
        return false;
    *lo = vaddr & ~PAGE_MASK;
    *hi = (end + PAGE_MASK) & ~PAGE_MASK;
    return true;
}

/*
 * Validates one PT_LOAD header p and, if it has memory, appends it to
 * out->seg[]. Earlier segments are already valid, so only the new one is
 * compared against them for overlap.
 */
static err_t add_load(const uint8_t *p, uint64_t len, uint64_t user_min,
                      uint64_t user_top, struct elf_image *out)
{
    uint64_t offset = rd64(p + P_OFFSET);
    uint64_t vaddr = rd64(p + P_VADDR);
    uint64_t filesz = rd64(p + P_FILESZ);
    uint64_t memsz = rd64(p + P_MEMSZ);
    uint64_t lo, hi;

    if (filesz > memsz)
        return E_INVAL;
    /* gABI allows empty PT_LOADs; there is nothing to map, so skip it. */
    if (memsz == 0)
        return E_OK;
    if (offset > len || filesz > len - offset)
        return E_RANGE;
    /* Otherwise a file page could not be mapped (or copied) page by page. */
    if ((offset & PAGE_MASK) != (vaddr & PAGE_MASK))
        return E_INVAL;
    if (!page_span(vaddr, memsz, &lo, &hi))
        return E_RANGE;
    if (lo < user_min || hi > user_top)
        return E_RANGE;
    if (out->nsegments >= ELF_MAX_SEGMENTS)
        return E_NOSPACE;
    for (uint32_t i = 0; i < out->nsegments; i++) {
        uint64_t olo = 0, ohi = 0;
        /* Cannot fail: checked when segment i was added. */
        (void)page_span(out->seg[i].vaddr, out->seg[i].memsz, &olo, &ohi);
        if (lo < ohi && olo < hi)
            return E_EXIST;
    }

    struct elf_segment *s = &out->seg[out->nsegments++];
    s->vaddr = vaddr;
    s->memsz = memsz;
    s->offset = offset;
    s->filesz = filesz;
    s->perm = perm_of(rd32(p + P_FLAGS));
    s->_pad0 = 0;
    return E_OK;
}

err_t elf_parse(const void *buf, uint64_t len, uint64_t user_min,
                uint64_t user_top, struct elf_image *out)
{
    return elf_parse_headers(buf, len, len, user_min, user_top, out);
}

err_t elf_parse_headers(const void *buf, uint64_t len, uint64_t file_len, uint64_t user_min,
                        uint64_t user_top, struct elf_image *out)
{
    const uint8_t *b = buf;
    err_t err;

    if (b == NULL || out == NULL)
        return E_INVAL;
    /* Cleared first so a failed parse never leaves a plausible image. */
    out->entry = 0;
    out->nsegments = 0;
    out->_pad0 = 0;
    if (len < EHDR_SIZE)
        return E_INVAL;
    err = check_ehdr(b);
    if (err != E_OK)
        return err;

    uint64_t entry = rd64(b + E_ENTRY);
    uint64_t phoff = rd64(b + E_PHOFF);
    uint32_t phnum = rd16(b + E_PHNUM);
    /* phnum < 2^16 and the entry size is 56, so the product cannot wrap. */
    uint64_t phsize = (uint64_t)phnum * PHDR_SIZE;
    if (phoff > len || phsize > len - phoff)
        return E_RANGE;

    for (uint32_t i = 0; i < phnum; i++) {
        const uint8_t *p = b + phoff + (uint64_t)i * PHDR_SIZE;
        uint32_t type = rd32(p + P_TYPE);

        /* Only static executables: nobody here runs a dynamic linker. */
        if (type == PT_DYNAMIC || type == PT_INTERP)
            err = E_INVAL;
        else if (type == PT_LOAD)
            err = file_len < len ? E_INVAL : add_load(p, file_len, user_min, user_top, out);
        else
            continue; /* PT_NOTE, PT_GNU_STACK, PT_RISCV_ATTRIBUTES, ... */
        if (err != E_OK) {
            out->nsegments = 0;
            return err;
        }
    }
    if (out->nsegments == 0)
        return E_NOENT;

    for (uint32_t i = 0; i < out->nsegments; i++) {
        const struct elf_segment *s = &out->seg[i];
        /* entry - vaddr instead of vaddr + memsz: no wrap to reason about. */
        if ((s->perm & ELF_SEG_X) && entry >= s->vaddr &&
            entry - s->vaddr < s->memsz) {
            out->entry = entry;
            return E_OK;
        }
    }
    out->nsegments = 0;
    return E_NOENT;
}
