/* SPDX-License-Identifier: MIT */
/* esptool's spellings: every option value exists with '_' (v4) and with '-' (v5), so the
 * engine's parsers compare names with the two taken as the same character. */
#ifndef MF_SPELL_H
#define MF_SPELL_H

#include <stdbool.h>

/* a equals b with '-' and '_' alike; NULL never equals anything. */
bool spell_equal(const char *a, const char *b);

#endif
