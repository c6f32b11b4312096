/*
 * <sys/dirent.h> for newlib programs on Mica (newlib's own says "not
 * supported"): what <dirent.h> needs. libsys/src/posix/dirent.c reads
 * directories from the file servers.
 */
#pragma once

#include <stdint.h>
#include <sys/types.h>

#define DT_UNKNOWN 0
#define DT_DIR 4
#define DT_REG 8

struct dirent {
    ino_t d_ino;          /* 0: FAT has no inode numbers */
    unsigned char d_type; /* DT_DIR or DT_REG */
    char d_name[256];
};

typedef struct mica_dir {
    int fd;               /* a descriptor on the directory */
    uint64_t cookie;      /* where the next FS_OP_READDIR starts */
    struct dirent entry;  /* what readdir() returned last */
} DIR;
