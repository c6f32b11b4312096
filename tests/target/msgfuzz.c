/*
 * msgfuzz: a message fuzzer for the servers an ordinary program can reach
 * (console, names, pipe, proc, the example pager and kv, fat32, mm), run as
 * init: ./mica run -- /bin/msgfuzz [PHASE...]. For each server a
 * fixed-seed PRNG (fuzzrng.h) makes thousands of messages: random labels
 * (valid and not), valid operations with wrong fields (huge offsets,
 * foreign handles, unaligned addresses, unterminated paths, lengths past
 * the buffer), random register words and random capabilities attached
 * (ours, badged, without GRANT, bogus handles). Every call must come back
 * with a reply or an error the protocol allows; a reply no error list
 * allows, or E_DEAD (the server died), counts as unexpected. After each
 * server its state is checked: the frames, processes, names, pipes and
 * files the system had before are there and work. blk, which no program
 * can reach, is fuzzed by blkfuzz (root.test=blkfuzz).
 *
 * A hang cannot be detected from inside (IPC calls have no timeout): the
 * fuzzer never sends a request that legitimately blocks for ever (a
 * console read, a read of an empty pipe we write, a names lookup that
 * waits for a name nobody registers), so a hang is a server bug, and the
 * QEMU case's timeout catches it with "msgfuzz: <server>: ..." as the last
 * progress line.
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <mica/ipc.h>
#include <proto/console.h>
#include <proto/fs.h>
#include <proto/kv.h>
#include <proto/memobj.h>
#include <proto/mm.h>
#include <proto/names.h>
#include <proto/pager.h>
#include <proto/pipe.h>
#include <proto/proc.h>
#include <sys/console.h>
#include <sys/fs.h>
#include <sys/ipc.h>
#include <sys/mica.h>
#include <sys/mm.h>
#include <sys/names.h>
#include <sys/pipe.h>
#include <sys/proc.h>
#include <sys/server.h>

#define CHECK_PRINTF printf
#define TEST_MAIN
#include "check.h"
#include "fuzzrng.h"

#define SEED 0x6d736766757a7a31ull /* "msgfuzz1" */
#define PAGE 4096ull

/* ---- sending ---- */

struct fz {
    uint64_t label;
    uint64_t w[IPC_WORDS];
    uint32_t len;   /* bytes of ipc_buffer()->data (may exceed the kernel's limit) */
    uint32_t ncaps; /* 0-7: over 4 the kernel refuses */
    handle_t caps[IPC_MAX_CAPS];
};

/* What came back: the kernel's result, the reply's label as an err_t and
 * its words and capabilities (in our table; fz_call deletes them unless the
 * caller keeps them with keep_caps). */
static struct ipc_msg reply;
static int64_t kernel_r, server_r;
static handle_t got[IPC_MAX_CAPS];
static uint32_t ngot;

static const char *phase = "start";
static uint64_t sent, unexpected;
static struct fz last; /* the message being answered, for reports */
static uint8_t last_data[IPC_BUF_DATA_MAX];

/* Handles we attach: a mix of what the kernel lets through and what it
 * refuses. */
enum { POOL = 16 };
static handle_t pool[POOL];
static uint32_t npool;
static handle_t own_ep, own_ntfn, badged_ep, nogrant_ep;

static void note_unexpected(const char *what, int64_t r)
{
    unexpected++;
    if (unexpected > 12)
        return;
    printf("msgfuzz: %s: message %lu: unexpected %s: %ld (%s); label %lu len %u caps %u "
           "w 0x%lx 0x%lx 0x%lx\n",
           phase, (unsigned long)sent, what, (long)r, err_name((err_t)r),
           (unsigned long)last.label, last.len, last.ncaps, (unsigned long)last.w[0],
           (unsigned long)last.w[1], (unsigned long)last.w[2]);
    if (last.len && last.len <= IPC_BUF_DATA_MAX) { /* the request's data, printable */
        char text[81];
        uint32_t k = 0;
        for (; k < last.len && k < 80; k++) {
            char c = (char)last_data[k];
            text[k] = c >= 0x20 && c < 0x7f ? c : c ? '?' : '|';
        }
        text[k] = '\0';
        printf("msgfuzz:   data \"%s\"\n", text);
    }
}

/* The kernel's verdict on a message before any server sees it (0: it goes
 * through), from the rules of docs/kernel-api.md. */
static int64_t kernel_verdict(handle_t ep, const struct fz *f)
{
    if (f->len == 0 && f->ncaps == 0)
        return 0;
    if (f->len > IPC_BUF_DATA_MAX || f->ncaps > IPC_MAX_CAPS)
        return E_RANGE;
    struct cap_info ci;
    if (f->ncaps && (sys_cap_info(ep, &ci) < 0 || !(ci.rights & RIGHT_GRANT)))
        return E_PERM;
    for (uint32_t i = 0; i < f->ncaps; i++) {
        if (sys_cap_info(f->caps[i], &ci) < 0)
            return E_BADH;
        if (!(ci.rights & RIGHT_GRANT))
            return E_PERM;
    }
    return 0;
}

static void drop_got(void)
{
    for (uint32_t i = 0; i < ngot; i++)
        (void)sys_cap_delete(got[i]);
    ngot = 0;
}

/* Sends f to ep as a call. Returns true when a server answered (server_r
 * is its status); false when the kernel refused the message (checked
 * against kernel_verdict). Capabilities in the reply land in got[]. */
static bool fz_call(handle_t ep, const struct fz *f)
{
    drop_got();
    int64_t verdict = kernel_verdict(ep, f);
    struct ipc_buffer *b = ipc_buffer();
    for (uint32_t i = 0; i < f->ncaps && i < IPC_MAX_CAPS; i++)
        b->caps[i] = f->caps[i];
    b->recv_caps_max = IPC_MAX_CAPS;
    reply.tag = IPC_TAG(f->label & 0xffffffffffffull, f->len, f->ncaps);
    memcpy(reply.w, f->w, sizeof reply.w);
    sent++;
    last = *f;
    memcpy(last_data, b->data, f->len <= IPC_BUF_DATA_MAX ? f->len : 0);
    kernel_r = ipc_call(ep, &reply);
    b->recv_caps_max = 0;
    if (kernel_r < 0) {
        if (kernel_r != verdict)
            note_unexpected("kernel result", kernel_r);
        return false;
    }
    if (verdict != 0)
        note_unexpected("delivery of a message the kernel should refuse", verdict);
    ngot = (uint32_t)IPC_TAG_NCAPS(reply.tag);
    for (uint32_t i = 0; i < ngot && i < IPC_MAX_CAPS; i++)
        got[i] = b->caps[i];
    uint64_t label = IPC_TAG_LABEL(reply.tag);
    server_r = label ? (int64_t)(label << 16) >> 16 : 0;
    return true;
}

/* The capability in got[0] stays ours (fz_call deletes the others). */
static handle_t keep_cap(void)
{
    handle_t h = ngot ? got[0] : 0;
    for (uint32_t i = 1; i < ngot; i++)
        (void)sys_cap_delete(got[i]);
    ngot = 0;
    return h;
}

/* Whether err is one of the listed codes (0 = success may be listed too). */
static bool one_of(int64_t err, const int64_t *ok, int n)
{
    for (int i = 0; i < n; i++)
        if (err == ok[i])
            return true;
    return false;
}
#define ALLOWED(err, ...)                                                                    \
    one_of((err), (const int64_t[]){__VA_ARGS__},                                            \
           (int)(sizeof((const int64_t[]){__VA_ARGS__}) / sizeof(int64_t)))

/* A server's answer outside its protocol's list counts as unexpected. */
static void expect_in(bool answered, bool ok)
{
    if (answered && !ok)
        note_unexpected("reply", server_r);
}

/* Random capabilities on f: usually none, often one, sometimes up to 7
 * (the kernel refuses more than 4). */
static void add_caps(struct fz *f, const handle_t *from, uint32_t n)
{
    uint64_t k = below(100);
    f->ncaps = k < 55 ? 0 : k < 90 ? 1 : k < 98 ? 2 + (uint32_t)below(3) : 5 + (uint32_t)below(3);
    for (uint32_t i = 0; i < f->ncaps && i < IPC_MAX_CAPS; i++)
        f->caps[i] = from[below(n)];
}

/* Random data: length mostly small, sometimes the whole buffer, sometimes
 * more than the kernel carries. Bytes from an alphabet without letters, so
 * a console write can never print a line the test harness looks for. */
static void add_data(struct fz *f, uint32_t typical)
{
    uint64_t k = below(100);
    f->len = k < 70 ? (uint32_t)below(typical + 1)
             : k < 95 ? (uint32_t)below(IPC_BUF_DATA_MAX + 1)
                      : IPC_BUF_DATA_MAX + 1 + (uint32_t)below(3000);
    static const char alphabet[] = "0123456789.-_/ \0\n\t\x7f";
    uint8_t *d = ipc_buffer()->data;
    for (uint32_t i = 0; i < f->len && i < IPC_BUF_DATA_MAX; i++)
        d[i] = (uint8_t)alphabet[below(sizeof alphabet - 1)];
}

static void random_words(struct fz *f)
{
    for (int i = 0; i < IPC_WORDS; i++)
        f->w[i] = any_word();
}

/* A label: one of the protocol's (1..nops) half the time, else 0, a little
 * past the end, a kernel label or anything 48 bits hold. */
static uint64_t random_label(uint64_t nops)
{
    switch (below(8)) {
    case 0: return 0;
    case 1: return nops + 1 + below(64);
    case 2: return IPC_LABEL_FAULT_VM + below(3);
    case 3: return rnd() & 0xffffffffffffull;
    default: return 1 + below(nops);
    }
}

static void progress(uint64_t i, uint64_t n)
{
    if (i % 1000 == 0)
        printf("msgfuzz: %s: message %lu of %lu\n", phase, (unsigned long)i, (unsigned long)n);
}

static void begin(const char *name, uint64_t n)
{
    phase = name;
    sent = 0;
    unexpected = 0;
    printf("msgfuzz: %s: %lu messages, seed 0x%lx\n", name, (unsigned long)n,
           (unsigned long)fuzz_state);
}

static void finish_fuzz(void)
{
    printf("msgfuzz: %s: %lu messages sent, %lu unexpected answers\n", phase,
           (unsigned long)sent, (unsigned long)unexpected);
    CHECK_EQ(unexpected, 0);
}

static void make_pool(void)
{
    own_ep = (handle_t)sys_endpoint_create();
    own_ntfn = (handle_t)sys_notification_create();
    badged_ep = (handle_t)sys_cap_copy(own_ep, RIGHTS_ALL, 77);
    nogrant_ep = (handle_t)sys_cap_copy(own_ep, RIGHT_WRITE, 0);
    handle_t p[] = {own_ep, own_ntfn, badged_ep, nogrant_ep, 0, 200, 4095, 0xffffffffu,
                    PROC_SLOT, FS_CLIENT_SLOT, CONSOLE_SLOT, PIPE_SLOT, NAMES_SLOT, MM_CLIENT_SLOT};
    npool = sizeof p / sizeof p[0];
    memcpy(pool, p, sizeof p);
}

/* ---- console ---- */

/* Whether the console's answer to a job of n pids is right
 * (docs/processes.md): malformed is E_INVAL; a job of ourselves is ours to
 * set (we own the console: the first to set a job); a job naming other
 * processes (we have no children in this phase) is E_PERM where the
 * console can check descendants against proc's list, and allowed where it
 * cannot (proc does not list processes for it, or every program shares
 * one badge). */
static uint64_t my_pid;
static bool console_job_ok(int64_t got, uint64_t n, const uint64_t *pids, uint64_t len,
                           bool truncated)
{
    if (truncated || n == 0 || n > CONS_JOB_MAX || len < n * 8)
        return got == E_INVAL;
    for (uint64_t i = 0; i < n; i++) {
        uint64_t pid;
        memcpy(&pid, (const uint8_t *)pids + i * 8, 8);
        if (pid != my_pid)
            return ALLOWED(got, 0, E_PERM);
    }
    return got == 0;
}

