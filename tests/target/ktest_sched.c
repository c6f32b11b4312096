/* Scheduling, interrupts and the lazy FPU. */
#include "ktest.h"

/* ---- IRQ delivery from a real device: the UART ---- */

#define UART_IER 1       /* interrupt enable register (ns16550) */
#define UART_IER_THRE 2  /* "transmit holding register empty" interrupt */
#define UART_IIR 2

static volatile uint8_t *uart;
static handle_t uart_irq, uart_ntfn;

static int64_t uart_setup(void)
{
    const struct bootinfo_cap *dev = NULL;
    for (uint32_t i = 0; i < kt_info->ncaps; i++)
        if (kt_info->caps[i].kind == BI_CAP_DEVICE &&
            strcmp(kt_info->caps[i].name, "uart") == 0)
            dev = &kt_info->caps[i];
    if (!dev || dev->irq == 0)
        return E_NOENT;
    uint64_t va = 0x3e00000000ull;
    int64_t r = sys_map(ROOT_HANDLE_TASK, va, dev->handle, 0, MAP_R | MAP_W);
    if (r < 0)
        return r;
    uart = (volatile uint8_t *)(uintptr_t)(va + (dev->pa & 0xfff));
    int64_t h = sys_irq_get(ROOT_HANDLE_IRQ_CONTROL, dev->irq);
    if (h < 0)
        return h;
    uart_irq = (handle_t)h;
    int64_t n = sys_notification_create();
    if (n < 0)
        return n;
    int64_t badged = sys_cap_copy((handle_t)n, RIGHTS_ALL, 0x400);
    uart_ntfn = (handle_t)n;
    return sys_irq_bind(uart_irq, (handle_t)badged);
}

/* Waits for one UART "transmitter empty" interrupt. */
static int64_t uart_wait_irq(void)
{
    uart[UART_IER] = UART_IER_THRE; /* fires at once: the transmitter is idle */
    int64_t bits = ntfn_wait(uart_ntfn);
    uart[UART_IER] = 0;
    (void)uart[UART_IIR]; /* reading IIR clears the THRE condition */
    int64_t ack = sys_irq_ack(uart_irq);
    return ack < 0 ? ack : bits;
}

void kt_irq_uart(void)
{
    CHECK_EQ(uart_setup(), 0);
    CHECK_EQ(uart_wait_irq(), 0x400);
    CHECK_EQ(uart_wait_irq(), 0x400); /* acknowledged: it can fire again */
    CHECK_EQ(sys_irq_ack(uart_irq), E_BUSY); /* nothing pending */
    CHECK_EQ(sys_irq_get(ROOT_HANDLE_IRQ_CONTROL, kt_info->caps[0].irq ? 1 : 1) > 0, 1);
    CHECK_EQ(sys_irq_get(ROOT_HANDLE_IRQ_CONTROL, 10), E_EXIST); /* the UART's, taken */
    CHECK_EQ(sys_irq_get(ROOT_HANDLE_IRQ_CONTROL, 0), E_RANGE);
    CHECK_EQ(sys_irq_get(ROOT_HANDLE_IRQ_CONTROL, 100000), E_RANGE);
    CHECK_EQ(sys_irq_get(ROOT_HANDLE_TASK, 5), E_BADH);
}

/* ---- preemption and round robin ---- */

static volatile uint64_t spin_count;
static handle_t spin_ntfn;

/* Spins forever; tells us once it has counted to a million. */
static void spinner(uint64_t arg)
{
    (void)arg;
    for (;;) {
        if (++spin_count == 1000000 && spin_ntfn)
            ntfn_signal(spin_ntfn);
    }
}

static volatile uint64_t rr_count[2];
static handle_t rr_done;

/* Counts until both threads have counted to 2000; with only one of them
 * running (no preemption), it would spin forever. */
static void rr_worker(uint64_t me)
{
    while (rr_count[me] < 2000 || rr_count[1 - me] < 2000)
        rr_count[me]++;
    ntfn_signal(rr_done);
}

