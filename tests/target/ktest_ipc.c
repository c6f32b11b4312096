/* IPC: call/reply in one and across address spaces, badges, buffers,
 * capability transfer, one-shot replies, dead peers, notifications. */
#include "ktest.h"

static handle_t srv_ep, srv_done;
static volatile int64_t srv_second_reply;

/* Same-space server: answers one call with w0 * 2, then tries to reply a
 * second time (must fail), then signals srv_done. */
static void reply_twice_server(uint64_t arg)
{
    (void)arg;
    struct ipc_msg m;
    if (ipc_recv(srv_ep, &m) < 0)
        return;
    m.w[0] *= 2;
    m.tag = IPC_TAG(0, 0, 0);
    ipc_reply(&m);
    srv_second_reply = ipc_reply(&m);
    ntfn_signal(srv_done);
}

void kt_same_space(void)
{
    srv_ep = (handle_t)sys_endpoint_create();
    srv_done = (handle_t)sys_notification_create();
    CHECK(thread_spawn(&kt_mem, reply_twice_server, 0, 50) > 0);
    struct ipc_msg m = {.tag = IPC_TAG(5, 0, 0), .w = {21}};
    CHECK_EQ(ipc_call(srv_ep, &m), 0);
    CHECK_EQ(m.w[0], 42);
    CHECK(ntfn_wait(srv_done) > 0);
    CHECK_EQ(srv_second_reply, E_NOENT);
}

void kt_cross_space(void)
{
    int64_t ep = sys_endpoint_create();
    struct spawned child;
    /* Our own priority, so that a yield lets it finish (see the end). */
    CHECK_EQ(kt_spawn_child(KT_ROLE_ECHO, (handle_t)ep, 0, 60, &child), 0);

    /* Registers only. */
    struct ipc_msg m = {.tag = IPC_TAG(1, 0, 0), .w = {10, 20, 30, 40, 50, 60, 70, 80}};
    CHECK_EQ(ipc_call((handle_t)ep, &m), 0);
    CHECK_EQ(IPC_TAG_LABEL(m.tag), 1001);
    CHECK_EQ(m.w[0], 11);
    CHECK_EQ(m.w[4], 51);
    CHECK_EQ(m.w[5], 0); /* unbadged */
    CHECK_EQ(m.w[6], 70); /* all eight words travel (64 bytes in registers) */
    CHECK_EQ(m.w[7], 80);

    /* Badges tell clients apart. */
    int64_t badged = sys_cap_copy((handle_t)ep, RIGHT_WRITE, 0x4242);
    m.tag = IPC_TAG(2, 0, 0);
    CHECK_EQ(ipc_call((handle_t)badged, &m), 0);
    CHECK_EQ(m.w[5], 0x4242);
    int64_t rebadge = sys_cap_copy((handle_t)badged, RIGHT_WRITE, 0x99);
    m.tag = IPC_TAG(2, 0, 0);
    CHECK_EQ(ipc_call((handle_t)rebadge, &m), 0);
    CHECK_EQ(m.w[5], 0x4242); /* a badge, once set, stays */

    /* A 256-byte buffer message, reversed by the server. */
    struct ipc_buffer *b = ipc_buffer();
    for (int i = 0; i < 256; i++)
        b->data[i] = (uint8_t)i;
    m.tag = IPC_TAG(3, 256, 0);
    CHECK_EQ(ipc_call((handle_t)ep, &m), 0);
    CHECK_EQ(IPC_TAG_LEN(m.tag), 256);
    CHECK_EQ(b->data[0], 255);
    CHECK_EQ(b->data[255], 0);

    /* Transfer a notification capability; the server signals it. */
    int64_t n = sys_notification_create();
    b->caps[0] = (handle_t)n;
    m.tag = IPC_TAG(7, 0, 1);
    CHECK_EQ(ipc_call((handle_t)ep, &m), 0);
    CHECK_EQ(ntfn_poll((handle_t)n), 1);

    /* Done: label 99 makes the server exit. */
    m.tag = IPC_TAG(99, 0, 0);
    CHECK_EQ(ipc_call((handle_t)ep, &m), 0);
    CHECK_EQ(IPC_TAG_LABEL(m.tag), 1099);
    sys_yield(); /* the server returns from main and exits */
    CHECK_EQ(sys_thread_suspend(child.thread), E_DEAD);
    sys_cap_delete(child.thread);
    sys_cap_delete(child.task);
    sys_cap_delete((handle_t)n);
    sys_cap_delete((handle_t)rebadge);
    sys_cap_delete((handle_t)badged);
    sys_cap_delete((handle_t)ep);
}

static handle_t q_ep, q_done;
static volatile uint64_t q_got[3];

static void queue_receiver(uint64_t arg)
{
    (void)arg;
    for (int i = 0; i < 3; i++) {
        struct ipc_msg m;
        ipc_recv(q_ep, &m);
        q_got[i] = m.w[0];
    }
    ntfn_signal(q_done);
}

