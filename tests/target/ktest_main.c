/* ktest runner and child roles (see ktest.h). */
#define TEST_MAIN
#include "ktest.h"

struct rootmem kt_mem;
const struct bootinfo *kt_info;

int64_t kt_spawn_child(enum kt_role role, handle_t ep, handle_t pager, unsigned prio,
                       struct spawned *out)
{
    const void *elf;
    uint64_t len;
    int64_t r = bootimg_lookup(kt_info, "ktest", &elf, &len);
    if (r < 0)
        return r;
    r = spawn_elf(&kt_mem, elf, len, prio, out);
    if (r < 0)
        return r;
    if (ep) {
        r = sys_cap_grant(out->task, ep, RIGHTS_ALL, 0, KT_CHILD_EP);
        if (r < 0)
            return r;
    }
    if (pager) {
        r = sys_thread_set_handlers(out->thread, pager, 0);
        if (r < 0)
            return r;
    }
    return spawn_start(out, role);
}

int kt_child_echo(void)
{
    /* Echo server: replies w[i] + 1, the badge in w5, and the buffer data
     * reversed; label 99 = reply and exit; label 7 = accept one capability
     * and signal it. */
    struct ipc_buffer *b = ipc_buffer();
    b->recv_caps_max = 1;
    struct ipc_msg m;
    int64_t badge = ipc_recv(KT_CHILD_EP, &m);
    for (;;) {
        if (badge < 0)
            return 1;
        uint64_t label = IPC_TAG_LABEL(m.tag), len = IPC_TAG_LEN(m.tag);
        if (label == 7 && IPC_TAG_NCAPS(m.tag) == 1)
            ntfn_signal(b->caps[0]);
        for (uint64_t i = 0; i < len / 2; i++) {
            uint8_t c = b->data[i];
            b->data[i] = b->data[len - 1 - i];
            b->data[len - 1 - i] = c;
        }
        for (int i = 0; i < 5; i++)
            m.w[i] += 1;
        m.w[5] = (uint64_t)badge;
        m.tag = IPC_TAG(label + 1000, len, 0);
        if (label == 99) {
            ipc_reply(&m);
            return 0;
        }
        badge = ipc_reply_recv(KT_CHILD_EP, &m);
    }
}

int kt_child_faulter(void)
{
    /* Asks the parent what to touch (w0 = address, w1 = 'r' / 'w', w2 =
     * value to write), reports what it read, until told to stop (w0 = 0). */
    struct ipc_msg m = {.tag = IPC_TAG(1, 0, 0)};
    for (;;) {
        if (ipc_call(KT_CHILD_EP, &m) < 0)
            return 1;
        volatile uint64_t *p = (volatile uint64_t *)(uintptr_t)m.w[0];
        if (!p)
            return 0;
        uint64_t got = 0;
        if (m.w[1] == 'w')
            *p = m.w[2];
        got = *p;
        m.tag = IPC_TAG(2, 0, 0);
        m.w[0] = got;
    }
}

/* In the order they run; KAPI_SCHED_0002 uses KAPI_SCHED_0001's spinner. */
static const struct test tests[] = {
    TEST(KAPI_ERR_0001_BAD_HANDLE, kt_bad_handles),
    TEST(KAPI_ERR_0002_RIGHTS, kt_rights),
    TEST(KAPI_ERR_0003_BAD_POINTER, kt_bad_pointers),
    TEST(KAPI_ERR_0004_OVERSIZED_MESSAGE, kt_bad_messages),
    TEST(KAPI_ERR_0005_BAD_MAPPING, kt_bad_mappings),
    TEST(KAPI_ERR_0006_POOL_EXHAUSTION, kt_pool_exhaustion),
    TEST(KAPI_ERR_0007_THREADS_AND_MISC, kt_misc_errors),
    TEST(KAPI_CAP_0001_REVOKE, kt_derivation),
    TEST(KAPI_CAP_0002_GRANT, kt_grant),
    TEST(KAPI_CAP_0003_TAKE_DOWN_SELF_HELD_TASKS, kt_take_down),
    TEST(KAPI_IPC_0001_SAME_SPACE_REPLY_ONCE, kt_same_space),
    TEST(KAPI_IPC_0002_CROSS_SPACE, kt_cross_space),
    TEST(KAPI_IPC_0003_SEND_QUEUE, kt_send_queue),
    TEST(KAPI_IPC_0004_DEAD_PEERS, kt_dead_peers),
    TEST(KAPI_IPC_0005_NOTIFICATION_BITS, kt_notifications),
    TEST(KAPI_IPC_0006_SAVED_REPLY, kt_saved_reply),
    TEST(KAPI_IPC_0007_BOUND_NOTIFICATION, kt_bound_notification),
    TEST(KAPI_MEM_0001_SUPERPAGE_SPLIT_AND_BACK, kt_superpage_and_back),
    TEST(KAPI_MEM_0002_FRAME_SPLIT, kt_frame_split),
    TEST(KAPI_MEM_0003_USER_PAGER, kt_pager),
    TEST(KAPI_MEM_0004_EXCEPTION_ENDPOINT, kt_exceptions),
    TEST(KAPI_FPU_0001_LAZY_SWITCH, kt_lazy_fpu),
    TEST(KAPI_IRQ_0001_UART_INTERRUPT, kt_irq_uart),
    TEST(KAPI_SCHED_0001_PREEMPTION, kt_preemption),
    TEST(KAPI_SCHED_0002_SUSPEND_RESUME_REGS, kt_suspend_resume),
    TEST(KAPI_KMEM_0001_BUDGETS, kt_budgets),
    TEST(KAPI_KMEM_0002_OWNED_CYCLE, kt_cycle_dies_with_owner),
    TEST(KAPI_KMEM_0003_OWNED_ENDPOINT, kt_owned_endpoint_dies),
    TEST(KAPI_TIMER_0001_SIGNAL, kt_timer_signal),
};

int main(uintptr_t arg)
{
    if (arg == KT_ROLE_ECHO)
        return kt_child_echo();
    if (arg == KT_ROLE_FAULTER)
        return kt_child_faulter();
    if (arg == KT_ROLE_MAKER)
        return kt_child_maker();

    kt_info = (const struct bootinfo *)arg;
    sys_printf("ktest: kernel API tests\n");
    int64_t r = rootmem_init(&kt_mem, kt_info);
    if (r < 0) {
        sys_printf("ktest: no RAM to work with: %s\n", err_name((err_t)r));
        return 1;
    }
    return TEST_RUN("ktest", tests);
}
