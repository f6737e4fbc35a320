/* SPDX-License-Identifier: MIT */
/* Telnet (RFC 854/855, BINARY 856, SUPPRESS-GO-AHEAD 858) and COM-PORT-OPTION (RFC 2217) codec
 * for both ends of a connection. No I/O, no OS headers: bytes in, data / events / replies out. */
#ifndef MF_RFC2217_H
#define MF_RFC2217_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Telnet command bytes (RFC 854). */
enum rfc2217_telnet {
    RFC2217_SE = 240,  /* end of subnegotiation */
    RFC2217_NOP = 241, /* no operation */
    RFC2217_DM = 242,  /* data mark */
    RFC2217_BRK = 243, /* break */
    RFC2217_IP = 244,  /* interrupt process */
    RFC2217_AO = 245,  /* abort output */
    RFC2217_AYT = 246, /* are you there */
    RFC2217_EC = 247,  /* erase character */
    RFC2217_EL = 248,  /* erase line */
    RFC2217_GA = 249,  /* go ahead */
    RFC2217_SB = 250,  /* begin subnegotiation */
    RFC2217_WILL = 251,
    RFC2217_WONT = 252,
    RFC2217_DO = 253,
    RFC2217_DONT = 254,
    RFC2217_IAC = 255, /* interpret as command; doubled to send the byte 0xFF */
};

/* Telnet options this codec knows. Only BINARY, SGA and COM-PORT are ever agreed to. */
enum rfc2217_option {
    RFC2217_OPT_BINARY = 0,    /* RFC 856 */
    RFC2217_OPT_ECHO = 1,      /* RFC 857, refused */
    RFC2217_OPT_SGA = 3,       /* RFC 858 */
    RFC2217_OPT_COM_PORT = 44, /* RFC 2217 */
};

/* COM-PORT-OPTION commands, client to access server. The server answers with the same code
 * plus RFC2217_SERVER_OFFSET. */
enum rfc2217_command {
    RFC2217_CMD_SIGNATURE = 0,
    RFC2217_CMD_SET_BAUDRATE = 1, /* 4 bytes, network order; 0 = query */
    RFC2217_CMD_SET_DATASIZE = 2, /* 5..8; 0 = query */
    RFC2217_CMD_SET_PARITY = 3,   /* enum rfc2217_parity */
    RFC2217_CMD_SET_STOPSIZE = 4, /* enum rfc2217_stopsize */
    RFC2217_CMD_SET_CONTROL = 5,  /* enum rfc2217_control */
    RFC2217_CMD_NOTIFY_LINESTATE = 6,
    RFC2217_CMD_NOTIFY_MODEMSTATE = 7,
    RFC2217_CMD_FLOWCONTROL_SUSPEND = 8, /* no value; never acknowledged */
    RFC2217_CMD_FLOWCONTROL_RESUME = 9,  /* no value; never acknowledged */
    RFC2217_CMD_SET_LINESTATE_MASK = 10,
    RFC2217_CMD_SET_MODEMSTATE_MASK = 11,
    RFC2217_CMD_PURGE_DATA = 12, /* enum rfc2217_purge */
    RFC2217_CMD_COUNT = 13,
};

#define RFC2217_SERVER_OFFSET 100

enum rfc2217_parity {
    RFC2217_PARITY_REQUEST = 0,
    RFC2217_PARITY_NONE = 1,
    RFC2217_PARITY_ODD = 2,
    RFC2217_PARITY_EVEN = 3,
    RFC2217_PARITY_MARK = 4,
    RFC2217_PARITY_SPACE = 5,
};

enum rfc2217_stopsize {
    RFC2217_STOPSIZE_REQUEST = 0,
    RFC2217_STOPSIZE_1 = 1,
    RFC2217_STOPSIZE_2 = 2,
    RFC2217_STOPSIZE_1_5 = 3,
};

#define RFC2217_DATASIZE_REQUEST 0
#define RFC2217_DATASIZE_MIN     5
#define RFC2217_DATASIZE_MAX     8

