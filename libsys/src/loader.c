/*
 * The program loader (see sys/loader.h): validates an ELF file and has mm
 * build a space for it out of mm's control operations.
 */
#include <lib/elf.h>
#include <sys/fs.h>
#include <sys/loader.h>
#include <sys/mica.h>
#include <sys/mm.h>

#include <proto/mm.h>

#define PAGE 4096ull
#define HEADERS_MAX 4096u /* a file's ELF and program headers must lie in its first page */

static uint64_t round_up(uint64_t x)
{
    return (x + PAGE - 1) & ~(PAGE - 1);
}

static unsigned prot_of(uint32_t perm)
{
    return ((perm & ELF_SEG_R) ? MM_PROT_R : 0) | ((perm & ELF_SEG_W) ? MM_PROT_W : 0) |
           ((perm & ELF_SEG_X) ? MM_PROT_X : 0);
}

/* One PT_LOAD segment of a file in memory: anonymous pages, all present,
 * writable while its bytes are stored, then given the segment's own
 * protection. */
static err_t map_from_memory(handle_t control, uint64_t space, const uint8_t *image,
                             const struct elf_segment *g)
{
    uint64_t start = g->vaddr & ~(PAGE - 1), end = round_up(g->vaddr + g->memsz);
    unsigned prot = prot_of(g->perm);
    unsigned loading = g->filesz ? prot | MM_PROT_W : prot;
    int64_t r = mm_space_mmap(control, space, start, end - start, loading,
                              MM_MAP_FIXED | MM_MAP_POPULATE, 0, 0);
    if (r >= 0 && g->filesz)
        r = mm_space_write(control, space, g->vaddr, image + g->offset, g->filesz);
    if (r >= 0 && loading != prot)
        r = mm_space_mprotect(control, space, start, end - start, prot);
    return r < 0 ? (err_t)r : E_OK;
}

/* One PT_LOAD segment of the open file h: file pages privately, the zero
 * tail of its last file page, anonymous pages for the rest of its memory.
 * Each file mapping gets a file capability of its own: the file server
 * counts capabilities, and mm releases each one. */
static err_t map_from_file(handle_t control, uint64_t space, const struct loader_src *src,
                           const struct elf_segment *g)
{
    uint64_t start = g->vaddr & ~(PAGE - 1);
    uint64_t file_end = g->vaddr + g->filesz, mem_end = g->vaddr + g->memsz;
    unsigned prot = prot_of(g->perm);
    int64_t r;
    if (g->filesz > 0) {
        int64_t copy = fs_map_file(src->fs, src->file, false);
        if (copy < 0)
            return (err_t)copy;
        r = mm_space_mmap(control, space, start, round_up(file_end) - start, prot,
                          MM_MAP_FIXED, (handle_t)copy, g->offset & ~(PAGE - 1));
        if (r < 0)
            return (err_t)r;
        /* The file page past filesz holds whatever follows in the file;
         * memory there must read as zero (bss). */
        uint64_t tail_end = mem_end < round_up(file_end) ? mem_end : round_up(file_end);
        if (tail_end > file_end) {
            if (!(g->perm & ELF_SEG_W))
                return E_NOEXEC; /* zero-filled bytes in a read-only segment */
            static const uint8_t zeros[PAGE];
            r = mm_space_write(control, space, file_end, zeros, tail_end - file_end);
            if (r < 0)
                return (err_t)r;
        }
    }
    uint64_t anon = g->filesz > 0 ? round_up(file_end) : start;
    if (round_up(mem_end) > anon) {
        r = mm_space_mmap(control, space, anon, round_up(mem_end) - anon, prot, MM_MAP_FIXED,
                          0, 0);
        if (r < 0)
            return (err_t)r;
    }
    return E_OK;
}

/* The ELF's headers, validated: from memory, or read from the file. */
static err_t parse(const struct loader_src *src, struct elf_image *img)
{
    if (src->image)
        return elf_parse(src->image, src->image_len, LOADER_USER_MIN, MM_MMAP_BASE, img) == E_OK
                   ? E_OK
                   : E_NOEXEC;
    static uint8_t headers[HEADERS_MAX];
    int64_t got = fs_read(src->fs, src->file, 0, headers, HEADERS_MAX);
    if (got < 0)
        return (err_t)got;
    if (elf_parse_headers(headers, (uint64_t)got, src->size, LOADER_USER_MIN, MM_MMAP_BASE,
                          img) != E_OK)
        return E_NOEXEC;
    return E_OK;
}

err_t loader_load(handle_t control, const struct loader_src *src, handle_t death_ntfn,
                  uint64_t kmem_budget, struct mm_space_caps *out)
{
    struct elf_image img;
    err_t err = parse(src, &img);
    if (err != E_OK)
        return err;
    int64_t r = mm_space_new(control, death_ntfn, kmem_budget, out);
    if (r < 0)
        return (err_t)r;
    uint64_t image_end = 0;
    for (uint32_t i = 0; err == E_OK && i < img.nsegments; i++) {
        const struct elf_segment *g = &img.seg[i];
        err = src->image ? map_from_memory(control, out->id, src->image, g)
                         : map_from_file(control, out->id, src, g);
        uint64_t end = round_up(g->vaddr + g->memsz);
        image_end = end > image_end ? end : image_end;
    }
    if (err == E_OK && (r = mm_space_set_brk(control, out->id, image_end)) < 0)
        err = (err_t)r;
    if (err != E_OK) {
        loader_unload(control, out);
        return err;
    }
    out->entry = img.entry;
    return E_OK;
}

void loader_unload(handle_t control, struct mm_space_caps *sp)
{
    if (sp->id)
        (void)mm_space_destroy(control, sp->id);
    handle_t caps[] = {sp->task, sp->pager, sp->client};
    for (unsigned i = 0; i < 3; i++)
        if (caps[i])
            (void)sys_cap_delete(caps[i]);
    *sp = (struct mm_space_caps){0};
}
