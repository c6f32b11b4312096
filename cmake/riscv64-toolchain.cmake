# Cross toolchain for everything that runs on the Mica target (kernel, libsys,
# servers, programs). Debian package: gcc-riscv64-unknown-elf.
set(CMAKE_SYSTEM_NAME Generic)
set(CMAKE_SYSTEM_PROCESSOR riscv64)
set(CMAKE_C_COMPILER riscv64-unknown-elf-gcc)
set(CMAKE_ASM_COMPILER riscv64-unknown-elf-gcc)
set(CMAKE_OBJCOPY riscv64-unknown-elf-objcopy CACHE FILEPATH "objcopy")
set(CMAKE_NM riscv64-unknown-elf-nm CACHE FILEPATH "nm")
# Nothing on the target links against a hosted libc yet: test compiles as a
# static library so CMake's compiler check does not need crt0.
set(CMAKE_TRY_COMPILE_TARGET_TYPE STATIC_LIBRARY)
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(MICA_CROSS ON)
