/*
 * Flattened device tree reader (contract in lib/fdt.h): validates the
 * header, walks the memory reservation and structure blocks with every read
 * bounds-checked, and collects what the kernel needs into a platform_info.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

#include <lib/fdt.h>

#define FDT_MAGIC 0xd00dfeedu
#define FDT_BEGIN_NODE 1u
#define FDT_END_NODE 2u
#define FDT_PROP 3u
#define FDT_NOP 4u
#define FDT_END 9u
#define FDT_MAX_DEPTH 16

/* What a node is, judged from its name and its parent (known at BEGIN_NODE). */
enum node_kind { K_OTHER, K_ROOT, K_CPUS, K_CHOSEN, K_RESV_MEM };

/* What its "compatible" list says (first recognised string wins). */
enum node_class { C_NONE, C_STRUCTURAL, C_UART, C_PLIC, C_TEST, C_VIRTIO, C_RTC };

#define F_REG 0x01u
#define F_COMPAT 0x02u
#define F_IRQ 0x04u
#define F_DISABLED 0x08u
#define F_TYPE_MEMORY 0x10u
#define F_TYPE_CPU 0x20u

/*
 * Per-node state. Property order inside a node is arbitrary (device_type may
 * follow reg), so values are remembered as blob offsets and acted upon at
 * END_NODE, when all of the node's properties have been seen.
 */
struct node {
    uint32_t name;                   /* blob offset of the NUL-terminated name */
    uint32_t addr_cells, size_cells; /* this node's, used by its children */
    uint32_t reg, reg_len;
    uint32_t compat, compat_len;
    uint32_t irq, ndev;
    uint8_t kind, flags;
};

struct walker {
    const uint8_t *b;
    uint32_t total;
    struct platform_info *out;
};

static uint32_t be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static uint64_t be64(const uint8_t *p)
{
    return (uint64_t)be32(p) << 32 | be32(p + 4);
}

/* Length of the NUL-terminated string at b[off], or -1 when no NUL before end. */
static int64_t bounded_strlen(const uint8_t *b, uint64_t off, uint64_t end)
{
    for (uint64_t i = off; i < end; i++) {
        if (b[i] == 0)
            return (int64_t)(i - off);
    }
    return -1;
}

/* True when the string s equals the (NUL-terminated) string at p. */
static bool str_eq(const uint8_t *p, const char *s)
{
    while (*s && (uint8_t)*s == *p) {
        s++;
        p++;
    }
    return *s == 0 && *p == 0;
}

/* True when a node name's part before any '@' unit address equals base. */
static bool name_base_is(const uint8_t *name, const char *base)
{
    while (*base && (uint8_t)*base == *name) {
        base++;
        name++;
    }
    return *base == 0 && (*name == 0 || *name == '@');
}

/* True when property bytes p[0..len) hold exactly the string s plus NUL. */
static bool prop_str_is(const uint8_t *p, uint32_t len, const char *s)
{
    uint32_t i = 0;
    for (; s[i]; i++) {
        if (i >= len || p[i] != (uint8_t)s[i])
            return false;
    }
    return i < len && p[i] == 0;
}

/* Copies a property string into a fixed field: truncated, always terminated. */
static void copy_str(char *dst, uint32_t cap, const uint8_t *src, uint32_t len)
{
    uint32_t i = 0;
    for (; i + 1 < cap && i < len && src[i] != 0; i++)
        dst[i] = (char)src[i];
    dst[i] = 0;
}

/* Zeroes *out. The volatile stores keep any compiler from turning the loop
 * into a memset() call, which the kernel does not have; 1.6 KiB once at boot. */
static void zero_info(struct platform_info *out)
{
    volatile uint8_t *p = (volatile uint8_t *)out;
    for (size_t i = 0; i < sizeof(*out); i++)
        p[i] = 0;
}

