/* The one place an err_t becomes a newlib errno value (STYLE.md §4). */
#include <errno.h>

#include <mica/err.h>

#include "posix.h"

int err_to_errno(err_t err)
{
    switch (err) {
    case E_OK: return 0;
    case E_NOSYS: return ENOSYS;
    case E_PERM: return EACCES;
    case E_INVAL: return EINVAL;
    case E_ALIGN: return EINVAL;
    case E_FAULT: return EFAULT;
    case E_RANGE: return EFBIG;
    case E_BADH: return EBADF;
    case E_EXIST: return EEXIST;
    case E_NOENT: return ENOENT;
    case E_BUSY: return EBUSY;
    case E_AGAIN: return EAGAIN;
    case E_DEAD: return EIO;
    case E_NOMEM: return ENOMEM;
    case E_NOSPACE: return ENOSPC;
    case E_LIMIT: return EAGAIN; /* open() and pipe() say EMFILE themselves */
    case E_IO: return EIO;
    case E_CORRUPT: return EIO;
    case E_NOEXEC: return ENOEXEC;
    default: return EIO;
    }
}

int posix_fail(int64_t err)
{
    errno = err_to_errno((err_t)err);
    return -1;
}
