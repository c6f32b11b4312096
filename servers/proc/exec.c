/*
 * exec's loading: opens the program's file and has libsys's loader
 * (sys/loader.h) build a space whose segments are file-backed mappings of
 * it (so text pages are the page cache's, shared by every process running
 * the program, and data pages are copied on the first write), then maps
 * the environment page and writes the initial stack. Any failure unwinds
 * the space.
 */
#include <sys/fs.h>
#include <sys/loader.h>
#include <sys/mica.h>
#include <sys/mm.h>

#include <mica/bootinfo.h>
#include <proto/fs.h>
#include <proto/mm.h>

#include "proc.h"

#define PAGE 4096ull
#define STACK_IMAGE_MAX 8192u

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
    struct mm_space_caps sp;
    struct loader_src src = {.fs = fs, .file = (uint64_t)h, .size = size};
    err_t err = is_dir ? E_NOEXEC
                       : loader_load(PROC_SLOT_MM, &src, death_ntfn, a->kmem_budget, &sp);
    (void)fs_close(fs, (uint64_t)h); /* the file capabilities keep the file */
    if (err != E_OK)
        return err;
    *out = (struct image){.space = sp.id, .task = sp.task, .pager = sp.pager,
                          .client = sp.client, .entry = sp.entry};
    if ((r = mm_space_mmap(PROC_SLOT_MM, sp.id, PROC_ENV_VA, PROC_ENV_LEN,
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
