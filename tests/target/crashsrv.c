/*
 * crashsrv: a boot server that ends on request, for qemu.supervise (root
 * reports a boot server's end and restarts it or powers off, as the boot
 * manifest says). Requests on its endpoint: CRASHSRV_PING answers w0 =
 * CRASHSRV_ALIVE; CRASHSRV_ILLEGAL executes an illegal instruction;
 * CRASHSRV_EXIT ends its thread with a raw SYS_EXIT(3).
 */
#include <sys/ipc.h>
#include <sys/mica.h>

#include <mica/bootsrv.h>

#include "crashsrv.h"

int main(uintptr_t arg)
{
    (void)arg;
    struct ipc_msg m;
    int64_t badge = ipc_recv(BOOT_SRV_SLOT_SERVICE, &m);
    for (;;) {
        uint64_t op = IPC_TAG_LABEL(m.tag);
        if (badge >= 0 && op == CRASHSRV_ILLEGAL)
            __asm__ volatile(".word 0");
        if (badge >= 0 && op == CRASHSRV_EXIT)
            sys_exit(3);
        m.tag = IPC_TAG(op == CRASHSRV_PING ? 0 : (uint64_t)(int64_t)E_NOSYS & 0xffffffffffffull,
                        0, 0);
        m.w[0] = CRASHSRV_ALIVE;
        badge = ipc_reply_recv(BOOT_SRV_SLOT_SERVICE, &m);
    }
}
