/*
 * console: the serial console as a user-mode server. Output goes to the
 * ns16550's transmit register (polled: the FIFO drains at line speed in
 * QEMU, which is instant); input arrives by interrupt into the line
 * discipline (input.c). Readers block (saved replies) until there is
 * input; input leaves the queue only once a living reader got it. ^C sends
 * SIGINT to every process of the foreground jobs (job.c) through proc.
 * Written with libsys's server framework: the protocol is CONSOLE_OPS in
 * include/proto/console.h.
 * Register layout: the 16550 data sheet (THR/RBR 0, IER 1, LSR 5).
 */
#include <sys/ipc.h>
#include <sys/mica.h>
#include <sys/proc.h>
#include <sys/server.h>

#include <proto/console.h>

#include "input.h"
#include "job.h"
#include "readers.h"

#define UART_VA 0x2000000000ull
#define UART_RBR 0 /* receive buffer (read) / transmit holding (write) */
#define UART_IER 1
#define UART_FCR 2 /* FIFO control (write) */
#define UART_LSR 5
#define LSR_DATA_READY 0x01
#define LSR_THR_EMPTY 0x20
#define IER_RX_AVAILABLE 0x01
#define FCR_FIFO_ON_CLEAR 0x07 /* 16-byte FIFOs on and empty; interrupt at 1 byte */

static volatile uint8_t *uart;
static struct cons_input in;
/* A byte read from the UART that did not fit: offered again first. While
 * it waits the receive interrupt is off, so the UART (and QEMU behind it)
 * holds the rest: typed input waits, it is never dropped. */
static int held = -1;
static struct cons_jobs jobs;

static struct cons_readers readers;

static void put_raw(char c)
{
    while (!(uart[UART_LSR] & LSR_THR_EMPTY))
        ;
    uart[UART_RBR] = (uint8_t)c;
}

static void put(char c)
{
    if (c == '\n')
        put_raw('\r');
    put_raw(c);
}

static bool has_proc(void)
{
    struct cap_info ci;
    return sys_cap_info(CONS_SLOT_PROC, &ci) == 0 && ci.type == CAP_ENDPOINT;
}

/* ^C: SIGINT to every process of every foreground job. A pid that has
 * ended already is E_NOENT from proc: nothing to do. */
static void interrupt_foreground(void)
{
    if (!has_proc())
        return;
    for (int d = 0; d < jobs.depth; d++)
        for (uint32_t i = 0; i < jobs.stack[d].npids; i++)
            (void)proc_kill(CONS_SLOT_PROC, jobs.stack[d].pids[i], PROC_SIGINT);
}

/* Takes bytes from the UART while the line discipline has room. */
static void drain_uart(void)
{
    for (;;) {
        int c = held;
        if (c < 0) {
            if (!(uart[UART_LSR] & LSR_DATA_READY))
                break;
            c = uart[UART_RBR];
        }
        held = -1;
        char echo[INPUT_ECHO_MAX];
        uint32_t echo_len;
        enum input_result r = input_take(&in, (char)c, echo, &echo_len);
        if (r == INPUT_FULL) {
            held = c;
            break;
        }
        for (uint32_t i = 0; i < echo_len; i++)
            put(echo[i]);
        if (r == INPUT_INTERRUPT)
            interrupt_foreground();
    }
    uart[UART_IER] = held >= 0 ? 0 : IER_RX_AVAILABLE;
}

/* Answers waiting readers, oldest first, while there is input. A reader
 * that died while it waited (E_DEAD) takes nothing: the input stays for
 * the next one. Room made here lets held UART input in. */
static void serve_readers(void)
{
    for (;;) {
        struct cons_reader *r = readers_oldest(&readers);
        bool eof;
        int64_t n = r ? input_peek(&in, r->want, &eof) : -1;
        if (n < 0)
            break;
        /* (srv_reply_later deletes the reply either way.) */
        int64_t sent = srv_reply_later(r->reply, PROTO_BUF, E_OK, in.ready, (uint32_t)n, 0);
        r->reply = 0;
        if (sent < 0)
            continue;
        input_consume(&in, (uint32_t)n);
        if (held >= 0)
            drain_uart();
    }
}

static void uart_interrupt(void)
{
    drain_uart();
    (void)sys_irq_ack(CONS_SLOT_IRQ);
    serve_readers();
}

/* Frees the slots of readers whose process has ended (proc says so): a
 * process that died while it read leaves its saved reply behind, and only
 * input would otherwise clear it. Nothing is sent to a living reader. */
static void forget_dead_readers(void)
{
    if (!has_proc())
        return;
    for (int i = 0; i < CONS_MAX_READERS; i++) {
        struct cons_reader *r = &readers.slot[i];
        uint64_t pid = cons_badge_pid(r->badge);
        if (!r->reply || !pid || proc_kill(CONS_SLOT_PROC, pid, 0) != E_NOENT)
            continue;
        (void)srv_reply_later(r->reply, PROTO_REGS, E_DEAD, NULL, 0, 0);
        r->reply = 0;
    }
}