static void fuzz_console(void)
{
    my_pid = (uint64_t)getpid();
    const uint64_t n = 1500;
    begin("console", n);
    for (uint64_t i = 0; i < n; i++) {
        progress(i, n);
        struct fz f = {0};
        f.label = random_label(5);
        random_words(&f);
        if (f.label == CONS_OP_SET_FOREGROUND && chance(30))
            f.w[0] = chance(50) ? 0 : my_pid;
        add_data(&f, f.label == CONS_OP_WRITE ? 8 : 64);
        uint8_t *d = ipc_buffer()->data;
        if (f.label == CONS_OP_WRITE && f.len > 16 && f.len <= IPC_BUF_DATA_MAX)
            memset(d, 0, f.len); /* long writes: NULs, not screenfuls */
        /* A valid read waits for a line nobody types: only bad sizes. */
        if (f.label == CONS_OP_READ && (f.len == 8 || chance(70))) {
            uint64_t max = chance(50) ? 0 : CONS_IO_MAX + 1 + below(1u << 20);
            memcpy(d, &max, 8);
            f.len = 8;
        }
        if (f.label == CONS_OP_SET_JOB && f.len <= IPC_BUF_DATA_MAX) {
            if (chance(70) && f.len >= 8) {
                uint64_t jn = below(CONS_JOB_MAX + 2);
                memcpy(d, &jn, 8);
            }
            if (chance(50))
                for (uint32_t k = 8; k + 8 <= f.len; k += 8) /* a job of ourselves */
                    memcpy(d + k, &my_pid, 8);
        }
        /* The register ops: mostly no buffer, so the console sees them. */
        if ((f.label == CONS_OP_SET_FOREGROUND || f.label == CONS_OP_END_JOB) && chance(80))
            f.len = 0;
        add_caps(&f, pool, npool);
        if (!fz_call(CONSOLE_SLOT, &f))
            continue;
        /* The console takes no capabilities: they arrive truncated away,
         * and the table refuses the request (E_INVAL) as it does one of
         * the wrong size. */
        bool known = f.label >= CONS_OP_WRITE && f.label <= CONS_OP_END_JOB;
        if (known && f.ncaps > 0) {
            expect_in(true, server_r == E_INVAL);
            continue;
        }
        switch (f.label) {
        case CONS_OP_WRITE: {
            uint64_t count = ~0ull;
            memcpy(&count, ipc_buffer()->data, 8);
            expect_in(true, server_r == 0 && IPC_TAG_LEN(reply.tag) == 8 && count == f.len);
            break;
        }
        case CONS_OP_READ: expect_in(true, server_r == E_INVAL); break;
        case CONS_OP_SET_FOREGROUND:
            expect_in(true, f.len ? server_r == E_INVAL
                            : f.w[0] ? console_job_ok(server_r, 1, &f.w[0], 8, false)
                                     : server_r == 0);
            break;
        case CONS_OP_SET_JOB: {
            if (f.len < 8 || f.len > sizeof(struct cons_job_req)) {
                expect_in(true, server_r == E_INVAL);
                break;
            }
            uint64_t jn;
            memcpy(&jn, last_data, 8);
            expect_in(true, console_job_ok(server_r, jn, (const uint64_t *)(last_data + 8),
                                           f.len - 8, false));
            break;
        }
        case CONS_OP_END_JOB: expect_in(true, server_r == (f.len ? E_INVAL : 0)); break;
        default: expect_in(true, server_r == E_NOSYS);
        }
    }
    printf("\n");
    finish_fuzz();
    /* Still printing, and ^C reaches nobody it should not. */
    static const char line[] = "msgfuzz: console still prints\n";
    CHECK_EQ(console_write(CONSOLE_SLOT, line, sizeof line - 1), sizeof line - 1);
    CHECK_EQ(console_set_foreground(CONSOLE_SLOT, 0), 0);
}

/* ---- names ---- */

#define MAX_MINE 40
static char mine[MAX_MINE][NAMES_NAME_MAX + 1]; /* names we registered */
static int nmine;

static bool is_mine(const char *name)
{
    for (int i = 0; i < nmine; i++)
        if (strcmp(mine[i], name) == 0)
            return true;
    return false;
}

static void forget_mine(const char *name)
{
    for (int i = 0; i < nmine; i++)
        if (strcmp(mine[i], name) == 0) {
            memcpy(mine[i], mine[--nmine], sizeof mine[i]);
            return;
        }
}

static int count_names(void)
{
    uint32_t cursor = 0;
    char name[NAMES_NAME_MAX + 1];
    uint64_t owner;
    int n = 0;
    while (names_list(NAMES_SLOT, &cursor, name, &owner) == 0 && n < 1000)
        n++;
    return n;
}

/* A name field: valid and ours-to-be, valid and someone else's, or
 * malformed (empty, capitals, no NUL in the field, bytes after the NUL). */
static void random_name(char out[NAMES_NAME_MAX + 1])
{
    memset(out, 0, NAMES_NAME_MAX + 1);
    static const char ok[] = "abcxyz0189._-";
    switch (below(10)) {
    case 0: strcpy(out, "pager"); return;
    case 1: if (nmine) { strcpy(out, mine[below(nmine)]); return; } break;
    case 2: return; /* empty */
    case 3: strcpy(out, "Fz.Upper"); return;
    case 4: memset(out, 'a', NAMES_NAME_MAX + 1); return; /* no NUL */
    case 5: strcpy(out, "fz.tail"); out[20] = 'x'; return; /* junk after the NUL */
    case 6: strcpy(out, "fz/slash"); return;
    default: break;
    }
    uint64_t len = 3 + below(NAMES_NAME_MAX - 3);
    out[0] = 'f', out[1] = 'z', out[2] = '.';
    for (uint64_t i = 3; i < len && i < 6; i++) /* few distinct names: they collide */
        out[i] = ok[below(sizeof ok - 1)];
}

static void fuzz_names(void)
{
    const uint64_t n = 5000;
    int before = count_names();
    begin("names", n);
    for (uint64_t i = 0; i < n; i++) {
        progress(i, n);
        struct fz f = {0};
        f.label = random_label(8);
        random_words(&f);
        uint8_t *d = ipc_buffer()->data;
        char name[NAMES_NAME_MAX + 1];
        random_name(name);
        uint32_t want = f.label == NAMES_OP_LOOKUP || f.label == NAMES_OP_ALLOW ? 40
                        : f.label == NAMES_OP_LIST || f.label == NAMES_OP_DROP_CLIENT ? 8
                        : f.label == NAMES_OP_STATS ? 0 : 32;
        memset(d, 0, 64);
        memcpy(d, name, sizeof name);
        f.len = chance(85) ? want : (uint32_t)below(IPC_BUF_DATA_MAX + 200);
        if (f.len > want && f.len <= IPC_BUF_DATA_MAX)
            memset(d + want, 0, f.len - want);
        uint32_t flags = chance(70) ? 0 : chance(50) ? NAMES_WAIT : (uint32_t)any_word();
        uint32_t pad = chance(90) ? 0 : 1 + (uint32_t)below(100);
        if (f.label == NAMES_OP_LOOKUP) {
            /* Waiting for a name nobody registers would wait for ever: wait
             * only for names that are there, or in requests refused anyway. */
            bool refused = !names_name_valid(name) || (flags & ~NAMES_WAIT) || pad || f.len != 40;
            bool there = strcmp(name, "pager") == 0 || is_mine(name);
            if ((flags & NAMES_WAIT) && !refused && !there)
                flags = 0;
            memcpy(d + 32, &flags, 4);
            memcpy(d + 36, &pad, 4);
        } else if (f.label == NAMES_OP_LIST) {
            uint32_t cursor = (uint32_t)any_word();
            memcpy(d, &cursor, 4);
            memcpy(d + 4, &pad, 4);
        } else if (f.label == NAMES_OP_ALLOW || f.label == NAMES_OP_DROP_CLIENT) {
            uint64_t badge = any_word();
            memcpy(d + (f.label == NAMES_OP_ALLOW ? 32 : 0), &badge, 8);
        }
        add_caps(&f, pool, npool);
        if (f.label == NAMES_OP_REGISTER && chance(50)) {
            f.ncaps = 1;
            f.caps[0] = own_ep;
        }
        if (!fz_call(NAMES_SLOT, &f))
            continue;
        bool size_ok = f.len == want;
        switch (f.label) {
        case NAMES_OP_REGISTER:
            expect_in(true, size_ok ? ALLOWED(server_r, 0, E_INVAL, E_EXIST, E_PERM, E_LIMIT)
                                    : server_r == E_INVAL);
            if (server_r == 0 && nmine < MAX_MINE)
                memcpy(mine[nmine++], name, sizeof name);
            break;
        case NAMES_OP_LOOKUP:
            expect_in(true, ALLOWED(server_r, 0, E_INVAL, E_NOENT, E_NOSPACE));
            if (server_r == 0 && ngot != 1)
                note_unexpected("lookup without a capability", ngot);
            if (server_r == E_NOSPACE) /* names' table is full: a leak */
                note_unexpected("lookup", server_r);
            break;
        case NAMES_OP_UNREGISTER:
            expect_in(true, ALLOWED(server_r, 0, E_INVAL, E_NOENT, E_PERM));
            if (server_r == 0) {
                if (!is_mine(name))
                    note_unexpected("unregistered a name not ours", 0);
                forget_mine(name);
            }
            break;
        case NAMES_OP_LIST: expect_in(true, ALLOWED(server_r, 0, E_INVAL, E_NOENT)); break;
        case NAMES_OP_DROP_CLIENT: /* proc's alone: refused before anything is read */
            expect_in(true, server_r == E_PERM);
            break;
        case NAMES_OP_RESERVE:
        case NAMES_OP_ALLOW:
            /* On a name of ours we may name its heir (the fuzzer's names
             * are unregistered at the end, heirs and all). */
            expect_in(true, f.label == NAMES_OP_ALLOW && size_ok && is_mine(name)
                                ? ALLOWED(server_r, 0, E_INVAL)
                                : ALLOWED(server_r, E_PERM, E_INVAL, E_NOENT));
            break;
        case NAMES_OP_STATS: expect_in(true, ALLOWED(server_r, 0, E_INVAL)); break;
        default: expect_in(true, server_r == E_NOSYS);
        }
    }
    /* Capabilities sent with requests that take none must not pile up in
     * names' table: 300 more lookups, each carrying one. */
    for (int i = 0; i < 300; i++) {
        struct fz f = {.label = i % 2 ? NAMES_OP_LOOKUP : NAMES_OP_LIST, .ncaps = 1,
                       .caps = {own_ntfn}};
        memset(ipc_buffer()->data, 0, 40);
        if (i % 2)
            strcpy((char *)ipc_buffer()->data, "pager"); /* (a list request: cursor 0) */
        f.len = i % 2 ? 40 : 8;
        if (fz_call(NAMES_SLOT, &f))
            expect_in(true, server_r == 0);
    }
    finish_fuzz();
    while (nmine > 0) {
        CHECK_EQ(names_unregister(NAMES_SLOT, mine[nmine - 1]), 0);
        nmine--;
    }
    CHECK_EQ(count_names(), before);
    /* Lookups still resolve, a hundred times (each mints a capability). */
    int resolved = 0;
    for (int i = 0; i < 100; i++) {
        int64_t cap = names_lookup(NAMES_SLOT, "pager", 0);
        struct cap_info ci;
        resolved += cap > 0 && sys_cap_info((handle_t)cap, &ci) == 0 && ci.type == CAP_ENDPOINT;
        if (cap > 0)
            (void)sys_cap_delete((handle_t)cap);
    }
    CHECK_EQ(resolved, 100);
    /* A new name resolves to our endpoint: revoking it takes the looked-up
     * copy with it. */
    handle_t ep = (handle_t)sys_endpoint_create();
    CHECK_EQ(names_register(NAMES_SLOT, "fz.check", ep), 0);
    int64_t cap = names_lookup(NAMES_SLOT, "fz.check", 0);
    struct cap_info ci;
    CHECK(cap > 0 && sys_cap_info((handle_t)cap, &ci) == 0 && ci.type == CAP_ENDPOINT);
    CHECK(sys_cap_revoke(ep) >= 1);
    CHECK(cap > 0 && sys_cap_info((handle_t)cap, &ci) == E_BADH);
    CHECK_EQ(names_unregister(NAMES_SLOT, "fz.check"), 0);
    CHECK_EQ(names_lookup(NAMES_SLOT, "fz.check", 0), E_NOENT);
    (void)sys_cap_delete(ep);
}

