/* Capabilities: copy, grant, delete, revoke, and object lifetime. */
#include "ktest.h"

void kt_derivation(void)
{
    int64_t ep = sys_endpoint_create();
    int64_t a = sys_cap_copy((handle_t)ep, RIGHTS_ALL, 0);
    int64_t b = sys_cap_copy((handle_t)a, RIGHTS_ALL, 0);
    int64_t c = sys_cap_copy((handle_t)b, RIGHT_WRITE, 0);
    int64_t d = sys_cap_copy((handle_t)a, RIGHT_READ, 0);
    CHECK(ep > 0 && a > 0 && b > 0 && c > 0 && d > 0);
    /* Deleting b hands c to a, so revoking a still reaches c. */
    CHECK_EQ(sys_cap_delete((handle_t)b), 0);
    struct cap_info ci;
    CHECK_EQ(sys_cap_info((handle_t)c, &ci), 0);
    CHECK_EQ(ci.type, CAP_ENDPOINT);
    CHECK_EQ(ci.rights, RIGHT_WRITE);
    CHECK_EQ(sys_cap_revoke((handle_t)a), 2); /* c and d */
    CHECK_EQ(sys_cap_info((handle_t)c, &ci), E_BADH);
    CHECK_EQ(sys_cap_info((handle_t)d, &ci), E_BADH);
    CHECK_EQ(sys_cap_info((handle_t)a, &ci), 0); /* revoke keeps the capability itself */
    CHECK_EQ(sys_cap_revoke((handle_t)a), 0);
    sys_cap_delete((handle_t)a);
    sys_cap_delete((handle_t)ep);
    CHECK_EQ(sys_cap_delete((handle_t)ep), E_BADH);
}

void kt_grant(void)
{
    int64_t task = sys_task_create(ROOT_HANDLE_TASK, 16, KT_TASK_BUDGET);
    int64_t n = sys_notification_create();
    CHECK(task > 0 && n > 0);
    CHECK_EQ(sys_cap_grant((handle_t)task, (handle_t)n, RIGHTS_ALL, 0, 3), 3);
    CHECK_EQ(sys_cap_grant((handle_t)task, (handle_t)n, RIGHTS_ALL, 0, 3), E_EXIST);
    CHECK_EQ(sys_cap_grant((handle_t)task, (handle_t)n, RIGHTS_ALL, 0, 16), E_RANGE);
    CHECK_EQ(sys_cap_grant((handle_t)task, (handle_t)n, RIGHTS_ALL, 0, 0), 1); /* lowest free */
    /* Without GRANT on the source nothing moves. */
    int64_t nogrant = sys_cap_copy((handle_t)n, RIGHT_READ | RIGHT_WRITE, 0);
    CHECK_EQ(sys_cap_grant((handle_t)task, (handle_t)nogrant, RIGHTS_ALL, 0, 0), E_PERM);
    /* Revoking the original removes the copies inside the other task. */
    CHECK_EQ(sys_cap_revoke((handle_t)n), 3);
    CHECK_EQ(sys_cap_grant((handle_t)task, (handle_t)n, RIGHTS_ALL, 0, 3), 3);
    /* The table is full after 15 more. */
    int granted = 0;
    while (sys_cap_grant((handle_t)task, (handle_t)n, RIGHTS_ALL, 0, 0) > 0)
        granted++;
    CHECK_EQ(granted, 14);
    CHECK_EQ(sys_cap_grant((handle_t)task, (handle_t)n, RIGHTS_ALL, 0, 0), E_NOSPACE);
    CHECK_EQ(sys_cap_delete((handle_t)task), 0); /* frees its table and copies */
    CHECK_EQ(sys_cap_revoke((handle_t)n), 0);
    sys_cap_delete((handle_t)n);
}

/* A thread made in `in`, with n bound to it, whose only capability ends up
 * in `in`'s own table. Returns 0 or -1. */
