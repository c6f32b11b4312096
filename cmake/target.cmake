# Flags shared by everything built for the target. The kernel is integer-only
# (rv64imac/lp64); user code is the toolchain's default multilib
# (rv64gc/lp64d). Frame pointers everywhere: the kernel's panic backtrace and
# gdb both walk them; no sibling-call optimization either, since a tail call
# leaves no frame behind.
set(MICA_KERNEL_ARCH -march=rv64imac_zicsr_zifencei -mabi=lp64)
# gcc picks the libgcc multilib by matching -march literally, so links name
# the base ISA only.
set(MICA_KERNEL_LINK_ARCH -march=rv64imac -mabi=lp64)
set(MICA_USER_ARCH -march=rv64gc -mabi=lp64d)
set(MICA_COMMON_FLAGS -mcmodel=medany -ffreestanding -fno-builtin -nostdlib
    -fno-omit-frame-pointer -fno-optimize-sibling-calls -fno-stack-protector -fno-pie -g -O2
    -fno-common -fno-tree-loop-distribute-patterns ${MICA_WARNINGS})
