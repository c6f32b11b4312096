/*
 * blk: the virtio-mmio block driver, a user-mode server. It owns one
 * device's registers, its IRQ (as a notification bound to its thread) and a
 * little RAM for the virtqueue. Clients attach a buffer; requests DMA
 * straight into it. Up to BLK_MAX_INFLIGHT requests are in flight; each
 * caller's reply is saved (SYS_REPLY_SAVE) and sent when the device
 * completes its request, so a slow request never blocks the others.
 */
#include <sys/ipc.h>
#include <sys/mica.h>
#include <sys/server.h>

#include <proto/blk.h>

#include "virtio.h"

#define PAGE 4096ul
#define QSIZE 128
#define BLK_MEM_VA 0x2000000000ul
#define BLK_MMIO_VA 0x2100000000ul

struct client {
    bool used;
    uint64_t badge;
    handle_t frame;
    uint64_t pa, len;
};

struct request {
    bool busy;
    handle_t reply; /* saved reply to the caller */
};

static volatile uint8_t *mmio;
static uint64_t mem_pa;
static struct virtq_desc *desc;
static struct virtq_avail *avail;
static volatile struct virtq_used *used;
static struct virtio_blk_req_hdr *hdrs;
static volatile uint8_t *status;
static uint16_t used_seen;
static uint64_t capacity;
static struct client clients[BLK_MAX_CLIENTS];
static struct request reqs[BLK_MAX_INFLIGHT];

static uint32_t reg_read(uint32_t off)
{
    return *(volatile uint32_t *)(mmio + off);
}

static void reg_write(uint32_t off, uint32_t v)
{
    *(volatile uint32_t *)(mmio + off) = v;
}

static uint64_t mem_to_pa(const void *p)
{
    return mem_pa + ((uint64_t)(uintptr_t)p - BLK_MEM_VA);
}

static void die(const char *what)
{
    sys_printf("blk: %s\n", what);
    sys_exit(1);
}

/* Device initialisation: virtio 1.1 section 3.1.1, for virtio-mmio v2. */
static void device_init(void)
{
    if (reg_read(VIRTIO_MMIO_MAGIC) != VIRTIO_MAGIC || reg_read(VIRTIO_MMIO_VERSION) != 2 ||
        reg_read(VIRTIO_MMIO_DEVICE_ID) != VIRTIO_DEVICE_BLOCK)
        die("not a virtio-mmio (version 2) block device");
    reg_write(VIRTIO_MMIO_STATUS, 0);
    uint32_t st = VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER;
    reg_write(VIRTIO_MMIO_STATUS, st);
    reg_write(VIRTIO_MMIO_DEVICE_FEATURES_SEL, VIRTIO_F_VERSION_1_WORD);
    if (!(reg_read(VIRTIO_MMIO_DEVICE_FEATURES) & VIRTIO_F_VERSION_1_BIT))
        die("the device does not offer VIRTIO_F_VERSION_1");
    reg_write(VIRTIO_MMIO_DEVICE_FEATURES_SEL, 0);
    uint32_t low = reg_read(VIRTIO_MMIO_DEVICE_FEATURES) & VIRTIO_BLK_F_FLUSH;
    reg_write(VIRTIO_MMIO_DRIVER_FEATURES_SEL, 0);
    reg_write(VIRTIO_MMIO_DRIVER_FEATURES, low);
    reg_write(VIRTIO_MMIO_DRIVER_FEATURES_SEL, VIRTIO_F_VERSION_1_WORD);
    reg_write(VIRTIO_MMIO_DRIVER_FEATURES, VIRTIO_F_VERSION_1_BIT);
    st |= VIRTIO_STATUS_FEATURES_OK;
    reg_write(VIRTIO_MMIO_STATUS, st);
    if (!(reg_read(VIRTIO_MMIO_STATUS) & VIRTIO_STATUS_FEATURES_OK))
        die("the device refused our features");

    reg_write(VIRTIO_MMIO_QUEUE_SEL, 0);
    if (reg_read(VIRTIO_MMIO_QUEUE_NUM_MAX) < QSIZE)
        die("the device's queue is too small");
    reg_write(VIRTIO_MMIO_QUEUE_NUM, QSIZE);
    uint64_t d = mem_to_pa(desc), a = mem_to_pa(avail), u = mem_to_pa((void *)used);
    reg_write(VIRTIO_MMIO_QUEUE_DESC_LOW, (uint32_t)d);
    reg_write(VIRTIO_MMIO_QUEUE_DESC_HIGH, (uint32_t)(d >> 32));
    reg_write(VIRTIO_MMIO_QUEUE_DRIVER_LOW, (uint32_t)a);
    reg_write(VIRTIO_MMIO_QUEUE_DRIVER_HIGH, (uint32_t)(a >> 32));
    reg_write(VIRTIO_MMIO_QUEUE_DEVICE_LOW, (uint32_t)u);
    reg_write(VIRTIO_MMIO_QUEUE_DEVICE_HIGH, (uint32_t)(u >> 32));
    reg_write(VIRTIO_MMIO_QUEUE_READY, 1);
    st |= VIRTIO_STATUS_DRIVER_OK;
    reg_write(VIRTIO_MMIO_STATUS, st);
    capacity = (uint64_t)reg_read(VIRTIO_MMIO_CONFIG) |
               ((uint64_t)reg_read(VIRTIO_MMIO_CONFIG + 4) << 32);
}