static int thread_held_inside(handle_t in, handle_t n)
{
    int64_t th = sys_thread_create(in, 10);
    if (th < 0 || sys_thread_bind_notification((handle_t)th, n) != 0 ||
        sys_cap_grant(in, (handle_t)th, RIGHTS_ALL, 0, 0) < 0)
        return -1;
    return sys_cap_delete((handle_t)th) == 0 ? 0 : -1;
}

/* Whether n can be bound (to a fresh thread of our own): its last thread
 * is gone. */
static int bindable(handle_t n)
{
    int64_t th = sys_thread_create(ROOT_HANDLE_TASK, 10);
    int64_t r = th < 0 ? th : sys_thread_bind_notification((handle_t)th, n);
    if (th > 0)
        sys_cap_delete((handle_t)th);
    return r == 0;
}

/* Take-down: a task that holds the only capabilities to itself and to its
 * thread is taken down when the last capability from outside goes (its
 * thread is killed and destroyed, which unbinds its notification); a chain
 * of tasks, each holding the next's only capability, goes the same way
 * from its head, without recursion in the kernel. */
void kt_take_down(void)
{
    int64_t n = sys_notification_create();
    int64_t task = sys_task_create(ROOT_HANDLE_TASK, 16, KT_TASK_BUDGET);
    CHECK(n > 0 && task > 0);
    CHECK(sys_cap_grant((handle_t)task, (handle_t)task, RIGHTS_ALL, 0, 0) > 0); /* itself */
    CHECK_EQ(thread_held_inside((handle_t)task, (handle_t)n), 0);
    CHECK(!bindable((handle_t)n)); /* its thread holds it */
    int64_t ep = sys_endpoint_create();
    CHECK(ep > 0 && sys_cap_grant((handle_t)task, (handle_t)ep, RIGHTS_ALL, 0, 0) > 0);
    CHECK_EQ(sys_cap_delete((handle_t)task), 0);
    CHECK(bindable((handle_t)n));          /* the thread is gone */
    CHECK_EQ(sys_cap_revoke((handle_t)ep), 0);   /* and the copy its table held */
    /* A task holding a capability to itself survives while we hold one. */
    task = sys_task_create(ROOT_HANDLE_TASK, 16, KT_TASK_BUDGET);
    CHECK(task > 0 && sys_cap_grant((handle_t)task, (handle_t)ep, RIGHTS_ALL, 0, 0) > 0);
    int64_t again = sys_cap_copy((handle_t)task, RIGHTS_ALL, 0);
    CHECK_EQ(sys_cap_delete((handle_t)task), 0);
    CHECK_EQ(sys_cap_revoke((handle_t)ep), 1);   /* still there: `again` names it */
    sys_cap_delete((handle_t)again);
    /* The chain. */
    enum { CHAIN = 200 };
    static handle_t chain[CHAIN];
    int made = 0;
    for (int i = 0; i < CHAIN; i++) {
        int64_t t = sys_task_create(ROOT_HANDLE_TASK, 4, KT_TASK_BUDGET);
        if (t < 0)
            break;
        chain[made++] = (handle_t)t;
    }
    CHECK_EQ(made, CHAIN);
    int granted = 0;
    for (int i = 0; i + 1 < made; i++)
        granted += sys_cap_grant(chain[i], chain[i + 1], RIGHTS_ALL, 0, 0) > 0;
    CHECK_EQ(granted, CHAIN - 1);
    CHECK_EQ(thread_held_inside(chain[made - 1], (handle_t)n), 0);
    for (int i = made - 1; i >= 1; i--)
        CHECK_EQ(sys_cap_delete(chain[i]), 0); /* each still named by the one before */
    CHECK(!bindable((handle_t)n));
    CHECK_EQ(sys_cap_delete(chain[0]), 0);
    CHECK(bindable((handle_t)n));
    sys_cap_delete((handle_t)ep);
    sys_cap_delete((handle_t)n);
}

