/* Capabilities: copy, grant, delete, revoke, and object lifetime. */
#include "ktest.h"

static void test_derivation(void)
{
    kt_begin("KAPI_CAP_0001_REVOKE");
    int64_t ep = sys_endpoint_create();
    int64_t a = sys_cap_copy((handle_t)ep, RIGHTS_ALL, 0);
    int64_t b = sys_cap_copy((handle_t)a, RIGHTS_ALL, 0);
    int64_t c = sys_cap_copy((handle_t)b, RIGHT_WRITE, 0);
    int64_t d = sys_cap_copy((handle_t)a, RIGHT_READ, 0);
    KT_CHECK(ep > 0 && a > 0 && b > 0 && c > 0 && d > 0);
    /* Deleting b hands c to a, so revoking a still reaches c. */
    KT_EQ(sys_cap_delete((handle_t)b), 0);
    struct cap_info ci;
    KT_EQ(sys_cap_info((handle_t)c, &ci), 0);
    KT_EQ(ci.type, CAP_ENDPOINT);
    KT_EQ(ci.rights, RIGHT_WRITE);
    KT_EQ(sys_cap_revoke((handle_t)a), 2); /* c and d */
    KT_EQ(sys_cap_info((handle_t)c, &ci), E_BADH);
    KT_EQ(sys_cap_info((handle_t)d, &ci), E_BADH);
    KT_EQ(sys_cap_info((handle_t)a, &ci), 0); /* revoke keeps the capability itself */
    KT_EQ(sys_cap_revoke((handle_t)a), 0);
    sys_cap_delete((handle_t)a);
    sys_cap_delete((handle_t)ep);
    KT_EQ(sys_cap_delete((handle_t)ep), E_BADH);
    kt_end("KAPI_CAP_0001_REVOKE");
}

static void test_grant(void)
{
    kt_begin("KAPI_CAP_0002_GRANT");
    int64_t task = sys_task_create(16);
    int64_t n = sys_notification_create();
    KT_CHECK(task > 0 && n > 0);
    KT_EQ(sys_cap_grant((handle_t)task, (handle_t)n, RIGHTS_ALL, 0, 3), 3);
    KT_EQ(sys_cap_grant((handle_t)task, (handle_t)n, RIGHTS_ALL, 0, 3), E_EXIST);
    KT_EQ(sys_cap_grant((handle_t)task, (handle_t)n, RIGHTS_ALL, 0, 16), E_RANGE);
    KT_EQ(sys_cap_grant((handle_t)task, (handle_t)n, RIGHTS_ALL, 0, 0), 1); /* lowest free */
    /* Without GRANT on the source nothing moves. */
    int64_t nogrant = sys_cap_copy((handle_t)n, RIGHT_READ | RIGHT_WRITE, 0);
    KT_EQ(sys_cap_grant((handle_t)task, (handle_t)nogrant, RIGHTS_ALL, 0, 0), E_PERM);
    /* Revoking the original removes the copies inside the other task. */
    KT_EQ(sys_cap_revoke((handle_t)n), 3);
    KT_EQ(sys_cap_grant((handle_t)task, (handle_t)n, RIGHTS_ALL, 0, 3), 3);
    /* The table is full after 15 more. */
    int granted = 0;
    while (sys_cap_grant((handle_t)task, (handle_t)n, RIGHTS_ALL, 0, 0) > 0)
        granted++;
    KT_EQ(granted, 14);
    KT_EQ(sys_cap_grant((handle_t)task, (handle_t)n, RIGHTS_ALL, 0, 0), E_NOSPACE);
    KT_EQ(sys_cap_delete((handle_t)task), 0); /* frees its table and copies */
    KT_EQ(sys_cap_revoke((handle_t)n), 0);
    sys_cap_delete((handle_t)n);
    kt_end("KAPI_CAP_0002_GRANT");
}

void kt_test_caps(void)
{
    test_derivation();
    test_grant();
}
