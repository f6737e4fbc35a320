# Stages the programs for the upgrade test's older installer (cmake -P): copies of MicroFlash.exe
# and mflash.exe with a line of text appended (harmless data after the PE image), so an upgrade
# that leaves the old files in place shows as a byte difference.
# -D: APP (MicroFlash.exe), CLI (mflash.exe), OUT_DIR, VERSION.

foreach(var APP CLI OUT_DIR VERSION)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "previous.cmake: -D${var}=... is missing")
  endif()
endforeach()
file(MAKE_DIRECTORY ${OUT_DIR})
foreach(exe ${APP} ${CLI})
  get_filename_component(name ${exe} NAME)
  file(COPY_FILE ${exe} ${OUT_DIR}/${name})
  file(APPEND ${OUT_DIR}/${name} "\nMicroFlash ${VERSION} (the upgrade test's older version)\n")
endforeach()