static enum node_class class_of(const uint8_t *s, uint32_t len)
{
    static const struct { const char *compat; uint8_t cls; } table[] = {
        { "ns16550a", C_UART },         { "ns16550", C_UART },
        { "riscv,plic0", C_PLIC },      { "sifive,plic-1.0.0", C_PLIC },
        { "sifive,test1", C_TEST },     { "sifive,test0", C_TEST },
        { "virtio,mmio", C_VIRTIO },    { "simple-bus", C_STRUCTURAL },
        { "google,goldfish-rtc", C_RTC },
        { "riscv", C_STRUCTURAL },      { "riscv,cpu-intc", C_STRUCTURAL },
    };
    /* The list is a run of NUL-terminated strings; a last string missing its
     * NUL is bounded by len and simply never matches (prop_str_is wants it). */
    uint32_t off = 0;
    while (off < len) {
        for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++) {
            if (prop_str_is(s + off, len - off, table[i].compat))
                return (enum node_class)table[i].cls;
        }
        while (off < len && s[off] != 0)
            off++;
        off++; /* past the NUL */
    }
    return C_NONE;
}

/* Number of reg entries of n under the parent's cells; 0 when unusable. */
static uint32_t reg_count(const struct node *n, const struct node *parent)
{
    uint32_t ac = parent->addr_cells, sc = parent->size_cells;
    if (!(n->flags & F_REG) || ac < 1 || ac > 2 || sc < 1 || sc > 2)
        return 0;
    return n->reg_len / ((ac + sc) * 4);
}

/* Decodes reg entry idx (< reg_count); false when the range wraps the
 * address space, which can only be garbage. */
static bool reg_entry(const struct walker *w, const struct node *n,
                      const struct node *parent, uint32_t idx,
                      struct fdt_range *r)
{
    uint32_t ac = parent->addr_cells, sc = parent->size_cells;
    const uint8_t *p = w->b + n->reg + (uint64_t)idx * (ac + sc) * 4;
    r->base = ac == 2 ? be64(p) : be32(p);
    r->len = sc == 2 ? be64(p + ac * 4) : be32(p + ac * 4);
    return r->base + r->len >= r->base;
}

/* Appends every usable, non-empty reg entry of n to a range table. */
static void add_ranges(const struct walker *w, const struct node *n,
                       const struct node *parent, struct fdt_range *tab,
                       uint32_t *count, uint32_t max)
{
    struct fdt_range r;
    uint32_t nregs = reg_count(n, parent);
    for (uint32_t i = 0; i < nregs && *count < max; i++) {
        if (reg_entry(w, n, parent, i, &r) && r.len != 0)
            tab[(*count)++] = r;
    }
}

static void set_device(const struct walker *w, const struct node *n,
                       const struct node *parent, struct fdt_device *d)
{
    struct fdt_range r;
    if (d->present || reg_count(n, parent) == 0 ||
        !reg_entry(w, n, parent, 0, &r))
        return;
    d->base = r.base;
    d->len = r.len;
    d->irq = (n->flags & F_IRQ) ? n->irq : 0;
    d->present = true;
}

/* Acts on a node once all its properties are known (at its END_NODE). */
static void finish_node(const struct walker *w, const struct node *n,
                        const struct node *parent)
{
    struct platform_info *out = w->out;
    const uint8_t *name = w->b + n->name;
    bool enabled = !(n->flags & F_DISABLED);
    bool is_memory = parent->kind == K_ROOT &&
                     (name_base_is(name, "memory") || (n->flags & F_TYPE_MEMORY));
    bool is_cpu = parent->kind == K_CPUS &&
                  (name_base_is(name, "cpu") || (n->flags & F_TYPE_CPU));

    if (is_memory)
        add_ranges(w, n, parent, out->mem, &out->nmem, FDT_MAX_MEM);
    if (parent->kind == K_RESV_MEM)
        add_ranges(w, n, parent, out->resv, &out->nresv, FDT_MAX_RESV);
    if (is_cpu && enabled)
        out->nharts++;
    if (!(n->flags & F_COMPAT) || !enabled)
        return;

    switch (class_of(w->b + n->compat, n->compat_len)) {
    case C_UART:
        set_device(w, n, parent, &out->uart);
        break;
    case C_PLIC:
        if (!out->plic.present) {
            set_device(w, n, parent, &out->plic);
            out->plic_ndev = out->plic.present ? n->ndev : 0;
        }
        break;
    case C_TEST:
        set_device(w, n, parent, &out->test);
        break;
    case C_RTC:
        set_device(w, n, parent, &out->rtc);
        break;
    case C_VIRTIO:
        if (out->nvirtio < FDT_MAX_VIRTIO) {
            set_device(w, n, parent, &out->virtio[out->nvirtio]);
            if (out->virtio[out->nvirtio].present)
                out->nvirtio++;
        }
        break;
    case C_STRUCTURAL:
        break;
    case C_NONE:
        /* The root's and cpus' compatibles describe the board, not devices. */
        if (n->kind == K_ROOT || n->kind == K_CPUS || n->kind == K_CHOSEN ||
            is_memory || is_cpu)
            break;
        if (out->nunknown < FDT_MAX_UNKNOWN)
            copy_str(out->unknown[out->nunknown++], FDT_NAME_MAX, name,
                     FDT_NAME_MAX);
        else
            out->nunknown_dropped++;
        break;
    }
}

