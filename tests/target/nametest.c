/*
 * nametest NAME...: tries to register each NAME with the name service and
 * says what happened (qemu.manifest: a reserved name is refused).
 */
#include <stdio.h>

#include <sys/mica.h>
#include <sys/names.h>

int main(int argc, char **argv)
{
    int64_t ep = sys_endpoint_create();
    for (int i = 1; i < argc; i++) {
        int64_t r = ep < 0 ? ep : names_register(NAMES_SLOT, argv[i], (handle_t)ep);
        printf("nametest: register %s: %s\n", argv[i], r == 0 ? "ok" : err_name((err_t)r));
    }
    return 0;
}