CONSOLE_OPS(SRV_DECLARE)
SRV_DECLARE_KERNEL(cons_interrupt, ipc_notify_msg)

SRV_HANDLER(cons_read)
{
    if (req->max == 0 || req->max > CONS_IO_MAX)
        return E_INVAL;
    int slot;
    err_t room = readers_room(&readers, r->badge, &slot);
    if (room != E_OK) {
        forget_dead_readers();
        room = readers_room(&readers, r->badge, &slot);
    }
    if (room != E_OK)
        return room;
    int64_t saved = srv_defer(r);
    if (saved < 0)
        return (err_t)saved;
    readers_add(&readers, slot, r->badge, (handle_t)saved, (uint32_t)req->max);
    serve_readers();
    return SRV_DEFER;
}

/* proc's table, for the job rules; false when proc cannot be asked (no
 * proc, or a proc capability that may not list processes). */
static bool snapshot_processes(struct cons_ptable *t)
{
    t->n = 0;
    if (!has_proc())
        return false;
    uint64_t cursor = 0;
    struct proc_info info;
    int64_t r;
    while (t->n < CONS_JOB_MAX && (r = proc_list(CONS_SLOT_PROC, &cursor, &info)) >= 0) {
        t->pid[t->n] = info.pid;
        t->ppid[t->n] = info.ppid;
        t->running[t->n] = info.state == PROC_STATE_RUNNING;
        t->n++;
    }
    return t->n > 0 || r == E_NOENT;
}

static err_t set_job(uint64_t badge, const uint64_t *pids, uint64_t npids)
{
    static struct cons_ptable table;
    if (npids == 0 || npids > CONS_JOB_MAX)
        return E_INVAL;
    /* Without proc's list (it refused) the owner/foreground rule alone
     * applies; proc still keeps ^C off init and root's other children. */
    const struct cons_ptable *t = NULL;
    if (job_needs_table(&jobs, badge, pids, (uint32_t)npids) && snapshot_processes(&table))
        t = &table;
    return job_set(&jobs, badge, pids, (uint32_t)npids, t);
}

SRV_HANDLER(cons_write)
{
    for (uint32_t i = 0; i < r->req_len; i++)
        put(req->data[i]);
    rep->count = r->req_len;
    return E_OK;
}

SRV_HANDLER(cons_set_foreground)
{
    if (req->pid == 0) {
        job_end(&jobs, r->badge);
        return E_OK;
    }
    return set_job(r->badge, &req->pid, 1);
}

SRV_HANDLER(cons_set_job)
{
    uint64_t n = req->n;
    if (r->req_len < sizeof req->n || n == 0 || n > CONS_JOB_MAX ||
        r->req_len < sizeof req->n + n * sizeof(uint64_t))
        return E_INVAL;
    return set_job(r->badge, req->pids, n);
}

SRV_HANDLER(cons_end_job)
{
    job_end(&jobs, r->badge);
    return E_OK;
}

/* The UART's interrupt (the notification bound to our thread): no reply. */
SRV_HANDLER(cons_interrupt)
{
    uart_interrupt();
    return SRV_DEFER;
}

static uint32_t classify(struct srv_req *r)
{
    return r->badge ? CONS_CALLER_CLIENT : CONS_CALLER_CLIENT | CONS_CALLER_UNBADGED;
}

static const struct srv_op ops[] = {
    CONSOLE_OPS(SRV_ENTRY)
    SRV_KERNEL_ENTRY(IPC_LABEL_NOTIFY, cons_interrupt, ipc_notify_msg, CONS_CALLER_UNBADGED)};
/* A client's forged kernel label is an op it does not have: E_NOSYS. */
static struct srv console = {.name = "console", .ops = ops, .nops = SRV_NOPS(ops),
                             .classify = classify, .denied = E_NOSYS};

int main(uintptr_t arg)
{
    (void)arg;
    if (sys_map(CONS_SLOT_SELF_TASK, UART_VA, CONS_SLOT_MMIO, 0, MAP_R | MAP_W) < 0 ||
        sys_irq_bind(CONS_SLOT_IRQ, CONS_SLOT_NTFN) < 0 ||
        sys_thread_bind_notification(CONS_SLOT_THREAD, CONS_SLOT_NTFN) < 0) {
        sys_puts("console: cannot reach the UART\n");
        return 1;
    }
    uart = (volatile uint8_t *)(uintptr_t)UART_VA;
    uart[UART_FCR] = FCR_FIFO_ON_CLEAR;
    uart[UART_IER] = IER_RX_AVAILABLE;
    sys_puts("console: serving the serial console\n");
    srv_run(&console, CONS_SLOT_SERVICE);
}
