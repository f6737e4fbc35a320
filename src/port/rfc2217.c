/* SPDX-License-Identifier: MIT */
/* PLACEHOLDER: the telnet / RFC 2217 codec is being written. */
#include "rfc2217.h"
