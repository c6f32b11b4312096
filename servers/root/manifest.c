/*
 * The boot manifest (bootimg/manifest; docs/boot.md): which servers root
 * starts, in which order, then the programs to start and init. Each line
 * is checked before it runs; a line root cannot carry out is reported and
 * the boot goes on without it (init without proc cannot run: that ends it).
 */
#include <sys/fs.h>
#include <sys/mica.h>
#include <sys/names.h>
#include <sys/proc.h>
#include <sys/spawn.h>

#include <mica/bootinfo.h>

#include "root.h"

#define MANIFEST_MAX 4096
#define WORDS_MAX 16

static char text[MANIFEST_MAX + 1];

/* The manifest from the boot image, or from the disk (path). */
static int64_t load(const struct bootinfo *info, const char *path)
{
    if (!path) {
        const void *data;
        uint64_t len;
        int64_t r = bootimg_lookup(info, "manifest", &data, &len);
        if (r < 0)
            return r;
        if (len > MANIFEST_MAX)
            return E_RANGE;
        memcpy(text, data, len);
        text[len] = '\0';
        return 0;
    }
    if (!root.fs[0])
        return E_NOENT;
    uint64_t size = 0;
    int64_t h = fs_open(root.fs[0], path, 0, &size, NULL);
    if (h < 0)
        return h;
    int64_t got = size > MANIFEST_MAX ? E_RANGE : fs_read(root.fs[0], (uint64_t)h, 0, text, size);
    (void)fs_close(root.fs[0], (uint64_t)h);
    if (got < 0)
        return got;
    text[got] = '\0';
    return 0;
}

static int64_t start_server(const struct bootinfo *info, const char *name)
{
    if (strcmp(name, "mm") == 0)
        return root.mm_control ? 0 : start_memory(info);
    if (strcmp(name, "disks") == 0)
        return root.fs[0] ? 0 : start_disks(info);
    if (strcmp(name, "pipe") == 0)
        return start_pipe(info);
    if (strcmp(name, "names") == 0)
        return start_names(info);
    if (strcmp(name, "proc") == 0) {
        /* The console's endpoint first: proc hands it to every program. */
        int64_t ep = sys_endpoint_create();
        root.console = ep < 0 ? 0 : (handle_t)ep;
        return start_proc(info);
    }
    if (strcmp(name, "console") == 0) {
        int64_t r = start_console(info);
        if (r < 0)
            root.console = 0;
        return r;
    }
    return E_NOENT;
}

/* "123", "64K", "4M": bytes; 0 when malformed. */
static uint64_t parse_size(const char *v)
{
    uint64_t n = 0;
    for (; *v >= '0' && *v <= '9'; v++)
        n = n * 10 + (uint64_t)(*v - '0');
    if (*v == 'K' || *v == 'k')
        n <<= 10, v++;
    else if (*v == 'M' || *v == 'm')
        n <<= 20, v++;
    return *v ? 0 : n;
}

/* "server NAME register=SERVICE [ram=SIZE] [device=NAME:N] [prio=N]
 * [on-crash=restart|poweroff]": a boot server of one's own from the boot
 * image. */
static int64_t start_generic(const struct bootinfo *info, char **words, int n)
{
    const char *service = NULL, *device = NULL;
    uint64_t ram = 0, prio = 40;
    enum root_on_crash on_crash = ROOT_ON_CRASH_POWEROFF;
    for (int i = 2; i < n; i++) {
        if (strcmp(words[i], "on-crash=restart") == 0)
            on_crash = ROOT_ON_CRASH_RESTART;
        else if (strcmp(words[i], "on-crash=poweroff") == 0)
            on_crash = ROOT_ON_CRASH_POWEROFF;
        else if (strncmp(words[i], "register=", 9) == 0)
            service = words[i] + 9;
        else if (strncmp(words[i], "device=", 7) == 0)
            device = words[i] + 7;
        else if (strncmp(words[i], "ram=", 4) == 0 && (ram = parse_size(words[i] + 4)) != 0)
            ram = (ram + 4095) & ~4095ull;
        else if (strncmp(words[i], "prio=", 5) == 0 && (prio = parse_size(words[i] + 5)) > 0 &&
                 prio < 60)
            ;
        else
            return E_INVAL;
    }
    if (!service)
        return E_INVAL;
    return start_boot_server(info, words[1], (unsigned)prio, ram, service, device, on_crash);
}

