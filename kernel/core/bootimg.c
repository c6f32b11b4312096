/*
 * Boot image archive reader (see include/mica/bootimg.h for the format).
 * bootimg_check() validates everything once; bootimg_find() relies on it.
 */
#include <kernel/bootimg.h>

#include <mica/bootimg.h>

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
