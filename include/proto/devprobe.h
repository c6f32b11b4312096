/*
 * Protocol of devprobe, the example device server (a boot server given a
 * device by the manifest: "server devprobe register=devprobe
 * device=virtio-mmio:3"): it reads the virtio-mmio identification
 * registers of its slot and binds its interrupt. Found as "devprobe".
 */
#pragma once

#include <stdint.h>

enum devprobe_op {
    /* Reply: devprobe_info_rep. Idempotent. */
    DEVPROBE_OP_INFO = 1,
};

struct devprobe_info_rep {
    uint32_t magic, version, device_id, vendor; /* virtio-mmio registers 0x0-0xc */
    uint32_t irq_bound;                         /* 1: its interrupt reaches us */
    uint32_t _pad0;
};
_Static_assert(sizeof(struct devprobe_info_rep) == 24, "ABI");
