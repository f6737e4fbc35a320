/* SPDX-License-Identifier: MIT */
/* Unit tests of the telnet / RFC 2217 codec: every command and answer encoded and decoded, IAC
 * escaping both ways, input split at every position, negotiation answers, bounded memory. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "rfc2217.h"

#include <string.h>

#define IAC  RFC2217_IAC
#define SB   RFC2217_SB
#define SE   RFC2217_SE
#define WILL RFC2217_WILL
#define WONT RFC2217_WONT
#define DO   RFC2217_DO
#define DONT RFC2217_DONT
#define COM  RFC2217_OPT_COM_PORT

#define TEST_MAX_EVENTS 64
#define TEST_MAX_DATA   4096
#define TEST_MAX_REPLY  256

/* Everything a decoder produced from one input. */
struct decoded {
    size_t data_len;
    uint8_t data[TEST_MAX_DATA];
    size_t n_events;
    struct rfc2217_event events[TEST_MAX_EVENTS];
    size_t reply_len;
    uint8_t reply[TEST_MAX_REPLY];
};

/* Feeds `in` in pieces of at most `piece` bytes (0 = whole) into `data_cap`-sized outputs. */
static void decode_pieces(struct rfc2217_codec *c, const uint8_t *in, size_t len, size_t piece,
                          size_t data_cap, struct decoded *out)
{
    memset(out, 0, sizeof *out);
    size_t off = 0;
    while (off < len) {
        size_t end = piece == 0 || len - off < piece ? len : off + piece;
        while (off < end) {
            uint8_t data[TEST_MAX_DATA];
            size_t n = 0;
            struct rfc2217_event ev;
            size_t cap = data_cap < sizeof data ? data_cap : sizeof data;
            size_t used = rfc2217_codec_feed(c, in + off, end - off, data, cap, &n, &ev);
            assert_true(n <= cap);
            assert_true(used <= end - off);
            assert_true(used > 0 || n > 0 || ev.kind != RFC2217_EV_NONE || cap == 0);
            if (used == 0 && ev.kind == RFC2217_EV_NONE) {
                /* only possible with no room for data: give room and go on */
                assert_int_equal(cap, 0);
                data_cap = 1;
                continue;
            }
            assert_true(out->data_len + n <= sizeof out->data);
            memcpy(out->data + out->data_len, data, n);
            out->data_len += n;
            if (ev.kind != RFC2217_EV_NONE) {
                assert_true(out->n_events < TEST_MAX_EVENTS);
                out->events[out->n_events++] = ev;
                assert_true(out->reply_len + ev.reply_len <= sizeof out->reply);
                memcpy(out->reply + out->reply_len, ev.reply, ev.reply_len);
                out->reply_len += ev.reply_len;
            }
            off += used;
        }
    }
}

static void decode_all(struct rfc2217_codec *c, const uint8_t *in, size_t len, struct decoded *out)
{
    decode_pieces(c, in, len, 0, TEST_MAX_DATA, out);
}

static void assert_same_events(const struct decoded *a, const struct decoded *b)
{
    assert_int_equal(a->data_len, b->data_len);
    assert_memory_equal(a->data, b->data, a->data_len);
    assert_int_equal(a->n_events, b->n_events);
    for (size_t i = 0; i < a->n_events; i++) {
        const struct rfc2217_event *x = &a->events[i];
        const struct rfc2217_event *y = &b->events[i];
        assert_int_equal(x->kind, y->kind);
        assert_int_equal(x->verb, y->verb);
        assert_int_equal(x->option, y->option);
        assert_int_equal(x->code, y->code);
        assert_int_equal(x->truncated, y->truncated);
        assert_int_equal(x->value_len, y->value_len);
        assert_memory_equal(x->value, y->value, x->value_len);
        assert_int_equal(x->reply_len, y->reply_len);
        assert_memory_equal(x->reply, y->reply, x->reply_len);
    }
}

/* ---- encoding ---- */

