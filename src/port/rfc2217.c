/* SPDX-License-Identifier: MIT */
/* Telnet / RFC 2217 codec: a byte-at-a-time decoder that survives any split of its input,
 * RFC 1143 option negotiation, and encoders for data and COM-PORT-OPTION commands. */
#include "rfc2217.h"

#include <string.h>

enum rfc2217_state {
    RFC2217_ST_DATA,    /* plain data */
    RFC2217_ST_IAC,     /* IAC seen in data */
    RFC2217_ST_VERB,    /* IAC WILL/WONT/DO/DONT seen, option byte next */
    RFC2217_ST_SB_OPT,  /* IAC SB seen, option byte next */
    RFC2217_ST_SB_DATA, /* inside a subnegotiation */
    RFC2217_ST_SB_IAC,  /* IAC seen inside a subnegotiation */
};

/* Options agreed to, for either side, in both roles. */
static const uint8_t RFC2217_SUPPORTED[] = {
        RFC2217_OPT_BINARY,
        RFC2217_OPT_SGA,
        RFC2217_OPT_COM_PORT,
};

/* What each role offers when the connection opens. The client asks for everything it needs;
 * the server follows the RFC and waits for the client (it agrees in its answers). */
static const struct {
    enum rfc2217_side side;
    uint8_t option;
} RFC2217_CLIENT_OFFERS[] = {
        {RFC2217_SIDE_US, RFC2217_OPT_BINARY},   {RFC2217_SIDE_HIM, RFC2217_OPT_BINARY},
        {RFC2217_SIDE_US, RFC2217_OPT_SGA},      {RFC2217_SIDE_HIM, RFC2217_OPT_SGA},
        {RFC2217_SIDE_US, RFC2217_OPT_COM_PORT},
};

/* Value sizes of COM-PORT-OPTION commands, indexed by the command without server offset. */
static const struct {
    uint8_t min;
    uint8_t max;
} RFC2217_VALUE_SIZES[RFC2217_CMD_COUNT] = {
        [RFC2217_CMD_SIGNATURE] = {0, RFC2217_SB_MAX - 1},
        [RFC2217_CMD_SET_BAUDRATE] = {4, 4},
        [RFC2217_CMD_SET_DATASIZE] = {1, 1},
        [RFC2217_CMD_SET_PARITY] = {1, 1},
        [RFC2217_CMD_SET_STOPSIZE] = {1, 1},
        [RFC2217_CMD_SET_CONTROL] = {1, 1},
        [RFC2217_CMD_NOTIFY_LINESTATE] = {0, 1},
        [RFC2217_CMD_NOTIFY_MODEMSTATE] = {0, 1},
        [RFC2217_CMD_FLOWCONTROL_SUSPEND] = {0, 0},
        [RFC2217_CMD_FLOWCONTROL_RESUME] = {0, 0},
        [RFC2217_CMD_SET_LINESTATE_MASK] = {1, 1},
        [RFC2217_CMD_SET_MODEMSTATE_MASK] = {1, 1},
        [RFC2217_CMD_PURGE_DATA] = {1, 1},
};

#define RFC2217_UNKNOWN_COMMAND 255u

static bool rfc2217_supported(uint8_t option)
{
    for (size_t i = 0; i < sizeof RFC2217_SUPPORTED; i++) {
        if (RFC2217_SUPPORTED[i] == option) {
            return true;
        }
    }
    return false;
}

void rfc2217_codec_init(struct rfc2217_codec *codec, enum rfc2217_role role)
{
    memset(codec, 0, sizeof *codec);
    codec->role = role;
    codec->state = RFC2217_ST_DATA;
}

static uint8_t *rfc2217_q_slot(struct rfc2217_codec *codec, enum rfc2217_side side, uint8_t option)
{
    return side == RFC2217_SIDE_US ? &codec->us[option] : &codec->him[option];
}

enum rfc2217_q rfc2217_codec_state(const struct rfc2217_codec *codec, enum rfc2217_side side,
                                   uint8_t option)
{
    return (enum rfc2217_q)(side == RFC2217_SIDE_US ? codec->us[option] : codec->him[option]);
}

static size_t rfc2217_put_verb(uint8_t verb, uint8_t option, uint8_t *out)
{
    out[0] = RFC2217_IAC;
    out[1] = verb;
    out[2] = option;
    return 3;
}

size_t rfc2217_codec_offer(struct rfc2217_codec *codec, enum rfc2217_side side, uint8_t option,
                           uint8_t *out, size_t out_cap)
{
    uint8_t *q = rfc2217_q_slot(codec, side, option);
    if (!rfc2217_supported(option) || *q != RFC2217_Q_NO || out_cap < 3) {
        return 0;
    }
    *q = RFC2217_Q_WANTYES;
    return rfc2217_put_verb(side == RFC2217_SIDE_US ? RFC2217_WILL : RFC2217_DO, option, out);
}