void kt_preemption(void)
{
    /* A low-priority spinner never yields. Its own signal makes us (60)
     * runnable in the middle of its loop: we must run at once, and again
     * after an interrupt wakes us while it spins. */
    spin_ntfn = (handle_t)sys_notification_create();
    int64_t low = thread_spawn(&kt_mem, spinner, 0, 10);
    CHECK(low > 0);
    CHECK(ntfn_wait(spin_ntfn) > 0);
    CHECK(spin_count >= 1000000);
    CHECK_EQ(uart_wait_irq(), 0x400);

    /* Two equal threads both make progress through timer preemption. */
    rr_done = (handle_t)sys_notification_create();
    CHECK(thread_spawn(&kt_mem, rr_worker, 0, 20) > 0);
    CHECK(thread_spawn(&kt_mem, rr_worker, 1, 20) > 0);
    int64_t got = ntfn_wait(rr_done);
    CHECK(got > 0);
    CHECK(rr_count[0] >= 2000 && rr_count[1] >= 2000);
    CHECK_EQ(sys_cap_delete((handle_t)low), 0); /* killing a running spinner */
}

/* Suspends and resumes the spinner of kt_preemption (the test before). */
void kt_suspend_resume(void)
{
    uint64_t frozen = spin_count;
    int64_t s2 = thread_spawn(&kt_mem, spinner, 0, 60);
    sys_yield(); /* same priority: it runs for a slice */
    CHECK_EQ(sys_thread_suspend((handle_t)s2), 0);
    CHECK_EQ(sys_thread_suspend((handle_t)s2), E_BUSY);
    struct mica_regs regs;
    CHECK_EQ(sys_thread_read_regs((handle_t)s2, &regs), 0);
    CHECK(regs.pc >= 0x10000 && regs.pc < 0x100000);
    uint64_t during = spin_count;
    sys_yield();
    CHECK_EQ(spin_count, during); /* suspended: it does not run */
    CHECK(during > frozen);
    CHECK_EQ(sys_thread_resume((handle_t)s2), 0);
    CHECK_EQ(sys_thread_resume((handle_t)s2), E_BUSY);
    CHECK_EQ(sys_thread_read_regs((handle_t)s2, &regs), E_BUSY); /* running */
    sys_cap_delete((handle_t)s2);
}

/* ---- lazy FPU: registers survive switches ---- */

static handle_t fpu_done;
static volatile int fpu_ok[2];

static void fpu_worker(uint64_t me)
{
    double base = me ? 1000.5 : -3.25;
    double acc = base;
    int good = 1;
    for (int i = 0; i < 200; i++) {
        acc = acc * 1.0 + 1.0;
        /* Put our own values in every FP register, then switch. */
        register double f0 __asm__("fs0") = base + i;
        register double f1 __asm__("fs11") = base * 2 + i;
        __asm__ volatile("" : "+f"(f0), "+f"(f1));
        sys_yield();
        __asm__ volatile("" : "+f"(f0), "+f"(f1));
        if (f0 != base + i || f1 != base * 2 + i)
            good = 0;
    }
    if (acc != base + 200)
        good = 0;
    fpu_ok[me] = good;
    ntfn_signal(fpu_done);
}

void kt_lazy_fpu(void)
{
    fpu_done = (handle_t)sys_notification_create();
    CHECK(thread_spawn(&kt_mem, fpu_worker, 0, 50) > 0);
    CHECK(thread_spawn(&kt_mem, fpu_worker, 1, 50) > 0);
    CHECK(ntfn_wait(fpu_done) > 0);
    int64_t second = ntfn_poll(fpu_done);
    if (second == 0)
        CHECK(ntfn_wait(fpu_done) > 0);
    CHECK_EQ(fpu_ok[0], 1);
    CHECK_EQ(fpu_ok[1], 1);
}
