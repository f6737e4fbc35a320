/* SPDX-License-Identifier: MIT */
/* Unit tests of the loader protocol: the doc's wire examples (§1.6), every command's argument
 * layout, checksums, reply decoding and matching, status sentences, and the timeout table. */
#define _POSIX_C_SOURCE 200809L /* clock_gettime in testutil.h */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "proto.h"
#include "testutil.h"

#include <string.h>

/* Frames a packet as the board would (for replies). */
static size_t frame_of(const uint8_t *packet, size_t len, uint8_t *out, size_t cap)
{
    return slip_encode(packet, len, out, cap);
}

/* Decodes one SLIP frame back into a packet. */
static size_t unframe(const uint8_t *wire, size_t len, uint8_t *out, size_t cap)
{
    struct slip_decoder d;
    size_t used = 0;
    size_t n = 0;
    slip_decoder_init(&d, out, cap);
    assert_int_equal(slip_decoder_feed(&d, wire, len, &used), SLIP_EV_FRAME);
    assert_int_equal(used, len);
    slip_decoder_frame(&d, &n);
    return n;
}

/* §1.6: SYNC request, 46 bytes on the wire. */
static void test_sync_request_bytes(void **state)
{
    (void)state;
    uint8_t want[46] = {0xC0, 0x00, 0x08, 0x24, 0x00, 0x00, 0x00,
                        0x00, 0x00, 0x07, 0x07, 0x12, 0x20};
    memset(want + 13, 0x55, 32);
    want[45] = 0xC0;
    struct proto_cmd c;
    uint8_t out[PROTO_FRAME_MAX(0)];
    proto_cmd_sync(&c);
    assert_int_equal(proto_cmd_size(&c), 44);
    assert_int_equal(proto_cmd_frame(&c, out, sizeof out), sizeof want);
    assert_memory_equal(out, want, sizeof want);
}

/* §1.6: READ_REG 0x40001000. */
static void test_read_reg_request_bytes(void **state)
{
    (void)state;
    static const uint8_t want[] = {0xC0, 0x00, 0x0A, 0x04, 0x00, 0x00, 0x00,
                                   0x00, 0x00, 0x00, 0x10, 0x00, 0x40, 0xC0};
    struct proto_cmd c;
    uint8_t out[64];
    proto_cmd_read_reg(&c, 0x40001000u);
    assert_int_equal(proto_cmd_frame(&c, out, sizeof out), sizeof want);
    assert_memory_equal(out, want, sizeof want);
    /* too small a buffer: nothing */
    assert_int_equal(proto_cmd_frame(&c, out, sizeof want - 1), 0);
    assert_int_equal(proto_cmd_packet(&c, out, 11), 0);
    assert_int_equal(proto_cmd_packet(&c, out, 12), 12);
}

/* §1.6 replies: ROM SYNC, ROM READ_REG (issue #620), ROM WRITE_REG (issue #397). */
static void test_rom_replies(void **state)
{
    (void)state;
    static const uint8_t sync[] = {0x01, 0x08, 0x02, 0x00, 0x07, 0x07, 0x12, 0x20, 0x00, 0x00};
    static const uint8_t rreg[] = {0x01, 0x0A, 0x02, 0x00, 0x01, 0xC1, 0xF0, 0xFF, 0x00, 0x00};
    static const uint8_t wreg[] = {0x01, 0x09, 0x02, 0x00, 0x0B, 0x40, 0x16, 0x00, 0x00, 0x00};
    struct proto_response r;
    struct mf_error e;
    mf_err_clear(&e);

    assert_int_equal(proto_response_match(sync, sizeof sync, PROTO_OP_SYNC, &r), PROTO_MATCH_OK);
    assert_int_equal(r.value, PROTO_SYNC_VALUE);
    assert_int_equal(r.size, 2);
    assert_true(r.has_status);
    assert_int_equal(proto_response_check(&r, PROTO_OP_SYNC, PROTO_LOADER_ROM, &e), MF_OK);
    assert_int_equal(e.code, MF_OK);

    assert_int_equal(proto_response_match(rreg, sizeof rreg, PROTO_OP_READ_REG, &r),
                     PROTO_MATCH_OK);
    assert_int_equal(r.value, 0xFFF0C101u);
    assert_int_equal(proto_response_check(&r, PROTO_OP_READ_REG, PROTO_LOADER_ROM, &e), MF_OK);

    assert_int_equal(proto_response_match(wreg, sizeof wreg, PROTO_OP_WRITE_REG, &r),
                     PROTO_MATCH_OK);
    assert_int_equal(proto_response_check(&r, PROTO_OP_WRITE_REG, PROTO_LOADER_ROM, &e), MF_OK);

    /* a reply to another command is skipped, not an error */
    assert_int_equal(proto_response_match(sync, sizeof sync, PROTO_OP_READ_REG, &r),
                     PROTO_MATCH_SKIP);
    /* through SLIP and back */
    uint8_t wire[64];
    uint8_t back[64];
    size_t n = frame_of(rreg, sizeof rreg, wire, sizeof wire);
    assert_int_equal(unframe(wire, n, back, sizeof back), sizeof rreg);
    assert_memory_equal(back, rreg, sizeof rreg);
}

