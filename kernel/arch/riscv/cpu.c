/*
 * RISC-V implementation of the CPU contract (arch/cpu.h): per-hart pointer,
 * timer, idle, power-off, user-mode register set-up, register dumps and
 * frame-pointer backtraces.
 */
#include <arch/cpu.h>
#include <arch/mmu.h>
#include <arch_riscv/csr.h>
#include <arch_riscv/sbi.h>
#include <kernel/cpu_local.h>
#include <kernel/kprintf.h>

#include <arch_impl/regs.h>

struct cpu cpus[MAX_HARTS];


static uint64_t tick_interval;
static uint64_t next_deadline;

static uint64_t read_time(void)
{
    return csr_read(time);
}

uint64_t arch_time_now(void)
{
    return read_time();
}

void arch_timer_init(uint64_t timebase_hz, uint32_t tick_hz)
{
    tick_interval = timebase_hz / tick_hz;
    next_deadline = read_time() + tick_interval;
    sbi_set_timer(next_deadline);
    csr_set(sie, SIE_STIE);
}

void arch_timer_rearm(void)
{
    uint64_t now = read_time();
    next_deadline += tick_interval;
    /* After a long stall (a debugger, a slow host) skip missed ticks
     * instead of taking them back to back. */
    if (next_deadline <= now)
        next_deadline = now + tick_interval;
    sbi_set_timer(next_deadline);
}

void arch_idle(void)
{
    csr_set(sstatus, SSTATUS_SIE);
    __asm__ volatile("wfi");
    csr_clear(sstatus, SSTATUS_SIE);
}

/* Physical address of QEMU's sifive_test device; 0 when there is none. */
static paddr_t poweroff_device_pa;

void arch_set_poweroff_device(paddr_t pa)
{
    poweroff_device_pa = pa;
}

#define SIFIVE_TEST_FAIL 0x3333
#define SIFIVE_TEST_PASS 0x5555

NORETURN void arch_poweroff(int status)
{
    status &= 0xff;
    /*
     * SBI SRST can only report success or "failure" (QEMU exits 0 for both
     * through OpenSBI's driver), so a non-zero status is written to the
     * sifive_test finisher directly: (status << 16) | FAIL makes QEMU exit
     * with `status`. It is reachable from S-mode under Debian's OpenSBI.
     */
    if (poweroff_device_pa) {
        volatile uint32_t *dev = phys_to_virt(poweroff_device_pa);
        *dev = status == 0 ? SIFIVE_TEST_PASS
                           : ((uint32_t)status << 16) | SIFIVE_TEST_FAIL;
    }
    if (sbi_has_extension(SBI_EXT_SRST))
        sbi_call(SBI_EXT_SRST, 0, SBI_SRST_SHUTDOWN,
                 status == 0 ? SBI_SRST_REASON_NONE : SBI_SRST_REASON_FAILURE, 0);
    sbi_call(SBI_EXT_LEGACY_SHUTDOWN, 0, 0, 0, 0);
    for (;;)
        __asm__ volatile("wfi");
}

void arch_regs_init_user(struct arch_regs *regs, uint64_t pc, uint64_t sp,
                         uint64_t arg0)
{
    for (int i = 0; i < REGS_NGPR; i++)
        regs->gpr[i] = 0;
    regs->pc = pc;
    regs->status = 0;
    arch_regs_set(regs, REG_SP, sp);
    arch_regs_set(regs, REG_A0, arg0);
}

uint64_t arch_mmu_context(paddr_t root, uint16_t asid)
{
    return SATP_MODE_SV39 | ((uint64_t)asid << SATP_ASID_SHIFT) | (root >> PAGE_SHIFT);
}

void arch_mmu_activate(paddr_t root, uint16_t asid)
{
    /* No flush: ASIDs keep spaces apart; an ASID is flushed when it is
     * given to a new space and entries when PTEs change. */
    csr_write(satp, SATP_MODE_SV39 | ((uint64_t)asid << SATP_ASID_SHIFT) |
                        (root >> PAGE_SHIFT));
}

static const char *const reg_names[REGS_NGPR] = {
    "ra", "sp", "gp", "tp", "t0", "t1", "t2", "s0", "s1", "a0", "a1",
    "a2", "a3", "a4", "a5", "a6", "a7", "s2", "s3", "s4", "s5", "s6",
    "s7", "s8", "s9", "s10", "s11", "t3", "t4", "t5", "t6"};

void arch_dump_regs(const struct arch_regs *r)
{
    kprintf("scause 0x%lx stval 0x%lx sepc 0x%lx\n", r->cause, r->tval, r->pc);
    for (int i = 0; i < REGS_NGPR; i++) {
        kprintf("%4s %016lx%s", reg_names[i], r->gpr[i],
                (i % 4 == 3 || i == REGS_NGPR - 1) ? "\n" : "  ");
    }
    kprintf("sstatus %016lx\n", r->status);
}

void arch_backtrace(uint64_t fp, uint64_t stack_lo, uint64_t stack_hi,
                    int max, void (*fn)(uint64_t pc))
{
    /* With frame pointers, fp is the caller's sp: the return address is at
     * fp - 8 and the caller's fp at fp - 16. */
    for (int n = 0; n < max; n++) {
        if (fp < stack_lo + 16 || fp > stack_hi || (fp & 7))
            return;
        uint64_t ra = ((uint64_t *)fp)[-1];
        uint64_t prev = ((uint64_t *)fp)[-2];
        if (ra == 0)
            return;
        fn(ra);
        if (prev <= fp)
            return; /* stacks grow down: a caller's frame is higher */
        fp = prev;
    }
}
