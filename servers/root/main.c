/*
 * root: the first user task. It reads the boot info the kernel mapped,
 * reports it, and boots the system: the boot manifest's servers and init
 * (manifest.c), or the init named on the kernel command line after " -- ".
 * The test modes (root.test=, root.run=, root.exit=, ...) live in
 * testmodes.c, asked once before the boot.
 */
#include <sys/mica.h>

#include "root.h"
#include "testmodes.h"

#include <mica/bootimg.h>
#include <mica/bootinfo.h>

/* What follows " -- " (or a leading "-- ") on the command line; NULL
 * when there is none (a plain boot runs the boot manifest's init: the
 * shell). */
static const char *find_init_args(const char *args)
{
    if (strncmp(args, "-- ", 3) == 0)
        return args + 3;
    for (const char *c = args; *c; c++)
        if (strncmp(c, " -- ", 4) == 0)
            return c + 4;
    return NULL;
}

static void list_boot_image(const struct bootinfo *info)
{
    const struct bootimg_header *h = (const void *)(uintptr_t)info->bootimg_va;
    if (h->magic != BOOTIMG_MAGIC) {
        sys_printf("root: no boot image at 0x%lx\n", info->bootimg_va);
        return;
    }
    const struct bootimg_entry *e = (const void *)(h + 1);
    for (uint32_t i = 0; i < h->nentries && i < BOOTIMG_MAX_ENTRIES; i++)
        sys_printf("root: boot image file '%s' (%lu bytes)\n", e[i].name, e[i].len);
}

int main(uintptr_t arg)
{
    const struct bootinfo *info = (const void *)arg;
    if (info->magic != BOOTINFO_MAGIC || info->version != BOOTINFO_VERSION) {
        sys_puts("root: bad boot info\n");
        return 1;
    }
    sys_printf("root: hello from user mode; %u hart(s), %lu MiB RAM at 0x%lx\n",
               info->nharts, info->ram_len >> 20, info->ram_base);
    sys_printf("root: command line \"%s\"\n", info->bootargs);
    list_boot_image(info);

    int status;
    if (root_test_mode(info, &status))
        return status;

    /* ./mica run -- PROG ARGS: that init instead of the manifest's. */
    const char *init = find_init_args(info->bootargs);
    return run_manifest(info, init && *init ? init : NULL);
}
