/*
 * Boot image archive reader (see include/mica/bootimg.h for the format).
 * bootimg_check() validates everything once; bootimg_find() relies on it.
 * bootimg_layout_check() validates a root task's page layout.
 */
#include <kernel/bootimg.h>

#include <mica/bootimg.h>

#define LAYOUT_PAGE 4096u

static bool name_terminated(const char name[BOOTIMG_NAME_MAX])
{
    for (int i = 0; i < BOOTIMG_NAME_MAX; i++)
        if (name[i] == '\0')
            return true;
    return false;
}

err_t bootimg_check(const void *img, uint64_t max_len, uint64_t *total_len)
{
    const struct bootimg_header *h = img;
    if (max_len < sizeof(*h) || ((uintptr_t)img & 7))
        return E_CORRUPT;
    if (h->magic != BOOTIMG_MAGIC || h->version != BOOTIMG_VERSION ||
        h->nentries > BOOTIMG_MAX_ENTRIES)
        return E_CORRUPT;
    if (h->total_len > max_len || h->total_len % 4096)
        return E_CORRUPT;
    uint64_t table_end =
        sizeof(*h) + (uint64_t)h->nentries * sizeof(struct bootimg_entry);
    if (table_end > h->total_len)
        return E_CORRUPT;
    const struct bootimg_entry *e = (const void *)(h + 1);
    for (uint32_t i = 0; i < h->nentries; i++) {
        if (!name_terminated(e[i].name) || e[i].offset % 4096 ||
            e[i].offset < table_end || e[i].offset > h->total_len ||
            e[i].len > h->total_len - e[i].offset)
            return E_CORRUPT;
    }
    *total_len = h->total_len;
    return E_OK;
}

static bool name_equal(const char *a, const char *b)
{
    int i = 0;
    for (; i < BOOTIMG_NAME_MAX && a[i] && a[i] == b[i]; i++)
        ;
    return i < BOOTIMG_NAME_MAX && a[i] == b[i];
}

err_t bootimg_find(const void *img, const char *name, const void **data,
                   uint64_t *len)
{
    const struct bootimg_header *h = img;
    const struct bootimg_entry *e = (const void *)(h + 1);
    for (uint32_t i = 0; i < h->nentries; i++) {
        if (name_equal(e[i].name, name)) {
            *data = (const uint8_t *)img + e[i].offset;
            *len = e[i].len;
            return E_OK;
        }
    }
    return E_NOENT;
}

/* The layout comes from our own build, but a truncated or mismatched image
 * must give a clear error, not a wild copy. */
err_t bootimg_layout_check(const struct bootimg_layout *l, uint64_t len, uint64_t va_min,
                           uint64_t va_top)
{
    if (len < LAYOUT_PAGE || l->magic != BOOTIMG_LAYOUT_MAGIC || l->nranges == 0 ||
        l->nranges > BOOTIMG_LAYOUT_MAX_RANGES)
        return E_CORRUPT;
    uint64_t prev_end = va_min;
    bool entry_ok = false;
    for (uint32_t i = 0; i < l->nranges; i++) {
        const struct bootimg_range *r = &l->range[i];
        /* Sorted, apart, inside [va_min, va_top), data inside the file;
         * each comparison is written so that nothing can wrap. */
        if ((r->va | r->len | r->data_off | r->data_len) % LAYOUT_PAGE || r->len == 0 ||
            r->va < prev_end || r->va >= va_top || r->len > va_top - r->va ||
            r->data_len > r->len || r->data_off < LAYOUT_PAGE || r->data_off > len ||
            r->data_len > len - r->data_off)
            return E_CORRUPT;
        prev_end = r->va + r->len;
        if ((r->perm & BOOTIMG_RANGE_X) && l->entry >= r->va && l->entry - r->va < r->len)
            entry_ok = true;
    }
    return entry_ok ? E_OK : E_CORRUPT;
}
