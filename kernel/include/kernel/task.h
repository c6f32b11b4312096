/*
 * Tasks: an address space (Sv39 root + ASID) and a capability table.
 * References: every capability naming the task and every thread in it.
 */
#pragma once

#include <kernel/cap.h>
#include <kernel/object.h>
#include <kernel/vspace.h>

struct task {
    struct object hdr;
    struct vspace vs;
    struct cspace cs;
    uint32_t id;
    uint32_t nthreads;
};

/* Creates a task with an empty address space and nslots capability slots.
 * E_NOMEM (kernel pool or ASIDs exhausted), E_INVAL (nslots). The task
 * starts with zero references: the caller installs a capability. */
WARN_UNUSED err_t task_create(uint32_t nslots, struct task **out);

/* Frees everything the task owns (called when its last reference goes). */
void task_destroy(struct task *t);
