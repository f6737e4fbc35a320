/* SPDX-License-Identifier: MIT */
/* Internal interface between the stub's source files: command and reply records, byte helpers,
 * SLIP output, and the flash session handlers (stub_flash.c) the dispatcher calls. */
#ifndef MF_STUB_IMPL_H
#define MF_STUB_IMPL_H

#include "stub.h"

/* A received command: the payload follows the 8-byte header. */
struct stub_cmd {
    uint8_t op;
    uint32_t checksum; /* header word 4..7 */
    const uint8_t *data;
    uint32_t len;
};

/* The answer a handler prepares; stub.c sends it unless `silent`. */
struct stub_reply {
    uint32_t value;
    uint8_t data[STUB_MD5_SIZE];
    uint32_t data_len;
    uint8_t err;
    uint8_t detail;
    bool silent; /* no reply now: none at all, or a job sends it later */
};

/* ---- stub_io.c ---- */
uint32_t stub_get_u32(const uint8_t *p);
void stub_put_u32(uint8_t *p, uint32_t v);
void stub_copy(uint8_t *dst, const uint8_t *src, uint32_t n);
bool stub_all_erased(const uint8_t *p, uint32_t n);
void stub_tx_begin(struct stub *s);
void stub_tx_bytes(struct stub *s, const uint8_t *data, uint32_t n);
void stub_tx_end(struct stub *s);
/* Sends `01 op len value data... err detail` as one frame. */
void stub_send_reply(struct stub *s, uint8_t op, const struct stub_reply *r);
void stub_send_status(struct stub *s, uint8_t op, uint8_t err, uint8_t detail);
/* The received frame stub_poll() should look at next, or NULL; and giving it back. */
const uint8_t *stub_rx_peek(struct stub *s, uint32_t *len, bool *overflow);
void stub_rx_release(struct stub *s);

/* ---- stub_flash.c: handlers (payload sizes already checked) ---- */
void stub_flash_begin(struct stub *s, const struct stub_cmd *c, struct stub_reply *r);
void stub_flash_data(struct stub *s, const struct stub_cmd *c, struct stub_reply *r);
void stub_flash_end(struct stub *s, const struct stub_cmd *c, struct stub_reply *r);
void stub_flash_md5(struct stub *s, const struct stub_cmd *c, struct stub_reply *r);
void stub_flash_erase_all(struct stub *s, const struct stub_cmd *c, struct stub_reply *r);
void stub_flash_erase_region(struct stub *s, const struct stub_cmd *c, struct stub_reply *r);
void stub_flash_read(struct stub *s, const struct stub_cmd *c, struct stub_reply *r);
void stub_flash_erase_bg(struct stub *s, const struct stub_cmd *c, struct stub_reply *r);
/* ERASE_BG_WAIT's answer; runs once the queue is empty (STUB_JOB_DRAIN first). */
void stub_flash_erase_bg_wait(struct stub *s, const struct stub_cmd *c, struct stub_reply *r);
/* True when a partial sector is staged and must be committed before other flash commands. */
bool stub_flash_needs_flush(const struct stub *s);
/* True while background erases are queued: commands that read or erase flash wait for them. */
bool stub_flash_bg_pending(const struct stub *s);
/* One small step of background erase; IDLE when there is none, FLASH_WAIT while its erase runs. */
enum stub_poll_result stub_flash_bg_step(struct stub *s);
/* One step of erasing ahead of an active write, when idle (stub_flash.c); STUB_POLL_IDLE when
 * there is nothing to do. */
enum stub_poll_result stub_flash_erase_ahead(struct stub *s);
/* Advances the current job (s->job != NONE). */
enum stub_poll_result stub_flash_job_step(struct stub *s);

/* XOR checksum of *_DATA bytes (§1.4). */
uint8_t stub_checksum(const uint8_t *data, uint32_t len);

#endif
