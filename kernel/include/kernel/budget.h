/*
 * Kernel-memory budgets and ownership (docs/kernel-api.md, "Kernel memory
 * and ownership"). Every task has a budget, given by the task that created
 * it out of its own (seL4's untyped memory, Zircon's job tree): the root
 * task's is the whole pool. Everything the kernel allocates because a task
 * asked is charged to one task: the objects it creates (endpoints,
 * notifications), the threads created in it, its capability table and page
 * tables, and the budgets of the tasks it pays for. A charge that would pass
 * the budget is E_NOMEM for that task alone; since every budget is carved
 * out of its payer's, the pool can always give what any budget allows.
 *
 * Ownership follows the charge: the object belongs to the task that paid.
 * When the owner is taken down, what it owns ends with it (budget_end_owned):
 * its threads die, the tasks it made are taken down, its endpoints and
 * notifications are dead (waiters get E_DEAD, new waits fail). Memory comes
 * back as the last references go; no cycle can outlive its creator.
 *
 * Lock: one hart, interrupts off in the kernel (kernel/README.md).
 */
#pragma once

#include <kernel/types.h>

struct object;
struct task;

/* Charges bytes to t: E_NOMEM if its budget would be passed. */
WARN_UNUSED err_t budget_charge(struct task *t, uint64_t bytes);

/* Gives back bytes charged to t. */
void budget_uncharge(struct task *t, uint64_t bytes);

/* o was made for owner (NULL: at boot), which was already charged `bytes`
 * for it: o joins owner's list and holds a reference on it. */
void budget_own(struct task *owner, struct object *o, uint64_t bytes);

/* o is being destroyed: its charge goes back to its owner, which may be
 * freed in turn (at the end of the kernel entry). Returns that owner, whose
 * slabs o's memory goes back to: kobj_free(budget_disown(o), ...). */
struct task *budget_disown(struct object *o);

/* owner is being taken down: everything it owns ends. */
void budget_end_owned(struct task *owner);
