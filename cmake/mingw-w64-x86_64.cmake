# Cross toolchain: Debian's MinGW-w64 (gcc-mingw-w64-x86-64) producing PE32+ x86-64 programs.
set(CMAKE_SYSTEM_NAME Windows)
set(CMAKE_SYSTEM_PROCESSOR x86_64)
set(MF_MINGW_PREFIX x86_64-w64-mingw32)

# The -posix variant of the compiler (winpthreads threading model) is avoided on purpose: our
# code uses Win32 threads only, so the -win32 variant keeps the executables free of
# libwinpthread.
find_program(CMAKE_C_COMPILER NAMES ${MF_MINGW_PREFIX}-gcc-win32 ${MF_MINGW_PREFIX}-gcc REQUIRED)
find_program(CMAKE_RC_COMPILER NAMES ${MF_MINGW_PREFIX}-windres REQUIRED)

set(CMAKE_FIND_ROOT_PATH /usr/${MF_MINGW_PREFIX})
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)

# pkg-config must describe MinGW libraries only: the build machine's .pc files (libserialport,
# zlib for Linux) would otherwise be taken for Windows ones.
set(ENV{PKG_CONFIG_LIBDIR} "${CMAKE_FIND_ROOT_PATH}/lib/pkgconfig:${CMAKE_FIND_ROOT_PATH}/share/pkgconfig")
set(ENV{PKG_CONFIG_PATH} "")
