/* SPDX-License-Identifier: MIT */
/* The one assertion the fuzz targets use: an invariant that fails aborts, which libFuzzer
 * reports as a crash with the input that caused it. */
#ifndef MF_FUZZ_CHECK_H
#define MF_FUZZ_CHECK_H

#include <stdlib.h>

#define FUZZ_CHECK(cond)                                                                           \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

#endif