/* SET-CONTROL values. */
enum rfc2217_control {
    RFC2217_CONTROL_FLOW_REQUEST = 0,
    RFC2217_CONTROL_FLOW_NONE = 1,
    RFC2217_CONTROL_FLOW_XONXOFF = 2,
    RFC2217_CONTROL_FLOW_HARDWARE = 3,
    RFC2217_CONTROL_BREAK_REQUEST = 4,
    RFC2217_CONTROL_BREAK_ON = 5,
    RFC2217_CONTROL_BREAK_OFF = 6,
    RFC2217_CONTROL_DTR_REQUEST = 7,
    RFC2217_CONTROL_DTR_ON = 8,
    RFC2217_CONTROL_DTR_OFF = 9,
    RFC2217_CONTROL_RTS_REQUEST = 10,
    RFC2217_CONTROL_RTS_ON = 11,
    RFC2217_CONTROL_RTS_OFF = 12,
    RFC2217_CONTROL_INFLOW_REQUEST = 13,
    RFC2217_CONTROL_INFLOW_NONE = 14,
    RFC2217_CONTROL_INFLOW_XONXOFF = 15,
    RFC2217_CONTROL_INFLOW_HARDWARE = 16,
    RFC2217_CONTROL_FLOW_DCD = 17,
    RFC2217_CONTROL_INFLOW_DTR = 18,
    RFC2217_CONTROL_INFLOW_DSR = 19,
};

/* PURGE-DATA values: the access server's receive buffer holds data from the device on its way
 * to the client (the client's input); its transmit buffer holds the client's output. */
enum rfc2217_purge {
    RFC2217_PURGE_RECEIVE = 1,
    RFC2217_PURGE_TRANSMIT = 2,
    RFC2217_PURGE_BOTH = 3,
};

/* NOTIFY-MODEMSTATE bits. */
enum rfc2217_modemstate {
    RFC2217_MODEM_CTS_DELTA = 0x01,
    RFC2217_MODEM_DSR_DELTA = 0x02,
    RFC2217_MODEM_RI_TRAIL = 0x04,
    RFC2217_MODEM_CD_DELTA = 0x08,
    RFC2217_MODEM_CTS = 0x10,
    RFC2217_MODEM_DSR = 0x20,
    RFC2217_MODEM_RI = 0x40,
    RFC2217_MODEM_CD = 0x80,
};

enum rfc2217_role {
    RFC2217_ROLE_CLIENT,
    RFC2217_ROLE_SERVER,
};

/* Which end an option is negotiated for: US = we perform it (WILL/WONT from us, DO/DONT from
 * the peer); HIM = the peer performs it (DO/DONT from us, WILL/WONT from the peer). */
enum rfc2217_side {
    RFC2217_SIDE_US,
    RFC2217_SIDE_HIM,
};

/* Option state, RFC 1143 "Q method" without the queue bit (this codec never asks to disable). */
enum rfc2217_q {
    RFC2217_Q_NO = 0,
    RFC2217_Q_YES = 1,
    RFC2217_Q_WANTYES = 2,
};

/* Longest subnegotiation kept, after IAC unescaping: the option byte is not counted, the
 * COM-PORT command code is. Longer ones are truncated (and flagged), never stored whole. */
#define RFC2217_SB_MAX 64
/* Longest reply the decoder asks the caller to send after one event. */
#define RFC2217_REPLY_MAX 3
/* An encoded command: IAC SB COM-PORT-OPTION code, the value with 0xFF doubled, IAC SE. */
#define RFC2217_COMMAND_OVERHEAD        6
#define RFC2217_COMMAND_SIZE(value_len) (RFC2217_COMMAND_OVERHEAD + 2 * (value_len))
/* Largest encoded command with a value of at most 4 bytes. */
#define RFC2217_COMMAND_MAX RFC2217_COMMAND_SIZE(4)
/* Largest output of rfc2217_codec_start. */
#define RFC2217_START_MAX    15
#define RFC2217_OPTION_COUNT 256

enum rfc2217_event_kind {
    RFC2217_EV_NONE,    /* no event: input used up or the data buffer is full */
    RFC2217_EV_OPTION,  /* WILL/WONT/DO/DONT received: verb, option, enabled, maybe a reply */
    RFC2217_EV_COMMAND, /* COM-PORT-OPTION subnegotiation: code, value, value_len, truncated */
    RFC2217_EV_SUBNEG,  /* another option's subnegotiation (or an empty one): option */
    RFC2217_EV_TELNET,  /* any other IAC command (NOP, BRK, AYT, a stray SE ...): verb */
};