size_t rfc2217_codec_start(struct rfc2217_codec *codec, uint8_t *out, size_t out_cap)
{
    size_t n = 0;
    if (codec->role != RFC2217_ROLE_CLIENT) {
        return 0;
    }
    for (size_t i = 0; i < sizeof RFC2217_CLIENT_OFFERS / sizeof RFC2217_CLIENT_OFFERS[0]; i++) {
        n += rfc2217_codec_offer(codec, RFC2217_CLIENT_OFFERS[i].side,
                                 RFC2217_CLIENT_OFFERS[i].option, out + n, out_cap - n);
    }
    return n;
}

/* RFC 1143 for a received WILL/WONT (the peer's side) or DO/DONT (our side). Each request is
 * answered at most once, an answer to our own request is never answered, refusals are final. */
static void rfc2217_negotiate(struct rfc2217_codec *codec, uint8_t verb, uint8_t option,
                              struct rfc2217_event *ev)
{
    bool about_us = verb == RFC2217_DO || verb == RFC2217_DONT;
    bool positive = verb == RFC2217_WILL || verb == RFC2217_DO;
    uint8_t yes = about_us ? RFC2217_WILL : RFC2217_DO;
    uint8_t no = about_us ? RFC2217_WONT : RFC2217_DONT;
    uint8_t *q = rfc2217_q_slot(codec, about_us ? RFC2217_SIDE_US : RFC2217_SIDE_HIM, option);

    ev->kind = RFC2217_EV_OPTION;
    ev->verb = verb;
    ev->option = option;
    if (positive) {
        if (*q == RFC2217_Q_NO) {
            if (rfc2217_supported(option)) {
                *q = RFC2217_Q_YES;
                ev->reply_len = rfc2217_put_verb(yes, option, ev->reply);
            } else {
                ev->reply_len = rfc2217_put_verb(no, option, ev->reply);
            }
        } else if (*q == RFC2217_Q_WANTYES) {
            *q = RFC2217_Q_YES; /* the answer to our request */
        }
    } else {
        if (*q == RFC2217_Q_YES) {
            *q = RFC2217_Q_NO;
            ev->reply_len = rfc2217_put_verb(no, option, ev->reply);
        } else if (*q == RFC2217_Q_WANTYES) {
            *q = RFC2217_Q_NO; /* our request was refused */
        }
    }
    ev->enabled = *q == RFC2217_Q_YES;
}

static void rfc2217_sb_append(struct rfc2217_codec *codec, uint8_t b)
{
    if (codec->sb_len < sizeof codec->sb) {
        codec->sb[codec->sb_len++] = b;
    } else {
        codec->sb_truncated = true;
    }
}

static void rfc2217_sb_finish(struct rfc2217_codec *codec, struct rfc2217_event *ev)
{
    ev->truncated = codec->sb_truncated;
    ev->option = codec->sb_option;
    if (codec->sb_option == RFC2217_OPT_COM_PORT && codec->sb_len > 0) {
        ev->kind = RFC2217_EV_COMMAND;
        ev->code = codec->sb[0];
        ev->value_len = codec->sb_len - 1;
        memcpy(ev->value, codec->sb + 1, ev->value_len);
    } else {
        ev->kind = RFC2217_EV_SUBNEG;
        ev->value_len = codec->sb_len;
        memcpy(ev->value, codec->sb, codec->sb_len);
    }
}

/* A command byte after IAC (outside a subnegotiation). Returns false when it needs a data slot
 * that is not there (IAC IAC with `data` full): the byte stays unconsumed. */
static bool rfc2217_after_iac(struct rfc2217_codec *codec, uint8_t b, uint8_t *data, size_t *n,
                              size_t data_cap, struct rfc2217_event *ev)
{
    switch (b) {
    case RFC2217_IAC:
        if (*n == data_cap) {
            return false;
        }
        data[(*n)++] = RFC2217_IAC;
        codec->state = RFC2217_ST_DATA;
        break;
    case RFC2217_WILL:
    case RFC2217_WONT:
    case RFC2217_DO:
    case RFC2217_DONT:
        codec->verb = b;
        codec->state = RFC2217_ST_VERB;
        break;
    case RFC2217_SB: codec->state = RFC2217_ST_SB_OPT; break;
    default:
        ev->kind = RFC2217_EV_TELNET;
        ev->verb = b;
        codec->state = RFC2217_ST_DATA;
        break;
    }
    return true;
}