void kt_send_queue(void)
{
    q_ep = (handle_t)sys_endpoint_create();
    q_done = (handle_t)sys_notification_create();
    /* Lower priority than us: our sends queue up before it runs. */
    CHECK(thread_spawn(&kt_mem, queue_receiver, 0, 10) > 0);
    struct ipc_msg m = {.tag = IPC_TAG(1, 0, 0)};
    for (uint64_t i = 0; i < 3; i++) {
        m.w[0] = 100 + i;
        CHECK_EQ(ipc_send(q_ep, &m), 0);
    }
    CHECK(ntfn_wait(q_done) > 0);
    CHECK_EQ(q_got[0], 100);
    CHECK_EQ(q_got[1], 101);
    CHECK_EQ(q_got[2], 102);
}

static handle_t dp_ep, dp_done, dp_ready;
static volatile int64_t dp_call_result = 1, dp_recv_result = 1;

static void silent_server(uint64_t arg)
{
    (void)arg;
    struct ipc_msg m;
    ipc_recv(dp_ep, &m);
    ntfn_signal(dp_ready); /* owns a reply now, and never sends it */
    ipc_recv(dp_ep, &m);   /* blocks with the reply still owed */
}

static void dead_server_client(uint64_t arg)
{
    (void)arg;
    struct ipc_msg m = {.tag = IPC_TAG(1, 0, 0)};
    dp_call_result = ipc_call(dp_ep, &m);
    ntfn_signal(dp_done);
}

static handle_t orphan_ep;

static void orphan_receiver(uint64_t arg)
{
    (void)arg;
    struct ipc_msg m;
    dp_recv_result = ipc_recv(orphan_ep, &m);
    ntfn_signal(dp_done);
}

void kt_dead_peers(void)
{
    dp_ep = (handle_t)sys_endpoint_create();
    dp_done = (handle_t)sys_notification_create();
    dp_ready = (handle_t)sys_notification_create();
    /* A server takes the call and dies before replying: the caller must
     * get E_DEAD, not hang. */
    int64_t srv = thread_spawn(&kt_mem, silent_server, 0, 30);
    CHECK(thread_spawn(&kt_mem, dead_server_client, 0, 30) > 0);
    CHECK(ntfn_wait(dp_ready) > 0);
    CHECK_EQ(dp_call_result, 1); /* still waiting for the reply */
    CHECK_EQ(sys_cap_delete((handle_t)srv), 0);
    CHECK(ntfn_wait(dp_done) > 0);
    CHECK_EQ(dp_call_result, E_DEAD);
    /* Deleting an endpoint wakes a thread blocked on it with E_DEAD. */
    orphan_ep = (handle_t)sys_endpoint_create();
    CHECK(thread_spawn(&kt_mem, orphan_receiver, 0, 60) > 0); /* yield runs it */
    sys_yield();
    CHECK_EQ(sys_cap_delete(orphan_ep), 0);
    CHECK(ntfn_wait(dp_done) > 0);
    CHECK_EQ(dp_recv_result, E_DEAD);
}

void kt_notifications(void)
{
    int64_t n = sys_notification_create();
    int64_t a = sys_cap_copy((handle_t)n, RIGHT_WRITE, 0x1);
    int64_t b = sys_cap_copy((handle_t)n, RIGHT_WRITE, 0x10);
    CHECK_EQ(ntfn_signal((handle_t)a), 0);
    CHECK_EQ(ntfn_signal((handle_t)b), 0);
    CHECK_EQ(ntfn_signal((handle_t)b), 0);
    CHECK_EQ(ntfn_wait((handle_t)n), 0x11);
    CHECK_EQ(ntfn_poll((handle_t)n), 0);
    CHECK_EQ(ntfn_wait((handle_t)a), E_PERM); /* waiting needs READ */
    sys_cap_delete((handle_t)a);
    sys_cap_delete((handle_t)b);
    sys_cap_delete((handle_t)n);
}

/* ---- saved replies ---- */

static handle_t sr_ep, sr_done;
static volatile int64_t sr_a = 1, sr_b = 1, sr_second = 1, sr_copy = 1, sr_dead = 1;

/* Takes call A, saves its reply, answers call B first, then A. */
static void saving_server(uint64_t arg)
{
    (void)arg;
    struct ipc_msg m;
    ipc_recv(sr_ep, &m);
    int64_t saved = ipc_reply_save();
    sr_copy = sys_cap_copy((handle_t)saved, RIGHTS_ALL, 0);
    ipc_recv(sr_ep, &m);
    m.w[0] = 2000;
    ipc_reply(&m);
    m.w[0] = 1000;
    ipc_reply_to((handle_t)saved, &m);
    sr_second = ipc_reply_to((handle_t)saved, &m);
    /* A third call: save, then throw the right away: the caller fails. */
    ipc_recv(sr_ep, &m);
    int64_t dropped = ipc_reply_save();
    sys_cap_delete((handle_t)dropped);
    ntfn_signal(sr_done);
}

