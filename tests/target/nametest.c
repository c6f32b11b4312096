/*
 * nametest [-w NAME] NAME...: waits (up to 2 s) for NAME to be registered
 * if -w is given, then tries to register each NAME with the name service
 * and says what happened (qemu.manifest: reserved names are refused).
 */
#include <stdio.h>
#include <string.h>

#include <sys/mica.h>
#include <sys/names.h>

int main(int argc, char **argv)
{
    int first = 1;
    if (argc > 2 && strcmp(argv[1], "-w") == 0) {
        int64_t r = names_lookup(NAMES_SLOT, argv[2], 2000);
        printf("nametest: lookup %s: %s\n", argv[2], r > 0 ? "found" : err_name((err_t)r));
        first = 3;
    }
    int64_t ep = sys_endpoint_create();
    for (int i = first; i < argc; i++) {
        int64_t r = ep < 0 ? ep : names_register(NAMES_SLOT, argv[i], (handle_t)ep);
        printf("nametest: register %s: %s\n", argv[i], r == 0 ? "ok" : err_name((err_t)r));
    }
    return 0;
}