/* Records one property of node n; val/len are already bounds-checked. */
static void take_prop(const struct walker *w, struct node *n,
                      const struct node *parent, const uint8_t *pname,
                      uint32_t val, uint32_t len)
{
    const uint8_t *v = w->b + val;
    struct platform_info *out = w->out;

    if (str_eq(pname, "#address-cells") && len >= 4) {
        n->addr_cells = be32(v);
    } else if (str_eq(pname, "#size-cells") && len >= 4) {
        n->size_cells = be32(v);
    } else if (str_eq(pname, "reg")) {
        n->reg = val;
        n->reg_len = len;
        n->flags |= F_REG;
    } else if (str_eq(pname, "compatible")) {
        n->compat = val;
        n->compat_len = len;
        n->flags |= F_COMPAT;
    } else if (str_eq(pname, "interrupts") && len >= 4) {
        n->irq = be32(v);
        n->flags |= F_IRQ;
    } else if (str_eq(pname, "riscv,ndev") && len >= 4) {
        n->ndev = be32(v);
    } else if (str_eq(pname, "status")) {
        if (!prop_str_is(v, len, "okay"))
            n->flags |= F_DISABLED;
    } else if (str_eq(pname, "device_type")) {
        if (prop_str_is(v, len, "memory"))
            n->flags |= F_TYPE_MEMORY;
        else if (prop_str_is(v, len, "cpu"))
            n->flags |= F_TYPE_CPU;
    } else if (str_eq(pname, "timebase-frequency") && (len == 4 || len == 8)) {
        /* /cpus' value wins: its properties precede its cpu children, so a
         * cpu node's copy only fills in when /cpus had none. */
        uint64_t hz = len == 4 ? be32(v) : be64(v);
        if (n->kind == K_CPUS || (parent->kind == K_CPUS && out->timebase_hz == 0))
            out->timebase_hz = hz;
    } else if (str_eq(pname, "bootargs") && n->kind == K_CHOSEN) {
        copy_str(out->bootargs, FDT_BOOTARGS_MAX, v, len);
    } else if (str_eq(pname, "model") && n->kind == K_ROOT) {
        copy_str(out->model, FDT_MODEL_MAX, v, len);
    }
}

err_t fdt_check_header(const void *blob, uint64_t max_len, uint32_t *total_len)
{
    const uint8_t *b = blob;
    if (b == NULL || max_len < FDT_HEADER_LEN)
        return E_RANGE;
    if (be32(b) != FDT_MAGIC)
        return E_INVAL;
    uint64_t total = be32(b + 4);
    if (total < FDT_HEADER_LEN || total > max_len)
        return E_RANGE;
    uint64_t off_struct = be32(b + 8), off_strings = be32(b + 12);
    uint64_t off_rsv = be32(b + 16), version = be32(b + 20);
    uint64_t last_comp = be32(b + 24), size_strings = be32(b + 32);
    uint64_t size_struct = be32(b + 36);
    if (version < 16 || last_comp > 17)
        return E_INVAL;
    /* Version 16 headers have no size_dt_struct: the block may run to the end. */
    if (version < 17)
        size_struct = off_struct <= total ? total - off_struct : 0;
    /* All sums are of 32-bit values in 64 bits, so none can wrap. Blocks may
     * not overlap the header; tokens and rsvmap entries must be aligned. */
    if (off_struct < FDT_HEADER_LEN || off_struct % 4 != 0 ||
        off_struct + size_struct > total)
        return E_INVAL;
    if (off_strings < FDT_HEADER_LEN || off_strings + size_strings > total)
        return E_INVAL;
    if (off_rsv < FDT_HEADER_LEN || off_rsv % 8 != 0 || off_rsv + 16 > total)
        return E_INVAL;
    if (total_len != NULL)
        *total_len = (uint32_t)total;
    return E_OK;
}