static void caller_a(uint64_t arg)
{
    (void)arg;
    struct ipc_msg m = {.tag = IPC_TAG(1, 0, 0)};
    int64_t r = ipc_call(sr_ep, &m);
    sr_a = r < 0 ? r : (int64_t)m.w[0];
    ntfn_signal(sr_done);
}

static void caller_b(uint64_t arg)
{
    (void)arg;
    struct ipc_msg m = {.tag = IPC_TAG(2, 0, 0)};
    int64_t r = ipc_call(sr_ep, &m);
    sr_b = r < 0 ? r : (int64_t)m.w[0];
    ntfn_signal(sr_done);
}

static void caller_dropped(uint64_t arg)
{
    (void)arg;
    struct ipc_msg m = {.tag = IPC_TAG(3, 0, 0)};
    sr_dead = ipc_call(sr_ep, &m);
    ntfn_signal(sr_done);
}

void kt_saved_reply(void)
{
    sr_ep = (handle_t)sys_endpoint_create();
    sr_done = (handle_t)sys_notification_create();
    CHECK(thread_spawn(&kt_mem, saving_server, 0, 40) > 0);
    CHECK(thread_spawn(&kt_mem, caller_a, 0, 30) > 0);
    CHECK(thread_spawn(&kt_mem, caller_b, 0, 20) > 0);
    /* Two done signals (a and b) may arrive as one wake: count them. */
    int got = 0;
    while (got < 2) {
        CHECK(ntfn_wait(sr_done) > 0);
        got = (sr_a != 1) + (sr_b != 1);
    }
    CHECK_EQ(sr_a, 1000); /* answered through the saved reply, after b */
    CHECK_EQ(sr_b, 2000);
    CHECK_EQ(sr_second, E_BADH); /* one shot: the handle is gone */
    CHECK_EQ(sr_copy, E_PERM);   /* and cannot be copied */
    CHECK(thread_spawn(&kt_mem, caller_dropped, 0, 20) > 0);
    while (sr_dead == 1)
        CHECK(ntfn_wait(sr_done) > 0);
    CHECK_EQ(sr_dead, E_DEAD);
}

/* ---- bound notifications ---- */

static handle_t bn_ep, bn_ntfn, bn_done;
static volatile uint64_t bn_labels[3], bn_bits[3];

static void bound_receiver(uint64_t arg)
{
    (void)arg;
    for (int i = 0; i < 3; i++) {
        struct ipc_msg m;
        ipc_recv(bn_ep, &m);
        bn_labels[i] = IPC_TAG_LABEL(m.tag);
        bn_bits[i] = m.w[0];
        if (IPC_TAG_LABEL(m.tag) != IPC_LABEL_NOTIFY)
            ipc_reply(&m);
        ntfn_signal(bn_done);
    }
}

void kt_bound_notification(void)
{
    bn_ep = (handle_t)sys_endpoint_create();
    bn_ntfn = (handle_t)sys_notification_create();
    bn_done = (handle_t)sys_notification_create();
    int64_t th = sys_thread_create(ROOT_HANDLE_TASK, 50);
    CHECK_EQ(sys_thread_bind_notification((handle_t)th, bn_ntfn), 0);
    CHECK_EQ(sys_cap_delete((handle_t)th), 0);
    int64_t rx = thread_spawn(&kt_mem, bound_receiver, 0, 50);
    CHECK(rx > 0);
    CHECK_EQ(sys_thread_bind_notification((handle_t)rx, bn_ntfn), 0);
    int64_t sig = sys_cap_copy(bn_ntfn, RIGHT_WRITE, 0x30);
    /* Pending before it receives (it has not run yet: we are more
     * important): its first RECV returns the bits at once. */
    CHECK_EQ(ntfn_signal((handle_t)sig), 0);
    CHECK(ntfn_wait(bn_done) > 0);
    struct ipc_msg m = {.tag = IPC_TAG(9, 0, 0), .w = {5}};
    CHECK_EQ(ipc_call(bn_ep, &m), 0);             /* ordinary messages still arrive */
    CHECK(ntfn_wait(bn_done) > 0);
    /* Now it is blocked in RECV: the signal ends it. */
    CHECK_EQ(ntfn_signal((handle_t)sig), 0);
    CHECK(ntfn_wait(bn_done) > 0);
    CHECK_EQ(bn_labels[0], IPC_LABEL_NOTIFY);
    CHECK_EQ(bn_bits[0], 0x30);
    CHECK_EQ(bn_labels[1], 9);
    CHECK_EQ(bn_bits[1], 5);
    CHECK_EQ(bn_labels[2], IPC_LABEL_NOTIFY);
    /* One notification, one bound thread. */
    int64_t other = sys_thread_create(ROOT_HANDLE_TASK, 50);
    CHECK_EQ(sys_thread_bind_notification((handle_t)other, bn_ntfn), E_BUSY);
    CHECK_EQ(sys_thread_bind_notification((handle_t)other, bn_ep), E_BADH);
    sys_cap_delete((handle_t)other);
    sys_cap_delete((handle_t)sig);
}