struct rfc2217_event {
    enum rfc2217_event_kind kind;
    uint8_t verb;   /* EV_OPTION: WILL/WONT/DO/DONT as received; EV_TELNET: the command */
    uint8_t option; /* EV_OPTION, EV_SUBNEG */
    bool enabled;   /* EV_OPTION: the option is now on for the side the verb concerns */
    uint8_t code;   /* EV_COMMAND: as received, 0..255 (server answers are 100 and above) */
    bool truncated; /* EV_COMMAND, EV_SUBNEG: longer than RFC2217_SB_MAX, the rest dropped */
    size_t value_len;
    uint8_t value[RFC2217_SB_MAX];
    size_t reply_len; /* bytes the caller must send to the peer now (0 when none) */
    uint8_t reply[RFC2217_REPLY_MAX];
};

/* Decoder and negotiation state for one connection. Plain data: copy-free, no allocation. */
struct rfc2217_codec {
    enum rfc2217_role role;
    uint8_t state;     /* decoder state */
    uint8_t verb;      /* pending WILL/WONT/DO/DONT */
    uint8_t sb_option; /* option of the subnegotiation being collected */
    bool sb_truncated;
    size_t sb_len;
    uint8_t sb[RFC2217_SB_MAX];
    uint8_t us[RFC2217_OPTION_COUNT];  /* enum rfc2217_q per option */
    uint8_t him[RFC2217_OPTION_COUNT]; /* enum rfc2217_q per option */
};

void rfc2217_codec_init(struct rfc2217_codec *codec, enum rfc2217_role role);

/* The opening offers of this role (client: WILL/DO BINARY, WILL/DO SGA, WILL COM-PORT; server:
 * none, it answers). Writes at most RFC2217_START_MAX bytes; returns how many. */
size_t rfc2217_codec_start(struct rfc2217_codec *codec, uint8_t *out, size_t out_cap);

/* Asks the peer to enable a supported option for one side. Writes the 3-byte request and
 * returns 3, or returns 0 when the option is already on / asked for / not supported / out_cap
 * is too small. */
size_t rfc2217_codec_offer(struct rfc2217_codec *codec, enum rfc2217_side side, uint8_t option,
                           uint8_t *out, size_t out_cap);

enum rfc2217_q rfc2217_codec_state(const struct rfc2217_codec *codec, enum rfc2217_side side,
                                   uint8_t option);

/* Decodes bytes from the peer. Stops after the first event, when the input is used up, or when
 * `data` is full. Returns how many input bytes were consumed; *data_len gets the number of data
 * bytes written to `data` (at most data_cap); *ev gets the event (EV_NONE when none). `data`
 * may be the same buffer as `in` (the output never overtakes the input). Call again with the
 * rest of the input until it is used up; a sequence may be split anywhere between calls. */
size_t rfc2217_codec_feed(struct rfc2217_codec *codec, const uint8_t *in, size_t in_len,
                          uint8_t *data, size_t data_cap, size_t *data_len,
                          struct rfc2217_event *ev);

/* Escapes data for the wire (0xFF doubled). Never splits a pair: stops when the next byte does
 * not fit. *consumed gets the input bytes used; returns the bytes written. */
size_t rfc2217_encode_data(const uint8_t *in, size_t in_len, size_t *consumed, uint8_t *out,
                           size_t out_cap);

/* IAC SB COM-PORT-OPTION code value IAC SE with the value escaped. Returns the bytes written,
 * 0 when out_cap is too small (RFC2217_COMMAND_SIZE(value_len) always suffices). */
size_t rfc2217_encode_command(uint8_t code, const uint8_t *value, size_t value_len, uint8_t *out,
                              size_t out_cap);
/* The same with a one-byte or a four-byte (network order) value. */
size_t rfc2217_encode_u8(uint8_t code, uint8_t value, uint8_t *out, size_t out_cap);
size_t rfc2217_encode_u32(uint8_t code, uint32_t value, uint8_t *out, size_t out_cap);

/* The command without the server offset (0..12 for known commands, 255 when unknown), and
 * whether it came from a server (code >= RFC2217_SERVER_OFFSET). */
uint8_t rfc2217_command_base(uint8_t code);
bool rfc2217_command_from_server(uint8_t code);

/* A known command whose value has the size RFC 2217 gives it (NOTIFY-* polls may be empty). */
bool rfc2217_command_valid(const struct rfc2217_event *ev);

/* The value as a number: four bytes network order, or one byte. 0 when it has the wrong size. */
uint32_t rfc2217_event_u32(const struct rfc2217_event *ev);
uint8_t rfc2217_event_u8(const struct rfc2217_event *ev);

#endif
