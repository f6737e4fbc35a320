/* SPDX-License-Identifier: MIT */
/* Unit tests of MD5: the RFC 1321 test suite (appendix A.5), the million-'a' vector, and the
 * same digest whatever the pieces the data is fed in. */
#define _POSIX_C_SOURCE 200809L /* clock_gettime in testutil.h */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "md5.h"
#include "testutil.h"

#include <stdlib.h>
#include <string.h>

struct md5_vector {
    const char *input;
    const char *hex;
};

/* RFC 1321 A.5 */
static const struct md5_vector MD5_RFC[] = {
        {"", "d41d8cd98f00b204e9800998ecf8427e"},
        {"a", "0cc175b9c0f1b6a831c399e269772661"},
        {"abc", "900150983cd24fb0d6963f7d28e17f72"},
        {"message digest", "f96b697d7cb7938d525a2f31aaf161d0"},
        {"abcdefghijklmnopqrstuvwxyz", "c3fcd3d76192e4007dfb496cca67e13b"},
        {"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789",
         "d174ab98d277d9f5a5611c2c9f419d9f"},
        {"1234567890123456789012345678901234567890123456789012345678901234567890123456789"
         "0",
         "57edf4a22be3c955ac49da2e2107b67a"},
};

static void test_rfc1321_suite(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof MD5_RFC / sizeof MD5_RFC[0]; i++) {
        uint8_t digest[MD5_DIGEST_SIZE];
        char hex[MD5_HEX_SIZE];
        md5_buffer(MD5_RFC[i].input, strlen(MD5_RFC[i].input), digest);
        md5_to_hex(digest, hex);
        assert_string_equal(hex, MD5_RFC[i].hex);
    }
}

/* Runs of 'a' whose lengths sit on the padding boundaries (the length word fits in the last
 * block or needs one more), digests from an independent implementation. */
static void test_padding_boundaries(void **state)
{
    (void)state;
    static const struct {
        size_t len;
        const char *hex;
    } runs[] = {
            {55, "ef1772b6dff9a122358552954ad0df65"},  {56, "3b0c8ac703f828b04c6c197006d17218"},
            {63, "b06521f39153d618550606be297466d5"},  {64, "014842d480b571495a4a0363793f7367"},
            {65, "c743a45e0d2e6a95cb859adae0248435"},  {119, "8a7bd0732ed6a28ce75f6dabc90e1613"},
            {120, "5f61c0ccad4cac44c75ff505e1f1e537"},
    };
    uint8_t a[128];
    memset(a, 'a', sizeof a);
    for (size_t i = 0; i < sizeof runs / sizeof runs[0]; i++) {
        uint8_t digest[MD5_DIGEST_SIZE];
        char hex[MD5_HEX_SIZE];
        md5_buffer(a, runs[i].len, digest);
        md5_to_hex(digest, hex);
        assert_string_equal(hex, runs[i].hex);
    }
}

static void test_million_a(void **state)
{
    (void)state;
    struct md5_ctx ctx;
    uint8_t chunk[1000];
    uint8_t digest[MD5_DIGEST_SIZE];
    char hex[MD5_HEX_SIZE];
    memset(chunk, 'a', sizeof chunk);
    md5_init(&ctx);
    for (int i = 0; i < 1000; i++) {
        md5_update(&ctx, chunk, sizeof chunk);
    }
    md5_final(&ctx, digest);
    md5_to_hex(digest, hex);
    assert_string_equal(hex, "7707d6ae4e027c70eea2a935c2296f21");
}

/* Around the padding boundaries (55/56/63/64/65 bytes) and at every split of a longer buffer,
 * feeding in pieces gives the one-shot digest. */
static void test_pieces_match_one_shot(void **state)
{
    (void)state;
    uint8_t data[300];
    test_pattern(data, sizeof data, 7);
    for (size_t len = 0; len <= sizeof data; len += (len < 130 ? 1 : 17)) {
        uint8_t whole[MD5_DIGEST_SIZE];
        md5_buffer(data, len, whole);
        for (size_t cut = 0; cut <= len; cut += (len < 70 ? 1 : 5)) {
            struct md5_ctx ctx;
            uint8_t split[MD5_DIGEST_SIZE];
            md5_init(&ctx);
            md5_update(&ctx, data, cut);
            md5_update(&ctx, data + cut, 0);
            md5_update(&ctx, data + cut, len - cut);
            md5_final(&ctx, split);
            assert_memory_equal(split, whole, MD5_DIGEST_SIZE);
        }
    }
    /* byte by byte */
    struct md5_ctx ctx;
    uint8_t whole[MD5_DIGEST_SIZE];
    uint8_t bytes[MD5_DIGEST_SIZE];
    md5_buffer(data, sizeof data, whole);
    md5_init(&ctx);
    for (size_t i = 0; i < sizeof data; i++) {
        md5_update(&ctx, data + i, 1);
    }
    md5_final(&ctx, bytes);
    assert_memory_equal(bytes, whole, MD5_DIGEST_SIZE);
}

/* Different data, different digest (catches an update that ignores part of its input). */
static void test_every_byte_counts(void **state)
{
    (void)state;
    uint8_t data[130];
    uint8_t ref[MD5_DIGEST_SIZE];
    test_pattern(data, sizeof data, 3);
    md5_buffer(data, sizeof data, ref);
    for (size_t i = 0; i < sizeof data; i++) {
        uint8_t d[MD5_DIGEST_SIZE];
        data[i] ^= 1;
        md5_buffer(data, sizeof data, d);
        assert_memory_not_equal(d, ref, MD5_DIGEST_SIZE);
        data[i] ^= 1;
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_rfc1321_suite),     cmocka_unit_test(test_padding_boundaries),
            cmocka_unit_test(test_million_a),         cmocka_unit_test(test_pieces_match_one_shot),
            cmocka_unit_test(test_every_byte_counts),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
