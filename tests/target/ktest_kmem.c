/*
 * Kernel memory budgets, ownership and timed signals (docs/kernel-api.md,
 * "Kernel memory and ownership" and "Timed signals"): a task's kernel
 * memory is charged to a budget its creator gave it, exhausting it fails
 * that task alone, and what a task created ends with it -- cycles too.
 * Every case checks that the pool and the root task's charge are back at
 * their exact baseline afterwards.
 */
#include "ktest.h"

#define PAGE 4096ull
/* What a task of 16 slots needs for itself: one page of table (16 x 72
 * bytes) and its root page table. */
#define OWN_NEED_16 (2 * PAGE)

static struct kmem_info kmem_now(handle_t task)
{
    struct kmem_info ki = {0};
    (void)sys_kmem_info(task, &ki);
    return ki;
}

static void check_baseline(const struct kmem_info *base)
{
    struct kmem_info now = kmem_now(0);
    CHECK_EQ(now.pool_free, base->pool_free);
    CHECK_EQ(now.used, base->used);
}

void kt_budgets(void)
{
    struct kmem_info base = kmem_now(0);
    CHECK(base.budget >= base.used && base.pool_free > 0);
    CHECK_EQ(sys_kmem_info(999, &(struct kmem_info){0}), E_BADH);

    /* A budget below what the task needs for itself, or beyond ours. */
    CHECK_EQ(sys_task_create(ROOT_HANDLE_TASK, 16, OWN_NEED_16 - PAGE), E_NOMEM);
    CHECK_EQ(sys_task_create(ROOT_HANDLE_TASK, 16, base.budget), E_NOMEM);
    int64_t ep = sys_endpoint_create(); /* a capability that is not a task */
    CHECK_EQ(sys_task_create((handle_t)ep, 16, OWN_NEED_16), E_BADH);
    sys_cap_delete((handle_t)ep);
    check_baseline(&base);

    /* Room for two page tables and one slab page of threads. */
    int64_t t = sys_task_create(ROOT_HANDLE_TASK, 16, OWN_NEED_16 + 3 * PAGE);
    CHECK(t > 0);
    struct kmem_info ti = kmem_now((handle_t)t);
    CHECK_EQ(ti.budget, OWN_NEED_16 + 3 * PAGE);
    CHECK_EQ(ti.used, OWN_NEED_16);
    CHECK(kmem_now(0).used >= base.used + ti.budget); /* carved out of ours */

    int64_t frame_off = rootmem_alloc(&kt_mem, 2 * PAGE, PAGE);
    CHECK(frame_off >= 0);
    handle_t frame = (handle_t)sys_frame_derive(kt_mem.cap, (uint64_t)frame_off, 2 * PAGE,
                                                RIGHTS_ALL);
    CHECK((int64_t)frame > 0);
    /* The first page in a 1 GiB region needs two tables, charged to t. */
    CHECK_EQ(sys_map((handle_t)t, 0x10000, frame, 0, MAP_R | MAP_W | MAP_SIZE_4K), 0);
    CHECK_EQ(kmem_now((handle_t)t).used, OWN_NEED_16 + 2 * PAGE);
    /* Another region would need two more: refused, nothing installed. */
    CHECK_EQ(sys_map((handle_t)t, 0x40000000, frame, 0, MAP_R | MAP_SIZE_4K), E_NOMEM);
    CHECK_EQ(sys_query((handle_t)t, 0x40000000, &(uint64_t){0}), 0);
    CHECK_EQ(kmem_now((handle_t)t).used, OWN_NEED_16 + 2 * PAGE);
    /* Within the tables it has: free. */
    CHECK_EQ(sys_map((handle_t)t, 0x11000, frame, PAGE, MAP_R | MAP_SIZE_4K), 0);
    /* Threads: one slab page (three threads) fits, a second does not. */
    handle_t th[8];
    int nth = 0;
    int64_t r;
    while (nth < 8 && (r = sys_thread_create((handle_t)t, 30)) > 0)
        th[nth++] = (handle_t)r;
    CHECK_EQ(r, E_NOMEM);
    CHECK(nth >= 1 && nth < 8);
    CHECK_EQ(kmem_now((handle_t)t).used, kmem_now((handle_t)t).budget);
    /* Its exhaustion is its own: we still create and map. */
    ep = sys_endpoint_create();
    CHECK(ep > 0);
    sys_cap_delete((handle_t)ep);

    for (int i = 0; i < nth; i++)
        CHECK_EQ(sys_cap_delete(th[i]), 0);
    CHECK_EQ(sys_cap_delete((handle_t)t), 0);
    sys_cap_delete(frame);
    check_baseline(&base);
}

