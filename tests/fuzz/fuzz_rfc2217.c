/* SPDX-License-Identifier: MIT */
/* libFuzzer target for the telnet / RFC 2217 codec: arbitrary bytes decoded in both roles, in
 * arbitrary pieces and output sizes, must give the same result as one pass and obey its limits. */
#include "rfc2217.h"

#include <stdlib.h>
#include <string.h>

#include "fuzz_check.h"

/* The first two input bytes pick the role, piece size and output size; the rest is the stream. */
#define FUZZ_HEADER      2u
#define FUZZ_MAX_INPUT   8192u
#define FUZZ_ROLE_BIT    0x01u
#define FUZZ_PIECE_SHIFT 1u

/* What a decode produced: data, and a digest of each event. */
struct fuzz_result {
    size_t data_len;
    uint8_t data[FUZZ_MAX_INPUT];
    size_t n_events;
    struct rfc2217_event events[64]; /* the first ones in full */
    uint32_t digest;                 /* of every event */
};

static uint32_t fuzz_mix(uint32_t h, uint32_t v)
{
    h ^= v;
    return h * 16777619u;
}

static uint32_t fuzz_digest(uint32_t h, const struct rfc2217_event *ev)
{
    h = fuzz_mix(h, (uint32_t)ev->kind);
    h = fuzz_mix(h, ev->verb);
    h = fuzz_mix(h, ev->option);
    h = fuzz_mix(h, ev->code);
    h = fuzz_mix(h, ev->truncated);
    h = fuzz_mix(h, (uint32_t)ev->value_len);
    for (size_t i = 0; i < ev->value_len; i++) {
        h = fuzz_mix(h, ev->value[i]);
    }
    h = fuzz_mix(h, (uint32_t)ev->reply_len);
    for (size_t i = 0; i < ev->reply_len; i++) {
        h = fuzz_mix(h, ev->reply[i]);
    }
    return h;
}

/* The limits every event keeps. */
static void fuzz_check_event(const struct rfc2217_event *ev)
{
    FUZZ_CHECK(ev->kind >= RFC2217_EV_OPTION && ev->kind <= RFC2217_EV_TELNET);
    FUZZ_CHECK(ev->value_len <= RFC2217_SB_MAX);
    FUZZ_CHECK(ev->reply_len == 0 || ev->reply_len == RFC2217_REPLY_MAX);
    if (ev->kind == RFC2217_EV_COMMAND) {
        FUZZ_CHECK(ev->value_len < RFC2217_SB_MAX);
        FUZZ_CHECK(ev->option == RFC2217_OPT_COM_PORT);
    }
    if (ev->reply_len > 0) {
        /* An answer is only ever IAC verb option, about the option just negotiated, with the
         * matching verb family, and never for a negative request that was already off. */
        FUZZ_CHECK(ev->kind == RFC2217_EV_OPTION);
        FUZZ_CHECK(ev->reply[0] == RFC2217_IAC && ev->reply[2] == ev->option);
        bool about_us = ev->verb == RFC2217_DO || ev->verb == RFC2217_DONT;
        if (about_us) {
            FUZZ_CHECK(ev->reply[1] == RFC2217_WILL || ev->reply[1] == RFC2217_WONT);
        } else {
            FUZZ_CHECK(ev->reply[1] == RFC2217_DO || ev->reply[1] == RFC2217_DONT);
        }
        FUZZ_CHECK((ev->reply[1] == RFC2217_WILL || ev->reply[1] == RFC2217_DO) == ev->enabled);
    }
}

static void fuzz_decode(enum rfc2217_role role, const uint8_t *in, size_t len, size_t piece,
                        size_t cap, struct fuzz_result *r)
{
    struct rfc2217_codec c;
    rfc2217_codec_init(&c, role);
    r->data_len = 0;
    r->n_events = 0;
    r->digest = 2166136261u;
    size_t off = 0;
    while (off < len) {
        size_t end = piece == 0 || len - off < piece ? len : off + piece;
        while (off < end) {
            uint8_t out[FUZZ_MAX_INPUT];
            struct rfc2217_event ev;
            size_t n = 0;
            size_t want = cap < end - off ? cap : end - off;
            size_t used = rfc2217_codec_feed(&c, in + off, end - off, out, want, &n, &ev);
            FUZZ_CHECK(used <= end - off);
            FUZZ_CHECK(n <= want);
            FUZZ_CHECK(n <= used); /* output never overtakes input */
            FUZZ_CHECK(used > 0 || ev.kind != RFC2217_EV_NONE);
            memcpy(r->data + r->data_len, out, n);
            r->data_len += n;
            if (ev.kind != RFC2217_EV_NONE) {
                fuzz_check_event(&ev);
                if (r->n_events < sizeof r->events / sizeof r->events[0]) {
                    r->events[r->n_events] = ev;
                }
                r->n_events++;
                r->digest = fuzz_digest(r->digest, &ev);
            }
            off += used;
        }
    }
    for (unsigned opt = 0; opt < RFC2217_OPTION_COUNT; opt++) {
        FUZZ_CHECK(rfc2217_codec_state(&c, RFC2217_SIDE_US, (uint8_t)opt) <= RFC2217_Q_WANTYES);
        FUZZ_CHECK(rfc2217_codec_state(&c, RFC2217_SIDE_HIM, (uint8_t)opt) <= RFC2217_Q_WANTYES);
    }
    FUZZ_CHECK(r->data_len <= len);
    FUZZ_CHECK(r->n_events <= len);
}

