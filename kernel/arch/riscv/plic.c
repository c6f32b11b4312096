/*
 * RISC-V PLIC (platform-level interrupt controller): priorities, enables
 * and claim/complete for the S-mode context of the boot hart. Register
 * layout: RISC-V PLIC specification v1.0.0, chapter 3 (memory map).
 */
#include <arch_riscv/trap_entry.h>
#include <arch/cpu.h>
#include <arch/mmu.h>
#include <arch_riscv/csr.h>
#include <kernel/irq.h>

#define PLIC_PRIORITY(irq) (4 * (irq))
#define PLIC_ENABLE(ctx) (0x2000 + 0x80 * (ctx))
#define PLIC_THRESHOLD(ctx) (0x200000 + 0x1000 * (ctx))
#define PLIC_CLAIM(ctx) (0x200000 + 0x1000 * (ctx) + 4)

static volatile uint8_t *plic;
static uint32_t plic_ctx;

static volatile uint32_t *reg(uint64_t off)
{
    return (volatile uint32_t *)(plic + off);
}

void arch_irq_init(paddr_t ctrl_pa, uint32_t hartid)
{
    if (!ctrl_pa)
        return;
    plic = phys_to_virt(ctrl_pa);
    plic_ctx = 2 * hartid + 1; /* QEMU virt: context 2h = M-mode, 2h+1 = S-mode */
    *reg(PLIC_THRESHOLD(plic_ctx)) = 0;
    csr_set(sie, SIE_SEIE);
}

void arch_irq_enable(uint32_t irq)
{
    if (!plic)
        return;
    *reg(PLIC_PRIORITY(irq)) = 1;
    *reg(PLIC_ENABLE(plic_ctx) + 4 * (irq / 32)) |= 1u << (irq % 32);
}

void arch_irq_disable(uint32_t irq)
{
    if (!plic)
        return;
    *reg(PLIC_ENABLE(plic_ctx) + 4 * (irq / 32)) &= ~(1u << (irq % 32));
}

void arch_irq_complete(uint32_t irq)
{
    if (plic)
        *reg(PLIC_CLAIM(plic_ctx)) = irq;
}

/* External interrupt: claim every pending IRQ and deliver it. */
void arch_irq_handle(void)
{
    if (!plic)
        return;
    uint32_t irq;
    while ((irq = *reg(PLIC_CLAIM(plic_ctx))) != 0)
        irq_deliver(irq);
}
