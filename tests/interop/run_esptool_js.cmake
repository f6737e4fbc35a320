# ctest driver for interop.esptool_js (cmake -P): copies the Node project into WORK, runs
# `npm ci` there when node_modules is missing or package-lock.json changed, installs MicroFlash's
# stub over esptool-js's ESP8266 stub in that copy, then runs the tests with ESP8266_SIM pointing
# at the simulator.
# Inputs: NODE, NPM, SIM, STUB_JSON (paths), SRC (tests/interop), WORK (a directory in the build
# tree).

foreach(var NODE NPM SIM STUB_JSON)
  if(NOT ${var} OR ${var} MATCHES "-NOTFOUND$")
    message(FATAL_ERROR "interop.esptool_js: ${var} is missing (node, npm and the esp8266-sim target are required)")
  endif()
endforeach()

file(MAKE_DIRECTORY "${WORK}")
file(GLOB sources "${SRC}/*.mjs")
file(COPY "${SRC}/package.json" "${SRC}/package-lock.json" ${sources} DESTINATION "${WORK}")

# npm ci only when the installed tree does not match the lock file (a stamp copy of the lock),
# or when the copy of esptool-js's own ESP8266 stub made after it is gone (below).
set(stamp "${WORK}/node_modules/.mf-lock-stamp")
set(esptool_stub "${WORK}/node_modules/esptool-js/lib/targets/stub_flasher/esp8266.json")
set(esptool_stub_orig "${WORK}/esptool-js-esp8266-stub.json")
set(need_ci TRUE)
if(EXISTS "${stamp}" AND EXISTS "${esptool_stub_orig}")
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
  if(NOT EXISTS "${esptool_stub}")
    message(FATAL_ERROR "interop.esptool_js: ${esptool_stub} is missing (esptool-js changed its layout?)")
  endif()
  file(COPY_FILE "${esptool_stub}" "${esptool_stub_orig}")
  file(COPY_FILE "${SRC}/package-lock.json" "${stamp}")
endif()

# esptool-js uploads the stub JSON it ships (lib/targets/stub_flasher/esp8266.json, read by
# getStubJsonByChipName() on every upload); esp8266-sim runs only MicroFlash's stub, so ours goes
# in its place, in the build tree's copy only, on every run. The file npm installed was kept
# beside it after npm ci (a test checks that the simulator refuses that stub).
set(our_stub "${WORK}/microflash-stub.json")
execute_process(COMMAND "${STUB_JSON}" "${our_stub}" RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "interop.esptool_js: stub_json failed (${rc})")
endif()
file(COPY_FILE "${our_stub}" "${esptool_stub}")

set(ENV{ESP8266_SIM} "${SIM}")
set(ENV{MICROFLASH_STUB_JSON} "${our_stub}")
set(ENV{ESPTOOL_JS_STUB_JSON} "${esptool_stub_orig}")
execute_process(COMMAND "${NODE}" --test --test-reporter=tap esptool_js.test.mjs
  WORKING_DIRECTORY "${WORK}" RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "interop.esptool_js: node --test failed (${rc})")
endif()
