/*
 * IPC message format (docs/kernel-api.md, "IPC"). A message is a tag,
 * eight words in registers (64 bytes: a2..a7, t3, t4), and optionally up to IPC_BUF_DATA_MAX bytes and
 * IPC_MAX_CAPS capabilities carried in the sender's IPC buffer.
 *
 * Tag (64 bits): label in bits 63..16 (the protocol's operation or a
 * status); bit 15 TRUNCATED, set by the kernel on delivery when the
 * receiver could not take all buffer data or capabilities; number of
 * capabilities in bits 14..12; bytes of buffer data in bits 11..0.
 */
#pragma once

#include <stdint.h>

#define IPC_WORDS 8
#define IPC_MAX_CAPS 4
#define IPC_BUF_DATA_MAX 1024

#define IPC_TAG(label, len, ncaps)                                            \
    (((uint64_t)(label) << 16) | (((uint64_t)(ncaps) & 7) << 12) |           \
     ((uint64_t)(len) & 0xfff))
#define IPC_TAG_LABEL(tag) ((uint64_t)(tag) >> 16)
#define IPC_TAG_NCAPS(tag) (((uint64_t)(tag) >> 12) & 7)
#define IPC_TAG_LEN(tag) ((uint64_t)(tag) & 0xfff)
#define IPC_TAG_TRUNCATED (1ull << 15)

/*
 * The per-thread IPC buffer: one page the thread registered with
 * SYS_THREAD_SET_IPC_BUFFER. The kernel copies `data` and transfers the
 * capabilities named in `caps` from sender to receiver. A receiver accepts
 * capabilities only when recv_caps_max > 0; received handles are written
 * to its caps[] in order.
 */
struct ipc_buffer {
    uint32_t caps[IPC_MAX_CAPS]; /* send: handles to transfer; receive: new handles */
    uint32_t recv_caps_max;      /* receiver: how many capabilities it accepts */
    uint32_t _pad0;
    uint64_t _reserved[5];
    uint8_t data[IPC_BUF_DATA_MAX];
};

_Static_assert(sizeof(struct ipc_buffer) == 64 + IPC_BUF_DATA_MAX, "ipc_buffer is ABI");

/* Labels the kernel uses for the messages it sends on a thread's behalf. */
#define IPC_LABEL_FAULT_VM 0xfff1     /* page fault: see struct below */
#define IPC_LABEL_FAULT_EXC 0xfff2    /* other exception */
#define IPC_LABEL_NOTIFY 0xfff3       /* a bound notification fired: w0 = its bits, badge 0 */

/* Page-fault message words (label IPC_LABEL_FAULT_VM); badge in a0 is the
 * pager endpoint capability's badge. */
#define FAULT_W_ADDR 0   /* faulting virtual address */
#define FAULT_W_ACCESS 1 /* FAULT_ACCESS_* */
#define FAULT_W_PC 2     /* faulting instruction */
#define FAULT_W_PTE 3    /* flags of the PTE at the address (MAP_* bits), 0 if none */
#define FAULT_W_TID 4    /* thread id of the faulting thread */

#define FAULT_ACCESS_READ 1
#define FAULT_ACCESS_WRITE 2
#define FAULT_ACCESS_EXEC 4

/* Exception message words (label IPC_LABEL_FAULT_EXC). */
#define EXC_W_KIND 0 /* EXC_* below */
#define EXC_W_PC 1
#define EXC_W_VALUE 2 /* faulting address or instruction bits */
#define EXC_W_TID 4

enum exc_code {
    EXC_ILLEGAL_INSTRUCTION = 1,
    EXC_BREAKPOINT = 2,
    EXC_MISALIGNED = 3,
    EXC_ACCESS_FAULT = 4,
    EXC_UNKNOWN_SYSCALL = 5,
    EXC_OTHER = 6,
    EXC_EXIT = 7,  /* the thread called SYS_EXIT: EXC_W_VALUE = its status; a resume re-runs the exit */
};

/* What an exception message's EXC_W_KIND says, for reports. */
static inline const char *exc_name(uint64_t kind)
{
    switch (kind) {
    case EXC_ILLEGAL_INSTRUCTION: return "illegal instruction";
    case EXC_BREAKPOINT: return "breakpoint";
    case EXC_MISALIGNED: return "misaligned access";
    case EXC_ACCESS_FAULT: return "access fault";
    case EXC_UNKNOWN_SYSCALL: return "unknown system call";
    case EXC_EXIT: return "exit";
    default: return "exception";
    }
}

/* The same words as structs, for servers' dispatch tables
 * (SRV_KERNEL_ENTRY in sys/server.h). */
struct ipc_fault_vm_msg {
    uint64_t addr, access, pc, pte, tid;
};
struct ipc_fault_exc_msg {
    uint64_t kind, pc, value, _w3, tid;
};
struct ipc_notify_msg {
    uint64_t bits;
};
_Static_assert(__builtin_offsetof(struct ipc_fault_vm_msg, tid) == FAULT_W_TID * 8, "ABI");
_Static_assert(__builtin_offsetof(struct ipc_fault_vm_msg, pte) == FAULT_W_PTE * 8, "ABI");
_Static_assert(__builtin_offsetof(struct ipc_fault_exc_msg, value) == EXC_W_VALUE * 8, "ABI");
_Static_assert(__builtin_offsetof(struct ipc_fault_exc_msg, tid) == EXC_W_TID * 8, "ABI");

/* Reply labels for faults: resume the thread, or kill it. */
#define FAULT_REPLY_RESUME 0
#define FAULT_REPLY_KILL 1

/* SYS_MAP flags: permissions, software bits, leaf size, replace. */
#define MAP_R (1u << 0)
#define MAP_W (1u << 1)
#define MAP_X (1u << 2)
#define MAP_SW0 (1u << 3)     /* PTE RSW bit 8 (mm: SHARE) */
#define MAP_SW1 (1u << 4)     /* PTE RSW bit 9 (mm: READONLY) */
#define MAP_SIZE_4K (0u << 8)
#define MAP_SIZE_2M (1u << 8)
#define MAP_SIZE_1G (2u << 8)
#define MAP_SIZE_MASK (3u << 8)
#define MAP_REPLACE (1u << 10) /* replace an existing leaf of the same size at va */
/* SYS_QUERY result: MAP_R/W/X/SW0/SW1 | size, plus: */
#define MAP_PRESENT (1u << 11)

/* Register file for SYS_THREAD_READ_REGS / WRITE_REGS. */
struct mica_regs {
    uint64_t pc;
    uint64_t x[31]; /* x[i] is register x(i+1): x[0] = ra, x[1] = sp, ... */
};

_Static_assert(sizeof(struct mica_regs) == 256, "mica_regs is ABI");
