/*
 * devprobe: the example of a boot server that drives hardware: the boot
 * manifest hands it one device (registers, interrupt line, a notification
 * and its own thread to bind it to, include/mica/bootsrv.h). It reads the
 * virtio-mmio identification registers (virtio spec 1.1, 4.2.2) and binds
 * the interrupt, then answers DEVPROBE_OP_INFO.
 */
#include <sys/ipc.h>
#include <sys/mica.h>
#include <sys/server.h>

#include <mica/bootsrv.h>
#include <proto/devprobe.h>

#define DEV_VA 0x2000000000ull

static struct devprobe_info_rep info;

DEVPROBE_OPS(SRV_DECLARE)

SRV_HANDLER(devprobe_info)
{
    *rep = info;
    return E_OK;
}

static const struct srv_op ops[] = {DEVPROBE_OPS(SRV_ENTRY)};
static struct srv devprobe = {.name = "devprobe", .ops = ops, .nops = SRV_NOPS(ops)};

int main(uintptr_t arg)
{
    (void)arg;
    struct cap_info ci;
    if (sys_cap_info(BOOT_SRV_SLOT_DEVICE, &ci) < 0 ||
        sys_map(BOOT_SRV_SLOT_SELF_TASK, DEV_VA, BOOT_SRV_SLOT_DEVICE, 0, MAP_R | MAP_W) < 0) {
        sys_puts("devprobe: no device (give it device=NAME:N in the boot manifest)\n");
        return 1;
    }
    volatile uint32_t *regs = (volatile uint32_t *)(uintptr_t)(DEV_VA + (ci.pa & 0xfff));
    info.magic = regs[0];
    info.version = regs[1];
    info.device_id = regs[2];
    info.vendor = regs[3];
    info.irq_bound = sys_irq_bind(BOOT_SRV_SLOT_IRQ, BOOT_SRV_SLOT_NTFN) == 0 &&
                     sys_thread_bind_notification(BOOT_SRV_SLOT_THREAD, BOOT_SRV_SLOT_NTFN) == 0;
    sys_printf("devprobe: device at 0x%lx: magic 0x%x, version %u, device id %u%s, irq %s\n",
               ci.pa, info.magic, info.version, info.device_id,
               info.device_id == 0 ? " (empty slot)" : "", info.irq_bound ? "bound" : "none");
    srv_run(&devprobe, BOOT_SRV_SLOT_SERVICE);
}
