/*
 * Protocol of blk, the user-mode virtio-mmio block driver (docs/blk.md).
 *
 * Bulk data never travels through the kernel: a client first attaches a
 * buffer (a RAM frame capability it sends with BLK_OP_ATTACH); blk maps it
 * and the device reads and writes that memory directly (DMA). Requests then
 * name sectors and an offset into the buffer. Several requests may be in
 * flight: blk answers each when the device completes it, in any order.
 * The badge of the client's endpoint capability identifies the client.
 *
 * Replies: label 0 = success, else an err_t (read with BLK_REPLY_ERR).
 * This list is the protocol's one definition: libsys's stubs
 * (libsys/src/blk_client.c) and blk's dispatch table come from it.
 */
#pragma once

#include <stdint.h>

#include <proto/proto.h>

/* Every request and reply travels in the register words (the layout of
 * the words before the protocol had structs). */
struct blk_geometry_rep {
    uint64_t sectors;     /* capacity in sectors */
    uint64_t sector_size; /* BLK_SECTOR */
    uint64_t buffer_len;  /* ATTACH: buffer bytes mapped (INFO: 0) */
};
struct blk_io_req {
    uint64_t sector;      /* first sector */
    uint64_t count;       /* sectors */
    uint64_t offset;      /* byte offset in the attached buffer (sector-aligned) */
};
_Static_assert(sizeof(struct blk_geometry_rep) == 24, "ABI");
_Static_assert(sizeof(struct blk_io_req) == 24, "ABI");

/* Caller classes: any client (a badged capability root made); badge 0 is
 * the device's interrupt (IPC_LABEL_NOTIFY from the bound notification),
 * never a client. */
#define BLK_CALLER_CLIENT (1u << 0)
#define BLK_CALLER_IRQ (1u << 1)

/* The operations (include/proto/proto.h).
 * ATTACH: caps[0] = a RAM frame (READ and WRITE rights) to use as this
 *   client's buffer; replaces an earlier buffer. Reply: the geometry and
 *   the buffer's bytes. Errors: E_INVAL (no frame, more than one
 *   capability: caps_in is IPC_MAX_CAPS so that extra ones are refused
 *   rather than dropped), E_RANGE (larger than BLK_BUFFER_MAX), E_NOSPACE
 *   (too many clients). Not idempotent (a new buffer each time).
 * INFO: the geometry (buffer_len 0). Idempotent.
 * READ: sectors [sector, sector + count) into the buffer at offset.
 *   Errors: E_INVAL (0 sectors, unaligned offset, no buffer), E_RANGE
 *   (past the disk or the buffer), E_IO (the device failed), E_BUSY
 *   (BLK_MAX_INFLIGHT requests in flight). Answered when the device
 *   completes it (several may be in flight, answered in any order).
 *   Idempotent.
 * WRITE: as READ, from the buffer to the disk. Idempotent.
 * FLUSH: makes every completed write durable (virtio FLUSH). E_IO,
 *   E_BUSY. Idempotent.
 * Unknown ops and a client's IPC_LABEL_NOTIFY: E_NOSYS. */
#define BLK_OPS(X)                                                                     \
    X(BLK_OP_ATTACH, 1, blk_attach, proto_none, blk_geometry_rep, PROTO_REGS,           \
      BLK_CALLER_CLIENT, IPC_MAX_CAPS, PROTO_ONCE)                                     \
    X(BLK_OP_INFO, 2, blk_info, proto_none, blk_geometry_rep, PROTO_REGS,               \
      BLK_CALLER_CLIENT, 0, PROTO_IDEMPOTENT)                                          \
    X(BLK_OP_READ, 3, blk_read, blk_io_req, proto_none, PROTO_REGS, BLK_CALLER_CLIENT,  \
      0, PROTO_IDEMPOTENT)                                                             \
    X(BLK_OP_WRITE, 4, blk_write, blk_io_req, proto_none, PROTO_REGS, BLK_CALLER_CLIENT, \
      0, PROTO_IDEMPOTENT)                                                             \
    X(BLK_OP_FLUSH, 5, blk_flush, proto_none, proto_none, PROTO_REGS, BLK_CALLER_CLIENT, \
      0, PROTO_IDEMPOTENT)

enum blk_op { BLK_OPS(PROTO_ENUM) };
BLK_OPS(PROTO_ASSERT)

#define BLK_SECTOR 512u
#define BLK_BUFFER_MAX (16u << 20)
#define BLK_MAX_INFLIGHT 32
#define BLK_MAX_CLIENTS 16

#define BLK_REPLY_ERR(label) ((int64_t)((label) << 16) >> 16)

/* Starting blk (done by root): capabilities blk finds in its table. */
#define BLK_SLOT_SELF_TASK 1
#define BLK_SLOT_SERVICE 2   /* the endpoint blk serves */
#define BLK_SLOT_RAM 3       /* memory for its virtqueue and request headers */
#define BLK_SLOT_MMIO 4      /* the virtio-mmio registers of the device */
#define BLK_SLOT_IRQ 5       /* the device's IRQ handler */
#define BLK_SLOT_NTFN 6      /* a notification: the IRQ signals it, bound to blk's thread */
#define BLK_SLOT_THREAD 7    /* blk's own thread (to bind the notification) */
#define BLK_RAM_LEN (64u << 10)
