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
    ipc_buffer()->recv_caps_max = 1;
    sys_printf("blk: virtio block device, %lu sectors (%lu MiB)\n", capacity, capacity >> 11);
}

static struct client *client_of(int64_t badge)
{
    for (int i = 0; i < BLK_MAX_CLIENTS; i++)
        if (clients[i].used && clients[i].badge == (uint64_t)badge)
            return &clients[i];
    return NULL;
}

static void reply_err(struct ipc_msg *m, err_t err)
{
    m->tag = IPC_TAG((uint64_t)(int64_t)err & 0xffffffffffffull, 0, 0);
}

static void op_attach(struct ipc_msg *m, int64_t badge)
{
    struct ipc_buffer *b = ipc_buffer();
    if (IPC_TAG_NCAPS(m->tag) != 1 || (m->tag & IPC_TAG_TRUNCATED))
        return reply_err(m, E_INVAL);
    handle_t frame = b->caps[0];
    struct cap_info ci;
    if (sys_cap_info(frame, &ci) < 0 || ci.type != CAP_FRAME ||
        (ci.rights & (RIGHT_READ | RIGHT_WRITE)) != (RIGHT_READ | RIGHT_WRITE)) {
        (void)sys_cap_delete(frame);
        return reply_err(m, E_INVAL);
    }
    if (ci.len > BLK_BUFFER_MAX) {
        (void)sys_cap_delete(frame);
        return reply_err(m, E_RANGE);
    }
    struct client *c = client_of(badge);
    if (!c) {
        for (int i = 0; i < BLK_MAX_CLIENTS && !c; i++)
            if (!clients[i].used)
                c = &clients[i];
        if (!c) {
            (void)sys_cap_delete(frame);
            return reply_err(m, E_NOSPACE);
        }
    } else {
        (void)sys_cap_delete(c->frame);
    }
    c->used = true;
    c->badge = (uint64_t)badge;
    c->frame = frame;
    c->pa = ci.pa;
    c->len = ci.len;
    m->tag = IPC_TAG(0, 0, 0);
    m->w[0] = capacity;
    m->w[1] = BLK_SECTOR;
    m->w[2] = ci.len;
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

/* Returns true if the request was queued (its reply is then deferred). */
static bool op_io(struct ipc_msg *m, int64_t badge, uint64_t op)
{
    uint64_t sector = m->w[0], count = m->w[1], off = m->w[2];
    uint32_t type = op == BLK_OP_READ ? VIRTIO_BLK_T_IN
                    : op == BLK_OP_WRITE ? VIRTIO_BLK_T_OUT
                                         : VIRTIO_BLK_T_FLUSH;
    uint64_t pa = 0, len = 0;
    if (op != BLK_OP_FLUSH) {
        struct client *c = client_of(badge);
        if (!c || count == 0 || off % BLK_SECTOR) {
            reply_err(m, E_INVAL);
            return false;
        }
        len = count * BLK_SECTOR;
        /* Both checks are needed: sector + count and off + len can wrap. */
        if (count > capacity || sector > capacity - count || len > c->len || off > c->len - len) {
            reply_err(m, E_RANGE);
            return false;
        }
        pa = c->pa + off;
    }
    int i = free_slot();
    if (i < 0) {
        reply_err(m, E_BUSY);
        return false;
    }
    int64_t reply = ipc_reply_save();
    if (reply < 0) {
        reply_err(m, (err_t)reply);
        return false;
    }
    reqs[i].busy = true;
    reqs[i].reply = (handle_t)reply;
    submit(i, type, sector, pa, (uint32_t)len);
    return true;
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
        struct ipc_msg r = {.tag = IPC_TAG(0, 0, 0)};
        if (status[i] != VIRTIO_BLK_S_OK)
            reply_err(&r, E_IO);
        (void)ipc_reply_to(reqs[i].reply, &r); /* a dead client's reply is dropped */
        reqs[i].busy = false;
    }
    (void)sys_irq_ack(BLK_SLOT_IRQ);
}

int main(uintptr_t arg)
{
    (void)arg;
    start();
    struct ipc_msg m;
    int64_t badge = ipc_recv(BLK_SLOT_SERVICE, &m);
    for (;;) {
        bool answer_now = true;
        uint64_t label = IPC_TAG_LABEL(m.tag);
        if (badge < 0) {
            badge = ipc_recv(BLK_SLOT_SERVICE, &m);
            continue;
        }
        /* A capability is taken by ATTACH only; any other request's goes,
         * or each would stay in our table until it is full. */
        if (label != BLK_OP_ATTACH && IPC_TAG_NCAPS(m.tag) >= 1)
            (void)sys_cap_delete(ipc_buffer()->caps[0]);
        /* The interrupt arrives with badge 0; a client sending its label
         * is a client (E_NOSYS), not a completion: it would otherwise never
         * get an answer. */
        if (label == IPC_LABEL_NOTIFY && badge != 0)
            label = 0;
        switch (label) {
        case IPC_LABEL_NOTIFY:
            complete();
            answer_now = false;
            break;
        case BLK_OP_ATTACH:
            op_attach(&m, badge);
            break;
        case BLK_OP_INFO:
            m.tag = IPC_TAG(0, 0, 0);
            m.w[0] = capacity;
            m.w[1] = BLK_SECTOR;
            break;
        case BLK_OP_READ:
        case BLK_OP_WRITE:
        case BLK_OP_FLUSH:
            answer_now = !op_io(&m, badge, label);
            break;
        default:
            reply_err(&m, E_NOSYS);
        }
        badge = answer_now ? ipc_reply_recv(BLK_SLOT_SERVICE, &m)
                           : ipc_recv(BLK_SLOT_SERVICE, &m);
    }
}
