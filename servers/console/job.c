/* The console's foreground jobs and who may set them (see job.h). */
#include "job.h"

static int table_find(const struct cons_ptable *t, uint64_t pid)
{
    for (uint32_t i = 0; t && i < t->n; i++)
        if (t->pid[i] == pid)
            return (int)i;
    return -1;
}

/* Is pid the ancestor itself or below it in proc's tree? The walk is
 * bounded by the table's size, so a (corrupt) cycle cannot loop. Without a
 * table (proc does not let the console list processes) only the first
 * answer is known: the rest is not checked (see job.h). */
static bool is_descendant(const struct cons_ptable *t, uint64_t pid, uint64_t ancestor)
{
    if (!t)
        return true;
    for (uint32_t steps = 0; steps <= CONS_JOB_MAX && pid; steps++) {
        if (pid == ancestor)
            return true;
        int i = table_find(t, pid);
        if (i < 0)
            return false;
        pid = t->ppid[i];
    }
    return false;
}

/* The owner's process ended: the next client to set a job owns the console. */
static bool owner_gone(const struct cons_jobs *j, const struct cons_ptable *t)
{
    uint64_t pid = cons_badge_pid(j->owner);
    if (!pid || !t)
        return false; /* a shared badge cannot be looked up */
    int i = table_find(t, pid);
    return i < 0 || !t->running[i];
}

bool job_in_foreground(const struct cons_jobs *j, uint64_t pid)
{
    if (j->depth == 0 || pid == 0)
        return false;
    const struct cons_job *top = &j->stack[j->depth - 1];
    for (uint32_t i = 0; i < top->npids; i++)
        if (top->pids[i] == pid)
            return true;
    return false;
}

/* Index of the topmost job this badge set, or -1. */
static int job_of(const struct cons_jobs *j, uint64_t badge)
{
    for (int i = j->depth - 1; i >= 0; i--)
        if (j->stack[i].setter == badge)
            return i;
    return -1;
}

bool job_needs_table(const struct cons_jobs *j, uint64_t badge, const uint64_t *pids,
                     uint32_t npids)
{
    uint64_t me = cons_badge_pid(badge);
    if (!me)
        return false;
    for (uint32_t i = 0; i < npids; i++)
        if (pids[i] != me)
            return true;
    if (!j->has_owner || j->owner == badge || job_in_foreground(j, me) || job_of(j, badge) >= 0)
        return false;
    return cons_badge_pid(j->owner) != 0;
}

err_t job_set(struct cons_jobs *j, uint64_t badge, const uint64_t *pids, uint32_t npids,
              const struct cons_ptable *table)
{
    if (npids == 0 || npids > CONS_JOB_MAX)
        return E_INVAL;
    uint64_t me = cons_badge_pid(badge);
    bool claim = !j->has_owner || owner_gone(j, table);
    bool owner = !claim && j->owner == badge;
    /* A shared badge names no pid: nothing about it can be checked (only
     * before proc minted per-process console badges). */
    int mine = job_of(j, badge); /* it was allowed when it set that one */
    if (!claim && !owner && me && mine < 0 && !job_in_foreground(j, me))
        return E_PERM;
    for (uint32_t i = 0; me && i < npids; i++)
        if (!is_descendant(table, pids[i], me))
            return E_PERM;
    /* The owner's job is the whole foreground; anyone else's replaces the
     * job it set before (and what was set above it), or goes on top. */
    int base = claim || owner ? 0 : mine;
    if (base < 0)
        base = j->depth;
    if (base >= CONS_JOB_DEPTH)
        return E_LIMIT;
    if (claim) {
        j->owner = badge;
        j->has_owner = true;
    }
    struct cons_job *job = &j->stack[base];
    job->setter = badge;
    job->npids = npids;
    for (uint32_t i = 0; i < npids; i++)
        job->pids[i] = pids[i];
    j->depth = base + 1;
    return E_OK;
}

void job_end(struct cons_jobs *j, uint64_t badge)
{
    int i = j->has_owner && j->owner == badge ? 0 : job_of(j, badge);
    if (i >= 0)
        j->depth = i;
}
