/* ktest runner and child roles (see ktest.h). */
#include "ktest.h"

struct rootmem kt_mem;
const struct bootinfo *kt_info;
int kt_failures;
int kt_test_failed;
static int kt_passed;

void kt_begin(const char *id)
{
    (void)id;
    kt_test_failed = 0;
}

void kt_end(const char *id)
{
    sys_printf("TEST %s %s\n", id, kt_test_failed ? "FAIL" : "PASS");
    if (kt_test_failed)
        kt_failures++;
    else
        kt_passed++;
}

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
    kt_test_errors();
    kt_test_caps();
    kt_test_ipc();
    kt_test_mapping();
    kt_test_pager();
    kt_test_fpu();
    kt_test_irq();
    kt_test_sched();
    kt_test_kmem();
    sys_printf("ktest: %d passed, %d failed\n", kt_passed, kt_failures);
    return kt_failures;
}
