# Fails when the committed src/core/stub_blob.c differs from the one generated from the stub
# just built: the engine would upload a stub that does not match stub/.
#
#   cmake -DFRESH=build/stub/stub_blob.c -DCOMMITTED=src/core/stub_blob.c -P stub_blob_check.cmake
cmake_minimum_required(VERSION 3.25)

if(NOT EXISTS "${FRESH}")
  message(FATAL_ERROR "stub: ${FRESH} was not generated; build the stub_blob target first")
endif()
if(NOT EXISTS "${COMMITTED}")
  message(FATAL_ERROR "stub: ${COMMITTED} is missing. Run "
    "`cmake --build --preset stub --target stub_blob_update` and commit it.")
endif()
file(SHA256 "${FRESH}" fresh_hash)
file(SHA256 "${COMMITTED}" committed_hash)
if(NOT fresh_hash STREQUAL committed_hash)
  message(FATAL_ERROR "stub: src/core/stub_blob.c is STALE: it differs from the blob built "
    "from stub/ (${FRESH}). Run `cmake --build --preset stub --target stub_blob_update` "
    "and commit src/core/stub_blob.c.")
endif()
message(STATUS "stub: src/core/stub_blob.c matches the stub built from stub/")
