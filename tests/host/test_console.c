/* Tests the console's pure logic: the line discipline (servers/console/
 * input.c: long lines go on in pieces, nothing is dropped when the queue is
 * full, one line per read, EOF, ^C) and the foreground jobs
 * (servers/console/job.c: who may set them, descendants only, the stack). */
#include <stdlib.h>
#include <string.h>

#include "input.h"
#include "job.h"
#include "readers.h"

#include "check.h"

#define B(pid) (CONS_BADGE_BASE + (pid)) /* proc's per-process console badge */

static enum input_result feed(struct cons_input *in, char c)
{
    char echo[INPUT_ECHO_MAX];
    uint32_t n;
    return input_take(in, c, echo, &n);
}

/* Reads everything input offers, as readers wanting `want` would. */
static uint32_t drain(struct cons_input *in, uint32_t want, char *out, uint32_t cap)
{
    uint32_t got = 0;
    bool eof;
    int64_t n;
    while ((n = input_peek(in, want, &eof)) > 0 && got + (uint32_t)n <= cap) {
        memcpy(out + got, in->ready, (size_t)n);
        got += (uint32_t)n;
        input_consume(in, (uint32_t)n);
    }
    return got;
}

static void test_lines(void)
{
    static struct cons_input in;
    memset(&in, 0, sizeof in);
    bool eof;
    CHECK(input_peek(&in, 100, &eof) == -1);
    const char *typed = "ab\x7f" "c\nsecond\n";
    for (const char *c = typed; *c; c++)
        CHECK(feed(&in, *c) == INPUT_TAKEN);
    /* One line per read, even when the reader wants more. */
    CHECK(input_peek(&in, 100, &eof) == 3 && memcmp(in.ready, "ac\n", 3) == 0);
    /* A reader that died took nothing: the same offer again. */
    CHECK(input_peek(&in, 100, &eof) == 3);
    input_consume(&in, 3);
    CHECK(input_peek(&in, 4, &eof) == 4 && memcmp(in.ready, "seco", 4) == 0);
    input_consume(&in, 4);
    CHECK(input_peek(&in, 100, &eof) == 3 && memcmp(in.ready, "nd\n", 3) == 0);
    input_consume(&in, 3);
    /* ^C drops the line being edited; ^D on an empty line is EOF, once. */
    CHECK(feed(&in, 'x') == INPUT_TAKEN);
    CHECK(feed(&in, 0x03) == INPUT_INTERRUPT);
    CHECK(in.line_len == 0 && input_peek(&in, 100, &eof) == -1);
    CHECK(feed(&in, 0x04) == INPUT_TAKEN);
    CHECK(input_peek(&in, 100, &eof) == 0 && eof);
    input_consume(&in, 0);
    CHECK(input_peek(&in, 100, &eof) == -1);
}

/* A line of 3000 bytes crosses CONS_LINE_MAX: it arrives whole, in order,
 * with one newline at its end, never cut into two lines. */
static void test_long_line(void)
{
    static struct cons_input in;
    static char out[8000];
    memset(&in, 0, sizeof in);
    for (int i = 0; i < 3000; i++)
        CHECK(feed(&in, (char)('a' + i % 26)) == INPUT_TAKEN);
    CHECK(feed(&in, '\n') == INPUT_TAKEN);
    uint32_t got = drain(&in, CONS_IO_MAX, out, sizeof out);
    CHECK_EQ_U64(got, 3001);
    bool same = true;
    for (int i = 0; i < 3000; i++)
        same = same && out[i] == (char)('a' + i % 26);
    CHECK(same && out[3000] == '\n');
    CHECK(memchr(out, '\n', 3000) == NULL);
}

/* Typed far ahead of every reader: the queue fills, then bytes are refused
 * (the UART keeps them), and once a reader takes some everything follows
 * in order, nothing lost. */