/* Tasks A and B, paid for by P, each holding the other's capability: once
 * we drop ours only P's end can free them. */
void kt_cycle_dies_with_owner(void)
{
    struct kmem_info base = kmem_now(0);
    for (int round = 0; round < 3; round++) {
        int64_t p = sys_task_create(ROOT_HANDLE_TASK, 16, 64 * PAGE);
        CHECK(p > 0);
        int64_t a = sys_task_create((handle_t)p, 16, 4 * PAGE);
        int64_t b = sys_task_create((handle_t)p, 16, 4 * PAGE);
        CHECK(a > 0 && b > 0);
        uint64_t p_used = kmem_now((handle_t)p).used;
        CHECK(p_used >= OWN_NEED_16 + 8 * PAGE); /* P pays their budgets */
        CHECK_EQ(sys_cap_grant((handle_t)a, (handle_t)b, RIGHTS_ALL, 0, 0), 1);
        CHECK_EQ(sys_cap_grant((handle_t)b, (handle_t)a, RIGHTS_ALL, 0, 0), 1);
        /* A thread in A, too: it holds A from inside. */
        int64_t th = sys_thread_create((handle_t)a, 30);
        CHECK(th > 0);
        CHECK_EQ(sys_cap_grant((handle_t)a, (handle_t)th, RIGHTS_ALL, 0, 0), 2);
        sys_cap_delete((handle_t)th);
        CHECK_EQ(sys_cap_delete((handle_t)a), 0);
        CHECK_EQ(sys_cap_delete((handle_t)b), 0);
        /* The cycle keeps itself alive, at P's expense... */
        CHECK_EQ(kmem_now((handle_t)p).used, p_used);
        CHECK(kmem_now(0).pool_free < base.pool_free);
        /* ...until P goes. A task taken down accepts no capability (one
         * to itself would keep it for ever). */
        int64_t c = sys_task_create((handle_t)p, 16, 4 * PAGE);
        CHECK(c > 0);
        CHECK_EQ(sys_cap_delete((handle_t)p), 0);
        CHECK_EQ(sys_cap_grant((handle_t)c, (handle_t)c, RIGHTS_ALL, 0, 0), E_DEAD);
        CHECK_EQ(sys_task_create((handle_t)c, 16, 4 * PAGE), E_DEAD);
        CHECK_EQ(sys_thread_create((handle_t)c, 30), E_DEAD);
        CHECK_EQ(sys_cap_delete((handle_t)c), 0);
        check_baseline(&base);
    }
}

/* An endpoint a child made is dead once the child is taken down: a call
 * on our copy fails at once instead of waiting for ever. */
