/* SPDX-License-Identifier: MIT */
/* Virtual time of the simulated board: nanoseconds since the simulation started. Nothing in
 * mf_board reads a clock; the driver passes the time with every call. */
#ifndef MF_SIM_TIME_H
#define MF_SIM_TIME_H

#include <stdint.h>

#define SIM_NS_PER_US  1000ull
#define SIM_NS_PER_MS  1000000ull
#define SIM_NS_PER_S   1000000000ull
#define SIM_PS_PER_NS  1000ull
#define SIM_PS_PER_S   1000000000000ull
#define SIM_TIME_NEVER UINT64_MAX

static inline uint64_t sim_time_min(uint64_t a, uint64_t b)
{
    return a < b ? a : b;
}

static inline uint64_t sim_time_max(uint64_t a, uint64_t b)
{
    return a > b ? a : b;
}

#endif
