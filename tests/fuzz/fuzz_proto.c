/* SPDX-License-Identifier: MIT */
/* libFuzzer target for the reply parser: any frame, matched against every opcode and judged
 * for both loaders, stays inside the frame and yields a consistent verdict and sentence; any
 * bytes sent as a *_DATA command come back intact through SLIP. */
#include "proto.h"

#include <stdlib.h>
#include <string.h>

#include "fuzz_check.h"

#define FUZZ_MAX_INPUT 4096u

static void fuzz_judge(const uint8_t *frame, size_t len, uint8_t op)
{
    struct proto_response r;
    enum proto_match m = proto_response_match(frame, len, op, &r);
    FUZZ_CHECK(m == PROTO_MATCH_SKIP || m == PROTO_MATCH_OK || m == PROTO_MATCH_UNSUPPORTED);
    if (len < PROTO_HEADER_SIZE || frame[0] != PROTO_DIR_RESPONSE) {
        FUZZ_CHECK(m == PROTO_MATCH_SKIP);
        return;
    }
    /* everything points into the frame */
    FUZZ_CHECK(r.data == frame + PROTO_HEADER_SIZE);
    FUZZ_CHECK(r.data_len == len - PROTO_HEADER_SIZE);
    if (r.payload != NULL) {
        FUZZ_CHECK(r.payload == r.data);
        FUZZ_CHECK(r.payload_len + PROTO_STATUS_SIZE <= r.data_len);
    }
    FUZZ_CHECK(r.has_status == (r.data_len >= PROTO_STATUS_SIZE));
    if (m == PROTO_MATCH_OK) {
        FUZZ_CHECK(r.op == op);
    }
    if (m == PROTO_MATCH_SKIP) {
        return;
    }
    for (int who = PROTO_LOADER_ROM; who <= PROTO_LOADER_STUB; who++) {
        struct mf_error e;
        mf_err_clear(&e);
        int rc = proto_response_check(&r, op, (enum proto_loader)who, &e);
        FUZZ_CHECK(rc == MF_OK || rc == MF_ERR_DEVICE || rc == MF_ERR_UNSUPPORTED ||
                   rc == MF_ERR_PROTOCOL);
        FUZZ_CHECK(e.code == rc);
        FUZZ_CHECK(memchr(e.message, '\0', sizeof e.message) != NULL);
        if (rc == MF_OK) {
            FUZZ_CHECK(r.has_status && !proto_status_failed(r.status));
            FUZZ_CHECK(e.message[0] == '\0');
        } else {
            FUZZ_CHECK(e.message[0] != '\0');
            FUZZ_CHECK(e.has_command && e.opcode == op);
        }
        if (m == PROTO_MATCH_UNSUPPORTED) {
            FUZZ_CHECK(rc == MF_ERR_UNSUPPORTED);
        }
        if (rc == MF_ERR_DEVICE) {
            FUZZ_CHECK(e.has_status && e.status[0] != 0);
        }
    }
}

static void fuzz_data_round_trip(const uint8_t *data, size_t len, uint8_t seq)
{
    static uint8_t wire[PROTO_FRAME_MAX(FUZZ_MAX_INPUT)];
    static uint8_t packet[PROTO_HEADER_SIZE + PROTO_ARGS_MAX + FUZZ_MAX_INPUT];
    static uint8_t back[PROTO_HEADER_SIZE + PROTO_ARGS_MAX + FUZZ_MAX_INPUT];
    struct proto_cmd c;
    proto_cmd_data(&c, PROTO_OP_FLASH_DEFL_DATA, seq, data, len);
    size_t n = proto_cmd_packet(&c, packet, sizeof packet);
    FUZZ_CHECK(n == PROTO_HEADER_SIZE + PROTO_DATA_HEADER_SIZE + len);
    FUZZ_CHECK(packet[4] == proto_checksum(data, len, PROTO_CHECKSUM_SEED));
    size_t w = proto_cmd_frame(&c, wire, sizeof wire);
    FUZZ_CHECK(w == slip_encoded_size(packet, n));
    struct slip_decoder d;
    size_t used = 0;
    size_t got = 0;
    slip_decoder_init(&d, back, sizeof back);
    FUZZ_CHECK(slip_decoder_feed(&d, wire, w, &used) == SLIP_EV_FRAME && used == w);
    const uint8_t *f = slip_decoder_frame(&d, &got);
    FUZZ_CHECK(got == n && memcmp(f, packet, n) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    size_t count = 0;
    const struct proto_op_info *ops = proto_op_table(&count);
    if (size > FUZZ_MAX_INPUT) {
        return 0;
    }
    for (size_t i = 0; i < count; i++) {
        fuzz_judge(data, size, ops[i].op);
    }
    if (size > 1) {
        fuzz_judge(data, size, data[1]); /* whatever opcode the frame names */
    }
    fuzz_data_round_trip(data, size, size > 0 ? data[0] : 0);
    return 0;
}
