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
# CONFIG_SRV_CHECKS: servers check their invariants after every request
# (libsys's framework, docs/protocols.md); off in normal builds.
option(MICA_SERVER_CHECKS "Servers run their invariant checks after every request" OFF)
if(MICA_SERVER_CHECKS)
  set(CONFIG_SRV_CHECKS 1)
else()
  set(CONFIG_SRV_CHECKS 0)
endif()
set(MICA_CONFIG_DEFS -DCONFIG_SRV_CHECKS=${CONFIG_SRV_CHECKS})
set(MICA_COMMON_FLAGS -mcmodel=medany -ffreestanding -fno-builtin -nostdlib
    -fno-omit-frame-pointer -fno-optimize-sibling-calls -fno-stack-protector -fno-pie -g -O2
    -fno-common -fno-tree-loop-distribute-patterns ${MICA_WARNINGS} ${MICA_CONFIG_DEFS})
# Programs linked with newlib: hosted C (newlib's headers and builtins).
# _POSIX_TIMERS, _POSIX_MONOTONIC_CLOCK: newlib's <time.h> then declares
# nanosleep, clock_gettime and CLOCK_MONOTONIC,
# which libsys's POSIX layer provides.
set(MICA_NEWLIB_FLAGS -mcmodel=medany -fno-omit-frame-pointer -fno-optimize-sibling-calls
    -fno-stack-protector -fno-pie -g -O2 -fno-common -D_POSIX_TIMERS=1 -D_POSIX_MONOTONIC_CLOCK=1 ${MICA_WARNINGS} ${MICA_CONFIG_DEFS})

# mica_newlib_program(NAME sources...): a user program in ordinary C,
# linked with newlib and libsys's POSIX layer (libsys/src/posix).
function(mica_newlib_program name)
  add_executable(${name}.elf ${MICA_POSIX_CRT0} ${ARGN})
  add_dependencies(${name}.elf newlib)
  target_compile_options(${name}.elf PRIVATE ${MICA_USER_ARCH} ${MICA_NEWLIB_FLAGS})
  target_include_directories(${name}.elf PRIVATE ${CMAKE_SOURCE_DIR}/libsys/include
    ${CMAKE_SOURCE_DIR}/include)
  target_include_directories(${name}.elf SYSTEM PRIVATE ${MICA_NEWLIB_SYSROOT}/include)
  target_link_options(${name}.elf PRIVATE ${MICA_USER_ARCH} -nostdlib -static
    -Wl,-T,${MICA_USER_LD} -Wl,--build-id=none)
  target_link_libraries(${name}.elf PRIVATE -Wl,--start-group sys_posix
    ${MICA_NEWLIB_SYSROOT}/lib/libc.a ${MICA_NEWLIB_SYSROOT}/lib/libm.a sys gcc
    -Wl,--end-group)
  set_target_properties(${name}.elf PROPERTIES LINK_DEPENDS ${MICA_USER_LD})
endfunction()
