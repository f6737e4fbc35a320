/* SPDX-License-Identifier: MIT */
/* The case table of the end-to-end tests: write cases live in test_cli_e2e.c, the other commands,
 * the connection diagnoses and the refused files in e2e_cases_cmd.c; small shared checks. */
#ifndef MF_E2E_CASES_H
#define MF_E2E_CASES_H

#include "e2e_harness.h"

#include <stdbool.h>
#include <stddef.h>

struct e2e_case {
    const char *name; /* ctest name e2e.<name> */
    bool (*run)(struct e2e *t);
    bool wine; /* also run with mflash.exe under Wine */
};

/* The cases of e2e_cases_cmd.c. */
const struct e2e_case *e2e_command_cases(size_t *count);
/* The cases of e2e_cases_stub.c (the flasher stub: compressed writes, MD5, baud, faults). */
const struct e2e_case *e2e_stub_cases(size_t *count);
/* The cases of e2e_cases_mpy.c (MicroPython: fs put/ls/get/rm, repl). */
const struct e2e_case *e2e_mpy_cases(size_t *count);

/* The noisy-link write: bit flips towards the chip at this rate, with this fault seed. */
#define CASE_NOISE_PPM  "50"
#define CASE_NOISE_SEED "7"

/* A string member equal to `want` ignoring case. */
bool case_str_ieq(const struct ej_value *v, const char *path, const char *want);
bool case_num_eq(const struct ej_value *v, const char *path, double want);
/* A hex string member ("0xc8", "c8") equal to want. */
bool case_hex_eq(const struct ej_value *v, const char *path, unsigned long want);
/* The last run's stdout contains `needle` (ignoring case). */
bool case_stdout_has(const struct e2e *t, const char *needle);

#endif
