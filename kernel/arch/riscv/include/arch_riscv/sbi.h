/*
 * Calls into the SBI firmware (OpenSBI). Reference: RISC-V SBI spec v1.0:
 * a7 = extension id, a6 = function id, a0..a5 arguments; a0 = error,
 * a1 = value on return.
 */
#pragma once

#include <stdint.h>

#define SBI_EXT_LEGACY_PUTCHAR 0x01
#define SBI_EXT_LEGACY_SHUTDOWN 0x08
#define SBI_EXT_BASE 0x10
#define SBI_EXT_TIME 0x54494d45 /* "TIME" */
#define SBI_EXT_SRST 0x53525354 /* "SRST" */

#define SBI_BASE_PROBE_EXTENSION 3
#define SBI_SRST_SHUTDOWN 0
#define SBI_SRST_REASON_NONE 0
#define SBI_SRST_REASON_FAILURE 1

struct sbi_ret {
    long error; /* 0 = success */
    long value;
};

struct sbi_ret sbi_call(uint64_t ext, uint64_t fid, uint64_t a0, uint64_t a1,
                        uint64_t a2);

/* True when the firmware implements extension `ext`. */
int sbi_has_extension(uint64_t ext);

void sbi_set_timer(uint64_t deadline);