static void test_encode_commands(void **state)
{
    (void)state;
    uint8_t out[RFC2217_COMMAND_MAX];
    static const uint8_t baud[] = {IAC, SB, COM, 1, 0x00, 0x01, 0xC2, 0x00, IAC, SE};
    assert_int_equal(rfc2217_encode_u32(RFC2217_CMD_SET_BAUDRATE, 115200, out, sizeof out),
                     sizeof baud);
    assert_memory_equal(out, baud, sizeof baud);

    /* 0xFF inside a value is doubled. */
    static const uint8_t odd[] = {IAC, SB, COM, 101, 0xFF, 0xFF, 0x00, 0x00, 0xFF, 0xFF, IAC, SE};
    assert_int_equal(rfc2217_encode_u32(101, 0xFF0000FFu, out, sizeof out), sizeof odd);
    assert_memory_equal(out, odd, sizeof odd);
    static const uint8_t all_ff[] = {IAC,  SB,   COM,  1,    0xFF, 0xFF, 0xFF,
                                     0xFF, 0xFF, 0xFF, 0xFF, 0xFF, IAC,  SE};
    assert_int_equal(rfc2217_encode_u32(1, UINT32_MAX, out, sizeof out), RFC2217_COMMAND_MAX);
    assert_memory_equal(out, all_ff, sizeof all_ff);

    /* Every one-byte command, client and server codes. */
    for (unsigned code = RFC2217_CMD_SET_DATASIZE; code < RFC2217_CMD_COUNT; code++) {
        for (unsigned off = 0; off <= RFC2217_SERVER_OFFSET; off += RFC2217_SERVER_OFFSET) {
            uint8_t c = (uint8_t)(code + off);
            uint8_t want[] = {IAC, SB, COM, c, 0x42, IAC, SE};
            assert_int_equal(rfc2217_encode_u8(c, 0x42, out, sizeof out), sizeof want);
            assert_memory_equal(out, want, sizeof want);
        }
    }
    /* No value (FLOWCONTROL-SUSPEND), a signature text. */
    static const uint8_t suspend[] = {IAC, SB, COM, 8, IAC, SE};
    assert_int_equal(rfc2217_encode_command(8, NULL, 0, out, sizeof out), sizeof suspend);
    assert_memory_equal(out, suspend, sizeof suspend);
    uint8_t sig[32];
    static const uint8_t sig_want[] = {IAC, SB, COM, 0, 'h', 'i', IAC, SE};
    assert_int_equal(rfc2217_encode_command(0, (const uint8_t *)"hi", 2, sig, sizeof sig),
                     sizeof sig_want);
    assert_memory_equal(sig, sig_want, sizeof sig_want);
}

static void test_encode_limits(void **state)
{
    (void)state;
    uint8_t out[RFC2217_COMMAND_MAX];
    assert_int_equal(rfc2217_encode_u32(1, 115200, out, 9), 0); /* needs 10 */
    assert_int_equal(rfc2217_encode_u32(1, 115200, out, 10), 10);
    assert_int_equal(rfc2217_encode_u32(1, UINT32_MAX, out, 13), 0); /* needs 14 */
    assert_int_equal(rfc2217_encode_u8(5, 0xFF, out, 7), 0);         /* needs 8 */
    assert_int_equal(rfc2217_encode_u8(5, 0xFF, out, 8), 8);
    assert_int_equal(rfc2217_encode_command(8, NULL, 0, out, 5), 0);
    assert_int_equal(rfc2217_encode_u8(IAC, 1, out, sizeof out), 0); /* no command 255 */
}

