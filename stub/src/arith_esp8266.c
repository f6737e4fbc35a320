/* SPDX-License-Identifier: MIT */
/* Integer helpers GCC calls on the lx106 that Debian's libgcc for it does not contain (32- and
 * 64-bit unsigned division, 64-bit multiply): plain shift-and-subtract, small rather than fast. */
#include <stdint.h>

/* GCC's names and types (libgcc's interface); prototypes here for -Wmissing-prototypes. */
unsigned int __udivsi3(unsigned int n, unsigned int d);
unsigned int __umodsi3(unsigned int n, unsigned int d);
unsigned long long __udivdi3(unsigned long long n, unsigned long long d);
unsigned long long __umoddi3(unsigned long long n, unsigned long long d);
long long __muldi3(long long a, long long b);

#define ARITH_BITS32 32u
#define ARITH_BITS64 64u

/* n / d and n % d; division by 0 gives quotient all ones and remainder n, like the hardware
 * of most targets (never used by the stub: its divisors are checked or constant). */
static uint32_t arith_divmod32(uint32_t n, uint32_t d, uint32_t *rem)
{
    uint32_t q = 0;
    uint32_t r = 0;

    for (uint32_t i = ARITH_BITS32; i-- > 0;) {
        r = r << 1 | (n >> i & 1u);
        if (r >= d) {
            r -= d;
            q |= 1u << i;
        }
    }
    *rem = r;
    return q;
}

static uint64_t arith_divmod64(uint64_t n, uint64_t d, uint64_t *rem)
{
    uint64_t q = 0;
    uint64_t r = 0;

    for (uint32_t i = ARITH_BITS64; i-- > 0;) {
        /* r < d before the shift, so the top bit of r is never lost when d has it clear; when d
         * has it set, a carry out means r >= d anyway */
        uint64_t carry = r >> (ARITH_BITS64 - 1u);

        r = r << 1 | (n >> i & 1u);
        if (carry != 0 || r >= d) {
            r -= d;
            q |= (uint64_t)1 << i;
        }
    }
    *rem = r;
    return q;
}

unsigned int __udivsi3(unsigned int n, unsigned int d)
{
    uint32_t rem;

    return arith_divmod32(n, d, &rem);
}

unsigned int __umodsi3(unsigned int n, unsigned int d)
{
    uint32_t rem;

    (void)arith_divmod32(n, d, &rem);
    return rem;
}

unsigned long long __udivdi3(unsigned long long n, unsigned long long d)
{
    uint64_t rem;

    return arith_divmod64(n, d, &rem);
}

unsigned long long __umoddi3(unsigned long long n, unsigned long long d)
{
    uint64_t rem;

    (void)arith_divmod64(n, d, &rem);
    return rem;
}

long long __muldi3(long long a, long long b)
{
    uint64_t x = (uint64_t)a;
    uint64_t y = (uint64_t)b;
    uint64_t p = 0;

    while (y != 0) {
        if (y & 1u)
            p += x;
        x <<= 1;
        y >>= 1;
    }
    return (long long)p;
}
