/*
 * The console's foreground: a stack of jobs (sets of pids) and who may set
 * them (include/proto/console.h, CONS_OP_SET_JOB). ^C goes to every pid of
 * every job on the stack. Pure (no IPC): main.c hands in a snapshot of
 * proc's table, so every rule is host-tested (tests/host/test_console.c).
 * Invariant: each setter badge appears at most once on the stack, so no
 * client can fill it by setting again and again.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include <mica/err.h>
#include <proto/console.h>

struct cons_job {
    uint64_t setter;  /* badge of the client that set it */
    uint32_t npids;
    uint64_t pids[CONS_JOB_MAX];
};

struct cons_jobs {
    uint64_t owner;   /* badge of the owner (valid when has_owner) */
    bool has_owner;
    int depth;        /* jobs on the stack; stack[depth - 1] is the top */
    struct cons_job stack[CONS_JOB_DEPTH];
};

/* Processes as proc listed them a moment ago (running ones and zombies). */
struct cons_ptable {
    uint32_t n;
    uint64_t pid[CONS_JOB_MAX];
    uint64_t ppid[CONS_JOB_MAX];
    bool running[CONS_JOB_MAX];
};

/* Does the rule for this request need proc's table? (The caller and its
 * own pid alone need none: a job of itself, by the owner.) */
bool job_needs_table(const struct cons_jobs *j, uint64_t badge, const uint64_t *pids,
                     uint32_t npids);

/* SET_JOB by the client with this badge: checks who may and that every pid
 * is the caller's or its descendant's, then makes the job the foreground.
 * table NULL: proc's table is not known (job_needs_table said none is
 * needed, or proc refused to list): then the owner counts as alive and
 * descendants go unchecked -- the owner/foreground rule alone. Returns
 * E_OK, E_PERM, E_INVAL (npids out of range) or E_LIMIT (stack full);
 * nothing changes on an error. */
err_t job_set(struct cons_jobs *j, uint64_t badge, const uint64_t *pids, uint32_t npids,
              const struct cons_ptable *table) __attribute__((warn_unused_result));

/* END_JOB: drops the topmost job this badge set and every job above it. */
void job_end(struct cons_jobs *j, uint64_t badge);

/* Is pid in the top job (the current foreground)? */
bool job_in_foreground(const struct cons_jobs *j, uint64_t pid);
