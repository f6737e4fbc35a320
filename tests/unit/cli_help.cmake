# ctest cli.help: `mflash --help` and `mflash write_flash --help` succeed and say what they are
# for; an unknown command fails with exit code 2. Run as cmake -DMFLASH=path -P cli_help.cmake.
function(mflash_expect expected_rc expected_text)
  execute_process(COMMAND ${MFLASH} ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out
    ERROR_VARIABLE err)
  if(NOT rc EQUAL expected_rc)
    message(FATAL_ERROR "mflash ${ARGN}: exit ${rc}, expected ${expected_rc}\n${out}${err}")
  endif()
  string(FIND "${out}${err}" "${expected_text}" at)
  if(at EQUAL -1)
    message(FATAL_ERROR "mflash ${ARGN}: no \"${expected_text}\" in\n${out}${err}")
  endif()
endfunction()

mflash_expect(0 "Usage: mflash [global options] COMMAND" --help)
mflash_expect(0 "Usage: mflash [global options] write_flash" write_flash --help)
mflash_expect(0 "--erase-all" write-flash -h)
mflash_expect(0 "mflash " --version)
mflash_expect(0 "Usage: mflash [global options] fs ls [DIR] | put LOCAL [REMOTE]" fs --help)
mflash_expect(0 "Ctrl-] quits" repl --help)
mflash_expect(0 "  repl           Talk to MicroPython's REPL" --help)
mflash_expect(2 "fs needs what to do" fs)
mflash_expect(2 "Unknown command 'flash_write'" flash_write 0 fw.bin)
