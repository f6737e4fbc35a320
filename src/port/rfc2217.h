/* SPDX-License-Identifier: MIT */
/* PLACEHOLDER: the telnet / RFC 2217 codec is being written. */
#ifndef MF_RFC2217_H
#define MF_RFC2217_H
#endif