/* ---- pipe ---- */

/* A model of the pipes we hold: every answer is checked against it,
 * bytes included. */
#define MP 40
static struct mpipe {
    bool used;
    uint8_t buf[PIPE_CAPACITY];
    uint32_t len;
    int readers, writers;
} mp[MP];
#define MH 96
static struct mend {
    bool open;
    uint64_t h;
    int pipe;
    bool wr;
} mh[MH];

static struct mend *end_of(uint64_t h)
{
    for (int i = 0; i < MH; i++)
        if (mh[i].open && mh[i].h == h)
            return &mh[i];
    return NULL;
}

static int pipes_used(void)
{
    int n = 0;
    for (int i = 0; i < MP; i++)
        n += mp[i].used;
    return n;
}

static void model_close(struct mend *e)
{
    struct mpipe *p = &mp[e->pipe];
    if (e->wr)
        p->writers--;
    else
        p->readers--;
    e->open = false;
    if (p->readers == 0 && p->writers == 0)
        p->used = false;
}

/* What the framework answers before the pipe server sees a request
 * (include/proto/pipe.h: the table checks the op, the caller's class,
 * capabilities, which arrive truncated, and the size); 1: none of it. */
static int64_t pipe_table_answer(const struct fz *f)
{
    if (f->label < PIPE_OP_CREATE || f->label > PIPE_OP_STATS)
        return E_NOSYS;
    if (f->label == PIPE_OP_CLONE_CLIENT || f->label == PIPE_OP_DROP_CLIENT)
        return E_PERM; /* proc's */
    if (f->ncaps > 0)
        return E_INVAL;
    if (f->label == PIPE_OP_READ)
        return f->len == sizeof(struct pipe_read_req) ? 1 : E_INVAL;
    if (f->label == PIPE_OP_WRITE)
        return f->len <= sizeof(struct pipe_write_req) ? 1 : E_INVAL;
    return f->len == 0 ? 1 : E_INVAL; /* the register ops carry no buffer */
}

static void fuzz_pipe(void)
{
    const uint64_t n = 8000;
    begin("pipe", n);
    for (uint64_t i = 0; i < n; i++) {
        progress(i, n);
        struct fz f = {0};
        f.label = chance(12) ? PIPE_OP_CREATE : random_label(7);
        random_words(&f);
        /* Mostly a handle of ours. */
        int live[MH], nlive = 0;
        for (int k = 0; k < MH; k++)
            if (mh[k].open)
                live[nlive++] = k;
        uint64_t h = f.w[0];
        if (nlive && chance(75))
            h = mh[live[below(nlive)]].h;
        add_data(&f, 200);
        uint8_t *d = ipc_buffer()->data;
        /* Mostly well formed: a read's request in the buffer, a write's
         * handle at the start of its data, no buffer for the others. */
        if (f.label == PIPE_OP_READ && chance(85)) {
            struct pipe_read_req q = {.end = h,
                                      .max = chance(80) ? 1 + (uint32_t)below(PIPE_IO_MAX)
                                                        : (uint32_t)any_word(),
                                      ._pad0 = chance(95) ? 0 : (uint32_t)any_word()};
            struct mend *e = end_of(h);
            /* A read of an empty pipe whose write end we hold waits for
             * us: make it malformed instead. */
            if (e && !e->wr && mp[e->pipe].len == 0 && mp[e->pipe].writers > 0)
                q.max = 0;
            memcpy(d, &q, sizeof q);
            f.len = sizeof q;
        } else if (f.label == PIPE_OP_WRITE) {
            if (f.len >= 8 && f.len <= IPC_BUF_DATA_MAX && chance(90))
                memcpy(d, &h, 8);
        } else if (chance(85)) {
            f.len = 0;
            f.w[0] = h;
        }
        add_caps(&f, pool, npool);
        /* The request as the server will read it. */
        uint64_t req_h = f.w[0];
        if ((f.label == PIPE_OP_READ || f.label == PIPE_OP_WRITE) && f.len >= 8 &&
            f.len <= IPC_BUF_DATA_MAX)
            memcpy(&req_h, d, 8);
        struct mend *e = end_of(req_h);
        struct mpipe *p = e ? &mp[e->pipe] : NULL;
        /* A write to a full pipe we read waits for us: no data instead. */
        if (f.label == PIPE_OP_WRITE && e && e->wr && f.len >= 8 && p->len == PIPE_CAPACITY &&
            p->readers > 0)
            f.len = 8;
        if (!fz_call(PIPE_SLOT, &f))
            continue;
        int64_t table = pipe_table_answer(&f);
        if (table != 1) {
            expect_in(true, server_r == table);
            continue;
        }
        switch (f.label) {
        case PIPE_OP_CREATE: {
            int ends_held = 0;
            for (int k = 0; k < MH; k++)
                ends_held += mh[k].open;
            if (pipes_used() >= PIPE_CLIENT_PIPES || ends_held + 2 > PIPE_CLIENT_ENDS) {
                /* our own limits */
                expect_in(true, server_r == E_LIMIT);
                break;
            }
            expect_in(true, ALLOWED(server_r, 0, E_NOSPACE));
            if (server_r != 0)
                break;
            int slot = -1;
            for (int k = 0; k < MP && slot < 0; k++)
                if (!mp[k].used)
                    slot = k;
            int a = -1, b = -1;
            for (int k = 0; k < MH; k++)
                if (!mh[k].open) {
                    if (a < 0)
                        a = k;
                    else if (b < 0)
                        b = k;
                }
            if (slot < 0 || a < 0 || b < 0 || end_of(reply.w[0]) || end_of(reply.w[1]) ||
                reply.w[0] == reply.w[1]) {
                note_unexpected("pipe handles (or our model is full)", (int64_t)reply.w[0]);
                break;
            }
            mp[slot] = (struct mpipe){.used = true, .readers = 1, .writers = 1};
            mh[a] = (struct mend){.open = true, .h = reply.w[0], .pipe = slot, .wr = false};
            mh[b] = (struct mend){.open = true, .h = reply.w[1], .pipe = slot, .wr = true};
            break;
        }
        case PIPE_OP_READ:
        case PIPE_OP_WRITE:
        case PIPE_OP_CLOSE:
            if (f.label == PIPE_OP_WRITE && f.len < 8) {
                expect_in(true, server_r == E_INVAL); /* not even a handle */
                break;
            }
            if (!e) {
                expect_in(true, server_r == E_BADH);
                break;
            }
            if (f.label == PIPE_OP_CLOSE) {
                expect_in(true, server_r == 0);
                model_close(e);
            } else if (f.label == PIPE_OP_READ) {
                struct pipe_read_req q;
                memcpy(&q, last_data, sizeof q);
                if (e->wr || q.max == 0 || q.max > PIPE_IO_MAX || q._pad0) {
                    expect_in(true, server_r == E_INVAL);
                    break;
                }
                uint32_t want = p->len < q.max ? p->len : q.max;
                expect_in(true, server_r == 0 && IPC_TAG_LEN(reply.tag) == want &&
                                    memcmp(ipc_buffer()->data, p->buf, want) == 0);
                memmove(p->buf, p->buf + want, p->len - want);
                p->len -= want;
            } else {
                uint32_t len = f.len - 8;
                if (!e->wr || len == 0) {
                    expect_in(true, server_r == E_INVAL);
                    break;
                }
                if (p->readers == 0) {
                    expect_in(true, server_r == E_DEAD);
                    break;
                }
                uint32_t room = PIPE_CAPACITY - p->len, put = len < room ? len : room;
                struct pipe_write_rep wr = {0};
                memcpy(&wr, ipc_buffer()->data, sizeof wr);
                expect_in(true, server_r == 0 && IPC_TAG_LEN(reply.tag) == sizeof wr &&
                                    wr.taken == put);
                memcpy(p->buf + p->len, last_data + 8, put);
                p->len += put;
            }
            break;
        case PIPE_OP_STATS: expect_in(true, server_r == 0 && reply.w[0] >= (uint64_t)pipes_used()); break;
        default: expect_in(true, server_r == E_NOSYS);
        }
    }
    finish_fuzz();
    /* Our ends close; the numbers then name nothing; a new pipe works. */
    int closed = 0, stale = 0;
    for (int k = 0; k < MH; k++) {
        if (!mh[k].open)
            continue;
        closed += pipe_close(PIPE_SLOT, mh[k].h) == 0;
        stale += pipe_close(PIPE_SLOT, mh[k].h) == E_BADH;
        model_close(&mh[k]);
    }
    CHECK_EQ(closed, stale);
    uint64_t r, w;
    char buf[4] = {0};
    CHECK_EQ(pipe_create(PIPE_SLOT, &r, &w), 0);
    CHECK_EQ(pipe_write(PIPE_SLOT, w, "ok", 2), 2);
    CHECK_EQ(pipe_read(PIPE_SLOT, r, buf, 2), 2);
    CHECK_EQ(strcmp(buf, "ok"), 0);
    CHECK_EQ(pipe_close(PIPE_SLOT, w), 0);
    CHECK_EQ(pipe_read(PIPE_SLOT, r, buf, 2), 0); /* end of file */
    CHECK_EQ(pipe_close(PIPE_SLOT, r), 0);
}

/* ---- proc ---- */

#define MAX_KIDS 64
static uint64_t kids[MAX_KIDS];
static int nkids, forks;

static void add_kid(uint64_t pid)
{
    if (nkids < MAX_KIDS)
        kids[nkids++] = pid;
    else
        note_unexpected("more children than we track", (int64_t)pid);
}

static void forget_kid(uint64_t pid)
{
    for (int i = 0; i < nkids; i++)
        if (kids[i] == pid) {
            kids[i] = kids[--nkids];
            return;
        }
}

static bool is_kid(uint64_t pid)
{
    for (int i = 0; i < nkids; i++)
        if (kids[i] == pid)
            return true;
    return false;
}

/* A spawn or exec request (struct proc_spawn_req in the buffer): path,
 * arguments, environment, with the counts in the header true or lying.
 * exec: never a path that runs (a successful exec would replace the
 * fuzzer). Returns whether the request is exactly valid. */