/* esptool skips frames shorter than 8 bytes and direction != 1. */
static void test_skip_rules(void **state)
{
    (void)state;
    static const uint8_t ohai[] = {'O', 'H', 'A', 'I'};
    static const uint8_t request[] = {0x00, 0x0A, 0x04, 0x00, 0, 0, 0, 0, 0, 0x10, 0, 0x40};
    static const uint8_t seven[] = {0x01, 0x0A, 0x00, 0x00, 0, 0, 0};
    struct proto_response r;
    assert_true(proto_is_ohai(ohai, sizeof ohai));
    assert_false(proto_is_ohai(ohai, 3));
    assert_int_equal(proto_response_match(ohai, sizeof ohai, PROTO_OP_READ_REG, &r),
                     PROTO_MATCH_SKIP);
    assert_int_equal(proto_response_match(request, sizeof request, PROTO_OP_READ_REG, &r),
                     PROTO_MATCH_SKIP);
    assert_int_equal(proto_response_match(seven, sizeof seven, PROTO_OP_READ_REG, &r),
                     PROTO_MATCH_SKIP);
    assert_int_equal(proto_response_parse(seven, sizeof seven, 0, &r), MF_ERR_PROTOCOL);
    /* 8 bytes: a reply, but no status: matched, then a protocol error */
    struct mf_error e;
    static const uint8_t eight[] = {0x01, 0x0A, 0x00, 0x00, 0, 0, 0, 0};
    assert_int_equal(proto_response_match(eight, sizeof eight, PROTO_OP_READ_REG, &r),
                     PROTO_MATCH_OK);
    assert_false(r.has_status);
    assert_int_equal(proto_response_check(&r, PROTO_OP_READ_REG, PROTO_LOADER_ROM, &e),
                     MF_ERR_PROTOCOL);
    assert_non_null(strstr(e.message, "READ_REG failed"));
}

