/*
 * kvtest: the custom-server story end to end, run as init (-- /bin/kvtest):
 * kv started from the disk registers with the name service; several
 * forked clients use it at once (each looks it up: capabilities are not
 * inherited, and each gets a badge of its own); malformed requests get
 * errors from the framework's table; when kv is killed its clients' calls
 * fail instead of hanging, and a new kv takes over the name.
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <proto/kv.h>
#include <sys/ipc.h>
#include <sys/mica.h>
#include <sys/names.h>
#include <sys/proc.h>
#include <sys/server.h>

#define CHECK_PRINTF printf
#define TEST_MAIN
#include "check.h"

#define CLIENTS 4
#define KEYS_EACH 50

static int64_t start_kv(void)
{
    char *argv[] = {"kv", NULL};
    return proc_spawn(PROC_SLOT, "/bin/kv", argv, NULL);
}

static int64_t put(handle_t kv, const char *key, const char *value)
{
    struct kv_put_req req = {0};
    strcpy(req.key, key);
    req.value_len = (uint32_t)strlen(value);
    memcpy(req.value, value, req.value_len);
    return srv_call(kv, KV_OP_PUT, &req, sizeof req, 0, NULL, 0, NULL, NULL);
}

static int64_t get(handle_t kv, const char *key, char *out, size_t cap)
{
    struct kv_key_req req = {0};
    strcpy(req.key, key);
    struct kv_value_rep rep;
    uint32_t len = 0;
    int64_t r = srv_call(kv, KV_OP_GET, &req, sizeof req, 0, &rep, sizeof rep, &len, NULL);
    if (r == 0 && (len != sizeof rep || rep.value_len >= cap))
        return E_INVAL;
    if (r == 0) {
        memcpy(out, rep.value, rep.value_len);
        out[rep.value_len] = '\0';
    }
    return r;
}

/* A client: its own keys, written and read back while the others run. */
static int client(int id)
{
    int64_t kv = names_lookup(NAMES_SLOT, "kv", NAMES_FOREVER);
    if (kv < 0)
        return 10;
    int bad = 0;
    for (int j = 0; j < KEYS_EACH; j++) {
        char key[32], value[64], back[64];
        snprintf(key, sizeof key, "c%d-k%d", id, j);
        snprintf(value, sizeof value, "value %d of client %d", j, id);
        bad += put((handle_t)kv, key, value) != 0;
        bad += get((handle_t)kv, key, back, sizeof back) != 0 || strcmp(back, value) != 0;
    }
    struct kv_stats_req sreq = {0};
    struct kv_stats_rep rep;
    bad += srv_call((handle_t)kv, KV_OP_STATS, &sreq, sizeof sreq, 0, &rep, sizeof rep, NULL,
                    NULL) != 0 || rep.my_ops != 2 * KEYS_EACH + 1; /* per-client state */
    return bad ? 11 : 0;
}

static void test_concurrent_clients(void)
{
    pid_t pids[CLIENTS];
    for (int i = 0; i < CLIENTS; i++) {
        pids[i] = fork();
        if (pids[i] == 0)
            _exit(client(i));
    }
    int ok = 0;
    for (int i = 0; i < CLIENTS; i++) {
        int st = -1;
        ok += waitpid(pids[i], &st, 0) == pids[i] && WIFEXITED(st) && WEXITSTATUS(st) == 0;
    }
    CHECK_EQ(ok, CLIENTS);
    /* Every client's keys are there, seen from here. */
    int64_t kv = names_lookup(NAMES_SLOT, "kv", 0);
    CHECK(kv > 0);
    int found = 0;
    for (int i = 0; i < CLIENTS; i++)
        for (int j = 0; j < KEYS_EACH; j++) {
            char key[32], want[64], back[64];
            snprintf(key, sizeof key, "c%d-k%d", i, j);
            snprintf(want, sizeof want, "value %d of client %d", j, i);
            found += get((handle_t)kv, key, back, sizeof back) == 0 && strcmp(back, want) == 0;
        }
    CHECK_EQ(found, CLIENTS * KEYS_EACH);
    struct kv_stats_req sreq = {0};
    struct kv_stats_rep rep;
    CHECK_EQ(srv_call((handle_t)kv, KV_OP_STATS, &sreq, sizeof sreq, 0, &rep, sizeof rep, NULL,
                      NULL), 0);
    CHECK_EQ(rep.keys, CLIENTS * KEYS_EACH);
    CHECK(rep.clients >= CLIENTS + 1);
}