/* Decoding in place (output into the input buffer) gives the same data. */
static void fuzz_in_place(enum rfc2217_role role, const uint8_t *in, size_t len,
                          const struct fuzz_result *ref)
{
    static uint8_t buf[FUZZ_MAX_INPUT];
    static uint8_t data[FUZZ_MAX_INPUT];
    struct rfc2217_codec c;
    size_t data_len = 0;
    size_t off = 0;
    memcpy(buf, in, len);
    rfc2217_codec_init(&c, role);
    while (off < len) {
        struct rfc2217_event ev;
        size_t n = 0;
        size_t used = rfc2217_codec_feed(&c, buf + off, len - off, buf + off, len - off, &n, &ev);
        memcpy(data + data_len, buf + off, n);
        data_len += n;
        off += used;
    }
    FUZZ_CHECK(data_len == ref->data_len);
    FUZZ_CHECK(memcmp(data, ref->data, data_len) == 0);
}

/* Escaping any bytes and decoding them gives them back, with no events. */
static void fuzz_round_trip(enum rfc2217_role role, const uint8_t *in, size_t len)
{
    static uint8_t wire[2 * FUZZ_MAX_INPUT];
    static struct fuzz_result back;
    size_t used = 0;
    size_t ffs = 0;
    for (size_t i = 0; i < len; i++) {
        ffs += in[i] == RFC2217_IAC;
    }
    size_t n = rfc2217_encode_data(in, len, &used, wire, sizeof wire);
    FUZZ_CHECK(used == len);
    FUZZ_CHECK(n == len + ffs);
    fuzz_decode(role, wire, n, 0, sizeof back.data, &back);
    FUZZ_CHECK(back.n_events == 0);
    FUZZ_CHECK(back.data_len == len);
    FUZZ_CHECK(memcmp(back.data, in, len) == 0);

    /* The first bytes as a command: code, then a value of up to SB_MAX - 1 bytes. */
    if (len > 0) {
        uint8_t cmd[2 * RFC2217_SB_MAX + 6];
        size_t value_len = len - 1 < RFC2217_SB_MAX - 1 ? len - 1 : RFC2217_SB_MAX - 1;
        size_t m = rfc2217_encode_command(in[0], in + 1, value_len, cmd, sizeof cmd);
        if (in[0] == RFC2217_IAC) {
            FUZZ_CHECK(m == 0);
            return;
        }
        FUZZ_CHECK(m >= 6 + value_len && m <= 6 + 2 * value_len);
        fuzz_decode(role, cmd, m, 0, sizeof back.data, &back);
        FUZZ_CHECK(back.n_events == 1 && back.data_len == 0);
        FUZZ_CHECK(back.events[0].kind == RFC2217_EV_COMMAND);
        FUZZ_CHECK(back.events[0].code == in[0] && !back.events[0].truncated);
        FUZZ_CHECK(back.events[0].value_len == value_len);
        FUZZ_CHECK(memcmp(back.events[0].value, in + 1, value_len) == 0);
        FUZZ_CHECK(rfc2217_encode_command(in[0], in + 1, value_len, cmd, m - 1) == 0);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct fuzz_result whole;
    static struct fuzz_result split;
    if (size < FUZZ_HEADER || size - FUZZ_HEADER > FUZZ_MAX_INPUT) {
        return 0;
    }
    enum rfc2217_role role = (data[0] & FUZZ_ROLE_BIT) ? RFC2217_ROLE_SERVER : RFC2217_ROLE_CLIENT;
    size_t piece = (size_t)(data[0] >> FUZZ_PIECE_SHIFT); /* 0: all at once */
    size_t cap = data[1] == 0 ? FUZZ_MAX_INPUT : data[1];
    const uint8_t *in = data + FUZZ_HEADER;
    size_t len = size - FUZZ_HEADER;

    fuzz_decode(role, in, len, 0, FUZZ_MAX_INPUT, &whole);
    fuzz_decode(role, in, len, piece, cap, &split);
    FUZZ_CHECK(split.data_len == whole.data_len);
    FUZZ_CHECK(memcmp(split.data, whole.data, whole.data_len) == 0);
    FUZZ_CHECK(split.n_events == whole.n_events);
    FUZZ_CHECK(split.digest == whole.digest);
    fuzz_in_place(role, in, len, &whole);
    fuzz_round_trip(role, in, len);
    return 0;
}
