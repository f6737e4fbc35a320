/* SPDX-License-Identifier: MIT */
/* The connection object shared by conn.c (connect, sync, diagnosis) and conn_io.c (frames,
 * commands, registers, line steps). Not for use outside src/core/conn*.c. */
#ifndef MF_CONN_IMPL_H
#define MF_CONN_IMPL_H

#include "conn.h"
#include "slip.h"

#define CONN_RX_CHUNK  4096u
#define CONN_FRAME_MAX (0x4000u + 64u) /* the largest reply a loader sends (stub READ_FLASH) */
#define CONN_TX_MAX    PROTO_FRAME_MAX(0x4000u + PROTO_DATA_HEADER_SIZE)
#define CONN_TEXT_MAX  512u /* text seen outside frames, kept for the diagnosis */
#define CONN_SKIP_MAX  100u /* frames skipped while waiting for one reply (§3.1) */
#define CONN_WRITE_MS  10000u
#define CONN_TRACE_MAX 48u /* bytes of a frame shown in a trace line */

/* What arrived while connecting: the diagnosis is made from it. */
struct conn_seen {
    uint64_t bytes;         /* every byte read */
    uint64_t loader_frames; /* frames that parse as loader replies */
    bool port_gone;
    char text[CONN_TEXT_MAX]; /* printable text outside frames (the newest kept) */
    size_t text_len;
};

struct conn {
    struct port *port;
    struct conn_options opt;
    struct mf_hooks hooks;
    struct conn_board board;
    struct conn_seen seen;
    struct slip_decoder dec;
    uint8_t frame[CONN_FRAME_MAX];
    uint8_t rx[CONN_RX_CHUNK];
    size_t rx_len;
    size_t rx_pos;
    uint8_t tx[CONN_TX_MAX];
};

/* Maps a port failure to the engine's error (code, OS error, the port's sentence). */
int conn_port_fail(struct mf_error *e, int port_status, const struct port_error *pe);

/* Writes a command's frame. */
int conn_send(struct conn *c, const struct proto_cmd *cmd, struct mf_error *e);

#endif
