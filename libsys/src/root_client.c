/* root's report protocol, the client side (see sys/root.h). */
#include <sys/mica.h>
#include <sys/root.h>
#include <sys/rpc.h>

ROOT_OPS(RPC_STUB)

void root_report_exit(handle_t ep, int status)
{
    struct root_status_req req = {.status = (uint64_t)(int64_t)status};
    (void)root_exit_call(ep, &req, NULL, NULL);
    sys_exit(status);
}