static void test_full_queue(void)
{
    static struct cons_input in;
    static char out[CONS_INPUT_MAX * 4];
    memset(&in, 0, sizeof in);
    const uint32_t total = 50 * 600; /* whole lines, over three queues' worth */
    uint32_t fed = 0, got = 0;
    bool refused = false;
    while (fed < total) {
        char c = fed % 50 == 49 ? '\n' : (char)('0' + fed % 10);
        if (feed(&in, c) == INPUT_FULL) {
            refused = true;
            bool eof;
            int64_t n = input_peek(&in, 100, &eof);
            CHECK(n > 0);
            if (n <= 0)
                break;
            memcpy(out + got, in.ready, (size_t)n);
            got += (uint32_t)n;
            input_consume(&in, (uint32_t)n);
            continue; /* the same byte again */
        }
        fed++;
    }
    got += drain(&in, 100, out + got, sizeof out - got);
    CHECK(refused);
    CHECK_EQ_U64(got, total);
    bool same = true;
    for (uint32_t i = 0; i < total; i++)
        same = same && out[i] == (i % 50 == 49 ? '\n' : (char)('0' + i % 10));
    CHECK(same);
}

/* proc's table: 1 = the shell (owner), 2, 3 its children, 4 a child of
 * 2, 5 a child of 1, 6 a zombie child of 1. */
static struct cons_ptable table(void)
{
    struct cons_ptable t = {.n = 6,
                            .pid = {1, 2, 3, 4, 5, 6},
                            .ppid = {0, 1, 1, 2, 1, 1},
                            .running = {true, true, true, true, true, false}};
    return t;
}

static void test_jobs(void)
{
    static struct cons_jobs j;
    memset(&j, 0, sizeof j);
    struct cons_ptable t = table();
    uint64_t job23[] = {2, 3};
    uint64_t job1[] = {1};
    uint64_t job4[] = {4};
    uint64_t job5[] = {5};
    /* The first to set a job owns the console; its job is its descendants. */
    CHECK(job_set(&j, B(1), job23, 2, &t) == E_OK);
    CHECK(j.has_owner && j.owner == B(1) && j.depth == 1);
    CHECK(job_in_foreground(&j, 2) && job_in_foreground(&j, 3) && !job_in_foreground(&j, 1));
    /* Someone neither owner nor in the foreground: refused, nothing moves. */
    CHECK(job_set(&j, B(5), job5, 1, &t) == E_PERM);
    CHECK(j.depth == 1 && j.stack[0].npids == 2);
    /* A foreground process (a shell in the foreground) pushes its own job... */
    CHECK(job_set(&j, B(2), job4, 1, &t) == E_OK);
    CHECK(j.depth == 2 && job_in_foreground(&j, 4) && !job_in_foreground(&j, 2));
    /* ...but not one of processes that are not its own. */
    CHECK(job_set(&j, B(4), job1, 1, &t) == E_PERM);
    CHECK(job_set(&j, B(2), job5, 1, &t) == E_PERM);
    /* Setting again replaces its own job: the stack does not grow. */
    uint64_t job2[] = {2};
    CHECK(job_set(&j, B(2), job2, 1, &t) == E_OK);
    CHECK(j.depth == 2 && job_in_foreground(&j, 2) && !job_in_foreground(&j, 4));
    /* END_JOB: back to the job under it; a stranger's END_JOB is a no-op. */
    job_end(&j, B(5));
    CHECK(j.depth == 2);
    job_end(&j, B(2));
    CHECK(j.depth == 1 && job_in_foreground(&j, 3));
    /* The owner's job replaces the whole stack. */
    CHECK(job_set(&j, B(2), job4, 1, &t) == E_OK && j.depth == 2);
    CHECK(job_set(&j, B(1), job5, 1, &t) == E_OK);
    CHECK(j.depth == 1 && job_in_foreground(&j, 5));
    job_end(&j, B(1));
    CHECK(j.depth == 0);
    /* Malformed: no pids, too many. */
    CHECK(job_set(&j, B(1), job5, 0, &t) == E_INVAL);
    CHECK(job_set(&j, B(1), job5, CONS_JOB_MAX + 1, &t) == E_INVAL);
    /* A job of only itself needs no table. */
    CHECK(!job_needs_table(&j, B(1), job1, 1));
    CHECK(job_needs_table(&j, B(1), job23, 2));
}