static void test_malformed(void)
{
    int64_t kv = names_lookup(NAMES_SLOT, "kv", 0);
    struct kv_key_req key = {0};
    strcpy(key.key, "c0-k0");
    CHECK_EQ(srv_call((handle_t)kv, KV_OP_GET, &key, sizeof key - 1, 0, NULL, 0, NULL, NULL),
             E_INVAL); /* short: the table refuses it */
    CHECK_EQ(srv_call((handle_t)kv, 99, &key, sizeof key, 0, NULL, 0, NULL, NULL), E_NOSYS);
    struct kv_key_req dirty = {0};
    strcpy(dirty.key, "x");
    dirty.key[20] = 'y'; /* junk after the NUL */
    CHECK_EQ(srv_call((handle_t)kv, KV_OP_GET, &dirty, sizeof dirty, 0, NULL, 0, NULL, NULL),
             E_INVAL);
    struct kv_put_req big = {0};
    strcpy(big.key, "big");
    big.value_len = 4000;
    CHECK_EQ(srv_call((handle_t)kv, KV_OP_PUT, &big, sizeof big, 0, NULL, 0, NULL, NULL), E_INVAL);
    strcpy(key.key, "never-stored");
    char back[8];
    CHECK_EQ(get((handle_t)kv, "never-stored", back, sizeof back), E_NOENT);
    /* Names: bad names, a name taken, a name not ours. */
    int64_t ep = sys_endpoint_create();
    CHECK_EQ(names_register(NAMES_SLOT, "kv", (handle_t)ep), E_EXIST);
    CHECK_EQ(names_register(NAMES_SLOT, "Bad Name", (handle_t)ep), E_INVAL);
    CHECK_EQ(names_unregister(NAMES_SLOT, "kv"), E_PERM);
    CHECK_EQ(names_lookup(NAMES_SLOT, "nobody-here", 0), E_NOENT);
    CHECK_EQ(names_lookup(NAMES_SLOT, "nobody-here", 50), E_NOENT); /* waited, then gave up */
}

static void test_crash_and_restart(int64_t kv_pid)
{
    int64_t kv = names_lookup(NAMES_SLOT, "kv", 0);
    CHECK(kv > 0);
    CHECK_EQ(kill((pid_t)kv_pid, SIGKILL), 0);
    int st = -1;
    CHECK(waitpid((pid_t)kv_pid, &st, 0) == kv_pid && WIFSIGNALED(st));
    /* The old capability fails at once; the name is free. */
    char back[8];
    int64_t r = get((handle_t)kv, "c0-k0", back, sizeof back);
    CHECK(r == E_BADH || r == E_DEAD);
    printf("kvtest: a call to the dead server: %s\n", err_name((err_t)r));
    CHECK_EQ(names_lookup(NAMES_SLOT, "kv", 0), E_NOENT);
    /* A new kv under the same name, with fresh state. */
    int64_t pid2 = start_kv();
    CHECK(pid2 > 0);
    int64_t kv2 = names_lookup(NAMES_SLOT, "kv", NAMES_FOREVER);
    CHECK(kv2 > 0);
    CHECK_EQ(get((handle_t)kv2, "c0-k0", back, sizeof back), E_NOENT);
    CHECK_EQ(put((handle_t)kv2, "again", "yes"), 0);
    CHECK_EQ(get((handle_t)kv2, "again", back, sizeof back), 0);
    CHECK(strcmp(back, "yes") == 0);
    CHECK_EQ(kill((pid_t)pid2, SIGTERM), 0);
    CHECK(waitpid((pid_t)pid2, &st, 0) == pid2);
}

/* kv's pid (main starts it before the tests; the third kills it). */
static int64_t kv_pid;

static void test_crash_and_restart_kv(void)
{
    test_crash_and_restart(kv_pid);
}

static const struct test tests[] = {
    TEST(KV_0001_CONCURRENT_CLIENTS, test_concurrent_clients),
    TEST(KV_0002_MALFORMED_REQUESTS_AND_NAMES, test_malformed),
    TEST(KV_0003_SERVER_CRASH_CLIENT_ERRORS_RESTART, test_crash_and_restart_kv),
};

int main(void)
{
    printf("kvtest: a server started from the disk, found by name\n");
    int64_t pid = start_kv();
    if (pid < 0) {
        printf("kvtest: cannot start /bin/kv: %s\n", err_name((err_t)pid));
        return 1;
    }
    kv_pid = pid;
    test_run_table(tests, TEST_COUNT(tests));
    test_summary("kvtest");
    return test_failures;
}
