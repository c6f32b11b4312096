/*
 * IPC from C: a message is a tag and six words (include/mica/ipc.h); the
 * stubs move them in and out of registers. Inline, so a register-only
 * call costs no more than the ecall itself.
 */
#pragma once

#include <stdint.h>

#include <mica/caps.h>
#include <mica/ipc.h>
#include <mica/syscall.h>
#include <sys/syscall_raw.h>

struct ipc_msg {
    uint64_t tag;
    uint64_t w[IPC_WORDS];
};

static inline int64_t ipc_op(uint64_t nr, handle_t cap, struct ipc_msg *m)
{
    uint64_t r[SYS_RAW_REGS] = {cap,     m->tag,  m->w[0], m->w[1], m->w[2],
                                m->w[3], m->w[4], m->w[5], m->w[6], m->w[7]};
    sys_raw10(nr, r);
    m->tag = r[1];
    for (int i = 0; i < IPC_WORDS; i++)
        m->w[i] = r[2 + i];
    return (int64_t)r[0];
}

/* Sends *m and waits for the reply, which replaces *m. Returns 0 or an
 * err_t (E_DEAD when the server died before replying). */
static inline int64_t ipc_call(handle_t ep, struct ipc_msg *m)
{
    return ipc_op(SYS_CALL, ep, m);
}

/* Receives into *m (only the handle goes in). */
/*
 * A request to a server whose replies follow the servers' convention
 * (label 0 = success, else an err_t as a 48-bit two's-complement label):
 * sends op with len bytes of IPC-buffer data (and the capabilities m->tag
 * already counts), waits for the reply in m. Returns 0, the server's
 * err_t, or the kernel's (E_DEAD: the server is gone).
 */
static inline int64_t ipc_request(handle_t ep, uint64_t op, struct ipc_msg *m, uint64_t len)
{
    m->tag = IPC_TAG(op, len, IPC_TAG_NCAPS(m->tag));
    int64_t r = ipc_call(ep, m);
    if (r < 0)
        return r;
    uint64_t label = IPC_TAG_LABEL(m->tag);
    return label ? (int64_t)(label << 16) >> 16 : 0;
}

static inline int64_t ipc_op_recv(uint64_t nr, handle_t cap, struct ipc_msg *m)
{
    uint64_t r[SYS_RAW_REGS] = {cap, 0, 0, 0, 0, 0, 0, 0, 0, 0};
    sys_raw10(nr, r);
    m->tag = r[1];
    for (int i = 0; i < IPC_WORDS; i++)
        m->w[i] = r[2 + i];
    return (int64_t)r[0];
}

/* Waits for a message into *m; returns the sender's badge (>= 0) or err_t. */
static inline int64_t ipc_recv(handle_t ep, struct ipc_msg *m)
{
    return ipc_op_recv(SYS_RECV, ep, m);
}

static inline int64_t ipc_nbrecv(handle_t ep, struct ipc_msg *m)
{
    return ipc_op_recv(SYS_NBRECV, ep, m);
}

/* Replies *m to the last caller, then waits for the next message into *m;
 * returns its badge or err_t. */
static inline int64_t ipc_reply_recv(handle_t ep, struct ipc_msg *m)
{
    return ipc_op(SYS_REPLY_RECV, ep, m);
}

static inline int64_t ipc_send(handle_t ep, const struct ipc_msg *m)
{
    struct ipc_msg c = *m;
    return ipc_op(SYS_SEND, ep, &c);
}

static inline int64_t ipc_nbsend(handle_t ep, const struct ipc_msg *m)
{
    struct ipc_msg c = *m;
    return ipc_op(SYS_NBSEND, ep, &c);
}

/* Replies *m to the last caller; E_NOENT when no reply is owed. */
static inline int64_t ipc_reply(const struct ipc_msg *m)
{
    struct ipc_msg c = *m;
    return ipc_op(SYS_REPLY, 0, &c);
}

/* Keeps the right to answer the call just received as a capability, so
 * the thread can receive other messages first. Returns its handle. */
static inline int64_t ipc_reply_save(void)
{
    return sys_raw6(SYS_REPLY_SAVE, 0, 0, 0, 0, 0, 0);
}

/* Answers a saved call with *m and deletes the reply handle. E_DEAD if
 * the caller is gone (the reply is dropped). */
static inline int64_t ipc_reply_to(handle_t reply, const struct ipc_msg *m)
{
    struct ipc_msg c = *m;
    return ipc_op(SYS_REPLY_TO, reply, &c);
}

static inline int64_t ntfn_signal(handle_t n)
{
    return sys_raw6(SYS_SIGNAL, n, 0, 0, 0, 0, 0);
}

/* Blocks until some bit is set; returns and clears the bits. */
static inline int64_t ntfn_wait(handle_t n)
{
    return sys_raw6(SYS_WAIT, n, 0, 0, 0, 0, 0);
}

static inline int64_t ntfn_poll(handle_t n)
{
    return sys_raw6(SYS_POLL, n, 0, 0, 0, 0, 0);
}

/* The calling thread's IPC buffer (set up by the kernel for the root
 * task, by the creator for others). */
struct ipc_buffer *ipc_buffer(void);
void ipc_set_buffer(struct ipc_buffer *b);

/* Copies the data of reply *m from the IPC buffer into buf, at most cap
 * bytes: a client never trusts a server's length. Returns the bytes
 * copied. */
uint64_t ipc_reply_copy(const struct ipc_msg *m, void *buf, uint64_t cap);

/* The byte count a server's reply to a write of `sent` bytes gives in
 * w[0], or E_RANGE when it claims more than was sent: write loops add
 * only counts they can believe (and stop at a count of 0, which repeated
 * would spin for ever). */
int64_t ipc_reply_count(const struct ipc_msg *m, uint64_t sent);