static bool spawn_request(struct fz *f, bool exec)
{
    static const char *const good[] = {"/bin/true", "/bin/msgfuzz"};
    /* Not "//bin//true": a path parser may well take it for /bin/true. */
    static const char *const bad[] = {"/nope", "/", "/bin", "/hello.txt", "bin/true", "",
                                      "/bin/true/x", "/bin/true\x01"};
    /* Built in the buffer itself (no memory of ours that mm's counts
     * before and after the phase would see appear). */
    struct proc_spawn_req *qp = (struct proc_spawn_req *)(void *)ipc_buffer()->data;
    memset(qp, 0, sizeof *qp);
#define q (*qp)
    char *d = q.strings;
    uint32_t len = 0;
    bool valid = !exec && chance(50);
    const char *path = valid ? good[below(2)] : bad[below(sizeof bad / sizeof bad[0])];
    if (chance(5)) { /* a path of nearly the whole buffer */
        memset(d, 'a', 900);
        d[0] = '/';
        len = 900;
        d[len++] = '\0';
        valid = false;
    } else {
        strcpy(d, path);
        len = (uint32_t)strlen(path) + 1;
    }
    uint16_t argc = (uint16_t)below(4), envc = (uint16_t)below(3);
    for (uint32_t a = 0; a < (uint32_t)argc + envc; a++) {
        uint32_t l = (uint32_t)below(12);
        for (uint32_t k = 0; k < l && len < PROC_ARGS_MAX; k++)
            d[len++] = (char)('a' + below(26));
        if (len < PROC_ARGS_MAX)
            d[len++] = '\0';
    }
    q.argc = argc;
    q.envc = envc;
    /* The kernel-memory budget (exec keeps the caller's and ignores it). */
    q.kmem_budget = chance(70) ? 0
                    : chance(50) ? MM_SPACE_KMEM_MIN + 4096 * below(64)
                                 : any_word();
    if (!exec && q.kmem_budget &&
        (q.kmem_budget < MM_SPACE_KMEM_MIN || q.kmem_budget > MM_SPACE_KMEM_MAX))
        valid = false;
    switch (below(11)) {
    case 0: q.argc = (uint16_t)(argc + 1 + below(1000)); valid = false; break; /* argc lies */
    case 1: q.envc = (uint16_t)(envc + 1 + any_word() % 60000); valid = false; break;
    case 2: q.nnames = (uint16_t)(1 + below(8)); valid = false; break; /* names: root's */
    case 3: if (len > 1) { len -= 1 + (uint32_t)below(len - 1); } valid = false; break; /* cut */
    case 4: q.argc = (uint16_t)any_word(); q.envc = (uint16_t)any_word(); valid = false; break;
    case 5: q._pad0 = (uint16_t)(1 + below(100)); valid = false; break;
    default: break;
    }
    if (exec && !valid && strcmp(d, "/bin/true") == 0 && q.argc <= argc && q.envc <= envc &&
        q.nnames == 0 && q._pad0 == 0)
        strcpy(d, "/nope"); /* never a request that might run */
    f->len = (uint32_t)offsetof(struct proc_spawn_req, strings) + len;
    return valid;
#undef q
}

static void reap_some(bool block)
{
    for (;;) {
        uint64_t status;
        int64_t pid = proc_wait(PROC_SLOT, PROC_ANY, block ? 0 : PROC_WNOHANG, &status);
        if (pid <= 0)
            return;
        forget_kid((uint64_t)pid);
    }
}

static int list_procs(uint64_t *pids, int max)
{
    uint64_t cursor = 0;
    struct proc_info info;
    int n = 0;
    while (proc_list(PROC_SLOT, &cursor, &info) == 0 && n < 1000) {
        if (n < max)
            pids[n] = info.pid;
        n++;
    }
    return n;
}

static void fuzz_proc(void)
{
    const uint64_t n = 4000;
    uint64_t before[PROC_MAX], after[PROC_MAX];
    int nbefore = list_procs(before, PROC_MAX);
    struct mm_stats_reply mb, ma;
    CHECK_EQ(mm_stats(MM_CLIENT_SLOT, &mb), 0);
    uint64_t me = (uint64_t)getpid();
    begin("proc", n);
    for (uint64_t i = 0; i < n; i++) {
        progress(i, n);
        if (i % 50 == 0)
            reap_some(false);
        struct fz f = {0};
        f.label = random_label(8);
        random_words(&f);
        add_data(&f, 64);
        /* The register ops: mostly no buffer, so proc sees them. */
        if (f.label != PROC_OP_SPAWN && f.label != PROC_OP_EXEC && chance(80))
            f.len = 0;
        bool valid = false;
        switch (f.label) {
        case PROC_OP_EXIT: f.label = 0; break; /* would end the fuzzer */
        case PROC_OP_SPAWN:
            valid = spawn_request(&f, false);
            if (nkids >= 24) { /* keep the table from filling: argc lies */
                ((struct proc_spawn_req *)(void *)ipc_buffer()->data)->argc = 60000;
                valid = false;
            }
            break;
        case PROC_OP_EXEC: spawn_request(&f, true); break;
        case PROC_OP_WAIT:
            if (chance(30) && nkids)
                f.w[0] = kids[below(nkids)];
            else if (chance(30))
                f.w[0] = PROC_ANY;
            /* Blocking waits are fine: every child we have ends by itself. */
            f.w[1] = chance(80) ? PROC_WNOHANG : any_word() & ~(uint64_t)PROC_WNOHANG;
            break;
        case PROC_OP_KILL:
            /* Real signals only to our own children (not to ourselves, init:
             * that would power the machine off) or to pids that are not. */
            if (f.w[1] > 0 && f.w[1] < PROC_NSIG) {
                if (nkids && chance(60))
                    f.w[0] = kids[below(nkids)];
                else if (f.w[0] <= 1000)
                    f.w[0] = 1000000 + below(1000);
            }
            break;
        case PROC_OP_FORK:
            /* The child starts where nothing is mapped and dies there. */
            if (forks >= 12 || nkids >= 24) {
                f.label = PROC_OP_GETPID;
                break;
            }
            static const uint64_t pcs[] = {0, 8, 0x1000000000ull, 0xffffffc000000000ull,
                                           1ull << 63, 0x3ffffff000ull, 0x7000000000ull};
            f.w[0] = pcs[below(sizeof pcs / sizeof pcs[0])];
            forks++;
            break;
        }
        add_caps(&f, pool, npool);
        if (!fz_call(PROC_SLOT, &f))
            continue;
        /* What proc's table answers first (include/proto/proc.h): the
         * kernel's labels are not a process's to send; capabilities,
         * which proc never takes, arrive truncated; a register op
         * carries no buffer. */
        if (f.label == IPC_LABEL_FAULT_EXC || f.label == IPC_LABEL_NOTIFY) {
            expect_in(true, server_r == E_PERM);
            continue;
        }
        bool known = f.label >= PROC_OP_EXIT && f.label <= PROC_OP_FORK;
        bool regs = f.label != PROC_OP_SPAWN && f.label != PROC_OP_EXEC;
        if (known && (f.ncaps > 0 || (regs && f.len > 0))) {
            expect_in(true, server_r == E_INVAL);
            continue;
        }
        switch (f.label) {
        case PROC_OP_SPAWN: {
            expect_in(true, ALLOWED(server_r, 0, E_INVAL, E_NOENT, E_NOEXEC, E_RANGE, E_PERM,
                                    E_NOSPACE));
            if (valid && server_r != 0)
                note_unexpected("valid spawn", server_r);
            struct proc_pid_rep pr = {0};
            memcpy(&pr, ipc_buffer()->data, sizeof pr);
            if (server_r == 0)
                add_kid(pr.pid);
            break;
        }
        case PROC_OP_EXEC:
            expect_in(true, ALLOWED(server_r, E_INVAL, E_NOENT, E_NOEXEC, E_RANGE));
            break;
        case PROC_OP_WAIT:
            expect_in(true, ALLOWED(server_r, 0, E_NOENT));
            if (server_r == 0 && reply.w[0]) {
                if (!is_kid(reply.w[0]))
                    note_unexpected("wait returned a stranger", (int64_t)reply.w[0]);
                forget_kid(reply.w[0]);
            }
            break;
        case PROC_OP_KILL: expect_in(true, ALLOWED(server_r, 0, E_INVAL, E_NOENT)); break;
        case PROC_OP_GETPID: expect_in(true, server_r == 0 && reply.w[0] == me); break;
        case PROC_OP_LIST: expect_in(true, ALLOWED(server_r, 0, E_NOENT)); break;
        case PROC_OP_FORK: /* E_RANGE: the kernel will not start a thread there */
            expect_in(true, ALLOWED(server_r, 0, E_NOSPACE, E_NOMEM, E_RANGE));
            if (server_r == 0)
                add_kid(reply.w[0]);
            break;
        default: expect_in(true, server_r == E_NOSYS);
        }
    }
    reap_some(true); /* every child ends: /bin/true, ourselves with arguments, bad forks */
    finish_fuzz();
    CHECK_EQ(nkids, 0);
    /* The same processes as before, nothing leaked, and spawning works. */
    int nafter = list_procs(after, PROC_MAX);
    CHECK_EQ(nafter, nbefore);
    CHECK(nafter == nbefore && memcmp(before, after, (size_t)nafter * 8) == 0);
    char *argv[] = {"true", NULL};
    int64_t pid = proc_spawn(PROC_SLOT, "/bin/true", argv, NULL);
    uint64_t status = 1;
    CHECK(pid > 0 && proc_wait(PROC_SLOT, (uint64_t)pid, 0, &status) == pid && status == 0);
    CHECK_EQ(mm_stats(MM_CLIENT_SLOT, &ma), 0);
    CHECK_EQ(ma.used_frames, mb.used_frames);
    CHECK_EQ(ma.spaces, mb.spaces);
}

/* ---- fat32 ---- */

#define KNOWN "/fz/known"
#define KNOWN_LEN 5000
static uint8_t known_byte(uint32_t i)
{
    return (uint8_t)(i * 31 + (i >> 8));
}

/* Paths inside /fz (never /fz/known), and hostile ones. */
static uint32_t random_path(char *d, uint32_t room)
{
    static const char *const parts[] = {"a", "b", "dir", "d2", "x.y.z", "Upper", "sp ace",
                                        "long_name_with_many_characters.text", "c"};
    static const char *const hostile[] = {"", "/", "//", "/fz/", "/fz/../fz/a", "/fz/./b",
                                          "fz/a", "/fz/a/", "/fz/a\x01", "/fz/a*?", "/fz/\xff\xfe",
                                          "/fz/.", "/fz/.."};
    uint32_t n = 0;
    if (chance(20)) {
        const char *h = hostile[below(sizeof hostile / sizeof hostile[0])];
        n = (uint32_t)strlen(h);
        memcpy(d, h, n);
    } else if (chance(3)) {
        n = room - 2;
        memset(d, 'q', n);
        memcpy(d, "/fz/", 4);
        for (uint32_t k = 40; k < n; k += 40)
            d[k] = '/';
    } else {
        n = (uint32_t)sprintf(d, "/fz/%s", parts[below(sizeof parts / sizeof parts[0])]);
        if (chance(30))
            n += (uint32_t)sprintf(d + n, "/%s", parts[below(sizeof parts / sizeof parts[0])]);
    }
    d[n++] = '\0';
    if (chance(4))
        n--; /* no NUL */
    return n;
}

#define MAXH 48
static uint64_t fh[MAXH];
static int nfh;
#define MAXF 8
static handle_t fcap[MAXF];
static int nfcap;

static uint8_t known[KNOWN_LEN], back[KNOWN_LEN];

/* /fz and the file whose bytes the fuzz must not change (mm's phase maps it). */
static void fuzz_fat32_setup(void)
{
    CHECK(fs_mkdir(FS_CLIENT_SLOT, "/fz") == 0);
    int64_t h = fs_open(FS_CLIENT_SLOT, KNOWN, FS_O_CREAT | FS_O_EXCL, NULL, NULL);
    for (uint32_t i = 0; i < KNOWN_LEN; i++)
        known[i] = known_byte(i);
    CHECK(h >= 0 && fs_write(FS_CLIENT_SLOT, (uint64_t)h, 0, known, KNOWN_LEN) == KNOWN_LEN);
    CHECK_EQ(fs_close(FS_CLIENT_SLOT, (uint64_t)h), 0);
    CHECK_EQ(fs_sync(FS_CLIENT_SLOT), 0);
}

