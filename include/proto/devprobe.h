/*
 * Protocol of devprobe, the example device server (a boot server given a
 * device by the manifest: "server devprobe register=devprobe
 * device=virtio-mmio:3"): it reads the virtio-mmio identification
 * registers of its slot and binds its interrupt. Found as "devprobe".
 */
#pragma once

#include <stdint.h>

#include <proto/proto.h>



struct devprobe_info_rep {
    uint32_t magic, version, device_id, vendor; /* virtio-mmio registers 0x0-0xc */
    uint32_t irq_bound;                         /* 1: its interrupt reaches us */
    uint32_t _pad0;
};
_Static_assert(sizeof(struct devprobe_info_rep) == 24, "ABI");

/* INFO: what the registers said. Any caller. */
#define DEVPROBE_OPS(X)                                                                \
    X(DEVPROBE_OP_INFO, 1, devprobe_info, proto_none, devprobe_info_rep, PROTO_BUF,     \
      PROTO_CALLER_ANY, 0, PROTO_IDEMPOTENT)

enum devprobe_op { DEVPROBE_OPS(PROTO_ENUM) };
DEVPROBE_OPS(PROTO_ASSERT)
PROTO_OP_NAMES(devprobe_op_name, DEVPROBE_OPS)