/* Shells nested CONS_JOB_DEPTH deep: the next one gets E_LIMIT. */
static void test_depth(void)
{
    static struct cons_jobs j;
    memset(&j, 0, sizeof j);
    struct cons_ptable t = {.n = CONS_JOB_DEPTH + 2};
    for (uint32_t i = 0; i < t.n; i++) {
        t.pid[i] = i + 1;
        t.ppid[i] = i; /* a chain: each the child of the one before */
        t.running[i] = true;
    }
    for (uint64_t pid = 1; pid <= CONS_JOB_DEPTH; pid++) {
        uint64_t child = pid + 1;
        CHECK(job_set(&j, B(pid), &child, 1, &t) == E_OK);
    }
    CHECK(j.depth == CONS_JOB_DEPTH);
    uint64_t next = CONS_JOB_DEPTH + 2;
    CHECK(job_set(&j, B(CONS_JOB_DEPTH + 1), &next, 1, &t) == E_LIMIT);
    CHECK(j.depth == CONS_JOB_DEPTH);
    job_end(&j, B(3)); /* a shell in the middle ends its job: those above go too */
    CHECK(j.depth == 2);
}

/* The owner ended: the next to set a job owns the console. */
static void test_owner_gone(void)
{
    static struct cons_jobs j;
    memset(&j, 0, sizeof j);
    struct cons_ptable t = table();
    uint64_t job5[] = {5};
    uint64_t job3[] = {3};
    CHECK(job_set(&j, B(2), (uint64_t[]){4}, 1, &t) == E_OK && j.owner == B(2));
    CHECK(job_set(&j, B(5), job5, 1, &t) == E_PERM);
    t.running[1] = false; /* pid 2 is a zombie now */
    CHECK(job_set(&j, B(5), job5, 1, &t) == E_OK && j.owner == B(5) && j.depth == 1);
    CHECK(job_set(&j, B(3), job3, 1, &t) == E_PERM);
}

/* proc refused the console its list (no table): the owner/foreground rule
 * still holds; which pids the job names goes unchecked. */
static void test_no_table(void)
{
    static struct cons_jobs j;
    memset(&j, 0, sizeof j);
    uint64_t job23[] = {2, 3};
    uint64_t job9[] = {9};
    CHECK(job_set(&j, B(1), job23, 2, NULL) == E_OK && j.owner == B(1));
    CHECK(job_set(&j, B(5), job9, 1, NULL) == E_PERM); /* neither owner nor foreground */
    CHECK(job_set(&j, B(2), job9, 1, NULL) == E_OK);   /* foreground: allowed */
    CHECK(j.depth == 2);
}

/* Before proc's per-process badges every program shares one badge: the
 * console cannot name its pid and checks nothing about it. */
static void test_shared_badge(void)
{
    static struct cons_jobs j;
    memset(&j, 0, sizeof j);
    uint64_t any[] = {7, 8};
    CHECK(cons_badge_pid(12) == 0 && cons_badge_pid(B(7)) == 7 && cons_badge_pid(B(0)) == 0);
    CHECK(!job_needs_table(&j, 12, any, 2));
    CHECK(job_set(&j, 12, any, 2, NULL) == E_OK && j.depth == 1);
    job_end(&j, 12);
    CHECK(j.depth == 0);
}

/* One client cannot take every read slot: its third read is E_LIMIT while
 * others still get slots; a full table is E_NOSPACE; oldest first. */
static void test_readers(void)
{
    static struct cons_readers rs;
    memset(&rs, 0, sizeof rs);
    int slot;
    handle_t next_reply = 100;
    for (int k = 0; k < CONS_READERS_PER_CLIENT; k++) {
        CHECK(readers_room(&rs, B(7), &slot) == E_OK);
        readers_add(&rs, slot, B(7), next_reply++, 10);
    }
    CHECK(readers_room(&rs, B(7), &slot) == E_LIMIT);
    int others = 0;
    for (uint64_t pid = 8; readers_room(&rs, B(pid), &slot) == E_OK; pid++) {
        readers_add(&rs, slot, B(pid), next_reply++, 10);
        others++;
    }
    CHECK_EQ_U64(others, CONS_MAX_READERS - CONS_READERS_PER_CLIENT);
    CHECK(readers_room(&rs, B(1000), &slot) == E_NOSPACE);
    /* Served in the order they came, whatever their slots. */
    for (handle_t expect = 100; expect < next_reply; expect++) {
        struct cons_reader *r = readers_oldest(&rs);
        CHECK(r && r->reply == expect);
        if (r)
            r->reply = 0;
    }
    CHECK(readers_oldest(&rs) == NULL);
    CHECK(readers_room(&rs, B(7), &slot) == E_OK);
}

int main(void)
{
    test_readers();
    test_lines();
    test_long_line();
    test_full_queue();
    test_jobs();
    test_depth();
    test_owner_gone();
    test_shared_badge();
    test_no_table();
    return check_finish("test_console");
}
