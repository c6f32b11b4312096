/*
 * Mica error codes: the one list shared by the kernel, servers, libsys and
 * host tests. Values travel as err_t (int32_t) because C does not fix an
 * enum's size. Codes are grouped in ranges with gaps; a code is never
 * renumbered, and a retired code stays here as a comment reserving its number.
 */
#pragma once

#include <stdint.h>

typedef int32_t err_t;

enum err {
    E_OK = 0,

    /* generic -1.. */
    E_NOSYS = -1,  /* unknown syscall number or protocol op */
    E_PERM = -2,   /* caller lacks the right (capability rights, policy) */

    /* arguments -10.. */
    E_INVAL = -10,  /* an argument is malformed or out of its documented range */
    E_ALIGN = -11,  /* an address or size is not aligned as the call requires */
    E_FAULT = -12,  /* a user pointer does not point at mapped user memory */
    E_RANGE = -13,  /* a value is well formed but outside what fits (lengths, indices) */
    E_BADH = -14,   /* a capability handle names no capability */

    /* state -20.. */
    E_EXIST = -20,   /* the thing being created already exists (overlapping mapping) */
    E_NOENT = -21,   /* the thing looked up does not exist */
    E_BUSY = -22,    /* the object is in a state that forbids the call now */
    E_AGAIN = -23,   /* non-blocking call would block */
    E_DEAD = -24,    /* the peer or object is gone (dead thread, deleted endpoint) */

    /* resources -30.. */
    E_NOMEM = -30,   /* a bounded pool (frames, kernel objects) is exhausted */
    E_NOSPACE = -31, /* a table (capability slots, VA space) is full */
    E_LIMIT = -32,   /* the caller's own limit is used up (open files, children, VMAs);
                      * the shared table still has room for others */

    /* I/O -40.. */
    E_IO = -40,      /* a device reported an error */

    /* file system -50.. */
    E_CORRUPT = -50, /* on-disk or in-memory structure fails validation */
    E_NOEXEC = -51,  /* a file is not an executable this system runs (bad ELF) */
};

/* Short name of an error code, for reports ("E_INVAL"); "E_?" if unknown. */
static inline const char *err_name(err_t e)
{
    switch (e) {
    case E_OK: return "E_OK";
    case E_NOEXEC: return "E_NOEXEC";
    case E_NOSYS: return "E_NOSYS";
    case E_PERM: return "E_PERM";
    case E_INVAL: return "E_INVAL";
    case E_ALIGN: return "E_ALIGN";
    case E_FAULT: return "E_FAULT";
    case E_RANGE: return "E_RANGE";
    case E_BADH: return "E_BADH";
    case E_EXIST: return "E_EXIST";
    case E_NOENT: return "E_NOENT";
    case E_BUSY: return "E_BUSY";
    case E_AGAIN: return "E_AGAIN";
    case E_DEAD: return "E_DEAD";
    case E_NOMEM: return "E_NOMEM";
    case E_NOSPACE: return "E_NOSPACE";
    case E_LIMIT: return "E_LIMIT";
    case E_IO: return "E_IO";
    case E_CORRUPT: return "E_CORRUPT";
    }
    return "E_?";
}
