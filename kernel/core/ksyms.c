/*
 * Kernel symbol table lookup (see kernel/include/kernel/ksyms.h). Pure: the
 * table arrives as a byte range; this file also builds for host tests.
 * Invariant after ksyms_init() succeeds: entries are sorted by address and
 * every name offset points at a NUL-terminated string inside the table.
 */
#include <kernel/ksyms.h>

#include <mica/bootimg.h>

static const struct ksyms_entry *sym_entries;
static const char *sym_strtab;
static uint32_t sym_count;

err_t ksyms_init(const void *tab, uint64_t len)
{
    sym_entries = NULL;
    sym_strtab = NULL;
    sym_count = 0;
    if (len < sizeof(struct ksyms_header) || ((uintptr_t)tab & 7))
        return E_CORRUPT;
    const struct ksyms_header *h = tab;
    if (h->magic != KSYMS_MAGIC)
        return E_CORRUPT;
    uint64_t entries_end =
        sizeof(*h) + (uint64_t)h->count * sizeof(struct ksyms_entry);
    uint64_t str_end = (uint64_t)h->strtab_off + h->strtab_len;
    if (entries_end > len || h->strtab_off < entries_end || str_end > len ||
        h->strtab_len == 0)
        return E_CORRUPT;
    const struct ksyms_entry *e = (const void *)(h + 1);
    const char *str = (const char *)tab + h->strtab_off;
    if (str[h->strtab_len - 1] != '\0')
        return E_CORRUPT; /* so every name offset below ends in the table */
    for (uint32_t i = 0; i < h->count; i++) {
        if (e[i].name_off >= h->strtab_len)
            return E_CORRUPT;
        if (i > 0 && e[i].addr < e[i - 1].addr)
            return E_CORRUPT;
    }
    sym_entries = e;
    sym_strtab = str;
    sym_count = h->count;
    return E_OK;
}

const char *ksyms_lookup(uint64_t addr, uint64_t *off)
{
    if (sym_count == 0 || addr < sym_entries[0].addr)
        return NULL;
    /* Last entry with entry.addr <= addr. */
    uint32_t lo = 0, hi = sym_count;
    while (hi - lo > 1) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (sym_entries[mid].addr <= addr)
            lo = mid;
        else
            hi = mid;
    }
    const struct ksyms_entry *e = &sym_entries[lo];
    if (e->size != 0 && addr - e->addr >= e->size)
        return NULL; /* in a gap between symbols */
    *off = addr - e->addr;
    return sym_strtab + e->name_off;
}

uint32_t ksyms_count(void)
{
    return sym_count;
}