static void test_escape_data(void **state)
{
    (void)state;
    uint8_t all[256];
    uint8_t wire[512];
    for (size_t i = 0; i < sizeof all; i++) {
        all[i] = (uint8_t)i;
    }
    size_t used = 0;
    size_t n = rfc2217_encode_data(all, sizeof all, &used, wire, sizeof wire);
    assert_int_equal(used, 256);
    assert_int_equal(n, 257);
    assert_int_equal(wire[255], 0xFF);
    assert_int_equal(wire[256], 0xFF);

    /* A pair is never split: with room for one byte only, 0xFF waits. */
    static const uint8_t ffs[] = {0x41, 0xFF, 0x42};
    uint8_t small[2];
    n = rfc2217_encode_data(ffs, sizeof ffs, &used, small, 2);
    assert_int_equal(n, 1);
    assert_int_equal(used, 1);
    n = rfc2217_encode_data(ffs + 1, 2, &used, small, 2);
    assert_int_equal(n, 2);
    assert_int_equal(used, 1);
    n = rfc2217_encode_data(ffs, sizeof ffs, &used, small, 0);
    assert_int_equal(n, 0);
    assert_int_equal(used, 0);

    /* Decoding gives the bytes back, in both roles. */
    for (int role = RFC2217_ROLE_CLIENT; role <= RFC2217_ROLE_SERVER; role++) {
        struct rfc2217_codec c;
        struct decoded d;
        n = rfc2217_encode_data(all, sizeof all, &used, wire, sizeof wire);
        rfc2217_codec_init(&c, (enum rfc2217_role)role);
        decode_all(&c, wire, n, &d);
        assert_int_equal(d.data_len, 256);
        assert_memory_equal(d.data, all, 256);
        assert_int_equal(d.n_events, 0);
    }
}

/* ---- decoding ---- */

static void test_decode_every_command(void **state)
{
    (void)state;
    for (unsigned base = 0; base < RFC2217_CMD_COUNT; base++) {
        for (unsigned off = 0; off <= RFC2217_SERVER_OFFSET; off += RFC2217_SERVER_OFFSET) {
            uint8_t code = (uint8_t)(base + off);
            uint8_t wire[32];
            size_t n;
            if (base == RFC2217_CMD_SET_BAUDRATE) {
                n = rfc2217_encode_u32(code, 0x00FFFF01u, wire, sizeof wire);
            } else if (base == RFC2217_CMD_SIGNATURE) {
                n = rfc2217_encode_command(code, (const uint8_t *)"sig\xff", 4, wire, sizeof wire);
            } else if (base == RFC2217_CMD_FLOWCONTROL_SUSPEND ||
                       base == RFC2217_CMD_FLOWCONTROL_RESUME) {
                n = rfc2217_encode_command(code, NULL, 0, wire, sizeof wire);
            } else {
                n = rfc2217_encode_u8(code, 0xFF, wire, sizeof wire);
            }
            assert_true(n > 0);
            for (int role = RFC2217_ROLE_CLIENT; role <= RFC2217_ROLE_SERVER; role++) {
                struct rfc2217_codec c;
                struct decoded d;
                rfc2217_codec_init(&c, (enum rfc2217_role)role);
                decode_all(&c, wire, n, &d);
                assert_int_equal(d.n_events, 1);
                assert_int_equal(d.data_len, 0);
                const struct rfc2217_event *ev = &d.events[0];
                assert_int_equal(ev->kind, RFC2217_EV_COMMAND);
                assert_int_equal(ev->option, COM);
                assert_int_equal(ev->code, code);
                assert_false(ev->truncated);
                assert_true(rfc2217_command_valid(ev));
                assert_int_equal(rfc2217_command_base(code), base);
                assert_int_equal(rfc2217_command_from_server(code), off != 0);
                assert_int_equal(ev->reply_len, 0);
                if (base == RFC2217_CMD_SET_BAUDRATE) {
                    assert_int_equal(rfc2217_event_u32(ev), 0x00FFFF01u);
                    assert_int_equal(rfc2217_event_u8(ev), 0);
                } else if (base == RFC2217_CMD_SIGNATURE) {
                    assert_int_equal(ev->value_len, 4);
                    assert_memory_equal(ev->value, "sig\xff", 4);
                } else if (ev->value_len == 1) {
                    assert_int_equal(rfc2217_event_u8(ev), 0xFF);
                    assert_int_equal(rfc2217_event_u32(ev), 0);
                } else {
                    assert_int_equal(ev->value_len, 0);
                }
            }
        }
    }
}

