/* SPDX-License-Identifier: MIT */
/* Name comparison for the engine's option parsers (--before, --after): '-' and '_' are the
 * same character, as esptool v4 and v5 spell the values. */
#include "spell.h"

#include <stddef.h>

static char spell_fold(char c)
{
    return c == '-' ? '_' : c;
}

bool spell_equal(const char *a, const char *b)
{
    if (a == NULL || b == NULL) {
        return false;
    }
    for (; *a != '\0' && *b != '\0'; a++, b++) {
        if (spell_fold(*a) != spell_fold(*b)) {
            return false;
        }
    }
    return *a == *b;
}
