# newlib, the C library of user programs, built from Debian's newlib-source
# for the toolchain's default multilib (rv64gc/lp64d) and kept in the build
# tree: built once (about two minutes on 2 cores), never again while the
# tarball and these flags stay the same. newlib's own system calls are off:
# libsys/src/posix supplies them over Mica's servers.
include(ExternalProject)
# MICA_NEWLIB_REUSE: another build tree's newlib (its build/target/newlib)
# to link against instead of building one here: a second configuration of
# the system (tests/qemu/fastpath_off.sh) then costs no newlib build.
set(MICA_NEWLIB_REUSE "" CACHE PATH "newlib prefix of another Mica build to reuse")
if(MICA_NEWLIB_REUSE)
  set(MICA_NEWLIB_SYSROOT ${MICA_NEWLIB_REUSE}/install/riscv64-unknown-elf)
  if(NOT EXISTS ${MICA_NEWLIB_SYSROOT}/lib/libc.a)
    message(FATAL_ERROR "MICA_NEWLIB_REUSE: no newlib in ${MICA_NEWLIB_SYSROOT}")
  endif()
  add_custom_target(newlib) # programs depend on it; nothing to build
  return()
endif()
set(MICA_NEWLIB_TARBALL /usr/src/newlib/newlib-3.3.0.tar.xz)
set(MICA_NEWLIB_PREFIX ${CMAKE_BINARY_DIR}/newlib)
set(MICA_NEWLIB_SYSROOT ${MICA_NEWLIB_PREFIX}/install/riscv64-unknown-elf)
cmake_host_system_information(RESULT MICA_NCPU QUERY NUMBER_OF_LOGICAL_CORES)
ExternalProject_Add(newlib
  URL ${MICA_NEWLIB_TARBALL}
  DOWNLOAD_EXTRACT_TIMESTAMP TRUE
  PREFIX ${MICA_NEWLIB_PREFIX}
  INSTALL_DIR ${MICA_NEWLIB_PREFIX}/install
  CONFIGURE_COMMAND <SOURCE_DIR>/configure --target=riscv64-unknown-elf
    --prefix=<INSTALL_DIR> --disable-multilib --disable-newlib-supplied-syscalls
    --enable-newlib-io-long-long --disable-nls
    "CFLAGS_FOR_TARGET=-O2 -g -mcmodel=medany -march=rv64gc -mabi=lp64d" MAKEINFO=true
  BUILD_COMMAND make -j${MICA_NCPU} all-target-newlib MAKEINFO=true
  INSTALL_COMMAND make install-target-newlib MAKEINFO=true
  BUILD_BYPRODUCTS ${MICA_NEWLIB_SYSROOT}/lib/libc.a ${MICA_NEWLIB_SYSROOT}/lib/libm.a
  LOG_CONFIGURE ON LOG_BUILD ON LOG_INSTALL ON LOG_OUTPUT_ON_FAILURE ON)