static void test_command_validity(void **state)
{
    (void)state;
    struct rfc2217_event ev;
    memset(&ev, 0, sizeof ev);
    ev.kind = RFC2217_EV_COMMAND;
    ev.code = RFC2217_CMD_SET_BAUDRATE;
    ev.value_len = 3;
    assert_false(rfc2217_command_valid(&ev));
    ev.value_len = 4;
    assert_true(rfc2217_command_valid(&ev));
    ev.truncated = true;
    assert_false(rfc2217_command_valid(&ev));
    ev.truncated = false;
    ev.code = RFC2217_CMD_NOTIFY_MODEMSTATE; /* a poll may be empty */
    ev.value_len = 0;
    assert_true(rfc2217_command_valid(&ev));
    ev.code = RFC2217_CMD_SET_CONTROL;
    assert_false(rfc2217_command_valid(&ev));
    ev.value_len = 2;
    assert_false(rfc2217_command_valid(&ev));
    ev.code = RFC2217_CMD_FLOWCONTROL_SUSPEND;
    ev.value_len = 1;
    assert_false(rfc2217_command_valid(&ev));
    ev.code = 50;
    ev.value_len = 0;
    assert_false(rfc2217_command_valid(&ev));
    assert_int_equal(rfc2217_command_base(50), 255);
    assert_int_equal(rfc2217_command_base(113), 255);
    assert_int_equal(rfc2217_command_base(112), 12);
    ev.kind = RFC2217_EV_SUBNEG;
    ev.code = 1;
    ev.value_len = 4;
    assert_false(rfc2217_command_valid(&ev));
}

/* A stream with every construct: data with 0xFF, negotiation, commands with escaped bytes, other
 * telnet commands, another option's subnegotiation, an aborted subnegotiation. */
static const uint8_t MIXED[] = {'a',        IAC, IAC, 'b',  IAC,  WILL,        RFC2217_OPT_BINARY,
                                IAC,        DO,  COM, 0x00, IAC,  RFC2217_NOP, IAC,
                                SB,         COM, 101, 0x00, 0x01, 0xC2,        0x00,
                                IAC,        SE,  'c', IAC,  SB,   COM,         105,
                                IAC,        IAC, IAC, SE,   IAC,  SB,          24,
                                1,          'x', IAC, SE,   IAC,  SB,          COM,
                                1,          2,   IAC, DONT, 7,    'd',         IAC,
                                RFC2217_GA, IAC, SE,  IAC,  WONT, 99,          IAC,
                                SB,         COM, IAC, SE,   IAC,  IAC,         IAC,
                                IAC,        'e'};

static void test_mixed_stream(void **state)
{
    (void)state;
    struct rfc2217_codec c;
    struct decoded d;
    rfc2217_codec_init(&c, RFC2217_ROLE_SERVER);
    decode_all(&c, MIXED, sizeof MIXED, &d);
    static const uint8_t data[] = {'a', 0xFF, 'b', 0x00, 'c', 'd', 0xFF, 0xFF, 'e'};
    assert_int_equal(d.data_len, sizeof data);
    assert_memory_equal(d.data, data, sizeof data);
    static const struct {
        enum rfc2217_event_kind kind;
        uint8_t verb, option, code;
        size_t value_len;
    } want[] = {
            {RFC2217_EV_OPTION, WILL, RFC2217_OPT_BINARY, 0, 0},
            {RFC2217_EV_OPTION, DO, COM, 0, 0},
            {RFC2217_EV_TELNET, RFC2217_NOP, 0, 0, 0},
            {RFC2217_EV_COMMAND, 0, COM, 101, 4},
            {RFC2217_EV_COMMAND, 0, COM, 105, 1},
            {RFC2217_EV_SUBNEG, 0, 24, 0, 2},
            {RFC2217_EV_OPTION, DONT, 7, 0, 0}, /* ends the unfinished SB before it */
            {RFC2217_EV_TELNET, RFC2217_GA, 0, 0, 0},
            {RFC2217_EV_TELNET, SE, 0, 0, 0}, /* stray */
            {RFC2217_EV_OPTION, WONT, 99, 0, 0},
            {RFC2217_EV_SUBNEG, 0, COM, 0, 0}, /* empty COM-PORT subnegotiation */
    };
    assert_int_equal(d.n_events, sizeof want / sizeof want[0]);
    for (size_t i = 0; i < d.n_events; i++) {
        assert_int_equal(d.events[i].kind, want[i].kind);
        assert_int_equal(d.events[i].verb, want[i].verb);
        assert_int_equal(d.events[i].option, want[i].option);
        assert_int_equal(d.events[i].code, want[i].code);
        assert_int_equal(d.events[i].value_len, want[i].value_len);
    }
    assert_int_equal(rfc2217_event_u32(&d.events[3]), 115200);
    assert_int_equal(rfc2217_event_u8(&d.events[4]), 0xFF);
    /* Answers: DO BINARY (server agrees), WILL COM-PORT; DONT 7 and WONT 99 need none. */
    static const uint8_t reply[] = {IAC, DO, RFC2217_OPT_BINARY, IAC, WILL, COM};
    assert_int_equal(d.reply_len, sizeof reply);
    assert_memory_equal(d.reply, reply, sizeof reply);
}