static void start(void)
{
    struct cap_info ram, dev;
    if (sys_cap_info(BLK_SLOT_RAM, &ram) < 0 || sys_cap_info(BLK_SLOT_MMIO, &dev) < 0)
        die("missing capabilities");
    for (uint64_t off = 0; off < ram.len && off < BLK_RAM_LEN; off += PAGE)
        if (sys_map(BLK_SLOT_SELF_TASK, BLK_MEM_VA + off, BLK_SLOT_RAM, off, MAP_R | MAP_W) < 0)
            die("cannot map memory");
    if (sys_map(BLK_SLOT_SELF_TASK, BLK_MMIO_VA, BLK_SLOT_MMIO, 0, MAP_R | MAP_W) < 0)
        die("cannot map the device");
    mmio = (volatile uint8_t *)(uintptr_t)(BLK_MMIO_VA + (dev.pa & (PAGE - 1)));
    mem_pa = ram.pa;
    uint8_t *m = (uint8_t *)(uintptr_t)BLK_MEM_VA;
    memset(m, 0, 2 * PAGE);
    desc = (struct virtq_desc *)m;                     /* 16 * 128 = 2048 bytes */
    avail = (struct virtq_avail *)(m + 2048);          /* 4 + 2 * 128 + 2 bytes */
    used = (volatile struct virtq_used *)(m + 2560);   /* 4 + 8 * 128 + 2 bytes */
    hdrs = (struct virtio_blk_req_hdr *)(m + PAGE);    /* one per request slot */
    status = m + PAGE + BLK_MAX_INFLIGHT * sizeof(struct virtio_blk_req_hdr);
    device_init();
    if (sys_irq_bind(BLK_SLOT_IRQ, BLK_SLOT_NTFN) < 0 ||
        sys_thread_bind_notification(BLK_SLOT_THREAD, BLK_SLOT_NTFN) < 0)
        die("cannot take the device's interrupt");
    sys_printf("blk: virtio block device, %lu sectors (%lu MiB)\n", capacity, capacity >> 11);
}

BLK_OPS(SRV_DECLARE)
SRV_DECLARE_KERNEL(blk_irq, ipc_notify_msg)

static struct client *client_of(uint64_t badge)
{
    for (int i = 0; i < BLK_MAX_CLIENTS; i++)
        if (clients[i].used && clients[i].badge == badge)
            return &clients[i];
    return NULL;
}

SRV_HANDLER(blk_attach)
{
    /* Exactly one capability: the table lets up to IPC_MAX_CAPS in so that
     * more than one is refused, not silently dropped. The framework
     * deletes every capability not kept (caps[0] = 0). */
    if (r->ncaps != 1)
        return E_INVAL;
    handle_t frame = r->caps[0];
    struct cap_info ci;
    if (sys_cap_info(frame, &ci) < 0 || ci.type != CAP_FRAME ||
        (ci.rights & (RIGHT_READ | RIGHT_WRITE)) != (RIGHT_READ | RIGHT_WRITE))
        return E_INVAL;
    if (ci.len > BLK_BUFFER_MAX)
        return E_RANGE;
    struct client *c = client_of(r->badge);
    if (!c) {
        for (int i = 0; i < BLK_MAX_CLIENTS && !c; i++)
            if (!clients[i].used)
                c = &clients[i];
        if (!c)
            return E_NOSPACE;
    } else {
        (void)sys_cap_delete(c->frame);
    }
    r->caps[0] = 0; /* kept */
    c->used = true;
    c->badge = r->badge;
    c->frame = frame;
    c->pa = ci.pa;
    c->len = ci.len;
    rep->sectors = capacity;
    rep->sector_size = BLK_SECTOR;
    rep->buffer_len = ci.len;
    return E_OK;
}

SRV_HANDLER(blk_info)
{
    rep->sectors = capacity;
    rep->sector_size = BLK_SECTOR;
    return E_OK;
}

static int free_slot(void)
{
    for (int i = 0; i < BLK_MAX_INFLIGHT; i++)
        if (!reqs[i].busy)
            return i;
    return -1;
}

