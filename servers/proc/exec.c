/*
 * The loader: reads an ELF file's headers from a file server, has mm build
 * a space whose segments are file-backed mappings of it (so text pages are
 * the page cache's, shared by every process running the program, and data
 * pages are copied on the first write), and writes the initial stack.
 * Everything is validated (elf_parse_headers) before mm is asked for
 * anything; any failure later unwinds the space.
 */
#include <lib/elf.h>
#include <sys/fs.h>
#include <sys/mica.h>
#include <sys/mm.h>

#include <mica/bootinfo.h>
#include <proto/fs.h>
#include <proto/mm.h>

#include "proc.h"

#define PAGE 4096ull
#define HEADERS_MAX 4096u /* ELF and program headers must lie in the first page */
#define USER_MIN 0x10000ull
#define STACK_IMAGE_MAX 8192u

static uint64_t round_up(uint64_t x)
{
    return (x + PAGE - 1) & ~(PAGE - 1);
}

static unsigned prot_of(uint32_t perm)
{
    return ((perm & ELF_SEG_R) ? MM_PROT_R : 0) | ((perm & ELF_SEG_W) ? MM_PROT_W : 0) |
           ((perm & ELF_SEG_X) ? MM_PROT_X : 0);
}

/* Maps one PT_LOAD segment of the open file h: file pages privately, the
 * zero tail of its last file page, anonymous pages for the rest of its
 * memory. Each file mapping gets a file capability of its own: the file
 * server counts capabilities, and mm releases each one. */
static err_t map_segment(uint64_t space, handle_t fs, uint64_t h, const struct elf_segment *g)
{
    uint64_t start = g->vaddr & ~(PAGE - 1);
    uint64_t file_end = g->vaddr + g->filesz, mem_end = g->vaddr + g->memsz;
    unsigned prot = prot_of(g->perm);
    int64_t r;
    if (g->filesz > 0) {
        int64_t copy = fs_map_file(fs, h, false);
        if (copy < 0)
            return (err_t)copy;
        r = mm_space_mmap(PROC_SLOT_MM, space, start, round_up(file_end) - start, prot,
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
            r = mm_space_write(PROC_SLOT_MM, space, file_end, zeros, tail_end - file_end);
            if (r < 0)
                return (err_t)r;
        }
    }
    uint64_t anon = g->filesz > 0 ? round_up(file_end) : start;
    if (round_up(mem_end) > anon) {
        r = mm_space_mmap(PROC_SLOT_MM, space, anon, round_up(mem_end) - anon, prot,
                          MM_MAP_FIXED, 0, 0);
        if (r < 0)
            return (err_t)r;
    }
    return E_OK;
}

/* Lays out argc, argv[], NULL, envp[], NULL, auxv, strings below top in
 * buf; returns the new sp or 0 when it does not fit. */
static uint64_t build_stack(const struct program_args *a, uint64_t clock, uint8_t *buf,
                            uint64_t top)
{
    uint32_t n = a->argc + a->envc;
    uint64_t strings = a->strings_len;
    uint64_t words = 1 + (a->argc + 1) + (a->envc + 1) + 3 * 2;
    uint64_t len = (words * 8 + strings + 15) & ~15ull;
    if (len > STACK_IMAGE_MAX)
        return 0;
    uint64_t sp = top - len;
    uint64_t *w = (uint64_t *)buf;
    uint64_t str_va = sp + words * 8;
    memcpy(buf + words * 8, a->strings, strings);
    uint64_t k = 0, pos = 0;
    w[k++] = a->argc;
    for (uint32_t i = 0; i < n; i++) {
        if (i == a->argc)
            w[k++] = 0; /* end of argv */
        w[k++] = str_va + pos;
        pos += strlen(a->strings + pos) + 1;
    }
    if (a->argc == n)
        w[k++] = 0;
    w[k++] = 0; /* end of envp */
    w[k++] = PROC_AT_PAGESZ;
    w[k++] = PAGE;
    w[k++] = PROC_AT_MICA_CLOCK;
    w[k++] = clock;
    w[k++] = PROC_AT_NULL;
    w[k++] = 0;
    return sp;
}

extern uint64_t proc_clock_arg;

err_t exec_load(const struct program_args *a, handle_t death_ntfn, struct image *out)
{
    handle_t fs;
    const char *rest;
    int64_t r = fs_resolve(a->path, &fs, &rest);
    if (r < 0)
        return (err_t)r;
    uint64_t size = 0;
    bool is_dir = false;
    int64_t h = fs_open(fs, rest, 0, &size, &is_dir);
    if (h < 0)
        return (err_t)h;
    static uint8_t headers[HEADERS_MAX];
    struct elf_image img;
    err_t err = E_OK;
    int64_t got = is_dir ? E_NOEXEC : fs_read(fs, (uint64_t)h, 0, headers, HEADERS_MAX);
    if (got < 0)
        err = (err_t)got;
    else if (elf_parse_headers(headers, (uint64_t)got, size, USER_MIN, MM_MMAP_BASE, &img) !=
             E_OK)
        err = E_NOEXEC;
    struct mm_space_caps sp;
    if (err == E_OK && (r = mm_space_new(PROC_SLOT_MM, death_ntfn, a->kmem_budget, &sp)) < 0)
        err = (err_t)r;
    if (err != E_OK) {
        (void)fs_close(fs, (uint64_t)h);
        return err;
    }
    *out = (struct image){.space = sp.id, .task = sp.task, .pager = sp.pager,
                          .client = sp.client, .entry = img.entry};
    uint64_t image_end = 0;
    for (uint32_t i = 0; err == E_OK && i < img.nsegments; i++) {
        err = map_segment(sp.id, fs, (uint64_t)h, &img.seg[i]);
        uint64_t end = round_up(img.seg[i].vaddr + img.seg[i].memsz);
        image_end = end > image_end ? end : image_end;
    }
    (void)fs_close(fs, (uint64_t)h); /* the file capabilities keep the file */
    if (err == E_OK && (r = mm_space_set_brk(PROC_SLOT_MM, sp.id, image_end)) < 0)
        err = (err_t)r;
    if (err == E_OK && (r = mm_space_mmap(PROC_SLOT_MM, sp.id, PROC_ENV_VA, PROC_ENV_LEN,
                                          MM_PROT_R | MM_PROT_W, MM_MAP_FIXED, 0, 0)) < 0)
        err = (err_t)r;
    static uint8_t stack[STACK_IMAGE_MAX];
    uint64_t new_sp = 0;
    if (err == E_OK) {
        new_sp = build_stack(a, proc_clock_arg, stack, sp.sp);
        if (new_sp == 0)
            err = E_RANGE;
    }
    if (err == E_OK &&
        (r = mm_space_write(PROC_SLOT_MM, sp.id, new_sp, stack, sp.sp - new_sp)) < 0)
        err = (err_t)r;
    if (err != E_OK) {
        exec_unload(out);
        return err;
    }
    out->sp = new_sp;
    return E_OK;
}

void exec_unload(struct image *img)
{
    if (img->space)
        (void)mm_space_destroy(PROC_SLOT_MM, img->space);
    handle_t caps[] = {img->task, img->pager, img->client};
    for (unsigned i = 0; i < 3; i++)
        if (caps[i])
            (void)sys_cap_delete(caps[i]);
    *img = (struct image){0};
}