static void fuzz_fat32(void)
{
    const uint64_t n = 8000;
    int64_t h;
    /* Our own text pages are page-cache pages mm pins when we first touch
     * them: touch them all now, so the count below moves only with the
     * fuzz. */
    extern char __mica_text_base[], _end[];
    for (volatile char *p = __mica_text_base; p < _end; p += PAGE)
        (void)*p;
    struct fs_cache_stats cs0, cs1;
    CHECK_EQ(fs_cache_stats(FS_CLIENT_SLOT, &cs0), 0);
    begin("fat32", n);
    for (uint64_t i = 0; i < n; i++) {
        progress(i, n);
        struct fz f = {0};
        random_words(&f);
        uint64_t k = below(100);
        f.label = k < 15 ? FS_OP_OPEN : k < 22 ? FS_OP_CLOSE : k < 34 ? FS_OP_READ
                  : k < 46 ? FS_OP_WRITE : k < 50 ? FS_OP_FSTAT : k < 55 ? FS_OP_TRUNCATE
                  : k < 60 ? FS_OP_READDIR : k < 65 ? FS_OP_UNLINK : k < 70 ? FS_OP_MKDIR
                  : k < 74 ? FS_OP_RMDIR : k < 80 ? FS_OP_RENAME : k < 81 ? FS_OP_SYNC
                  : k < 84 ? FS_OP_MAP_FILE : k < 85 ? FS_OP_FSYNC : k < 86 ? FS_OP_STATS
                  : k < 91 ? 100 /* on a file capability */ : random_label(24);
        if (nfh && chance(75))
            f.w[0] = fh[below(nfh)];
        else if (chance(50))
            f.w[0] = below(FS_MAX_OPEN + 4);
        uint8_t *d = ipc_buffer()->data;
        switch (f.label) {
        case FS_OP_OPEN:
        case FS_OP_UNLINK:
        case FS_OP_MKDIR:
        case FS_OP_RMDIR:
            f.len = random_path((char *)d, 1000);
            f.w[0] = chance(90) ? below(8) : any_word(); /* flags */
            break;
        case FS_OP_RENAME:
            f.len = random_path((char *)d, 500);
            if (chance(90))
                f.len += random_path((char *)d + f.len, 500);
            if (chance(5)) { /* a directory into itself */
                strcpy((char *)d, "/fz/dir");
                strcpy((char *)d + 8, "/fz/dir/in");
                f.len = 8 + 11;
            }
            break;
        case FS_OP_READ:
            f.w[1] = chance(80) ? below(70000) : any_word();
            f.w[2] = chance(90) ? below(FS_IO_MAX + 1) : any_word();
            break;
        case FS_OP_WRITE:
            /* Offsets under 64 KiB, or past 4 GiB (refused). Between the two a
             * write is valid and fills the disk with zeros: not fuzzed. */
            f.w[1] = chance(85) ? below(65536) : (1ull << 32) + (any_word() >> 1);
            add_data(&f, 300);
            break;
        case FS_OP_TRUNCATE:
            f.w[1] = chance(85) ? below(65536) : (1ull << 32) + (any_word() >> 1);
            break;
        case FS_OP_READDIR: f.w[1] = chance(50) ? below(64) : any_word(); break;
        case FS_OP_MAP_FILE: f.w[1] = below(2); break;
        }
        if (f.label != FS_OP_WRITE && chance(10))
            add_data(&f, 64);
        add_caps(&f, pool, npool);
        handle_t ep = FS_CLIENT_SLOT;
        if (f.label == 100) { /* the memory-object operations, on a file capability */
            if (!nfcap)
                continue;
            ep = fcap[below(nfcap)];
            f.label = chance(90) ? MEMOBJ_OP_GET_PAGE + below(4) : random_label(23);
            if (f.label == MEMOBJ_OP_RELEASE)
                f.label = MEMOBJ_OP_INFO; /* released once each, at the end */
            f.w[0] = chance(70) ? below(4) : any_word();
            f.w[1] = below(2);
        }
        if (!fz_call(ep, &f))
            continue;
        int64_t r = server_r;
        bool ok;
        /* The table's checks come first (include/proto/fs.h): another
         * class's op is E_NOSYS; a capability (no op takes one: it
         * arrives truncated) or data on a register op is E_INVAL. */
        bool object_op = f.label >= MEMOBJ_OP_GET_PAGE && f.label <= MEMOBJ_OP_INFO;
        bool client_op = (f.label >= FS_OP_OPEN && f.label <= FS_OP_MAP_FILE) ||
                         f.label == FS_OP_FSYNC || f.label == FS_OP_STATS ||
                         f.label == FS_OP_TABLES;
        bool with_data = f.label == FS_OP_OPEN || f.label == FS_OP_READ ||
                         f.label == FS_OP_WRITE || f.label == FS_OP_READDIR ||
                         (f.label >= FS_OP_UNLINK && f.label <= FS_OP_RENAME);
        bool misshapen = f.ncaps > 0 || (f.len > 0 && !with_data);
        if (object_op && ep != FS_CLIENT_SLOT && misshapen) {
            expect_in(true, r == E_INVAL);
            continue;
        }
        if (client_op && ep == FS_CLIENT_SLOT && misshapen) {
            expect_in(true, r == E_INVAL);
            continue;
        }
        if (ep != FS_CLIENT_SLOT) {
            ok = f.label == MEMOBJ_OP_GET_PAGE    ? ALLOWED(r, 0, E_RANGE, E_PERM, E_NOMEM)
                 : f.label == MEMOBJ_OP_SYNC || f.label == MEMOBJ_OP_INFO ? r == 0
                                                                             : r == E_NOSYS;
            if (f.label == MEMOBJ_OP_GET_PAGE && r == 0 && ngot != 1)
                note_unexpected("page without a frame", ngot);
            expect_in(true, ok);
            continue;
        }
        switch (f.label) {
        case FS_OP_OPEN:
            ok = ALLOWED(r, 0, E_NOENT, E_EXIST, E_INVAL, E_NOSPACE, E_LIMIT);
            if (r == 0) {
                if (nfh < MAXH)
                    fh[nfh++] = reply.w[0];
                else
                    (void)fs_close(FS_CLIENT_SLOT, reply.w[0]);
            }
            break;
        case FS_OP_CLOSE:
            ok = ALLOWED(r, 0, E_BADH);
            for (int j = 0; r == 0 && j < nfh; j++)
                if (fh[j] == f.w[0]) {
                    fh[j] = fh[--nfh];
                    break;
                }
            break;
        case FS_OP_READ: ok = ALLOWED(r, 0, E_BADH, E_RANGE, E_INVAL); break;
        case FS_OP_WRITE: ok = ALLOWED(r, 0, E_BADH, E_RANGE, E_INVAL, E_NOSPACE); break;
        case FS_OP_FSTAT: ok = ALLOWED(r, 0, E_BADH); break;
        case FS_OP_TRUNCATE: ok = ALLOWED(r, 0, E_BADH, E_INVAL, E_NOSPACE); break;
        case FS_OP_READDIR: ok = ALLOWED(r, 0, E_BADH, E_INVAL, E_NOENT); break;
        case FS_OP_UNLINK: ok = ALLOWED(r, 0, E_NOENT, E_INVAL, E_BUSY); break;
        case FS_OP_MKDIR: ok = ALLOWED(r, 0, E_NOENT, E_EXIST, E_INVAL, E_NOSPACE); break;
        case FS_OP_RMDIR: ok = ALLOWED(r, 0, E_NOENT, E_INVAL, E_BUSY); break;
        case FS_OP_RENAME: ok = ALLOWED(r, 0, E_NOENT, E_EXIST, E_INVAL, E_NOSPACE, E_BUSY); break;
        case FS_OP_SYNC:
        case FS_OP_STATS:
        case FS_OP_TABLES: ok = r == 0; break;
        case FS_OP_FSYNC: ok = ALLOWED(r, 0, E_BADH); break;
        case FS_OP_MAP_FILE:
            ok = ALLOWED(r, 0, E_BADH, E_INVAL, E_NOSPACE, E_LIMIT);
            if (r == 0 && ngot == 1 && nfcap < MAXF)
                fcap[nfcap++] = keep_cap();
            else if (r == 0) { /* release what we will not use */
                handle_t c = keep_cap();
                struct ipc_msg m = {0};
                (void)ipc_request(c, MEMOBJ_OP_RELEASE, &m, 0);
                (void)sys_cap_delete(c);
            }
            break;
        default: ok = r == E_NOSYS;
        }
        expect_in(true, ok);
    }
    finish_fuzz();
    /* Every file capability released once, every handle closed: nothing
     * stays pinned in the cache. */
    for (int i = 0; i < nfcap; i++) {
        struct ipc_msg m = {0};
        CHECK_EQ(ipc_request(fcap[i], MEMOBJ_OP_RELEASE, &m, 0), 0);
        (void)sys_cap_delete(fcap[i]);
    }
    nfcap = 0;
    /* (E_BADH: an unlink closed handles of the file it removed.) */
    for (int i = 0; i < nfh; i++)
        CHECK(ALLOWED(fs_close(FS_CLIENT_SLOT, fh[i]), 0, E_BADH));
    nfh = 0;
    CHECK_EQ(fs_cache_stats(FS_CLIENT_SLOT, &cs1), 0);
    CHECK_EQ(cs1.pinned, cs0.pinned);
    /* A capability's reference goes back once: releasing it again must not
     * free the mapping another holder (mm, for our mapping) still uses. */
    h = fs_open(FS_CLIENT_SLOT, KNOWN, 0, NULL, NULL);
    int64_t c1 = h >= 0 ? fs_map_file(FS_CLIENT_SLOT, (uint64_t)h, false) : -1;
    int64_t a = c1 > 0 ? mm_mmap_file(0, PAGE, MM_PROT_R, 0, (handle_t)c1, 0) : -1;
    CHECK(a > 0 && *(volatile uint8_t *)(uintptr_t)a == known[0]); /* page pinned for mm */
    struct fs_cache_stats mapped_cs, after_cs;
    CHECK_EQ(fs_cache_stats(FS_CLIENT_SLOT, &mapped_cs), 0);
    int64_t c2 = h >= 0 ? fs_map_file(FS_CLIENT_SLOT, (uint64_t)h, false) : -1;
    struct ipc_msg rm = {0};
    CHECK(c2 > 0 && ipc_request((handle_t)c2, MEMOBJ_OP_RELEASE, &rm, 0) == 0);
    for (int i = 0; c2 > 0 && i < 3; i++)
        CHECK_EQ(ipc_request((handle_t)c2, MEMOBJ_OP_RELEASE, &rm, 0), E_BADH);
    CHECK_EQ(fs_cache_stats(FS_CLIENT_SLOT, &after_cs), 0);
    CHECK_EQ(after_cs.pinned, mapped_cs.pinned);
    if (c2 > 0)
        (void)sys_cap_delete((handle_t)c2);
    CHECK(a > 0 && mm_munmap((uint64_t)a, PAGE) == 0); /* mm's release: the last */
    CHECK_EQ(fs_cache_stats(FS_CLIENT_SLOT, &after_cs), 0);
    CHECK_EQ(after_cs.pinned, mapped_cs.pinned - 1);
    if (h >= 0)
        (void)fs_close(FS_CLIENT_SLOT, (uint64_t)h);
    /* The known file is intact; a new file is written and read back. */
    uint64_t size = 0;
    h = fs_open(FS_CLIENT_SLOT, KNOWN, 0, &size, NULL);
    CHECK(h >= 0 && size == KNOWN_LEN);
    memset(back, 0, sizeof back);
    CHECK(h >= 0 && fs_read(FS_CLIENT_SLOT, (uint64_t)h, 0, back, KNOWN_LEN) == KNOWN_LEN);
    CHECK_EQ(memcmp(back, known, KNOWN_LEN), 0);
    (void)fs_close(FS_CLIENT_SLOT, (uint64_t)h);
    FILE *fp = fopen("/fz/new.txt", "w");
    CHECK(fp && fprintf(fp, "written after %lu messages\n", (unsigned long)sent) > 0);
    CHECK(fp && fclose(fp) == 0);
    char line[64] = {0};
    fp = fopen("/fz/new.txt", "r");
    CHECK(fp && fgets(line, sizeof line, fp) && strncmp(line, "written after ", 14) == 0);
    if (fp)
        fclose(fp);
    CHECK_EQ(fs_sync(FS_CLIENT_SLOT), 0);
}