/* Queues request slot i: header, optional data, status (descriptors 3i..). */
static void submit(int i, uint32_t type, uint64_t sector, uint64_t data_pa, uint32_t len)
{
    hdrs[i].type = type;
    hdrs[i].reserved = 0;
    hdrs[i].sector = sector;
    status[i] = 0xff;
    uint16_t h = (uint16_t)(3 * i);
    desc[h].addr = mem_to_pa(&hdrs[i]);
    desc[h].len = sizeof(hdrs[i]);
    desc[h].flags = VIRTQ_DESC_F_NEXT;
    uint16_t s = (uint16_t)(h + 2);
    if (len) {
        desc[h].next = (uint16_t)(h + 1);
        desc[h + 1].addr = data_pa;
        desc[h + 1].len = len;
        desc[h + 1].flags = VIRTQ_DESC_F_NEXT | (type == VIRTIO_BLK_T_IN ? VIRTQ_DESC_F_WRITE : 0);
        desc[h + 1].next = s;
    } else {
        desc[h].next = s;
    }
    desc[s].addr = mem_to_pa((void *)&status[i]);
    desc[s].len = 1;
    desc[s].flags = VIRTQ_DESC_F_WRITE;
    desc[s].next = 0;
    avail->ring[avail->idx % QSIZE] = h;
    __sync_synchronize(); /* descriptors before the index the device reads */
    avail->idx++;
    __sync_synchronize();
    reg_write(VIRTIO_MMIO_QUEUE_NOTIFY, 0);
}

/* Queues a request; its reply is deferred until the device completes it. */
static err_t io(struct srv_req *r, uint32_t type, const struct blk_io_req *req)
{
    uint64_t pa = 0, len = 0;
    if (type != VIRTIO_BLK_T_FLUSH) {
        struct client *c = client_of(r->badge);
        uint64_t sector = req->sector, count = req->count, off = req->offset;
        if (!c || count == 0 || off % BLK_SECTOR)
            return E_INVAL;
        len = count * BLK_SECTOR;
        /* Both checks are needed: sector + count and off + len can wrap. */
        if (count > capacity || sector > capacity - count || len > c->len || off > c->len - len)
            return E_RANGE;
        pa = c->pa + off;
    }
    int i = free_slot();
    if (i < 0)
        return E_BUSY;
    int64_t reply = srv_defer(r);
    if (reply < 0)
        return (err_t)reply;
    reqs[i].busy = true;
    reqs[i].reply = (handle_t)reply;
    submit(i, type, type == VIRTIO_BLK_T_FLUSH ? 0 : req->sector, pa, (uint32_t)len);
    return SRV_DEFER;
}

SRV_HANDLER(blk_read)
{
    return io(r, VIRTIO_BLK_T_IN, req);
}

SRV_HANDLER(blk_write)
{
    return io(r, VIRTIO_BLK_T_OUT, req);
}

SRV_HANDLER(blk_flush)
{
    return io(r, VIRTIO_BLK_T_FLUSH, NULL);
}

/* The device finished requests: answer their callers. */
static void complete(void)
{
    uint32_t pending = reg_read(VIRTIO_MMIO_INTERRUPT_STATUS);
    reg_write(VIRTIO_MMIO_INTERRUPT_ACK, pending);
    __sync_synchronize();
    while (used_seen != used->idx) {
        uint32_t head = used->ring[used_seen % QSIZE].id;
        used_seen++;
        int i = (int)(head / 3);
        if (i >= BLK_MAX_INFLIGHT || !reqs[i].busy)
            continue; /* not ours: ignore rather than trust it */
        err_t err = status[i] == VIRTIO_BLK_S_OK ? E_OK : E_IO;
        /* A dead client's reply is dropped. */
        (void)srv_reply_later(reqs[i].reply, PROTO_REGS, err, NULL, 0, 0);
        reqs[i].busy = false;
    }
    (void)sys_irq_ack(BLK_SLOT_IRQ);
}

/* The device's interrupt (badge 0: the bound notification): no reply. */
SRV_HANDLER(blk_irq)
{
    complete();
    return SRV_DEFER;
}

/* Badge 0 is the interrupt's (and may be a client's: root's own
 * capability); a client's IPC_LABEL_NOTIFY is E_NOSYS, not a completion
 * (it would otherwise never get an answer). */
static uint32_t classify(struct srv_req *r)
{
    return r->badge == 0 ? BLK_CALLER_CLIENT | BLK_CALLER_IRQ : BLK_CALLER_CLIENT;
}

static const struct srv_op ops[] = {
    BLK_OPS(SRV_ENTRY)
    SRV_KERNEL_ENTRY(IPC_LABEL_NOTIFY, blk_irq, ipc_notify_msg, BLK_CALLER_IRQ)
};
static struct srv blk = {.name = "blk", .ops = ops, .nops = SRV_NOPS(ops),
                         .classify = classify, .denied = E_NOSYS};

int main(uintptr_t arg)
{
    (void)arg;
    start();
    srv_run(&blk, BLK_SLOT_SERVICE);
}