static void test_split_everywhere(void **state)
{
    (void)state;
    struct rfc2217_codec c;
    struct decoded whole;
    struct decoded split;
    rfc2217_codec_init(&c, RFC2217_ROLE_SERVER);
    decode_all(&c, MIXED, sizeof MIXED, &whole);

    /* One cut at every position. */
    for (size_t cut = 1; cut < sizeof MIXED; cut++) {
        struct decoded a;
        struct decoded b;
        rfc2217_codec_init(&c, RFC2217_ROLE_SERVER);
        decode_all(&c, MIXED, cut, &a);
        decode_all(&c, MIXED + cut, sizeof MIXED - cut, &b);
        memcpy(&split, &a, sizeof split);
        memcpy(split.data + split.data_len, b.data, b.data_len);
        split.data_len += b.data_len;
        memcpy(split.events + split.n_events, b.events, b.n_events * sizeof b.events[0]);
        split.n_events += b.n_events;
        assert_same_events(&whole, &split);
    }
    /* Every piece size, and every output size down to one byte. */
    for (size_t piece = 1; piece <= sizeof MIXED; piece++) {
        rfc2217_codec_init(&c, RFC2217_ROLE_SERVER);
        decode_pieces(&c, MIXED, sizeof MIXED, piece, TEST_MAX_DATA, &split);
        assert_same_events(&whole, &split);
    }
    for (size_t cap = 1; cap < 4; cap++) {
        rfc2217_codec_init(&c, RFC2217_ROLE_SERVER);
        decode_pieces(&c, MIXED, sizeof MIXED, 1, cap, &split);
        assert_same_events(&whole, &split);
    }
}

static void test_data_buffer_full(void **state)
{
    (void)state;
    struct rfc2217_codec c;
    struct rfc2217_event ev;
    uint8_t data[4];
    size_t n = 99;
    static const uint8_t in[] = {IAC, IAC, 'x'};
    rfc2217_codec_init(&c, RFC2217_ROLE_CLIENT);
    /* No room: the first IAC is taken (state only), the second waits. */
    assert_int_equal(rfc2217_codec_feed(&c, in, sizeof in, data, 0, &n, &ev), 1);
    assert_int_equal(n, 0);
    assert_int_equal(ev.kind, RFC2217_EV_NONE);
    assert_int_equal(rfc2217_codec_feed(&c, in + 1, 2, data, 0, &n, &ev), 0);
    assert_int_equal(rfc2217_codec_feed(&c, in + 1, 2, data, 1, &n, &ev), 1);
    assert_int_equal(n, 1);
    assert_int_equal(data[0], 0xFF);
    assert_int_equal(rfc2217_codec_feed(&c, in + 2, 1, data, 1, &n, &ev), 1);
    assert_int_equal(data[0], 'x');
}

