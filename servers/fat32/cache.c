/*
 * fat32's page cache (see cache.h): a hash from (file, index) to slots, a
 * clock over the slots for eviction, and write-back through the FAT32
 * library.
 */
#include "cache.h"

/* The builtins: this file builds for the target (no libc headers) and for
 * host tests alike. */
#define memset __builtin_memset
#define memcpy __builtin_memcpy

#define NBUCKETS 1024u /* power of two */
#define NONE UINT32_MAX

enum page_state {
    PAGE_FREE = 0,
    PAGE_CACHED, /* in the hash: (file, index) names it */
    PAGE_HELD,   /* left its file while mm may map it: zeros, waiting for a trim */
};

struct cache_entry {
    uint8_t state;       /* enum page_state */
    bool dirty;          /* written by write(): differs from the disk */
    bool pinned;         /* handed to mm */
    bool mapped_w;       /* handed to mm writable: may differ from the disk */
    bool referenced;     /* clock bit: used since the hand last passed */
    uint32_t file;       /* first cluster of the file */
    uint32_t next;       /* hash chain, or free list */
    uint64_t index;      /* page index in the file; PAGE_HELD: the epoch */
};

static struct cache_entry entries[CACHE_MAX_PAGES];
static uint32_t buckets[NBUCKETS];
static uint32_t free_head = NONE;
static uint32_t npages, hand;
static uint8_t *base;
static struct cache_stats stats;

