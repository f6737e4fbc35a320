# Toolchain for the on-chip stub: Debian's gcc-xtensa-lx106 (bare metal, no C library).
# Used by the `stub` preset and by `cmake -S stub` on its own.
set(CMAKE_SYSTEM_NAME Generic)
set(CMAKE_SYSTEM_PROCESSOR xtensa)

set(MF_XTENSA_PREFIX xtensa-lx106-elf-)
set(CMAKE_C_COMPILER ${MF_XTENSA_PREFIX}gcc)
set(CMAKE_ASM_COMPILER ${MF_XTENSA_PREFIX}gcc)
find_program(CMAKE_OBJCOPY ${MF_XTENSA_PREFIX}objcopy REQUIRED)
find_program(CMAKE_NM ${MF_XTENSA_PREFIX}nm REQUIRED)
find_program(CMAKE_SIZE ${MF_XTENSA_PREFIX}size REQUIRED)

# There is no C library to link a test program against.
set(CMAKE_TRY_COMPILE_TARGET_TYPE STATIC_LIBRARY)
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
