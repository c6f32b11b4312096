/*
 * root's parts: starting the boot servers (servers.c) and running programs
 * (run.c). Shared state: root's memory and the servers' endpoints.
 */
#pragma once

#include <stdint.h>

#include <mica/bootinfo.h>
#include <mica/bootsrv.h>
#include <mica/caps.h>
#include <sys/rootmem.h>
#include <sys/spawn.h>

#define ROOT_OWN_RAM (32ul << 20)  /* root keeps this much; mm gets the rest */
#define ROOT_TASK_RAM (12ul << 20) /* of which root's own allocator uses this */
#define MM_PRIO 50
#define BLK_PRIO 55
#define FS_PRIO 52
#define ROOT_MAX_DISKS 2
#define PROGRAM_PRIO 30
#define PROC_SERVER_PRIO 45
#define CONSOLE_PRIO 56
#define PIPE_PRIO 44
#define NAMES_PRIO 43
#define ROOT_MAX_SERVERS 16   /* boot servers root supervises */
#define ROOT_RESTARTS_MAX 3   /* restarts of one server before it stays down */
/* The power-off status when a boot server ends and the manifest says
 * on-crash=poweroff (the default): docs/boot.md. */
#define ROOT_STATUS_SERVER_ENDED 250

enum root_on_crash { ROOT_ON_CRASH_POWEROFF = 1, ROOT_ON_CRASH_RESTART = 2 };

/* A boot server root is the exception handler of (supervise.c). */
struct boot_server {
    char name[32];
    handle_t task, thread;   /* root's capabilities; 0: a free record */
    enum root_on_crash on_crash;
    unsigned restarts;
    bool in_disk_chain;      /* blk or fat32: a sync would wait for it */
    /* What a restart of a server of one's own grants again (root keeps
     * them): its endpoint, its names endpoint, its RAM (0: none). */
    unsigned prio;
    handle_t ep, names, ram;
};

struct root_state {
    struct rootmem mem;      /* root's own memory (thread stacks, images it loads) */
    handle_t reserve;        /* RAM root hands to servers as frames */
    handle_t mm_control;     /* mm's endpoint, unbadged (control) */
    handle_t mm_task;        /* mm's task (root grants it file-server caps) */
    handle_t mm_ntfn;        /* bound to mm's thread: file servers signal it */
    handle_t blk[ROOT_MAX_DISKS]; /* blk endpoints, unbadged; 0 when no disk */
    handle_t blk_device[ROOT_MAX_DISKS]; /* the device capability each blk drives */
    handle_t fs[ROOT_MAX_DISKS];  /* fat32 endpoints: [0] mounted at /, [1] at /mnt */
    handle_t proc;           /* proc's endpoint, unbadged (control) */
    handle_t placeholder;    /* a notification granted into slots left empty */
    handle_t console;        /* console's endpoint, unbadged; 0 without one */
    handle_t pipe;           /* the pipe server's endpoint, unbadged; 0 without one */
    handle_t names;          /* the name service's endpoint, unbadged; 0 without one */
    uint64_t next_badge;     /* badges root mints for clients */
    const struct bootinfo *info;
    bool supervising;        /* boot servers get root as exception handler */
    handle_t init_report;    /* the init thread tells the supervision loop */
    /* Wall clock: seconds since 1970-01-01 UTC when the `time` counter read
     * 0 (from the RTC at boot; 0 when there is none), and its rate. */
    uint64_t epoch_at_time0;
    uint64_t timebase_hz;
};

extern struct root_state root;

/* Reads the goldfish RTC (if the machine has one) into root.epoch_at_time0. */
void clock_init(const struct bootinfo *info);

/* The wall clock packed as a start argument (FS_START_ARG; 0 without a
 * clock): fat32 and programs get it. */
uint64_t clock_start_arg(void);

/* A boot server from the boot-image file `name` (a program without newlib)
 * with the capabilities a boot server finds (include/mica/bootsrv.h): its
 * service endpoint, registered with names as service_name, a names
 * endpoint, and ram_len bytes of RAM (0: none). */
int64_t start_boot_server(const struct bootinfo *info, const char *name, unsigned prio,
                          uint64_t ram_len, const char *service_name, const char *device,
                          enum root_on_crash on_crash);

/* Starts the name service (before proc, which hands it to programs). */
int64_t start_names(const struct bootinfo *info);

/* Starts the pipe server (before proc, which hands it to programs). */
int64_t start_pipe(const struct bootinfo *info);

/* Starts console (after proc; root.console must exist already). */
int64_t start_console(const struct bootinfo *info);

/* Starts proc (after the file servers: it loads programs from disk 0). */
int64_t start_proc(const struct bootinfo *info);

/* Runs init (argv from the command line after " -- ") under proc and
 * waits for it; returns the status to power off with: its exit code, or
 * 128 + the signal that killed it. */
int run_init(const char *args);

/* mm (all the RAM root does not keep), then blk and fat32 for each virtio
 * disk; boot_servers does both. */
int64_t start_memory(const struct bootinfo *info);
int64_t start_disks(const struct bootinfo *info);

/* Runs the boot manifest (bootimg/manifest, or root.manifest=PATH from the
 * disk); init_args (may be NULL) replaces its init. Returns the status to
 * power off with. */
int run_manifest(const struct bootinfo *info, const char *init_args);

/* Makes root the exception handler of the server s (named name) when
 * root.supervising; returns its record (on-crash=poweroff), NULL when it
 * runs unsupervised. */
struct boot_server *supervise_watch(const char *name, const struct spawned *s);

/* Serves root's report endpoint ep (ROOT_OPS, include/proto/root.h)
 * until a report settles a status: a program's exit or mm's kill of it,
 * init's end, or a boot server's end that powers the machine off. */
int root_wait_report(handle_t ep);

/* The record of the supervised server whose task is `task`, or NULL. */
struct boot_server *supervise_find(handle_t task);

/* Starts init (init_args) on a thread of its own and supervises the boot
 * servers until init ends or a server's end powers the machine off;
 * returns the status to power off with (file servers synced unless one
 * of the disk servers ended). */
int supervise_run(const char *init_args);

/* A server of one's own started again from its record `old` (its task is
 * gone): same endpoint, names endpoint and RAM. *fresh: its new record. */
int64_t restart_boot_server(const struct boot_server *old, struct boot_server **fresh);

/* A server that stays down: its endpoint is revoked, so every caller
 * waiting on it gets E_DEAD instead of waiting for ever. */
void restart_give_up(const struct boot_server *old);


/* Starts mm, and blk and fat32 when a virtio block device exists. */
int64_t boot_servers(const struct bootinfo *info);

/* Syncs every file server (before power-off). */
void shutdown_servers(void);

/* A frame capability of len bytes (page multiple) carved from the reserve. */
int64_t root_take_frame(uint64_t len);

/* Runs boot-image program `name` in a space mm serves; returns its exit
 * status (128 + 9 when mm killed it). */
int run_program(const struct bootinfo *info, const char *name);

/* Runs blktest as a native task (not paged by mm) with a blk client
 * capability and a 1 MiB buffer frame; returns its exit status. */
int run_blktest(const struct bootinfo *info, const char *name);