/* The sentence DESIGN.md promises, for the legacy and the new stub's byte order. */
static void test_stub_failure_sentence(void **state)
{
    (void)state;
    static const uint8_t legacy[] = {0x01, 0x11, 0x02, 0x00, 0, 0, 0, 0, 0xC1, 0x00};
    struct proto_response r;
    struct mf_error e;
    mf_err_clear(&e);
    assert_int_equal(proto_response_match(legacy, sizeof legacy, PROTO_OP_FLASH_DEFL_DATA, &r),
                     PROTO_MATCH_OK);
    assert_true(proto_status_failed(r.status));
    assert_int_equal(proto_status_code(r.status, PROTO_LOADER_STUB), 0xC1);
    assert_int_equal(proto_response_check(&r, PROTO_OP_FLASH_DEFL_DATA, PROTO_LOADER_STUB, &e),
                     MF_ERR_DEVICE);
    assert_non_null(strstr(e.message, "FLASH_DEFL_DATA failed: the board reported a checksum "
                                      "error (0xC1)."));
    assert_non_null(strstr(e.message, "lower baud rate"));
    assert_true(e.has_command);
    assert_int_equal(e.opcode, PROTO_OP_FLASH_DEFL_DATA);
    assert_string_equal(e.command, "FLASH_DEFL_DATA");
    assert_true(e.has_status);
    assert_int_equal(e.status[0], 0xC1);
    assert_int_equal(e.status[1], 0x00);
    assert_int_equal(e.error_code, 0xC1);

    /* legacy "frame too long": status byte 0xEE */
    static const uint8_t toolong[] = {0x01, 0x03, 0x02, 0x00, 0, 0, 0, 0, 0xC0, 0xEE};
    assert_int_equal(proto_response_match(toolong, sizeof toolong, PROTO_OP_FLASH_DATA, &r),
                     PROTO_MATCH_OK);
    assert_int_equal(proto_response_check(&r, PROTO_OP_FLASH_DATA, PROTO_LOADER_STUB, &e),
                     MF_ERR_DEVICE);
    assert_non_null(strstr(e.message, "bad data length (0xC0)"));
    assert_non_null(strstr(e.message, "longer than the stub's buffer"));

    /* legacy's collapsed 0x01 */
    static const uint8_t one[] = {0x01, 0xD1, 0x02, 0x00, 0, 0, 0, 0, 0x01, 0x00};
    assert_int_equal(proto_response_match(one, sizeof one, PROTO_OP_ERASE_REGION, &r),
                     PROTO_MATCH_OK);
    assert_int_equal(proto_response_check(&r, PROTO_OP_ERASE_REGION, PROTO_LOADER_STUB, &e),
                     MF_ERR_DEVICE);
    assert_non_null(strstr(e.message, "ERASE_REGION failed: the board reported a failure without "
                                      "details"));
}

/* ROM: {1, code}. */
static void test_rom_failure_sentence(void **state)
{
    (void)state;
    static const uint8_t rom[] = {0x01, 0x03, 0x02, 0x00, 0, 0, 0, 0, 0x01, 0x07};
    struct proto_response r;
    struct mf_error e;
    assert_int_equal(proto_response_match(rom, sizeof rom, PROTO_OP_FLASH_DATA, &r),
                     PROTO_MATCH_OK);
    assert_int_equal(proto_status_code(r.status, PROTO_LOADER_ROM), 0x07);
    assert_int_equal(proto_response_check(&r, PROTO_OP_FLASH_DATA, PROTO_LOADER_ROM, &e),
                     MF_ERR_DEVICE);
    assert_non_null(strstr(e.message, "FLASH_DATA failed: the board reported a checksum error "
                                      "(0x07)."));
    assert_int_equal(e.error_code, 0x07);
    /* code not in the table */
    static const uint8_t odd[] = {0x01, 0x02, 0x02, 0x00, 0, 0, 0, 0, 0x01, 0x42};
    assert_int_equal(proto_response_match(odd, sizeof odd, PROTO_OP_FLASH_BEGIN, &r),
                     PROTO_MATCH_OK);
    assert_int_equal(proto_response_check(&r, PROTO_OP_FLASH_BEGIN, PROTO_LOADER_ROM, &e),
                     MF_ERR_DEVICE);
    assert_non_null(strstr(e.message, "error 0x42 (status 01 42)"));
    /* 0x05 to a command the ROM does know is a failure, not "unsupported" */
    static const uint8_t bad[] = {0x01, 0x02, 0x02, 0x00, 0, 0, 0, 0, 0x01, 0x05};
    assert_int_equal(proto_response_match(bad, sizeof bad, PROTO_OP_FLASH_BEGIN, &r),
                     PROTO_MATCH_OK);
    assert_int_equal(proto_response_check(&r, PROTO_OP_FLASH_BEGIN, PROTO_LOADER_ROM, &e),
                     MF_ERR_DEVICE);
}