/* ---- mm ---- */

#define SANDBOX 0x2000000000ull /* where the fuzzer's fixed mappings go */
#define SANDBOX_LEN (64ull << 20)
#define SCRATCH 0x2400000000ull /* memory the fuzz never names: must keep its bytes */
#define SCRATCH_LEN (1ull << 20)

/* An address range in the sandbox, or one mm must refuse. */
static void random_range(uint64_t *addr, uint64_t *len)
{
    switch (below(6)) {
    case 0: *addr = any_word(); *len = any_word(); return;
    case 1: *addr = SANDBOX + below(SANDBOX_LEN); *len = below(1u << 22); return; /* unaligned */
    case 2: *addr = MM_STACK_TOP + PAGE * below(1000); *len = PAGE * (1 + below(16)); return;
    case 3: *addr = UINT64_MAX - PAGE * below(4) + 1; *len = PAGE * (1 + below(16)); return;
    default:
        *addr = SANDBOX + PAGE * below(SANDBOX_LEN / PAGE);
        *len = PAGE * (1 + below(chance(10) ? 8192 : 64));
        if (*addr + *len > SANDBOX + SANDBOX_LEN)
            *len = SANDBOX + SANDBOX_LEN - *addr;
    }
}

static bool in_sandbox(uint64_t addr, uint64_t len)
{
    return addr >= SANDBOX && len <= SANDBOX_LEN && addr + len <= SANDBOX + SANDBOX_LEN &&
           addr + len >= addr;
}

/* Whether mm would refuse [addr, addr+len) as a user range. */
static bool range_refused(uint64_t addr, uint64_t len)
{
    uint64_t end = (addr + len + PAGE - 1) & ~(PAGE - 1);
    return len == 0 || addr % PAGE || addr + len < addr || end < addr || addr < PAGE ||
           end > MM_STACK_TOP;
}

/* The mm phase's own process (a fork: what it does to its own space must
 * not hit the fuzzer). Exits 0 when every answer was allowed and the
 * scratch memory kept its bytes. */
static int mm_child(uint64_t n, handle_t *files, int nfiles)
{
    phase = "mm";
    volatile uint8_t *scratch = (volatile uint8_t *)(uintptr_t)SCRATCH;
    if (mm_mmap(SCRATCH, SCRATCH_LEN, MM_PROT_R | MM_PROT_W, MM_MAP_FIXED) != (int64_t)SCRATCH)
        return 2;
    for (uint64_t i = 0; i < SCRATCH_LEN; i += 512)
        scratch[i] = (uint8_t)(i / 512 * 7);
    uint64_t brk0 = (uint64_t)mm_brk(0);
    struct cap_info ci;
    uint64_t my_space = sys_cap_info(MM_CLIENT_SLOT, &ci) == 0 ? ci.badge : 0;
    /* What we offer mm as a file capability: real ones, servers'
     * endpoints (mm's own and proc's deadlocked mm before it called only
     * FS_FILE_BADGE capabilities), a notification, bogus handles. Not an
     * endpoint nobody serves badged FS_FILE_BADGE: mm would wait for its
     * answer for ever (docs/mm.md, a known limit). */
    handle_t filecaps[8 + MAXF];
    uint32_t nfc = 0;
    handle_t answering[] = {FS_CLIENT_SLOT, PIPE_SLOT, CONSOLE_SLOT, NAMES_SLOT, PROC_SLOT,
                            MM_CLIENT_SLOT, own_ntfn, 0, 999};
    for (uint32_t i = 0; i < sizeof answering / sizeof answering[0]; i++)
        filecaps[nfc++] = answering[i];
    for (int i = 0; i < nfiles; i++)
        filecaps[nfc++] = files[i];
    uint64_t spaces[16];
    int nspaces = 0;
    for (uint64_t i = 0; i < n; i++) {
        if (i % 1000 == 0)
            printf("msgfuzz: mm: message %lu of %lu\n", (unsigned long)i, (unsigned long)n);
        struct fz f = {0};
        random_words(&f);
        f.label = random_label(MM_OP_SPACE_MPROTECT);
        if (f.label >= IPC_LABEL_FAULT_VM && f.label <= IPC_LABEL_NOTIFY)
            f.label = MM_OP_STATS; /* forged faults: the sacrificial children's */
        add_caps(&f, pool, npool);
        uint64_t addr, len;
        random_range(&addr, &len);
        switch (f.label) {
        case MM_OP_MMAP:
            f.w[0] = addr;
            f.w[1] = chance(90) ? len : any_word();
            f.w[2] = chance(90) ? below(8) : any_word();
            f.w[3] = chance(90) ? below(16) : any_word();
            if (chance(60))
                f.w[3] |= MM_MAP_FIXED;
            if ((f.w[3] & MM_MAP_FIXED) && !in_sandbox(f.w[0], f.w[1]))
                f.w[0] = chance(50) ? 0 : MM_STACK_TOP; /* refused, not our own memory */
            if (f.w[3] & MM_MAP_FILE) {
                f.w[4] = chance(80) ? 0 : any_word();
                f.ncaps = chance(90) ? 1 : 0;
                f.caps[0] = filecaps[below(nfc)];
            }
            break;
        case MM_OP_MUNMAP:
        case MM_OP_MPROTECT:
        case MM_OP_MSYNC:
            /* Never our own memory (only the sandbox or refused ranges). */
            if (!in_sandbox(addr, len) && !range_refused(addr, len))
                addr = MM_STACK_TOP;
            f.w[0] = addr;
            f.w[1] = len;
            f.w[2] = chance(90) ? below(8) : any_word();
            break;
        case MM_OP_BRK: {
            /* Query, refused values, or growth (shrinking would free our heap). */
            uint64_t k = below(4);
            f.w[0] = k == 0   ? 0
                     : k == 1 ? below(0x10000) /* below the program */
                     : k == 2 ? MM_MMAP_BASE + 1 + below(1u << 30)
                              : brk0 + below(4u << 20);
            break;
        }
        case MM_OP_SPACE_DESTROY:
            if (nspaces && chance(30))
                f.w[0] = spaces[below(nspaces)];
            else if (f.w[0] == my_space)
                f.w[0] = 0;
            break;
        case MM_OP_FORK:
            if (nspaces >= 16)
                f.label = MM_OP_PAGE_INFO;
            break;
        }
        if (!fz_call(MM_CLIENT_SLOT, &f))
            continue;
        int64_t r = server_r;
        bool ok;
        switch (f.label) {
        case MM_OP_SPACE_NEW:
        case MM_OP_SPACE_MMAP:
        case MM_OP_SPACE_WRITE:
        case MM_OP_SPACE_SET_BRK:
        case MM_OP_SPACE_FORK:
        case MM_OP_SPACE_INFO:
        case MM_OP_SPACE_COPY:
        case MM_OP_SPACE_MPROTECT: ok = r == E_PERM; break;
        case MM_OP_SPACE_DESTROY:
            ok = ALLOWED(r, 0, E_NOENT);
            for (int j = 0; r == 0 && j < nspaces; j++)
                if (spaces[j] == f.w[0])
                    spaces[j] = spaces[--nspaces];
            break;
        case MM_OP_STATS: ok = r == 0; break;
        case MM_OP_MMAP:
            ok = ALLOWED(r, 0, E_INVAL, E_EXIST, E_NOSPACE, E_NOMEM, E_PERM);
            if (r == 0 && !(f.w[3] & MM_MAP_FIXED)) {
                (void)mm_munmap(reply.w[0], f.w[1]); /* placed by mm: gone again */
            }
            if (r == 0 && (f.w[3] & MM_MAP_FIXED) && reply.w[0] != f.w[0])
                note_unexpected("fixed mapping elsewhere", (int64_t)reply.w[0]);
            break;
        case MM_OP_MUNMAP: ok = ALLOWED(r, 0, E_INVAL); break;
        case MM_OP_MPROTECT: ok = ALLOWED(r, 0, E_INVAL, E_NOENT, E_PERM, E_NOMEM); break;
        case MM_OP_BRK: ok = ALLOWED(r, 0, E_INVAL, E_NOMEM); break;
        case MM_OP_FORK:
            ok = ALLOWED(r, 0, E_NOMEM, E_NOSPACE);
            if (r == 0) {
                if (ngot == 3) {
                    spaces[nspaces++] = reply.w[0];
                } else {
                    note_unexpected("fork without its capabilities", ngot);
                }
            }
            break;
        case MM_OP_PAGE_INFO: ok = ALLOWED(r, 0, E_INVAL, E_RANGE, E_FAULT); break;
        case MM_OP_MSYNC: ok = ALLOWED(r, 0, E_INVAL, E_NOENT, E_IO, E_BADH); break;
        default: ok = r == E_NOSYS;
        }
        expect_in(true, ok);
    }
    /* Capabilities sent with requests that take none must not pile up in
     * mm's table (4096 slots): 4500 more, each carrying one. */
    for (int i = 0; i < 4500; i++) {
        struct fz f = {.label = i % 3 == 0 ? MM_OP_STATS : i % 3 == 1 ? MM_OP_PAGE_INFO : 999,
                       .ncaps = 1, .caps = {own_ntfn}};
        if (fz_call(MM_CLIENT_SLOT, &f))
            expect_in(true, i % 3 == 2 ? server_r == E_NOSYS : server_r == 0);
    }
    /* mm's own endpoint as a file capability: mm must not call itself. */
    struct fz self = {.label = MM_OP_MMAP, .w = {0, PAGE, MM_PROT_R, MM_MAP_FILE}, .ncaps = 1,
                      .caps = {MM_CLIENT_SLOT}};
    if (fz_call(MM_CLIENT_SLOT, &self))
        expect_in(true, server_r == E_INVAL);
    for (int j = 0; j < nspaces; j++)
        if (mm_space_destroy(MM_CLIENT_SLOT, spaces[j]) != 0)
            note_unexpected("destroying a forked space", (int64_t)spaces[j]);
    (void)mm_munmap(SANDBOX, SANDBOX_LEN);
    /* The break stays: newlib may have grown the heap past brk0 since. */
    int damaged = 0;
    for (uint64_t i = 0; i < SCRATCH_LEN; i += 512)
        damaged += scratch[i] != (uint8_t)(i / 512 * 7);
    printf("msgfuzz: mm: %lu messages sent, %lu unexpected answers, %d scratch bytes damaged\n",
           (unsigned long)sent, (unsigned long)unexpected, damaged);
    return unexpected || damaged ? 1 : 0;
}

/* A sacrificial process: forged page-fault messages (label
 * IPC_LABEL_FAULT_VM, any words) about its own space. mm may decide to kill
 * it; it must not crash or hurt anyone else. */
static int forged_faults(int k, uint64_t n)
{
    fuzz_seed(SEED ^ (0x9e3779b97f4a7c15ull * (uint64_t)(k + 1))); /* each its own messages */
    uint64_t base = (uint64_t)mm_mmap(0, 1 << 20, MM_PROT_R | MM_PROT_W, 0);
    for (uint64_t i = 0; i < n; i++) {
        struct fz f = {.label = IPC_LABEL_FAULT_VM};
        random_words(&f);
        /* Mostly reads and writes of our own mapping (mm resolves them, with
         * whatever the PTE word claims), sometimes anything (mm kills). */
        if (chance(90))
            f.w[FAULT_W_ADDR] = base + below(1 << 20);
        if (chance(90))
            f.w[FAULT_W_ACCESS] = 1u << below(2);
        if (chance(50))
            f.w[FAULT_W_PTE] = below(1u << 12);
        if (!fz_call(MM_CLIENT_SLOT, &f))
            continue;
        if (IPC_TAG_LABEL(reply.tag) == FAULT_REPLY_KILL)
            for (;;) /* mm marked us dead: proc ends us */
                (void)sys_yield();
    }
    return 0;
}