static void test_in_place(void **state)
{
    (void)state;
    struct rfc2217_codec c;
    struct decoded whole;
    uint8_t buf[sizeof MIXED];
    uint8_t data[sizeof MIXED];
    size_t data_len = 0;
    rfc2217_codec_init(&c, RFC2217_ROLE_SERVER);
    decode_all(&c, MIXED, sizeof MIXED, &whole);
    memcpy(buf, MIXED, sizeof buf);
    rfc2217_codec_init(&c, RFC2217_ROLE_SERVER);
    size_t off = 0;
    while (off < sizeof buf) {
        size_t n = 0;
        struct rfc2217_event ev;
        size_t used = rfc2217_codec_feed(&c, buf + off, sizeof buf - off, buf + off,
                                         sizeof buf - off, &n, &ev);
        memcpy(data + data_len, buf + off, n);
        data_len += n;
        off += used;
    }
    assert_int_equal(data_len, whole.data_len);
    assert_memory_equal(data, whole.data, data_len);
}

/* ---- negotiation ---- */

static void test_client_offers(void **state)
{
    (void)state;
    struct rfc2217_codec c;
    uint8_t out[RFC2217_START_MAX];
    static const uint8_t want[] = {IAC, WILL, RFC2217_OPT_BINARY,
                                   IAC, DO,   RFC2217_OPT_BINARY,
                                   IAC, WILL, RFC2217_OPT_SGA,
                                   IAC, DO,   RFC2217_OPT_SGA,
                                   IAC, WILL, COM};
    rfc2217_codec_init(&c, RFC2217_ROLE_CLIENT);
    assert_int_equal(rfc2217_codec_start(&c, out, sizeof out), sizeof want);
    assert_memory_equal(out, want, sizeof want);
    assert_int_equal(rfc2217_codec_state(&c, RFC2217_SIDE_US, COM), RFC2217_Q_WANTYES);
    /* Asking again sends nothing; unsupported options are never offered. */
    assert_int_equal(rfc2217_codec_offer(&c, RFC2217_SIDE_US, COM, out, sizeof out), 0);
    assert_int_equal(rfc2217_codec_offer(&c, RFC2217_SIDE_HIM, RFC2217_OPT_ECHO, out, sizeof out),
                     0);
    assert_int_equal(rfc2217_codec_offer(&c, RFC2217_SIDE_HIM, COM, out, 2), 0);
    assert_int_equal(rfc2217_codec_state(&c, RFC2217_SIDE_HIM, COM), RFC2217_Q_NO);

    struct rfc2217_codec s;
    rfc2217_codec_init(&s, RFC2217_ROLE_SERVER);
    assert_int_equal(rfc2217_codec_start(&s, out, sizeof out), 0);
}

/* Feeds one negotiation and checks the answer. */
static void negotiate(struct rfc2217_codec *c, uint8_t verb, uint8_t option, bool enabled,
                      int answer_verb)
{
    uint8_t in[] = {IAC, verb, option};
    struct decoded d;
    decode_all(c, in, sizeof in, &d);
    assert_int_equal(d.n_events, 1);
    assert_int_equal(d.events[0].kind, RFC2217_EV_OPTION);
    assert_int_equal(d.events[0].verb, verb);
    assert_int_equal(d.events[0].option, option);
    assert_int_equal(d.events[0].enabled, enabled);
    if (answer_verb < 0) {
        assert_int_equal(d.reply_len, 0);
    } else {
        uint8_t want[] = {IAC, (uint8_t)answer_verb, option};
        assert_int_equal(d.reply_len, 3);
        assert_memory_equal(d.reply, want, 3);
    }
}

static void test_server_answers(void **state)
{
    (void)state;
    struct rfc2217_codec s;
    rfc2217_codec_init(&s, RFC2217_ROLE_SERVER);
    negotiate(&s, WILL, COM, true, DO);
    negotiate(&s, WILL, COM, true, -1); /* answered once only */
    negotiate(&s, DO, COM, true, WILL);
    negotiate(&s, DO, COM, true, -1);
    negotiate(&s, WILL, RFC2217_OPT_BINARY, true, DO);
    negotiate(&s, DO, RFC2217_OPT_BINARY, true, WILL);
    negotiate(&s, WILL, RFC2217_OPT_SGA, true, DO);
    negotiate(&s, DO, RFC2217_OPT_SGA, true, WILL);
    negotiate(&s, DO, RFC2217_OPT_ECHO, false, WONT); /* refused */
    negotiate(&s, WILL, RFC2217_OPT_ECHO, false, DONT);
    negotiate(&s, WILL, 200, false, DONT);
    negotiate(&s, WONT, 200, false, -1); /* already off: no answer */
    negotiate(&s, DONT, 201, false, -1);
    negotiate(&s, WONT, COM, false, DONT); /* switching off is acknowledged once */
    negotiate(&s, WONT, COM, false, -1);
    negotiate(&s, DONT, RFC2217_OPT_BINARY, false, WONT);
    negotiate(&s, DONT, RFC2217_OPT_BINARY, false, -1);
    assert_int_equal(rfc2217_codec_state(&s, RFC2217_SIDE_US, COM), RFC2217_Q_YES);
    assert_int_equal(rfc2217_codec_state(&s, RFC2217_SIDE_HIM, COM), RFC2217_Q_NO);
}