size_t rfc2217_codec_feed(struct rfc2217_codec *codec, const uint8_t *in, size_t in_len,
                          uint8_t *data, size_t data_cap, size_t *data_len,
                          struct rfc2217_event *ev)
{
    size_t i = 0;
    size_t n = 0;
    memset(ev, 0, sizeof *ev);
    ev->kind = RFC2217_EV_NONE;
    while (i < in_len && ev->kind == RFC2217_EV_NONE) {
        uint8_t b = in[i];
        switch (codec->state) {
        case RFC2217_ST_DATA:
            if (b == RFC2217_IAC) {
                codec->state = RFC2217_ST_IAC;
            } else if (n < data_cap) {
                data[n++] = b;
            } else {
                goto done;
            }
            break;
        case RFC2217_ST_IAC:
            if (!rfc2217_after_iac(codec, b, data, &n, data_cap, ev)) {
                goto done;
            }
            break;
        case RFC2217_ST_VERB:
            codec->state = RFC2217_ST_DATA;
            rfc2217_negotiate(codec, codec->verb, b, ev);
            break;
        case RFC2217_ST_SB_OPT:
            if (b == RFC2217_IAC) {
                codec->state = RFC2217_ST_IAC; /* IAC SB IAC: no option, a command follows */
            } else {
                codec->sb_option = b;
                codec->sb_len = 0;
                codec->sb_truncated = false;
                codec->state = RFC2217_ST_SB_DATA;
            }
            break;
        case RFC2217_ST_SB_DATA:
            if (b == RFC2217_IAC) {
                codec->state = RFC2217_ST_SB_IAC;
            } else {
                rfc2217_sb_append(codec, b);
            }
            break;
        case RFC2217_ST_SB_IAC:
            if (b == RFC2217_IAC) {
                rfc2217_sb_append(codec, RFC2217_IAC);
                codec->state = RFC2217_ST_SB_DATA;
            } else if (b == RFC2217_SE) {
                codec->state = RFC2217_ST_DATA;
                rfc2217_sb_finish(codec, ev);
            } else {
                /* Any other command ends the subnegotiation unfinished: it is dropped and the
                 * byte is read again as a command after IAC. */
                codec->state = RFC2217_ST_IAC;
                continue;
            }
            break;
        default: codec->state = RFC2217_ST_DATA; continue;
        }
        i++;
    }
done:
    *data_len = n;
    return i;
}

size_t rfc2217_encode_data(const uint8_t *in, size_t in_len, size_t *consumed, uint8_t *out,
                           size_t out_cap)
{
    size_t i = 0;
    size_t n = 0;
    for (; i < in_len; i++) {
        size_t need = in[i] == RFC2217_IAC ? 2u : 1u;
        if (out_cap - n < need) {
            break;
        }
        out[n++] = in[i];
        if (need == 2u) {
            out[n++] = RFC2217_IAC;
        }
    }
    *consumed = i;
    return n;
}

size_t rfc2217_encode_command(uint8_t code, const uint8_t *value, size_t value_len, uint8_t *out,
                              size_t out_cap)
{
    size_t n = 0;
    size_t used = 0;
    /* 255 is no command; the code byte is never escaped, so it cannot be sent. */
    if (out_cap < RFC2217_COMMAND_OVERHEAD || code == RFC2217_IAC) {
        return 0;
    }
    out[n++] = RFC2217_IAC;
    out[n++] = RFC2217_SB;
    out[n++] = RFC2217_OPT_COM_PORT;
    out[n++] = code;
    if (value_len > 0) {
        n += rfc2217_encode_data(value, value_len, &used, out + n, out_cap - n - 2);
        if (used != value_len) {
            return 0;
        }
    }
    out[n++] = RFC2217_IAC;
    out[n++] = RFC2217_SE;
    return n;
}

size_t rfc2217_encode_u8(uint8_t code, uint8_t value, uint8_t *out, size_t out_cap)
{
    return rfc2217_encode_command(code, &value, 1, out, out_cap);
}

size_t rfc2217_encode_u32(uint8_t code, uint32_t value, uint8_t *out, size_t out_cap)
{
    uint8_t be[4];
    be[0] = (uint8_t)(value >> 24);
    be[1] = (uint8_t)(value >> 16);
    be[2] = (uint8_t)(value >> 8);
    be[3] = (uint8_t)value;
    return rfc2217_encode_command(code, be, sizeof be, out, out_cap);
}

uint8_t rfc2217_command_base(uint8_t code)
{
    if (code < RFC2217_CMD_COUNT) {
        return code;
    }
    if (code >= RFC2217_SERVER_OFFSET && code < RFC2217_SERVER_OFFSET + RFC2217_CMD_COUNT) {
        return (uint8_t)(code - RFC2217_SERVER_OFFSET);
    }
    return RFC2217_UNKNOWN_COMMAND;
}

bool rfc2217_command_from_server(uint8_t code)
{
    return code >= RFC2217_SERVER_OFFSET;
}

bool rfc2217_command_valid(const struct rfc2217_event *ev)
{
    if (ev->kind != RFC2217_EV_COMMAND || ev->truncated) {
        return false;
    }
    uint8_t base = rfc2217_command_base(ev->code);
    if (base == RFC2217_UNKNOWN_COMMAND) {
        return false;
    }
    return ev->value_len >= RFC2217_VALUE_SIZES[base].min &&
           ev->value_len <= RFC2217_VALUE_SIZES[base].max;
}

uint32_t rfc2217_event_u32(const struct rfc2217_event *ev)
{
    if (ev->value_len != 4) {
        return 0;
    }
    return (uint32_t)ev->value[0] << 24 | (uint32_t)ev->value[1] << 16 |
           (uint32_t)ev->value[2] << 8 | (uint32_t)ev->value[3];
}

uint8_t rfc2217_event_u8(const struct rfc2217_event *ev)
{
    return ev->value_len == 1 ? ev->value[0] : 0;
}