err_t cache_init(uint8_t *mem, uint32_t n)
{
    if (!mem || n == 0 || n > CACHE_MAX_PAGES)
        return E_INVAL;
    base = mem;
    npages = n;
    hand = 0;
    for (uint32_t b = 0; b < NBUCKETS; b++)
        buckets[b] = NONE;
    free_head = NONE;
    for (uint32_t i = n; i-- > 0;) {
        entries[i] = (struct cache_entry){.state = PAGE_FREE, .next = free_head};
        free_head = i;
    }
    stats = (struct cache_stats){.pages = n};
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

static uint32_t bucket_of(uint32_t file, uint64_t index)
{
    uint64_t h = ((uint64_t)file * 0x9e3779b97f4a7c15ull) ^ (index * 0xc2b2ae3d27d4eb4full);
    return (uint32_t)(h >> 40) & (NBUCKETS - 1);
}

static uint32_t find(uint32_t file, uint64_t index)
{
    for (uint32_t i = buckets[bucket_of(file, index)]; i != NONE; i = entries[i].next)
        if (entries[i].file == file && entries[i].index == index)
            return i;
    return NONE;
}

static void hash_insert(uint32_t slot)
{
    uint32_t b = bucket_of(entries[slot].file, entries[slot].index);
    entries[slot].next = buckets[b];
    buckets[b] = slot;
}

static void hash_remove(uint32_t slot)
{
    uint32_t *p = &buckets[bucket_of(entries[slot].file, entries[slot].index)];
    while (*p != slot)
        p = &entries[*p].next;
    *p = entries[slot].next;
}

static void slot_free(uint32_t slot)
{
    struct cache_entry *e = &entries[slot];
    if (e->state == PAGE_CACHED)
        hash_remove(slot);
    *e = (struct cache_entry){.state = PAGE_FREE, .next = free_head};
    free_head = slot;
}

/* Writes a page back: the whole page, clipped by the file's cluster chain.
 * Bytes past the end of the file land in the last cluster's slack, which
 * FAT ignores (and they are zeros unless a mapping wrote there). */
static err_t write_back(struct fat_fs *fs, uint32_t slot)
{
    struct cache_entry *e = &entries[slot];
    struct fat_node n = {.first_cluster = e->file};
    uint32_t put;
    err_t err = fat_write_inplace(fs, &n, e->index * CACHE_PAGE, cache_page(slot), CACHE_PAGE,
                                  &put);
    if (err != E_OK)
        return err;
    e->dirty = false;
    stats.writebacks++;
    return E_OK;
}

/* A free slot: from the free list, else the clock's next victim that is
 * neither pinned nor held (written back first when dirty). */
static err_t slot_take(struct fat_fs *fs, uint32_t *slot)
{
    if (free_head != NONE) {
        *slot = free_head;
        free_head = entries[*slot].next;
        return E_OK;
    }
    err_t last = E_NOMEM;
    for (uint32_t step = 0; step < 2 * npages; step++) {
        uint32_t i = hand;
        hand = (hand + 1) % npages;
        struct cache_entry *e = &entries[i];
        if (e->state != PAGE_CACHED || e->pinned)
            continue;
        if (e->referenced) {
            e->referenced = false;
            continue;
        }
        if (e->dirty) {
            err_t err = write_back(fs, i);
            if (err != E_OK) {
                last = err; /* keep it dirty; try another */
                continue;
            }
        }
        hash_remove(i);
        *e = (struct cache_entry){.state = PAGE_FREE};
        stats.evictions++;
        *slot = i;
        return E_OK;
    }
    return last;
}

/* A slot for (file, index), in the hash, its contents for the caller to
 * fill; *found when it was cached already. */
static err_t lookup_or_take(struct fat_fs *fs, uint32_t file, uint64_t index, uint32_t *slot,
                            bool *found)
{
    uint32_t i = find(file, index);
    *found = i != NONE;
    if (i != NONE) {
        stats.hits++;
        entries[i].referenced = true;
        *slot = i;
        return E_OK;
    }
    err_t err = slot_take(fs, &i);
    if (err != E_OK)
        return err;
    stats.misses++;
    entries[i] = (struct cache_entry){.state = PAGE_CACHED, .file = file, .index = index,
                                      .referenced = true};
    hash_insert(i);
    *slot = i;
    return E_OK;
}

/* Reads bytes [from, upto) of a fresh slot's page from disk, as far as
 * the file's `size` reaches (the caller zeroed the page). */
static err_t fill(struct fat_fs *fs, const struct fat_node *n, uint64_t size, uint32_t slot,
                  uint32_t from, uint32_t upto)
{
    uint64_t start = entries[slot].index * CACHE_PAGE;
    if (start + upto > size)
        upto = start >= size ? 0 : (uint32_t)(size - start);
    if (from >= upto)
        return E_OK;
    struct fat_node bounded = *n;
    bounded.size = (uint32_t)size;
    uint32_t got;
    return fat_read(fs, &bounded, start + from, cache_page(slot) + from, upto - from, &got);
}

err_t cache_get(struct fat_fs *fs, const struct fat_node *n, uint64_t index, uint32_t *slot)
{
    if (n->is_dir || n->first_cluster == 0 || index * CACHE_PAGE >= n->size)
        return E_RANGE;
    bool found;
    err_t err = lookup_or_take(fs, n->first_cluster, index, slot, &found);
    if (err != E_OK || found)
        return err;
    memset(cache_page(*slot), 0, CACHE_PAGE);
    err = fill(fs, n, n->size, *slot, 0, CACHE_PAGE);
    if (err != E_OK)
        slot_free(*slot); /* nothing half-filled stays named */
    return err;
}

err_t cache_get_for_write(struct fat_fs *fs, const struct fat_node *n, uint64_t index,
                          uint64_t old_size, uint32_t in, uint32_t len, uint32_t *slot)
{
    if (n->is_dir || n->first_cluster == 0 || in > CACHE_PAGE || len > CACHE_PAGE - in)
        return E_RANGE;
    bool found;
    err_t err = lookup_or_take(fs, n->first_cluster, index, slot, &found);
    if (err != E_OK)
        return err;
    if (!found) {
        /* Only the bytes the write leaves need the disk: before and after it. */
        memset(cache_page(*slot), 0, CACHE_PAGE);
        err = fill(fs, n, old_size, *slot, 0, in);
        if (err == E_OK)
            err = fill(fs, n, old_size, *slot, in + len, CACHE_PAGE);
        if (err != E_OK) {
            slot_free(*slot);
            return err;
        }
    }
    entries[*slot].dirty = true;
    return E_OK;
}

void cache_pin(uint32_t slot, bool writable)
{
    entries[slot].pinned = true;
    entries[slot].mapped_w |= writable;
}

static bool needs_write_back(const struct cache_entry *e)
{
    return e->state == PAGE_CACHED && (e->dirty || e->mapped_w);
}

err_t cache_sync(struct fat_fs *fs, uint32_t file)
{
    err_t first_err = E_OK;
    for (uint32_t i = 0; i < npages; i++) {
        if (!needs_write_back(&entries[i]) || (file != 0 && entries[i].file != file))
            continue;
        err_t err = write_back(fs, i);
        if (err != E_OK && first_err == E_OK)
            first_err = err; /* go on: write back all that can be */
    }
    return first_err;
}

err_t cache_unpin_file(struct fat_fs *fs, uint32_t file)
{
    err_t first_err = E_OK;
    for (uint32_t i = 0; i < npages; i++) {
        struct cache_entry *e = &entries[i];
        if (e->state != PAGE_CACHED || e->file != file || !e->pinned)
            continue;
        if (e->mapped_w) {
            err_t err = write_back(fs, i);
            if (err != E_OK) {
                e->dirty = true; /* written back later, or at eviction */
                if (first_err == E_OK)
                    first_err = err;
            }
        }
        e->pinned = false;
        e->mapped_w = false;
    }
    return first_err;
}

void cache_zero_tail(uint32_t file, uint64_t size)
{
    if (size % CACHE_PAGE == 0)
        return;
    uint32_t i = find(file, size / CACHE_PAGE);
    if (i == NONE)
        return;
    uint32_t in = (uint32_t)(size % CACHE_PAGE);
    memset(cache_page(i) + in, 0, CACHE_PAGE - in);
    entries[i].dirty = true;
}

void cache_shrink(uint32_t file, uint64_t size, uint64_t epoch)
{
    for (uint32_t i = 0; i < npages; i++) {
        struct cache_entry *e = &entries[i];
        if (e->state != PAGE_CACHED || e->file != file)
            continue;
        uint64_t start = e->index * CACHE_PAGE;
        if (start + CACHE_PAGE <= size)
            continue;
        if (start < size) {
            memset(cache_page(i) + (size - start), 0, start + CACHE_PAGE - size);
            continue;
        }
        if (!e->pinned) {
            slot_free(i);
            continue;
        }
        /* mm may map it until it has trimmed: zeros, never another file's
         * data, and the slot is not reused before that. */
        memset(cache_page(i), 0, CACHE_PAGE);
        hash_remove(i);
        *e = (struct cache_entry){.state = PAGE_HELD, .index = epoch};
    }
}

void cache_trim_done(uint64_t epoch)
{
    for (uint32_t i = 0; i < npages; i++)
        if (entries[i].state == PAGE_HELD && entries[i].index <= epoch)
            slot_free(i);
}

err_t cache_read(struct fat_fs *fs, const struct fat_node *n, uint64_t off, void *buf,
                 uint32_t len, uint32_t *got)
{
    *got = 0;
    if (n->is_dir)
        return E_INVAL;
    uint8_t *out = buf;
    uint64_t end = off >= n->size ? off : off + len > n->size ? n->size : off + len;
    for (uint64_t pos = off; pos < end;) {
        uint64_t index = pos / CACHE_PAGE, in = pos % CACHE_PAGE;
        uint32_t chunk = (uint32_t)(CACHE_PAGE - in < end - pos ? CACHE_PAGE - in : end - pos);
        uint32_t slot, direct;
        err_t err = cache_get(fs, n, index, &slot);
        if (err == E_OK)
            memcpy(out + *got, cache_page(slot) + in, chunk);
        else if (err == E_NOMEM) /* every slot pinned: straight from the disk */
            err = fat_read(fs, n, pos, out + *got, chunk, &direct);
        if (err != E_OK)
            return err;
        pos += chunk;
        *got += chunk;
    }
    return E_OK;
}

err_t cache_write(struct fat_fs *fs, struct fat_node *n, uint64_t off, const void *buf,
                  uint32_t len, uint32_t *put)
{
    *put = 0;
    if (n->is_dir)
        return E_INVAL;
    if (off > UINT32_MAX || len > UINT32_MAX - off)
        return E_RANGE;
    if (len == 0)
        return E_OK;
    uint64_t old_size = n->size;
    if (n->first_cluster)
        cache_zero_tail(n->first_cluster, old_size);
    err_t err = E_OK;
    if (off > old_size) {
        /* A hole: zeros go to the disk directly (rare; keeps it out of the
         * cache). */
        err = fat_truncate(fs, n, (uint32_t)off);
        old_size = n->size;
    }
    if (err == E_OK)
        err = fat_reserve(fs, n, off + len > n->size ? (uint32_t)(off + len) : n->size);
    uint64_t end = off + len < n->size ? off + len : n->size;
    const uint8_t *src = buf;
    for (uint64_t pos = off; pos < end;) {
        uint64_t index = pos / CACHE_PAGE, in = pos % CACHE_PAGE;
        uint32_t chunk = (uint32_t)(CACHE_PAGE - in < end - pos ? CACHE_PAGE - in : end - pos);
        uint32_t slot, direct;
        err_t e = cache_get_for_write(fs, n, index, old_size, (uint32_t)in, chunk, &slot);
        if (e == E_OK)
            memcpy(cache_page(slot) + in, src + *put, chunk);
        else if (e == E_NOMEM) /* every slot pinned: straight to the disk */
            e = fat_write_inplace(fs, n, pos, src + *put, chunk, &direct);
        if (e != E_OK)
            return e;
        pos += chunk;
        *put += chunk;
    }
    return err;
}

void cache_get_stats(struct cache_stats *out)
{
    *out = stats;
    out->used = out->pinned = out->dirty = 0;
    for (uint32_t i = 0; i < npages; i++) {
        const struct cache_entry *e = &entries[i];
        out->used += e->state != PAGE_FREE;
        out->pinned += e->pinned || e->state == PAGE_HELD;
        out->dirty += needs_write_back(e);
    }
}