static void test_client_answers(void **state)
{
    (void)state;
    struct rfc2217_codec c;
    uint8_t out[RFC2217_START_MAX];
    rfc2217_codec_init(&c, RFC2217_ROLE_CLIENT);
    rfc2217_codec_start(&c, out, sizeof out);
    negotiate(&c, DO, COM, true, -1); /* the answer to our WILL needs none */
    negotiate(&c, DO, RFC2217_OPT_BINARY, true, -1);
    negotiate(&c, DONT, RFC2217_OPT_SGA, false, -1); /* our offer refused: final */
    negotiate(&c, WONT, RFC2217_OPT_SGA, false, -1);
    negotiate(&c, WILL, RFC2217_OPT_ECHO, false, DONT); /* pySerial's server offers ECHO */
    negotiate(&c, WILL, COM, true, DO);                 /* and WILL COM-PORT: fine */
    negotiate(&c, WILL, RFC2217_OPT_BINARY, true, -1);
    /* A peer that changes its mind later is answered per RFC 1143. */
    negotiate(&c, DO, RFC2217_OPT_SGA, true, WILL);
    assert_int_equal(rfc2217_codec_state(&c, RFC2217_SIDE_US, COM), RFC2217_Q_YES);
}

/* Two codecs wired to each other settle in a few exchanges and never loop. */
static void test_no_negotiation_loop(void **state)
{
    (void)state;
    struct rfc2217_codec client;
    struct rfc2217_codec server;
    uint8_t wire[TEST_MAX_REPLY];
    rfc2217_codec_init(&client, RFC2217_ROLE_CLIENT);
    rfc2217_codec_init(&server, RFC2217_ROLE_SERVER);
    size_t n = rfc2217_codec_start(&client, wire, sizeof wire);
    /* The server also volunteers (as pySerial's does), crossing the client's offers. */
    size_t m = 0;
    uint8_t back[TEST_MAX_REPLY];
    m += rfc2217_codec_offer(&server, RFC2217_SIDE_HIM, RFC2217_OPT_BINARY, back + m, 3);
    m += rfc2217_codec_offer(&server, RFC2217_SIDE_US, COM, back + m, 3);
    int rounds = 0;
    while ((n > 0 || m > 0) && rounds < 10) {
        struct decoded to_server;
        struct decoded to_client;
        decode_all(&server, wire, n, &to_server);
        decode_all(&client, back, m, &to_client);
        memcpy(back, to_server.reply, to_server.reply_len);
        m = to_server.reply_len;
        memcpy(wire, to_client.reply, to_client.reply_len);
        n = to_client.reply_len;
        rounds++;
    }
    assert_true(rounds <= 3);
    static const uint8_t opts[] = {RFC2217_OPT_BINARY, RFC2217_OPT_SGA, COM};
    for (size_t i = 0; i < sizeof opts; i++) {
        assert_int_equal(rfc2217_codec_state(&client, RFC2217_SIDE_US, opts[i]), RFC2217_Q_YES);
        assert_int_equal(rfc2217_codec_state(&server, RFC2217_SIDE_HIM, opts[i]), RFC2217_Q_YES);
    }
    assert_int_equal(rfc2217_codec_state(&client, RFC2217_SIDE_HIM, COM), RFC2217_Q_YES);
    assert_int_equal(rfc2217_codec_state(&server, RFC2217_SIDE_US, COM), RFC2217_Q_YES);
}