/* §2.3/§2.4: how loaders reject unknown commands. */
static void test_unsupported_detection(void **state)
{
    (void)state;
    struct proto_response r;
    struct mf_error e;
    /* ROM: a reply for another opcode, status 1, error 0x05 */
    static const uint8_t rom[] = {0x01, 0x00, 0x02, 0x00, 0, 0, 0, 0, 0x01, 0x05};
    assert_int_equal(proto_response_match(rom, sizeof rom, PROTO_OP_GET_SECURITY_INFO, &r),
                     PROTO_MATCH_UNSUPPORTED);
    assert_int_equal(proto_response_check(&r, PROTO_OP_GET_SECURITY_INFO, PROTO_LOADER_ROM, &e),
                     MF_ERR_UNSUPPORTED);
    assert_string_equal(e.message, "The boot ROM does not support GET_SECURITY_INFO.");
    /* another opcode with a different failure: not ours, skip */
    static const uint8_t other[] = {0x01, 0x00, 0x02, 0x00, 0, 0, 0, 0, 0x01, 0x07};
    assert_int_equal(proto_response_match(other, sizeof other, PROTO_OP_GET_SECURITY_INFO, &r),
                     PROTO_MATCH_SKIP);
    /* same opcode, ROM 0x05, command the ROM lacks */
    static const uint8_t same[] = {0x01, 0x10, 0x02, 0x00, 0, 0, 0, 0, 0x01, 0x05};
    assert_int_equal(proto_response_match(same, sizeof same, PROTO_OP_FLASH_DEFL_BEGIN, &r),
                     PROTO_MATCH_OK);
    assert_int_equal(proto_response_check(&r, PROTO_OP_FLASH_DEFL_BEGIN, PROTO_LOADER_ROM, &e),
                     MF_ERR_UNSUPPORTED);
    /* legacy stub 0xFF, new stub 0xC3 00 */
    static const uint8_t legacy[] = {0x01, 0x14, 0x02, 0x00, 0, 0, 0, 0, 0xFF, 0x00};
    static const uint8_t fresh[] = {0x01, 0x14, 0x02, 0x00, 0, 0, 0, 0, 0xC3, 0x00};
    assert_int_equal(proto_response_match(legacy, sizeof legacy, PROTO_OP_GET_SECURITY_INFO, &r),
                     PROTO_MATCH_UNSUPPORTED);
    assert_int_equal(proto_response_check(&r, PROTO_OP_GET_SECURITY_INFO, PROTO_LOADER_STUB, &e),
                     MF_ERR_UNSUPPORTED);
    assert_string_equal(e.message, "The flasher stub does not support GET_SECURITY_INFO.");
    assert_int_equal(proto_response_match(fresh, sizeof fresh, PROTO_OP_GET_SECURITY_INFO, &r),
                     PROTO_MATCH_UNSUPPORTED);
}

/* SPI_FLASH_MD5: 16 raw bytes then the status; a failure carries no digest. */
static void test_md5_reply(void **state)
{
    (void)state;
    uint8_t ok[8 + 16 + 2] = {0x01, 0x13, 18, 0x00, 0, 0, 0, 0};
    struct proto_response r;
    struct mf_error e;
    for (int i = 0; i < 16; i++) {
        ok[8 + i] = (uint8_t)(0xA0 + i);
    }
    assert_int_equal(proto_response_match(ok, sizeof ok, PROTO_OP_SPI_FLASH_MD5, &r),
                     PROTO_MATCH_OK);
    assert_int_equal(r.payload_len, 16);
    assert_ptr_equal(r.payload, ok + 8);
    assert_int_equal(r.status[0], 0);
    assert_int_equal(proto_response_check(&r, PROTO_OP_SPI_FLASH_MD5, PROTO_LOADER_STUB, &e),
                     MF_OK);
    /* a status byte that is not 0 right after the digest */
    ok[24] = 0x01;
    assert_int_equal(proto_response_match(ok, sizeof ok, PROTO_OP_SPI_FLASH_MD5, &r),
                     PROTO_MATCH_OK);
    assert_int_equal(proto_response_check(&r, PROTO_OP_SPI_FLASH_MD5, PROTO_LOADER_STUB, &e),
                     MF_ERR_DEVICE);
    static const uint8_t fail[] = {0x01, 0x13, 0x02, 0x00, 0, 0, 0, 0, 0x01, 0x00};
    assert_int_equal(proto_response_match(fail, sizeof fail, PROTO_OP_SPI_FLASH_MD5, &r),
                     PROTO_MATCH_OK);
    assert_null(r.payload);
    assert_int_equal(proto_response_check(&r, PROTO_OP_SPI_FLASH_MD5, PROTO_LOADER_STUB, &e),
                     MF_ERR_DEVICE);
    static const uint8_t empty_ok[] = {0x01, 0x13, 0x02, 0x00, 0, 0, 0, 0, 0x00, 0x00};
    assert_int_equal(proto_response_match(empty_ok, sizeof empty_ok, PROTO_OP_SPI_FLASH_MD5, &r),
                     PROTO_MATCH_OK);
    assert_int_equal(proto_response_check(&r, PROTO_OP_SPI_FLASH_MD5, PROTO_LOADER_STUB, &e),
                     MF_ERR_PROTOCOL);
    assert_non_null(strstr(e.message, "lacks its 16-byte result"));
}