int run_manifest(const struct bootinfo *info, const char *init_args)
{
    /* From here on root is every boot server's exception handler. */
    root.info = info;
    root.supervising = true;
    const char *path = NULL;
    for (const char *c = info->bootargs; *c; c++)
        if (strncmp(c, "root.manifest=", 14) == 0 && (c == info->bootargs || c[-1] == ' ')) {
            static char p[256];
            size_t n = 0;
            for (c += 14; *c && *c != ' ' && n + 1 < sizeof p; c++)
                p[n++] = *c;
            p[n] = '\0';
            path = p;
            break;
        }
    if (path && (start_memory(info) < 0 || start_disks(info) < 0))
        return 1; /* the disk manifest needs them to be read */
    int64_t r = load(info, path);
    if (r < 0) {
        sys_printf("root: no boot manifest%s%s: %s\n", path ? " " : "", path ? path : "",
                   err_name((err_t)r));
        return 1;
    }
    sys_printf("root: boot manifest %s\n", path ? path : "from the boot image");
    static char init_line[BOOTINFO_ARGS_MAX];
    init_line[0] = '\0';
    int lineno = 0;
    for (char *line = text; line && *line;) {
        char *next = line;
        while (*next && *next != '\n')
            next++;
        if (*next)
            *next++ = '\0';
        else
            next = NULL;
        lineno++;
        char *hash = line;
        while (*hash && *hash != '#')
            hash++;
        *hash = '\0';
        char *words[WORDS_MAX + 1];
        int n = 0;
        for (char *c = line; *c && n < WORDS_MAX;) {
            while (*c == ' ' || *c == '\t')
                *c++ = '\0';
            if (!*c)
                break;
            words[n++] = c;
            while (*c && *c != ' ' && *c != '\t')
                c++;
        }
        words[n] = NULL;
        line = next;
        if (n == 0)
            continue;
        if (strcmp(words[0], "server") == 0 && n > 2) {
            r = start_generic(info, words, n);
            if (r < 0)
                sys_printf("root: manifest line %d: server %s: %s; going on without it\n", lineno,
                           words[1], err_name((err_t)r));
        } else if (strcmp(words[0], "server") == 0 && n == 2) {
            r = start_server(info, words[1]);
            if (r < 0)
                sys_printf("root: manifest line %d: server %s: %s; going on without it\n", lineno,
                           words[1], err_name((err_t)r));
        } else if (strcmp(words[0], "reserve") == 0 && n == 2) {
            r = root.names ? names_reserve(root.names, words[1]) : E_NOENT;
            if (r < 0)
                sys_printf("root: manifest line %d: reserve %s: %s\n", lineno, words[1],
                           err_name((err_t)r));
        } else if (strcmp(words[0], "start") == 0 && n >= 2) {
            /* "names=a,b" (last): reserved names this program may register. */
            const char *names[PROC_MAX_NAMES + 1] = {NULL};
            if (strncmp(words[n - 1], "names=", 6) == 0) {
                int k = 0;
                for (char *c = words[n - 1] + 6; *c && k < PROC_MAX_NAMES;) {
                    names[k++] = c;
                    while (*c && *c != ',')
                        c++;
                    if (*c)
                        *c++ = '\0';
                }
                words[--n] = NULL;
                for (int i = 0; i < k && root.names; i++)
                    (void)names_reserve(root.names, names[i]);
            }
            r = root.proc ? proc_spawn_server(root.proc, words[1], words + 1, names) : E_NOENT;
            if (r < 0)
                sys_printf("root: manifest line %d: start %s: %s\n", lineno, words[1],
                           err_name((err_t)r));
            else
                sys_printf("root: started '%s' as pid %ld\n", words[1], r);
        } else if (strcmp(words[0], "init") == 0 && n >= 2) {
            size_t len = 0;
            for (int i = 1; i < n; i++) {
                size_t w = strlen(words[i]);
                if (len + w + 2 > sizeof init_line)
                    break;
                memcpy(init_line + len, words[i], w);
                len += w;
                init_line[len++] = ' ';
            }
            init_line[len ? len - 1 : 0] = '\0';
        } else {
            sys_printf("root: manifest line %d: not understood: %s\n", lineno, words[0]);
        }
    }
    if (!root.proc) {
        sys_puts("root: no process server: nothing can run init\n");
        shutdown_servers();
        return 1;
    }
    return supervise_run(init_args ? init_args : init_line[0] ? init_line : "sh");
}