/* The example pager's count of object capabilities mm holds for object id
 * (-1 if it cannot be had). */
static int64_t pager_caps(handle_t pager, uint64_t id)
{
    struct pager_id_req req = {.id = id};
    struct pager_stats_rep rep;
    uint32_t n = 0;
    if (srv_call(pager, PAGER_OP_STATS, &req, sizeof req, 0, &rep, sizeof rep, &n, NULL) != 0 ||
        n != sizeof rep)
        return -1;
    return (int64_t)rep.caps;
}

/* Another object capability for object id (PAGER_OP_OPEN), 0 on failure. */
static handle_t pager_open(handle_t pager, uint64_t id)
{
    struct pager_id_req req = {.id = id};
    handle_t cap = 0;
    return srv_call(pager, PAGER_OP_OPEN, &req, sizeof req, 0, NULL, 0, NULL, &cap) == 0 ? cap
                                                                                         : 0;
}

/* A file mapping mm refuses gives the server's reference back: each
 * object capability the pager hands out counts one until RELEASE_FILE
 * (fat32 counts its MAP_FILE capabilities the same way, unseen from here). */
static void refused_mappings(void)
{
    int64_t pager = names_lookup(NAMES_SLOT, "pager", 0);
    struct pager_create_req req = {.npages = 4, .flags = PAGER_QUIET};
    struct pager_id_rep rep = {0};
    handle_t cap = 0;
    CHECK(pager > 0 && srv_call((handle_t)pager, PAGER_OP_CREATE, &req, sizeof req, 0, &rep,
                                sizeof rep, NULL, &cap) == 0 && cap);
    CHECK_EQ(pager_caps((handle_t)pager, rep.id), 1);
    /* A fixed range in use (our own text), then a bad protection. */
    CHECK_EQ(mm_mmap_file(0x10000, PAGE, MM_PROT_R, MM_MAP_FIXED | MM_MAP_SHARED, cap, 0),
             E_EXIST);
    CHECK_EQ(pager_caps((handle_t)pager, rep.id), 0);
    cap = pager_open((handle_t)pager, rep.id);
    CHECK(cap && mm_mmap_file(0, PAGE, 64, MM_MAP_SHARED, cap, 0) == E_INVAL);
    CHECK_EQ(pager_caps((handle_t)pager, rep.id), 0);
    /* One that works holds its reference until it is unmapped. */
    cap = pager_open((handle_t)pager, rep.id);
    int64_t a = cap ? mm_mmap_file(0, PAGE, MM_PROT_R | MM_PROT_W, MM_MAP_SHARED, cap, 0) : -1;
    CHECK(a > 0);
    CHECK_EQ(pager_caps((handle_t)pager, rep.id), 1);
    CHECK(a > 0 && mm_munmap((uint64_t)a, PAGE) == 0);
    CHECK_EQ(pager_caps((handle_t)pager, rep.id), 0);
    if (pager > 0)
        (void)sys_cap_delete((handle_t)pager);
}

static void fuzz_mm(void)
{
    const uint64_t n = 10000;
    struct mm_stats_reply before, after;
    CHECK_EQ(mm_stats(MM_CLIENT_SLOT, &before), 0);
    /* Real file capabilities for file mappings. */
    handle_t files[MAXF];
    int nfiles = 0;
    int64_t h = fs_open(FS_CLIENT_SLOT, KNOWN, 0, NULL, NULL);
    for (int i = 0; h >= 0 && i < 4; i++) {
        int64_t c = fs_map_file(FS_CLIENT_SLOT, (uint64_t)h, i % 2);
        if (c > 0)
            files[nfiles++] = (handle_t)c;
    }
    if (h >= 0)
        (void)fs_close(FS_CLIENT_SLOT, (uint64_t)h);
    begin("mm", n);
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0)
        _exit(mm_child(n, files, nfiles));
    int st = -1;
    CHECK(pid > 0 && waitpid(pid, &st, 0) == pid);
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    for (int i = 0; i < nfiles; i++) {
        struct ipc_msg m = {0};
        (void)ipc_request(files[i], MEMOBJ_OP_RELEASE, &m, 0);
        (void)sys_cap_delete(files[i]);
    }
    refused_mappings();
    /* Forged faults, in processes that may be killed for them. */
    int killed = 0, survived = 0;
    for (int k = 0; k < 12; k++) {
        fflush(stdout);
        pid = fork();
        if (pid == 0)
            _exit(forged_faults(k, 400));
        CHECK(pid > 0 && waitpid(pid, &st, 0) == pid);
        killed += WIFSIGNALED(st);
        survived += WIFEXITED(st) && WEXITSTATUS(st) == 0;
    }
    printf("msgfuzz: mm: forged faults: %d processes killed by mm, %d survived\n", killed,
           survived);
    CHECK_EQ(killed + survived, 12);
    /* Every frame and space back, and memory still works: a child touches
     * 4 MiB and forks again. */
    CHECK_EQ(mm_stats(MM_CLIENT_SLOT, &after), 0);
    CHECK_EQ(after.used_frames, before.used_frames);
    CHECK_EQ(after.spaces, before.spaces);
    fflush(stdout);
    pid = fork();
    if (pid == 0) {
        uint8_t *p = malloc(4 << 20);
        if (!p)
            _exit(3);
        for (int i = 0; i < (4 << 20); i += 4096)
            p[i] = (uint8_t)i;
        pid_t g = fork();
        if (g == 0)
            _exit(p[8192] == (uint8_t)8192 ? 0 : 4);
        int gs = -1;
        _exit(g > 0 && waitpid(g, &gs, 0) == g && WIFEXITED(gs) && WEXITSTATUS(gs) == 0 ? 0 : 5);
    }
    CHECK(pid > 0 && waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 0);
    CHECK_EQ(mm_stats(MM_CLIENT_SLOT, &after), 0);
    CHECK_EQ(after.used_frames, before.used_frames);
}

/* ---- pager (the example memory-object server, found by name) ---- */

static void fuzz_pager(void)
{
    const uint64_t n = 3000;
    int64_t pager = names_lookup(NAMES_SLOT, "pager", 0);
    CHECK(pager > 0);
    if (pager <= 0)
        return;
    /* A known object, mapped and written through mm: its bytes must stay. */
    struct pager_create_req creq = {.npages = 4, .flags = PAGER_QUIET};
    struct pager_id_rep idrep = {0};
    handle_t kcap = 0;
    CHECK(srv_call((handle_t)pager, PAGER_OP_CREATE, &creq, sizeof creq, 0, &idrep,
                   sizeof idrep, NULL, &kcap) == 0 && kcap);
    uint64_t kid = idrep.id;
    handle_t objcap = (handle_t)sys_cap_copy(kcap, RIGHTS_ALL, 0); /* keeps the badge */
    int64_t a = mm_mmap_file(0, 4 * PAGE, MM_PROT_R | MM_PROT_W, MM_MAP_SHARED, kcap, 0);
    CHECK(a > 0);
    volatile uint64_t *obj = (volatile uint64_t *)(uintptr_t)a;
    for (int i = 0; a > 0 && i < 4; i++)
        obj[i * PAGE / 8 + 1] = 0x5a5a0000u + (uint64_t)i;
    handle_t targets[] = {(handle_t)pager, objcap};
    int creates = 0;
    begin("pager", n);
    for (uint64_t i = 0; i < n; i++) {
        progress(i, n);
        struct fz f = {0};
        random_words(&f);
        bool on_object = chance(40);
        f.label = on_object ? (chance(85) ? MEMOBJ_OP_GET_PAGE + below(4) : random_label(20))
                            : chance(85) ? random_label(4) : MEMOBJ_OP_GET_PAGE + below(4);
        if (on_object && f.label == MEMOBJ_OP_RELEASE)
            f.label = MEMOBJ_OP_INFO; /* its reference count trusts us: not fuzzed */
        uint8_t *d = ipc_buffer()->data;
        uint32_t want = f.label == PAGER_OP_CREATE || f.label == PAGER_OP_PEEK ? 16
                        : f.label == PAGER_OP_OPEN || f.label == PAGER_OP_STATS ? 8 : 0;
        memset(d, 0, 16);
        uint64_t id = chance(40) ? kid : chance(50) ? below(PAGER_MAX_OBJECTS + 2) : any_word();
        uint64_t second = chance(80) ? below(PAGER_MAX_PAGES * 2) : any_word();
        if (f.label == PAGER_OP_CREATE) {
            uint32_t flags = chance(80) ? PAGER_QUIET : (uint32_t)any_word(), pad = chance(90) ? 0 : 1;
            if (creates >= 3)
                second = 0; /* the table of objects is small and never shrinks */
            memcpy(d, &second, 8);
            memcpy(d + 8, &flags, 4);
            memcpy(d + 12, &pad, 4);
        } else {
            memcpy(d, &id, 8);
            if (f.label == PAGER_OP_PEEK && chance(70))
                second = 8 * below(4 * PAGE / 8 + 8);
            memcpy(d + 8, &second, 8);
        }
        f.len = chance(85) ? want : (uint32_t)below(64);
        if (on_object && f.label == MEMOBJ_OP_GET_PAGE)
            f.w[0] = chance(80) ? below(6) : any_word();
        add_caps(&f, pool, npool);
        if (!fz_call(targets[on_object], &f))
            continue;
        int64_t r = server_r;
        bool ok;
        bool service_op = f.label >= PAGER_OP_CREATE && f.label <= PAGER_OP_PEEK;
        bool object_op = f.label >= MEMOBJ_OP_GET_PAGE && f.label <= MEMOBJ_OP_INFO;
        if (!service_op && !object_op)
            ok = r == E_NOSYS;
        else if (object_op != on_object) /* the other side's op: refused first */
            ok = r == E_NOSYS;
        else if (f.ncaps > 0 || f.len != want) /* it takes no capabilities: truncated */
            ok = r == E_INVAL;
        else if (object_op)
            ok = f.label == MEMOBJ_OP_GET_PAGE ? ALLOWED(r, 0, E_RANGE, E_NOMEM) : r == 0;
        else if (f.label == PAGER_OP_CREATE)
            ok = ALLOWED(r, 0, E_INVAL, E_NOSPACE);
        else
            ok = ALLOWED(r, 0, E_NOENT, E_INVAL);
        if (f.label == PAGER_OP_CREATE && r == 0)
            creates++;
        if (on_object && f.label == MEMOBJ_OP_INFO && r == 0 && reply.w[0] != 4 * PAGE)
            note_unexpected("object size", (int64_t)reply.w[0]);
        expect_in(true, ok);
    }
    finish_fuzz();
    /* The known object still holds our bytes, seen by the pager and by us. */
    int same = 0;
    for (int i = 0; a > 0 && i < 4; i++) {
        struct pager_peek_req pr = {.id = kid, .offset = (uint64_t)i * PAGE + 8};
        struct pager_peek_rep pv = {0};
        same += srv_call((handle_t)pager, PAGER_OP_PEEK, &pr, sizeof pr, 0, &pv, sizeof pv, NULL,
                         NULL) == 0 && pv.value == 0x5a5a0000u + (uint64_t)i &&
                obj[i * PAGE / 8 + 1] == 0x5a5a0000u + (uint64_t)i;
    }
    CHECK_EQ(same, 4);
    CHECK(a > 0 && mm_munmap((uint64_t)a, 4 * PAGE) == 0);
    (void)sys_cap_delete(objcap);
    (void)sys_cap_delete((handle_t)pager);
}

/* ---- kv (the example key-value server: started here, found by name) ---- */

