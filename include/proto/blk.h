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
 * Unknown ops get E_NOSYS.
 */
#pragma once

#include <stdint.h>

enum blk_op {
    /* caps[0] = a RAM frame (READ, WRITE) to use as this client's buffer.
     * Reply: w0 = capacity in sectors, w1 = sector size (512), w2 = buffer
     * bytes mapped. Replaces an earlier buffer. Errors: E_INVAL (no frame),
     * E_RANGE (larger than BLK_BUFFER_MAX), E_NOSPACE (too many clients). */
    BLK_OP_ATTACH = 1,
    /* Reply: w0 = capacity in sectors, w1 = sector size. Idempotent. */
    BLK_OP_INFO = 2,
    /* w0 = first sector, w1 = sectors, w2 = byte offset in the buffer.
     * Reads into the buffer. Errors: E_RANGE (past the disk or the buffer),
     * E_INVAL (0 sectors, unaligned offset, no buffer), E_IO (the device
     * failed), E_BUSY (BLK_MAX_INFLIGHT requests already in flight).
     * Idempotent. */
    BLK_OP_READ = 3,
    /* As READ, from the buffer to the disk. Idempotent. */
    BLK_OP_WRITE = 4,
    /* Makes every completed write durable (virtio FLUSH). Idempotent. */
    BLK_OP_FLUSH = 5,
};

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
