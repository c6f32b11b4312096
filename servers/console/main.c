/*
 * console: the serial console as a user-mode server. Output goes to the
 * ns16550's transmit register (polled: the FIFO drains at line speed in
 * QEMU, which is instant); input arrives by interrupt into a line editor.
 * Readers block (saved replies) until a line is complete. ^C sends SIGINT
 * to the foreground process through proc.
 * Register layout: the 16550 data sheet (THR/RBR 0, IER 1, LSR 5).
 */
#include <sys/ipc.h>
#include <sys/mica.h>
#include <sys/proc.h>

#include <proto/console.h>

#define UART_VA 0x2000000000ull
#define UART_RBR 0 /* receive buffer (read) / transmit holding (write) */
#define UART_IER 1
#define UART_LSR 5
#define LSR_DATA_READY 0x01
#define LSR_THR_EMPTY 0x20
#define IER_RX_AVAILABLE 0x01

#define LINE_MAX 1024

static volatile uint8_t *uart;
/* Input: the line being edited, and finished input not yet read. */
static char line[LINE_MAX];
static uint32_t line_len;
static char ready[LINE_MAX * 2];
static uint32_t ready_len;
static bool eof_pending; /* ^D on an empty line: the next read gets 0 bytes */
static struct reader {
    handle_t reply;
    uint32_t want;
} readers[CONS_MAX_READERS];
static uint64_t foreground;

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

static void puts_raw(const char *s)
{
    while (*s)
        put(*s++);
}

/* Answers waiting readers while there is input (or an end of file). */
static void serve_readers(void)
{
    for (int i = 0; i < CONS_MAX_READERS; i++) {
        struct reader *r = &readers[i];
        if (!r->reply || (ready_len == 0 && !eof_pending))
            continue;
        uint32_t n = ready_len < r->want ? ready_len : r->want;
        if (ready_len == 0)
            eof_pending = false;
        memcpy(ipc_buffer()->data, ready, n);
        for (uint32_t k = n; k < ready_len; k++)
            ready[k - n] = ready[k];
        ready_len -= n;
        struct ipc_msg m = {.tag = IPC_TAG(0, n, 0)};
        (void)ipc_reply_to(r->reply, &m); /* a reader that died: dropped */
        r->reply = 0;
    }
}

static void finish_line(bool newline)
{
    if (newline && line_len < LINE_MAX)
        line[line_len++] = '\n';
    if (ready_len + line_len <= sizeof ready) {
        memcpy(ready + ready_len, line, line_len);
        ready_len += line_len;
    }
    line_len = 0;
}

static void input(char c)
{
    switch (c) {
    case '\r':
    case '\n':
        put('\n');
        finish_line(true);
        break;
    case 0x7f: /* DEL, what terminals send for backspace */
    case '\b':
        if (line_len > 0) {
            line_len--;
            puts_raw("\b \b");
        }
        break;
    case 0x03: /* ^C */
        puts_raw("^C\n");
        line_len = 0;
        if (foreground)
            (void)proc_kill(CONS_SLOT_PROC, foreground, PROC_SIGINT);
        break;
    case 0x04: /* ^D */
        if (line_len == 0)
            eof_pending = true;
        else
            finish_line(false);
        break;
    default:
        if ((unsigned char)c >= 0x20 && line_len < LINE_MAX - 1) {
            line[line_len++] = c;
            put(c);
        }
    }
}

static void interrupt(void)
{
    while (uart[UART_LSR] & LSR_DATA_READY)
        input((char)uart[UART_RBR]);
    (void)sys_irq_ack(CONS_SLOT_IRQ);
    serve_readers();
}

/* Returns false when the reply was saved for later. */
static bool dispatch(struct ipc_msg *m)
{
    switch (IPC_TAG_LABEL(m->tag)) {
    case CONS_OP_WRITE: {
        uint64_t n = IPC_TAG_LEN(m->tag);
        if ((m->tag & IPC_TAG_TRUNCATED) || n > CONS_IO_MAX)
            { m->tag = IPC_TAG((uint64_t)E_INVAL & 0xffffffffffffull, 0, 0); return true; }
        const char *data = (const char *)ipc_buffer()->data;
        for (uint64_t i = 0; i < n; i++)
            put(data[i]);
        m->tag = IPC_TAG(0, 0, 0);
        m->w[0] = n;
        return true;
    }
    case CONS_OP_READ: {
        uint64_t want = m->w[0];
        if (want == 0 || want > CONS_IO_MAX)
            { m->tag = IPC_TAG((uint64_t)E_INVAL & 0xffffffffffffull, 0, 0); return true; }
        for (int i = 0; i < CONS_MAX_READERS; i++) {
            if (readers[i].reply)
                continue;
            int64_t saved = ipc_reply_save();
            if (saved < 0)
                break;
            readers[i] = (struct reader){.reply = (handle_t)saved, .want = (uint32_t)want};
            serve_readers();
            return false;
        }
        m->tag = IPC_TAG((uint64_t)E_BUSY & 0xffffffffffffull, 0, 0);
        return true;
    }
    case CONS_OP_SET_FOREGROUND:
        foreground = m->w[0];
        m->tag = IPC_TAG(0, 0, 0);
        return true;
    default:
        m->tag = IPC_TAG((uint64_t)E_NOSYS & 0xffffffffffffull, 0, 0);
        return true;
    }
}

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
    uart[UART_IER] = IER_RX_AVAILABLE;
    sys_puts("console: serving the serial console\n");
    struct ipc_msg m;
    int64_t badge = ipc_recv(CONS_SLOT_SERVICE, &m);
    for (;;) {
        bool answer = true;
        if (badge == 0 && IPC_TAG_LABEL(m.tag) == IPC_LABEL_NOTIFY) {
            interrupt();
            answer = false;
        } else {
            answer = dispatch(&m);
        }
        badge = answer ? ipc_reply_recv(CONS_SLOT_SERVICE, &m) : ipc_recv(CONS_SLOT_SERVICE, &m);
    }
}
