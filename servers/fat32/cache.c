/* fat32's page cache (see cache.h). */
#include <sys/mica.h>

#include <proto/fs.h>

#include "cache.h"

#define NPAGES (FS_CACHE_LEN / CACHE_PAGE)

struct cache_entry {
    bool used, dirty;
    uint32_t file;   /* first cluster of the file */
    uint64_t index;  /* page index in the file */
};

/* The file of a page that left its file: no cluster number (28 bits). */
#define DETACHED UINT32_MAX

static struct cache_entry entries[NPAGES];
static uint8_t *base;

err_t cache_init(uint64_t va)
{
    struct cap_info ci;
    if (sys_cap_info(FS_SLOT_CACHE, &ci) < 0 || ci.len < FS_CACHE_LEN)
        return E_INVAL;
    for (uint64_t off = 0; off < FS_CACHE_LEN; off += CACHE_PAGE)
        if (sys_map(FS_SLOT_SELF_TASK, va + off, FS_SLOT_CACHE, off, MAP_R | MAP_W) < 0)
            return E_NOMEM;
    base = (uint8_t *)(uintptr_t)va;
    return E_OK;
}

uint8_t *cache_page(uint32_t slot)
{
    return base + (uint64_t)slot * CACHE_PAGE;
}

uint64_t cache_offset(uint32_t slot)
{
    return (uint64_t)slot * CACHE_PAGE;
}

void cache_mark_dirty(uint32_t slot)
{
    entries[slot].dirty = true;
}

static int find(uint32_t file, uint64_t index)
{
    for (uint32_t i = 0; i < NPAGES; i++)
        if (entries[i].used && entries[i].file == file && entries[i].index == index)
            return (int)i;
    return -1;
}

uint8_t *cache_peek(uint32_t file, uint64_t index)
{
    int i = find(file, index);
    return i < 0 ? NULL : cache_page((uint32_t)i);
}

err_t cache_get(struct fat_fs *fs, const struct fat_node *n, uint64_t index,
                uint32_t *slot, uint32_t *valid)
{
    uint64_t off = index * CACHE_PAGE;
    if (n->is_dir || n->first_cluster == 0 || off >= n->size)
        return E_RANGE;
    uint64_t left = n->size - off;
    *valid = left < CACHE_PAGE ? (uint32_t)left : CACHE_PAGE;
    int i = find(n->first_cluster, index);
    if (i >= 0) {
        *slot = (uint32_t)i;
        return E_OK;
    }
    for (uint32_t s = 0; s < NPAGES; s++) {
        if (entries[s].used)
            continue;
        uint8_t *page = cache_page(s);
        uint32_t got = 0;
        err_t err = fat_read(fs, n, off, page, *valid, &got);
        if (err != E_OK)
            return err;
        memset(page + got, 0, CACHE_PAGE - got);
        entries[s] = (struct cache_entry){.used = true, .file = n->first_cluster,
                                          .index = index};
        *slot = s;
        return E_OK;
    }
    return E_NOMEM;
}

err_t cache_sync_file(struct fat_fs *fs, const struct fat_node *n)
{
    for (uint32_t i = 0; i < NPAGES; i++) {
        struct cache_entry *e = &entries[i];
        if (!e->used || !e->dirty || e->file != n->first_cluster)
            continue;
        uint64_t off = e->index * CACHE_PAGE;
        if (off >= n->size) {
            e->dirty = false; /* the file shrank under the page */
            continue;
        }
        uint64_t left = n->size - off;
        uint32_t len = left < CACHE_PAGE ? (uint32_t)left : CACHE_PAGE;
        struct fat_node copy = *n;
        uint32_t put = 0;
        err_t err = fat_write(fs, &copy, off, cache_page(i), len, &put);
        if (err != E_OK)
            return err;
        e->dirty = false;
    }
    return E_OK;
}

uint32_t cache_used(void)
{
    uint32_t n = 0;
    for (uint32_t i = 0; i < NPAGES; i++)
        n += entries[i].used;
    return n;
}

void cache_shrink(uint32_t file, uint64_t size)
{
    for (uint32_t i = 0; i < NPAGES; i++) {
        struct cache_entry *e = &entries[i];
        if (!e->used || e->file != file)
            continue;
        uint64_t start = e->index * CACHE_PAGE;
        if (start >= size) {
            /* Past the end: zeros, and no longer the file's. The slot is
             * not reused (pages are never evicted), so a process that
             * still maps it until mm unmaps it sees zeros, never another
             * file's data. */
            memset(cache_page(i), 0, CACHE_PAGE);
            e->file = DETACHED;
            e->dirty = false;
        } else if (start + CACHE_PAGE > size) {
            memset(cache_page(i) + (size - start), 0, start + CACHE_PAGE - size);
        }
    }
}
