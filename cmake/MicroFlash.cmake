# Project-wide compiler settings: warnings are errors, optional sanitizers, Windows specifics.

set(MF_WARNINGS
  -Wall -Wextra -Wshadow -Wconversion -Wsign-conversion -Wstrict-prototypes
  -Wmissing-prototypes -Wvla -Wformat=2 -Wundef -Werror)

# Applies the project's warnings to a target of ours (never to third-party code).
function(mf_warnings target)
  target_compile_options(${target} PRIVATE ${MF_WARNINGS})
endfunction()

if(MF_SANITIZE)
  add_compile_options(-fsanitize=address,undefined -fno-sanitize-recover=all
    -fno-omit-frame-pointer)
  add_link_options(-fsanitize=address,undefined)
endif()

if(WIN32)
  # Windows 7 API level; no DLL beyond Windows' own: libgcc and everything else linked in.
  # __USE_MINGW_ANSI_STDIO: C99 printf (%zu, %llu) everywhere, not msvcrt's dialect.
  add_compile_definitions(_WIN32_WINNT=0x0601 WINVER=0x0601 WIN32_LEAN_AND_MEAN
    UNICODE _UNICODE __USE_MINGW_ANSI_STDIO=1)
  add_link_options(-static -static-libgcc)
endif()

# Runs a Windows program of the windows preset under Wine (tests/wine/wine-run).
set(MF_WINE_RUN "${CMAKE_SOURCE_DIR}/tests/wine/wine-run")