/* ---- bounded memory ---- */

static void test_long_subnegotiation_truncated(void **state)
{
    (void)state;
    enum { LONG = 3000 };
    static uint8_t in[LONG + 16];
    size_t n = 0;
    in[n++] = IAC;
    in[n++] = SB;
    in[n++] = COM;
    in[n++] = RFC2217_CMD_SIGNATURE;
    for (int i = 0; i < LONG; i++) {
        in[n++] = (uint8_t)('A' + i % 26);
    }
    in[n++] = IAC;
    in[n++] = SE;
    in[n++] = 'z';
    struct rfc2217_codec c;
    struct decoded d;
    rfc2217_codec_init(&c, RFC2217_ROLE_SERVER);
    size_t before = sizeof c;
    decode_pieces(&c, in, n, 7, TEST_MAX_DATA, &d);
    assert_int_equal(sizeof c, before);
    assert_int_equal(d.n_events, 1);
    assert_int_equal(d.events[0].kind, RFC2217_EV_COMMAND);
    assert_true(d.events[0].truncated);
    assert_int_equal(d.events[0].value_len, RFC2217_SB_MAX - 1);
    assert_memory_equal(d.events[0].value, "ABCDEFG", 7);
    assert_false(rfc2217_command_valid(&d.events[0]));
    assert_int_equal(d.data_len, 1); /* the decoder is back in step afterwards */
    assert_int_equal(d.data[0], 'z');

    /* Exactly at the limit is not truncated. */
    n = 0;
    in[n++] = IAC;
    in[n++] = SB;
    in[n++] = COM;
    in[n++] = RFC2217_CMD_SIGNATURE;
    for (int i = 0; i < RFC2217_SB_MAX - 1; i++) {
        in[n++] = 'q';
    }
    in[n++] = IAC;
    in[n++] = SE;
    rfc2217_codec_init(&c, RFC2217_ROLE_SERVER);
    decode_all(&c, in, n, &d);
    assert_int_equal(d.n_events, 1);
    assert_false(d.events[0].truncated);
    assert_true(rfc2217_command_valid(&d.events[0]));
}

static void test_unterminated_subnegotiation(void **state)
{
    (void)state;
    /* A subnegotiation that never ends swallows everything (bounded) and produces nothing. */
    static uint8_t in[10000];
    in[0] = IAC;
    in[1] = SB;
    in[2] = COM;
    for (size_t i = 3; i < sizeof in; i++) {
        in[i] = (uint8_t)(i * 7u);
        if (in[i] == IAC) {
            in[i] = 0;
        }
    }
    struct rfc2217_codec c;
    struct decoded d;
    rfc2217_codec_init(&c, RFC2217_ROLE_CLIENT);
    decode_all(&c, in, sizeof in, &d);
    assert_int_equal(d.n_events, 0);
    assert_int_equal(d.data_len, 0);
    /* IAC SB inside restarts it; IAC SE ends it. */
    static const uint8_t tail[] = {IAC, SB, COM, 106, 0x10, IAC, SE, 'k'};
    decode_all(&c, tail, sizeof tail, &d);
    assert_int_equal(d.n_events, 1);
    assert_int_equal(d.events[0].code, 106);
    assert_int_equal(d.events[0].value_len, 1);
    assert_int_equal(d.data_len, 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_encode_commands),
            cmocka_unit_test(test_encode_limits),
            cmocka_unit_test(test_escape_data),
            cmocka_unit_test(test_decode_every_command),
            cmocka_unit_test(test_command_validity),
            cmocka_unit_test(test_mixed_stream),
            cmocka_unit_test(test_split_everywhere),
            cmocka_unit_test(test_data_buffer_full),
            cmocka_unit_test(test_in_place),
            cmocka_unit_test(test_client_offers),
            cmocka_unit_test(test_server_answers),
            cmocka_unit_test(test_client_answers),
            cmocka_unit_test(test_no_negotiation_loop),
            cmocka_unit_test(test_long_subnegotiation_truncated),
            cmocka_unit_test(test_unterminated_subnegotiation),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
