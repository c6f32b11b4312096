/*
 * Protocol of console, the serial console server (docs/processes.md,
 * "Console"). It drives QEMU virt's ns16550 UART: output, and line-edited
 * input (echo, backspace, ^C = SIGINT to the foreground process, ^D = end
 * of file at the start of a line). Replies: label 0 or an err_t.
 */
#pragma once

#include <stdint.h>

enum console_op {
    /* data = bytes (<= 1024). Reply: w0 = bytes written ("\n" is sent as
     * "\r\n"). Idempotent: no (output twice). */
    CONS_OP_WRITE = 1,
    /* w0 = most bytes wanted (<= 1024). Reply: data = input up to and
     * including the next newline (or what ^D ended); 0 bytes at end of
     * file. Blocks until a line is there. E_BUSY: CONS_MAX_READERS readers
     * wait already. */
    CONS_OP_READ = 2,
    /* w0 = pid of the foreground process (0: none): ^C sends it SIGINT. */
    CONS_OP_SET_FOREGROUND = 3,
};

#define CONS_IO_MAX 1024u
#define CONS_MAX_READERS 4
#define CONS_REPLY_ERR(label) ((int64_t)((label) << 16) >> 16)

/* Starting console (done by root): its capability table. */
#define CONS_SLOT_SELF_TASK 1
#define CONS_SLOT_SERVICE 2
#define CONS_SLOT_MMIO 3    /* the UART's registers */
#define CONS_SLOT_IRQ 4     /* its interrupt line */
#define CONS_SLOT_NTFN 5    /* bound to console's thread; the IRQ signals it */
#define CONS_SLOT_THREAD 6
#define CONS_SLOT_PROC 7    /* proc (control), for ^C; may be empty */

/* Where a program proc starts finds the console (descriptors 0, 1, 2). */
#define CONSOLE_SLOT 5
