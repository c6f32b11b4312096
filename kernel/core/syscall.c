/*
 * System-call dispatch. Numbers and the calling convention are in
 * include/mica/syscall.h; each handler validates every argument before it
 * changes anything. Unknown numbers return E_NOSYS.
 */
#include <arch/cpu.h>
#include <kernel/cpu_local.h>
#include <kernel/kprintf.h>
#include <kernel/thread.h>
#include <kernel/trap.h>
#include <kernel/vspace.h>

#include <arch_impl/regs.h>
#include <mica/syscall.h>

static int64_t sys_debug_write(struct thread *t, uint64_t buf, uint64_t len)
{
    static char kbuf[SYS_DEBUG_WRITE_MAX];
    if (len > SYS_DEBUG_WRITE_MAX)
        return E_RANGE;
    err_t err = vspace_copy_from_user(t->vs, kbuf, buf, len);
    if (err != E_OK)
        return err;
    for (uint64_t i = 0; i < len; i++) {
        if (kbuf[i] == '\n')
            arch_console_putc('\r');
        arch_console_putc(kbuf[i]);
    }
    return (int64_t)len;
}

static void sys_exit(struct thread *t, uint64_t status)
{
    thread_kill(t);
    if (t->is_root) {
        kprintf("kernel: root task exited with status %lu after %lu timer "
                "ticks; powering off\n",
                status & 0xff, cpu_self()->ticks);
        arch_poweroff((int)(status & 0xff));
    }
}

void syscall_dispatch(struct thread *t)
{
    struct arch_regs *r = &t->regs;
    uint64_t nr = arch_regs_get(r, REG_A7);
    uint64_t a0 = arch_regs_get(r, REG_A0);
    uint64_t a1 = arch_regs_get(r, REG_A1);
    int64_t ret;
    switch (nr) {
    case SYS_DEBUG_WRITE:
        ret = sys_debug_write(t, a0, a1);
        break;
    case SYS_EXIT:
        sys_exit(t, a0);
        return;
    default:
        ret = E_NOSYS;
        break;
    }
    arch_regs_set(r, REG_A0, (uint64_t)ret);
}
