# Makes the release folder afresh (cmake -P, run by the `release` target): the installer, a
# portable zip of PORTABLE (flat: the programs, LICENSE, README.md) and SHA256SUMS in
# sha256sum's format ("<hex>  <name>"), so `sha256sum -c SHA256SUMS` checks them.
# -D: RELEASE_DIR, STAGE_DIR (scratch), SETUP (the installer), ZIP_NAME, PORTABLE (a list).

foreach(var RELEASE_DIR STAGE_DIR SETUP ZIP_NAME PORTABLE)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "release.cmake: -D${var}=... is missing")
  endif()
endforeach()

file(REMOVE_RECURSE ${RELEASE_DIR} ${STAGE_DIR})
file(MAKE_DIRECTORY ${RELEASE_DIR} ${STAGE_DIR})

get_filename_component(setup_name ${SETUP} NAME)
file(COPY_FILE ${SETUP} ${RELEASE_DIR}/${setup_name})

set(names)
foreach(file IN LISTS PORTABLE)
  get_filename_component(name ${file} NAME)
  file(COPY_FILE ${file} ${STAGE_DIR}/${name})
  list(APPEND names ${name})
endforeach()
execute_process(COMMAND ${CMAKE_COMMAND} -E tar cf ${RELEASE_DIR}/${ZIP_NAME} --format=zip
    ${names}
  WORKING_DIRECTORY ${STAGE_DIR}
  RESULT_VARIABLE status)
if(NOT status EQUAL 0)
  message(FATAL_ERROR "release.cmake: making ${ZIP_NAME} failed (${status})")
endif()

set(sums "")
foreach(name ${setup_name} ${ZIP_NAME})
  file(SHA256 ${RELEASE_DIR}/${name} hash)
  string(APPEND sums "${hash}  ${name}\n")
endforeach()
file(WRITE ${RELEASE_DIR}/SHA256SUMS "${sums}")
file(REMOVE_RECURSE ${STAGE_DIR})
message(STATUS "release: ${RELEASE_DIR}: ${setup_name}, ${ZIP_NAME}, SHA256SUMS")