/* §1.4 checksum; *_DATA header; escaping inside a frame round-trips. */
static void test_data_command(void **state)
{
    (void)state;
    static const uint8_t data[] = {0xC0, 0xDB, 0x01, 0xEF, 0x10};
    struct proto_cmd c;
    uint8_t packet[64];
    uint8_t wire[PROTO_FRAME_MAX(sizeof data)];
    uint8_t back[128];
    assert_int_equal(proto_checksum(data, 0, PROTO_CHECKSUM_SEED), 0xEF);
    assert_int_equal(proto_checksum(data, sizeof data, PROTO_CHECKSUM_SEED),
                     0xEF ^ 0xC0 ^ 0xDB ^ 0x01 ^ 0xEF ^ 0x10);
    proto_cmd_data(&c, PROTO_OP_FLASH_DATA, 7, data, sizeof data);
    size_t n = proto_cmd_packet(&c, packet, sizeof packet);
    assert_int_equal(n, 8 + 16 + sizeof data);
    static const uint8_t head[] = {0x00, 0x03, 21, 0x00, 0x0A, 0x00, 0x00, 0x00, 5, 0, 0, 0,
                                   7,    0,    0,  0,    0,    0,    0,    0,    0, 0, 0, 0};
    assert_memory_equal(packet, head, sizeof head);
    assert_memory_equal(packet + 24, data, sizeof data);
    size_t w = proto_cmd_frame(&c, wire, sizeof wire);
    assert_int_equal(w, slip_encoded_size(packet, n));
    assert_int_equal(unframe(wire, w, back, sizeof back), n);
    assert_memory_equal(back, packet, n);
    /* a data field over 65535 bytes cannot be encoded */
    static uint8_t big[0x10000];
    static uint8_t big_out[PROTO_FRAME_MAX(sizeof big)];
    proto_cmd_data(&c, PROTO_OP_FLASH_DATA, 0, big, 0xFFFF - 16);
    assert_int_equal(proto_cmd_frame(&c, big_out, sizeof big_out), 2 + 8 + 0xFFFF);
    proto_cmd_data(&c, PROTO_OP_FLASH_DATA, 0, big, 0xFFFF - 15);
    assert_int_equal(proto_cmd_frame(&c, big_out, sizeof big_out), 0);
    assert_int_equal(proto_cmd_packet(&c, big_out, sizeof big_out), 0);
}