/* Reads /memreserve/ entries up to the (0,0) terminator. */
static err_t read_rsvmap(const struct walker *w)
{
    for (uint64_t off = be32(w->b + 16);; off += 16) {
        if (off + 16 > w->total)
            return E_CORRUPT;
        uint64_t base = be64(w->b + off), len = be64(w->b + off + 8);
        if (base == 0 && len == 0)
            return E_OK;
        struct platform_info *out = w->out;
        if (len != 0 && base + len >= base && out->nresv < FDT_MAX_RESV) {
            out->resv[out->nresv].base = base;
            out->resv[out->nresv].len = len;
            out->nresv++;
        }
    }
}

err_t fdt_parse_platform(const void *blob, uint64_t max_len, struct platform_info *out)
{
    uint32_t total;
    err_t e;
    if (out == NULL)
        return E_INVAL;
    zero_info(out);
    if ((e = fdt_check_header(blob, max_len, &total)) != E_OK)
        return e;

    struct walker w = { .b = blob, .total = total, .out = out };
    if ((e = read_rsvmap(&w)) != E_OK)
        return e;

    const uint8_t *b = w.b;
    uint64_t pos = be32(b + 8), str_off = be32(b + 12), str_size = be32(b + 32);
    uint64_t end = be32(b + 20) < 17 ? total : pos + be32(b + 36);
    /* nodes[0] is a pseudo-parent of the root carrying the default cells. */
    struct node nodes[FDT_MAX_DEPTH + 1];
    nodes[0].addr_cells = 2;
    nodes[0].size_cells = 1;
    nodes[0].kind = K_OTHER;
    unsigned depth = 0;
    bool root_done = false;

    /* Every branch advances pos by at least 4, so the loop ends. */
    while (pos + 4 <= end) {
        uint32_t tok = be32(b + pos);
        pos += 4;
        if (tok == FDT_NOP)
            continue;
        if (tok == FDT_END) {
            return depth == 0 && root_done ? E_OK : E_CORRUPT;
        } else if (tok == FDT_BEGIN_NODE) {
            int64_t nlen = bounded_strlen(b, pos, end);
            if (nlen < 0 || depth >= FDT_MAX_DEPTH || root_done)
                return E_CORRUPT;
            struct node *parent = &nodes[depth], *n = &nodes[depth + 1];
            const uint8_t *name = b + pos;
            n->name = (uint32_t)pos;
            n->addr_cells = 2;
            n->size_cells = 1;
            n->reg = n->reg_len = n->compat = n->compat_len = 0;
            n->irq = n->ndev = 0;
            n->flags = 0;
            n->kind = K_OTHER;
            if (depth == 0)
                n->kind = K_ROOT;
            else if (parent->kind == K_ROOT && str_eq(name, "cpus"))
                n->kind = K_CPUS;
            else if (parent->kind == K_ROOT && str_eq(name, "chosen"))
                n->kind = K_CHOSEN;
            else if (parent->kind == K_ROOT && str_eq(name, "reserved-memory"))
                n->kind = K_RESV_MEM;
            depth++;
            pos = (pos + (uint64_t)nlen + 1 + 3) & ~(uint64_t)3;
        } else if (tok == FDT_END_NODE) {
            if (depth == 0)
                return E_CORRUPT;
            finish_node(&w, &nodes[depth], &nodes[depth - 1]);
            depth--;
            if (depth == 0)
                root_done = true;
        } else if (tok == FDT_PROP) {
            if (pos + 8 > end || depth == 0)
                return E_CORRUPT;
            uint64_t len = be32(b + pos), nameoff = be32(b + pos + 4);
            uint64_t val = pos + 8;
            if (val + len > end || nameoff >= str_size ||
                bounded_strlen(b, str_off + nameoff, str_off + str_size) < 0)
                return E_CORRUPT;
            take_prop(&w, &nodes[depth], &nodes[depth - 1], b + str_off + nameoff,
                      (uint32_t)val, (uint32_t)len);
            pos = (val + len + 3) & ~(uint64_t)3;
        } else {
            return E_CORRUPT;
        }
    }
    return E_CORRUPT; /* ran off the structure block without FDT_END */
}
