# ctest driver for interop.esptool_js (cmake -P): copies the Node project into WORK, runs
# `npm ci` there when node_modules is missing or package-lock.json changed, then runs the tests
# with ESP8266_SIM pointing at the simulator.
# Inputs: NODE, NPM, SIM (paths), SRC (tests/interop), WORK (a directory in the build tree).

foreach(var NODE NPM SIM)
  if(NOT ${var} OR ${var} MATCHES "-NOTFOUND$")
    message(FATAL_ERROR "interop.esptool_js: ${var} is missing (node, npm and the esp8266-sim target are required)")
  endif()
endforeach()

file(MAKE_DIRECTORY "${WORK}")
file(GLOB sources "${SRC}/*.mjs")
file(COPY "${SRC}/package.json" "${SRC}/package-lock.json" ${sources} DESTINATION "${WORK}")

# npm ci only when the installed tree does not match the lock file (a stamp copy of the lock).
set(stamp "${WORK}/node_modules/.mf-lock-stamp")
set(need_ci TRUE)
if(EXISTS "${stamp}")
  file(SHA256 "${stamp}" have)
  file(SHA256 "${SRC}/package-lock.json" want)
  if(have STREQUAL want)
    set(need_ci FALSE)
  endif()
endif()
if(need_ci)
  # No lifecycle scripts (nothing here needs one), no audit/fund requests: registry only.
  execute_process(COMMAND "${NPM}" ci --ignore-scripts --no-audit --no-fund
    WORKING_DIRECTORY "${WORK}" RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "interop.esptool_js: npm ci failed (${rc})")
  endif()
  file(COPY_FILE "${SRC}/package-lock.json" "${stamp}")
endif()

set(ENV{ESP8266_SIM} "${SIM}")
execute_process(COMMAND "${NODE}" --test --test-reporter=tap esptool_js.test.mjs
  WORKING_DIRECTORY "${WORK}" RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "interop.esptool_js: node --test failed (${rc})")
endif()