/* Our model of kv's store: every answer is checked against it. */
#define MK 24
static struct {
    bool used;
    char key[KV_KEY_MAX + 1];
    uint32_t len;
    char value[KV_VALUE_MAX + 1];
} mk[MK];

static int mk_find(const char *key)
{
    for (int i = 0; i < MK; i++)
        if (mk[i].used && memcmp(mk[i].key, key, KV_KEY_MAX + 1) == 0)
            return i;
    return -1;
}

static bool kv_key_ok(const char *k)
{
    size_t n = strnlen(k, KV_KEY_MAX + 1);
    if (n == 0 || n > KV_KEY_MAX)
        return false;
    for (size_t i = n; i <= KV_KEY_MAX; i++)
        if (k[i])
            return false;
    return true;
}

static void fuzz_kv(void)
{
    const uint64_t n = 3000;
    char *argv[] = {"kv", NULL};
    int64_t pid = proc_spawn(PROC_SLOT, "/bin/kv", argv, NULL);
    CHECK(pid > 0);
    /* Waits in names until kv registered (a kv that never does is a hang
     * the case's timeout reports, after "msgfuzz: kv: starting"). */
    printf("msgfuzz: kv: starting /bin/kv\n");
    int64_t kv = pid > 0 ? names_lookup(NAMES_SLOT, "kv", NAMES_FOREVER) : -1;
    CHECK(kv > 0);
    if (kv <= 0)
        return;
    uint64_t my_ops = 0;
    begin("kv", n);
    for (uint64_t i = 0; i < n; i++) {
        progress(i, n);
        struct fz f = {0};
        random_words(&f);
        f.label = random_label(4);
        uint8_t *d = ipc_buffer()->data;
        memset(d, 0, sizeof(struct kv_put_req));
        /* Keys from a small set (so they collide), or malformed. */
        char key[KV_KEY_MAX + 1] = {0};
        switch (below(8)) {
        case 0: break;                                   /* empty */
        case 1: memset(key, 'k', sizeof key); break;     /* no NUL */
        case 2: strcpy(key, "junk"); key[20] = 'x'; break; /* bytes after the NUL */
        default: snprintf(key, sizeof key, "k%u", (unsigned)below(MK));
        }
        memcpy(d, key, sizeof key);
        uint32_t vlen = chance(90) ? (uint32_t)below(KV_VALUE_MAX + 1) : (uint32_t)any_word();
        uint32_t pad = chance(90) ? 0 : 1 + (uint32_t)below(9);
        uint32_t want = f.label == KV_OP_PUT ? sizeof(struct kv_put_req)
                        : f.label == KV_OP_STATS ? sizeof(struct kv_stats_req)
                                                 : sizeof(struct kv_key_req);
        if (f.label == KV_OP_PUT) {
            memcpy(d + 32, &vlen, 4);
            memcpy(d + 36, &pad, 4);
            for (uint32_t k = 0; k < KV_VALUE_MAX + 1; k++)
                d[40 + k] = (uint8_t)rnd();
        } else if (f.label == KV_OP_STATS) {
            uint64_t p8 = pad;
            memcpy(d, &p8, 8);
        }
        f.len = chance(85) ? want : (uint32_t)below(400);
        add_caps(&f, pool, npool);
        struct kv_put_req sent_req;
        memcpy(&sent_req, d, sizeof sent_req);
        if (!fz_call((handle_t)kv, &f))
            continue;
        int64_t r = server_r;
        bool known = f.label >= KV_OP_PUT && f.label <= KV_OP_STATS;
        if (!known) {
            expect_in(true, r == E_NOSYS);
            continue;
        }
        if (f.ncaps > 0 || f.len != want) { /* the framework refuses it: not counted */
            expect_in(true, r == E_INVAL);
            continue;
        }
        bool ok_key = kv_key_ok(sent_req.key);
        int at = ok_key ? mk_find(sent_req.key) : -1;
        switch (f.label) {
        case KV_OP_PUT:
            my_ops++;
            if (!ok_key || sent_req.value_len > KV_VALUE_MAX || sent_req._pad0) {
                expect_in(true, r == E_INVAL);
                break;
            }
            expect_in(true, r == 0);
            if (at < 0)
                for (int k = 0; k < MK && at < 0; k++)
                    if (!mk[k].used)
                        at = k;
            if (at < 0) {
                note_unexpected("more keys than the model holds", 0);
                break;
            }
            mk[at].used = true;
            memcpy(mk[at].key, sent_req.key, sizeof mk[at].key);
            mk[at].len = sent_req.value_len;
            memcpy(mk[at].value, sent_req.value, sent_req.value_len);
            break;
        case KV_OP_GET:
        case KV_OP_DEL:
            my_ops++;
            if (!ok_key) {
                expect_in(true, r == E_INVAL);
                break;
            }
            if (at < 0) {
                expect_in(true, r == E_NOENT);
                break;
            }
            if (f.label == KV_OP_DEL) {
                expect_in(true, r == 0);
                mk[at].used = false;
                break;
            }
            struct kv_value_rep *v = (struct kv_value_rep *)ipc_buffer()->data;
            expect_in(true, r == 0 && IPC_TAG_LEN(reply.tag) == sizeof *v &&
                                v->value_len == mk[at].len &&
                                memcmp(v->value, mk[at].value, mk[at].len) == 0);
            break;
        default: { /* STATS */
            if (pad) {
                expect_in(true, r == E_INVAL);
                break;
            }
            my_ops++;
            struct kv_stats_rep *s = (struct kv_stats_rep *)ipc_buffer()->data;
            uint64_t keys = 0;
            for (int k = 0; k < MK; k++)
                keys += mk[k].used;
            expect_in(true, r == 0 && s->keys == keys && s->my_ops == my_ops);
        }
        }
    }
    finish_fuzz();
    /* Every key we hold reads back; the store holds nothing else. */
    int bad = 0, keys = 0;
    for (int k = 0; k < MK; k++) {
        if (!mk[k].used)
            continue;
        keys++;
        struct kv_key_req req;
        memcpy(req.key, mk[k].key, sizeof req.key);
        struct kv_value_rep v;
        uint32_t got_len = 0;
        bad += srv_call((handle_t)kv, KV_OP_GET, &req, sizeof req, 0, &v, sizeof v, &got_len,
                        NULL) != 0 || v.value_len != mk[k].len ||
               memcmp(v.value, mk[k].value, mk[k].len) != 0;
    }
    CHECK_EQ(bad, 0);
    struct kv_stats_req sreq = {0};
    struct kv_stats_rep srep = {0};
    CHECK_EQ(srv_call((handle_t)kv, KV_OP_STATS, &sreq, sizeof sreq, 0, &srep, sizeof srep, NULL,
                      NULL), 0);
    CHECK_EQ(srep.keys, keys);
    (void)sys_cap_delete((handle_t)kv);
    uint64_t status = 0;
    CHECK(proc_kill(PROC_SLOT, (uint64_t)pid, PROC_SIGTERM) == 0 &&
          proc_wait(PROC_SLOT, (uint64_t)pid, 0, &status) == pid);
}

/* Removes what the fat32 phase left in /fz, deepest first. */
static void remove_tree(const char *path, int depth)
{
    int64_t h = fs_open(FS_CLIENT_SLOT, path, 0, NULL, NULL);
    if (h < 0 || depth > 8)
        return;
    char names[64][128];
    int n = 0;
    uint64_t cookie = 0;
    char name[128];
    uint64_t size;
    bool is_dir;
    while (n < 64 && fs_readdir(FS_CLIENT_SLOT, (uint64_t)h, &cookie, name, sizeof name, &size,
                                &is_dir) == 0)
        if (strcmp(name, ".") != 0 && strcmp(name, "..") != 0)
            snprintf(names[n++], sizeof names[0], "%s", name);
    (void)fs_close(FS_CLIENT_SLOT, (uint64_t)h);
    for (int i = 0; i < n; i++) {
        char child[300];
        size_t lp = strlen(path), ln = strlen(names[i]);
        if (lp + 1 + ln >= sizeof child)
            continue;
        memcpy(child, path, lp);
        child[lp] = '/';
        memcpy(child + lp + 1, names[i], ln + 1);
        if (fs_unlink(FS_CLIENT_SLOT, child) != 0) {
            remove_tree(child, depth + 1);
            (void)fs_rmdir(FS_CLIENT_SLOT, child);
        }
    }
}

/* The frame counts compared before and after a phase must not move with
 * our own stack growing into fresh pages: touch what we will use now. */
static void __attribute__((noinline)) touch_stack(void)
{
    volatile char pad[64 << 10];
    for (size_t i = 0; i < sizeof pad; i += PAGE)
        pad[i] = 0;
}

/* Whether phase `name` runs: all without arguments, else those named
 * ("msgfuzz mm names", to chase one server's failure). */
static bool wanted(int argc, char **argv, const char *name)
{
    for (int i = 1; i < argc; i++)
        if (strcmp(argv[i], name) == 0)
            return true;
    return argc == 1;
}

/* The phases named on the command line (all without arguments); the others
 * print TEST <id> SKIP. fat32's and mm's phases share the files under /fz,
 * made before the first of them and removed by the cleanup test. */
static int phase_argc;
static char **phase_argv;
static bool fz_made;

#define PHASE(name, body)                                                       \
    static void phase_##name(void)                                              \
    {                                                                           \
        if (!wanted(phase_argc, phase_argv, #name)) {                           \
            test_skip();                                                        \
            return;                                                             \
        }                                                                       \
        body;                                                                   \
    }

static void make_fz_once(void)
{
    if (!fz_made)
        fuzz_fat32_setup();
    fz_made = true;
}

PHASE(console, fuzz_console())
PHASE(names, fuzz_names())
PHASE(pipe, fuzz_pipe())
PHASE(proc, fuzz_proc())
PHASE(pager, fuzz_pager())
PHASE(kv, fuzz_kv())
PHASE(fat32, (make_fz_once(), fuzz_fat32()))
PHASE(mm, (make_fz_once(), fuzz_mm()))

static void cleanup_fz(void)
{
    if (!fz_made) {
        test_skip();
        return;
    }
    remove_tree("/fz", 0);
    CHECK_EQ(fs_rmdir(FS_CLIENT_SLOT, "/fz"), 0);
    CHECK_EQ(fs_sync(FS_CLIENT_SLOT), 0);
}

static const struct test tests[] = {
    TEST(MSGFUZZ_CONSOLE_0001_RANDOM_MESSAGES, phase_console),
    TEST(MSGFUZZ_NAMES_0001_RANDOM_MESSAGES, phase_names),
    TEST(MSGFUZZ_PIPE_0001_RANDOM_MESSAGES_MODEL, phase_pipe),
    TEST(MSGFUZZ_PROC_0001_RANDOM_MESSAGES, phase_proc),
    TEST(MSGFUZZ_PAGER_0001_RANDOM_MESSAGES, phase_pager),
    TEST(MSGFUZZ_KV_0001_RANDOM_MESSAGES_MODEL, phase_kv),
    TEST(MSGFUZZ_FAT32_0001_RANDOM_MESSAGES, phase_fat32),
    TEST(MSGFUZZ_MM_0001_RANDOM_MESSAGES, phase_mm),
    TEST(MSGFUZZ_CLEANUP_0001_FZ_REMOVED, cleanup_fz),
};

int main(int argc, char **argv)
{
    if (getpid() != 1) /* a copy the proc fuzzer spawned, with random arguments */
        return 3;
    setvbuf(stdout, NULL, _IOLBF, 0); /* progress lines out before a hang */
    printf("msgfuzz: message fuzzing of the servers, seed 0x%lx\n", (unsigned long)SEED);
    fuzz_seed(SEED);
    touch_stack();
    make_pool();
    phase_argc = argc;
    phase_argv = argv;
    return TEST_RUN("msgfuzz", tests);
}