void kt_owned_endpoint_dies(void)
{
    struct kmem_info base = kmem_now(0);
    int64_t ep = sys_endpoint_create();
    CHECK(ep > 0);
    struct spawned child;
    CHECK_EQ(kt_spawn_child(KT_ROLE_MAKER, (handle_t)ep, 0, 60, &child), 0);
    struct ipc_buffer *buf = ipc_buffer();
    buf->recv_caps_max = 1;
    struct ipc_msg m;
    CHECK_EQ(ipc_recv((handle_t)ep, &m), 0);
    buf->recv_caps_max = 0;
    CHECK_EQ(IPC_TAG_NCAPS(m.tag), 1);
    handle_t theirs = buf->caps[0];
    m.tag = IPC_TAG(0, 0, 0);
    CHECK_EQ(ipc_reply(&m), 0);
    sys_yield(); /* it waits on its endpoint now */
    /* It is alive: a signal through our copy reaches it (it replies). */
    m.tag = IPC_TAG(5, 0, 0);
    CHECK_EQ(ipc_call(theirs, &m), 0);
    CHECK_EQ(IPC_TAG_LABEL(m.tag), 6);
    /* Its task goes: the endpoint it owned is dead for us too. */
    CHECK_EQ(sys_cap_delete(child.thread), 0);
    CHECK_EQ(sys_cap_delete(child.task), 0);
    m.tag = IPC_TAG(5, 0, 0);
    CHECK_EQ(ipc_call(theirs, &m), E_DEAD);
    CHECK_EQ(ipc_send(theirs, &m), E_DEAD);
    CHECK_EQ(sys_cap_delete(theirs), 0);
    CHECK_EQ(sys_cap_delete((handle_t)ep), 0);
    /* Its RAM stays with kt_mem (a bump allocator); kernel memory is back. */
    check_baseline(&base);
}

int kt_child_maker(void)
{
    /* Makes an endpoint, gives the parent a copy, answers label 5 with 6. */
    int64_t mine = sys_endpoint_create();
    if (mine < 0)
        return 1;
    struct ipc_msg m = {.tag = IPC_TAG(1, 0, 1)};
    ipc_buffer()->caps[0] = (handle_t)mine;
    if (ipc_call(KT_CHILD_EP, &m) < 0)
        return 2;
    int64_t badge = ipc_recv((handle_t)mine, &m);
    for (;;) {
        if (badge < 0)
            return 3;
        m.tag = IPC_TAG(IPC_TAG_LABEL(m.tag) + 1, 0, 0);
        badge = ipc_reply_recv((handle_t)mine, &m);
    }
}

void kt_timer_signal(void)
{
    int64_t n = sys_notification_create();
    CHECK(n > 0);
    int64_t badged = sys_cap_copy((handle_t)n, RIGHT_WRITE, 0x40);
    CHECK(badged > 0);
    CHECK_EQ(sys_timer_signal(999, 1), E_BADH);
    int64_t ro = sys_cap_copy((handle_t)n, RIGHT_READ, 0);
    CHECK_EQ(sys_timer_signal((handle_t)ro, 1), E_PERM);
    /* A deadline 20 ms ahead: the wait ends with our badge, not before. */
    uint64_t deadline = sys_time_now() + kt_info->timebase_hz / 50;
    CHECK_EQ(sys_timer_signal((handle_t)badged, deadline), 0);
    CHECK_EQ(ntfn_poll((handle_t)n), 0);
    CHECK_EQ(ntfn_wait((handle_t)n), 0x40);
    CHECK(sys_time_now() >= deadline);
    /* A deadline already past signals at once. */
    CHECK_EQ(sys_timer_signal((handle_t)badged, 1), 0);
    CHECK_EQ(ntfn_poll((handle_t)n), 0x40);
    /* Disarmed (0), or replaced by a later one: nothing at the first. */
    deadline = sys_time_now() + kt_info->timebase_hz / 50;
    CHECK_EQ(sys_timer_signal((handle_t)badged, deadline), 0);
    CHECK_EQ(sys_timer_signal((handle_t)badged, 0), 0);
    while (sys_time_now() < deadline + kt_info->timebase_hz / 25)
        sys_yield();
    CHECK_EQ(ntfn_poll((handle_t)n), 0);
    /* Deleting an armed notification takes it off the list. */
    CHECK_EQ(sys_timer_signal((handle_t)badged, sys_time_now() + kt_info->timebase_hz / 100), 0);
    sys_cap_delete((handle_t)ro);
    sys_cap_delete((handle_t)badged);
    sys_cap_delete((handle_t)n);
    deadline = sys_time_now() + kt_info->timebase_hz / 25;
    while (sys_time_now() < deadline)
        sys_yield(); /* its tick passes with nothing to signal */
}