/* Decodes a command's argument words. */
static void args_of(const struct proto_cmd *c, uint32_t *w, size_t n)
{
    assert_int_equal(c->args_len, 4 * n);
    for (size_t i = 0; i < n; i++) {
        const uint8_t *p = c->args + 4 * i;
        w[i] = (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
    }
}

/* §2.1: argument layouts. */
static void test_command_layouts(void **state)
{
    (void)state;
    struct proto_cmd c;
    uint32_t w[16];
    proto_cmd_flash_begin(&c, PROTO_OP_FLASH_BEGIN, 0x8000, 64, 0x400, 0, false);
    args_of(&c, w, 4);
    assert_int_equal(w[0], 0x8000);
    assert_int_equal(w[1], 64);
    assert_int_equal(w[2], 0x400);
    assert_int_equal(w[3], 0);
    assert_int_equal(c.checksum, 0);
    proto_cmd_flash_begin(&c, PROTO_OP_FLASH_DEFL_BEGIN, 1000, 1, 0x4000, 0x1000, true);
    assert_int_equal(c.op, PROTO_OP_FLASH_DEFL_BEGIN);
    args_of(&c, w, 5);
    assert_int_equal(w[3], 0x1000);
    assert_int_equal(w[4], 0);
    proto_cmd_mem_begin(&c, 100, 1, 0x1800, 0x4010D000u);
    args_of(&c, w, 4);
    assert_int_equal(w[3], 0x4010D000u);
    proto_cmd_mem_end(&c, 0);
    args_of(&c, w, 2);
    assert_int_equal(w[0], 1);
    proto_cmd_mem_end(&c, 0x4010D004u);
    args_of(&c, w, 2);
    assert_int_equal(w[0], 0);
    assert_int_equal(w[1], 0x4010D004u);
    proto_cmd_flash_end(&c, PROTO_OP_FLASH_END, true);
    args_of(&c, w, 1);
    assert_int_equal(w[0], 0);
    proto_cmd_flash_end(&c, PROTO_OP_FLASH_DEFL_END, false);
    args_of(&c, w, 1);
    assert_int_equal(w[0], 1);
    proto_cmd_spi_set_params(&c, 0x400000);
    args_of(&c, w, 6);
    assert_int_equal(w[0], 0);
    assert_int_equal(w[1], 0x400000);
    assert_int_equal(w[2], 0x10000);
    assert_int_equal(w[3], 0x1000);
    assert_int_equal(w[4], 0x100);
    assert_int_equal(w[5], 0xFFFF);
    proto_cmd_change_baud(&c, 921600, 115200);
    args_of(&c, w, 2);
    assert_int_equal(w[0], 921600);
    assert_int_equal(w[1], 115200);
    proto_cmd_flash_md5(&c, 0x1000, 0x2000);
    args_of(&c, w, 4);
    assert_int_equal(w[1], 0x2000);
    proto_cmd_erase_region(&c, 0x10000, 0x3000);
    args_of(&c, w, 2);
    proto_cmd_read_flash(&c, 0, 0x100000, 0x1000, 64);
    args_of(&c, w, 4);
    assert_int_equal(w[2], 0x1000);
    assert_int_equal(w[3], 64);
    proto_cmd_erase_flash(&c);
    assert_int_equal(c.args_len, 0);
    assert_int_equal(c.op, PROTO_OP_ERASE_FLASH);
    proto_cmd_run_user_code(&c);
    assert_int_equal(c.op, PROTO_OP_RUN_USER_CODE);
    proto_cmd_spi_attach(&c, 0);
    assert_int_equal(c.op, PROTO_OP_SPI_ATTACH);
    args_of(&c, w, 1);
    assert_int_equal(w[0], 0);

    /* WRITE_REG: one for the ROM, up to four in one command for a stub */
    proto_cmd_write_reg(&c, 0x60000240u, 0, 0xFFFFFFFFu, 0);
    args_of(&c, w, 4);
    assert_int_equal(w[0], 0x60000240u);
    assert_int_equal(w[2], 0xFFFFFFFFu);
    assert_true(proto_cmd_add_write_reg(&c, 1, 2, 3, 4));
    assert_true(proto_cmd_add_write_reg(&c, 1, 2, 3, 4));
    assert_true(proto_cmd_add_write_reg(&c, 5, 6, 7, 8));
    assert_false(proto_cmd_add_write_reg(&c, 1, 2, 3, 4));
    args_of(&c, w, 16);
    assert_int_equal(w[15], 8);
    proto_cmd_read_reg(&c, 1);
    assert_false(proto_cmd_add_write_reg(&c, 1, 2, 3, 4)); /* not a WRITE_REG */
    proto_cmd_init(&c, 0x42);
    for (unsigned i = 0; i < PROTO_ARGS_MAX / 4; i++) {
        assert_true(proto_cmd_add_u32(&c, i));
    }
    assert_false(proto_cmd_add_u32(&c, 0));
}

static void test_read_flash_ack(void **state)
{
    (void)state;
    uint8_t out[SLIP_ENCODED_MAX(4)];
    /* 0x0001C000 LE = 00 C0 01 00: the 0xC0 is escaped */
    static const uint8_t exact[] = {0xC0, 0x00, 0xDB, 0xDC, 0x01, 0x00, 0xC0};
    assert_int_equal(proto_read_flash_ack(0x0001C000, out, sizeof out), sizeof exact);
    assert_memory_equal(out, exact, sizeof exact);
    assert_int_equal(proto_read_flash_ack(0x1000, out, 3), 0);
}

/* The command table: names, flags, ROM vs stub. */
static void test_op_table(void **state)
{
    (void)state;
    size_t n = 0;
    const struct proto_op_info *t = proto_op_table(&n);
    assert_int_equal(n, 25); /* 23 of esptool's, our ERASE_BG and ERASE_BG_WAIT */
    for (size_t i = 0; i < n; i++) {
        assert_ptr_equal(proto_op_info(t[i].op), &t[i]);
        assert_string_equal(proto_op_name(t[i].op), t[i].name);
        for (size_t j = i + 1; j < n; j++) {
            assert_int_not_equal(t[i].op, t[j].op);
        }
        bool data = (t[i].flags & PROTO_OPF_DATA) != 0;
        assert_int_equal(data, (t[i].flags & PROTO_OPF_CHECKSUM) != 0);
    }
    assert_string_equal(proto_op_name(0x42), "UNKNOWN");
    assert_null(proto_op_info(0x42));
    assert_true(proto_op_supported(PROTO_OP_FLASH_BEGIN, PROTO_LOADER_ROM));
    assert_true(proto_op_supported(PROTO_OP_MEM_DATA, PROTO_LOADER_ROM));
    assert_false(proto_op_supported(PROTO_OP_FLASH_DEFL_BEGIN, PROTO_LOADER_ROM));
    assert_false(proto_op_supported(PROTO_OP_CHANGE_BAUDRATE, PROTO_LOADER_ROM));
    assert_false(proto_op_supported(PROTO_OP_ERASE_BG, PROTO_LOADER_ROM));
    assert_true(proto_op_supported(PROTO_OP_ERASE_BG_WAIT, PROTO_LOADER_STUB));
    assert_false(proto_op_supported(PROTO_OP_SPI_FLASH_MD5, PROTO_LOADER_ROM));
    assert_false(proto_op_supported(PROTO_OP_ERASE_FLASH, PROTO_LOADER_ROM));
    assert_true(proto_op_supported(PROTO_OP_ERASE_FLASH, PROTO_LOADER_STUB));
    assert_false(proto_op_supported(PROTO_OP_GET_SECURITY_INFO, PROTO_LOADER_STUB));
    assert_false(proto_op_supported(PROTO_OP_READ_FLASH_SLOW, PROTO_LOADER_STUB));
    assert_false(proto_op_supported(PROTO_OP_FLASH_ENCRYPT_DATA, PROTO_LOADER_STUB));
    assert_true((proto_op_info(PROTO_OP_RUN_USER_CODE)->flags & PROTO_OPF_NO_REPLY) != 0);
    assert_int_equal(proto_op_info(PROTO_OP_SPI_FLASH_MD5)->reply_data, 16);
    assert_string_equal(proto_loader_name(PROTO_LOADER_ROM), "the boot ROM");
}

static void test_code_tables(void **state)
{
    (void)state;
    assert_string_equal(proto_rom_error_text(0x07), "a checksum error");
    assert_string_equal(proto_rom_error_text(0x05), "a malformed message");
    assert_string_equal(proto_rom_error_text(0x69), "insufficient storage");
    assert_null(proto_rom_error_text(0x10));
    assert_string_equal(proto_stub_error_text(0xC1), "a checksum error");
    assert_string_equal(proto_stub_error_text(0xC5), "that the SPI flash could not be unlocked");
    assert_string_equal(proto_stub_error_text(0xFF), "an unimplemented command");
    assert_null(proto_stub_error_text(0xCC));
    assert_null(proto_stub_error_text(0x00));
    for (unsigned code = 0xC0; code <= 0xCB; code++) {
        assert_non_null(proto_stub_error_text((uint8_t)code));
    }
    for (unsigned code = 0x00; code <= 0x0F; code++) {
        assert_non_null(proto_rom_error_text((uint8_t)code));
    }
}

/* §3.3 timeouts. */
static void test_timeouts(void **state)
{
    (void)state;
    assert_int_equal(proto_timeout_ms(PROTO_OP_SYNC, PROTO_LOADER_ROM, 0), 100);
    assert_int_equal(proto_timeout_ms(PROTO_OP_SYNC, PROTO_LOADER_STUB, 0), 100);
    assert_int_equal(proto_timeout_ms(PROTO_OP_READ_REG, PROTO_LOADER_ROM, 0), 3000);
    /* ROM FLASH_BEGIN erases: 40 s per MB */
    assert_int_equal(proto_timeout_ms(PROTO_OP_FLASH_BEGIN, PROTO_LOADER_ROM, 0x100000), 41943);
    assert_int_equal(proto_timeout_ms(PROTO_OP_FLASH_BEGIN, PROTO_LOADER_ROM, 0x1000), 3000);
    assert_int_equal(proto_timeout_ms(PROTO_OP_FLASH_BEGIN, PROTO_LOADER_STUB, 0x100000), 3000);
    assert_int_equal(proto_timeout_ms(PROTO_OP_FLASH_DEFL_BEGIN, PROTO_LOADER_STUB, 0x100000),
                     3000);
    assert_int_equal(proto_timeout_ms(PROTO_OP_FLASH_DATA, PROTO_LOADER_STUB, 0x4000), 3000);
    /* DEFL_DATA: 16 KiB + (1 + 1) × 64 KiB = 147456 bytes at 40 s/MB */
    assert_int_equal(proto_timeout_ms(PROTO_OP_FLASH_DEFL_DATA, PROTO_LOADER_STUB, 0x4000), 5898);
    assert_int_equal(proto_timeout_ms(PROTO_OP_FLASH_DEFL_DATA, PROTO_LOADER_STUB, 0x8000), 6553);
    assert_int_equal(proto_timeout_ms(PROTO_OP_FLASH_DEFL_DATA, PROTO_LOADER_STUB, 0), 3000);
    /* MD5: 8 s per MB */
    assert_int_equal(proto_timeout_ms(PROTO_OP_SPI_FLASH_MD5, PROTO_LOADER_STUB, 0x400000), 33554);
    assert_int_equal(proto_timeout_ms(PROTO_OP_ERASE_FLASH, PROTO_LOADER_STUB, 0), 120000);
    /* capped at MAX_TIMEOUT */
    assert_int_equal(proto_timeout_ms(PROTO_OP_ERASE_REGION, PROTO_LOADER_STUB, 0x1000000), 240000);
    assert_int_equal(proto_timeout_ms(PROTO_OP_MEM_END, PROTO_LOADER_ROM, 0), 200);
    assert_int_equal(proto_timeout_ms(PROTO_OP_MEM_END, PROTO_LOADER_STUB, 0), 3000);
    assert_int_equal(proto_timeout_ms(PROTO_OP_RUN_USER_CODE, PROTO_LOADER_STUB, 0), 0);
    assert_int_equal(proto_timeout_per_mb(8000, 0), 3000);
    assert_int_equal(proto_timeout_per_mb(8000, UINT64_MAX / 10000), 240000);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_sync_request_bytes),
            cmocka_unit_test(test_read_reg_request_bytes),
            cmocka_unit_test(test_rom_replies),
            cmocka_unit_test(test_skip_rules),
            cmocka_unit_test(test_stub_failure_sentence),
            cmocka_unit_test(test_rom_failure_sentence),
            cmocka_unit_test(test_unsupported_detection),
            cmocka_unit_test(test_md5_reply),
            cmocka_unit_test(test_data_command),
            cmocka_unit_test(test_command_layouts),
            cmocka_unit_test(test_read_flash_ack),
            cmocka_unit_test(test_op_table),
            cmocka_unit_test(test_code_tables),
            cmocka_unit_test(test_timeouts),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
