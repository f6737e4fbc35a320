/* SPDX-License-Identifier: MIT */
/* The stub's command loop: stub_poll() takes one received frame, checks it against the opcode
 * table and runs its handler, or steps the background erase when idle; registers, SYNC, baud
 * change and its probation, RAM loading and leaving live here. */
#include "stub_impl.h"

/* Command table flags. */
#define STUB_CMDF_FLUSH    0x01u /* commit a staged partial sector first */
#define STUB_CMDF_X16      0x02u /* payload is a whole number of 16-byte entries */
#define STUB_CMDF_BG_DRAIN 0x04u /* finish the background erases first (reads or erases flash) */
#define STUB_CMDF_FLASH    (STUB_CMDF_FLUSH | STUB_CMDF_BG_DRAIN)

typedef void (*stub_handler)(struct stub *s, const struct stub_cmd *c, struct stub_reply *r);

struct stub_cmd_info {
    uint8_t op;
    uint8_t flags;
    uint16_t min_len; /* payload bytes */
    uint16_t max_len;
    stub_handler handler;
};

static void cmd_sync(struct stub *s, const struct stub_cmd *c, struct stub_reply *r);
static void cmd_read_reg(struct stub *s, const struct stub_cmd *c, struct stub_reply *r);
static void cmd_write_reg(struct stub *s, const struct stub_cmd *c, struct stub_reply *r);
static void cmd_set_params(struct stub *s, const struct stub_cmd *c, struct stub_reply *r);
static void cmd_attach(struct stub *s, const struct stub_cmd *c, struct stub_reply *r);
static void cmd_change_baud(struct stub *s, const struct stub_cmd *c, struct stub_reply *r);
static void cmd_mem_begin(struct stub *s, const struct stub_cmd *c, struct stub_reply *r);
static void cmd_mem_data(struct stub *s, const struct stub_cmd *c, struct stub_reply *r);
static void cmd_mem_end(struct stub *s, const struct stub_cmd *c, struct stub_reply *r);
static void cmd_run_user_code(struct stub *s, const struct stub_cmd *c, struct stub_reply *r);

#define STUB_DATA_MAX ((uint16_t)(STUB_DATA_HEADER_SIZE + STUB_MAX_BLOCK_SIZE))
#define STUB_ANY_MAX  ((uint16_t)(STUB_FRAME_CAP - STUB_HEADER_SIZE))

static const struct stub_cmd_info stub_cmds[] = {
        {STUB_OP_FLASH_BEGIN, STUB_CMDF_FLUSH, 16, 20, stub_flash_begin},
        {STUB_OP_FLASH_DATA, 0, 16, STUB_DATA_MAX, stub_flash_data},
        {STUB_OP_FLASH_END, STUB_CMDF_FLUSH, 4, 4, stub_flash_end},
        {STUB_OP_MEM_BEGIN, STUB_CMDF_FLUSH, 16, 16, cmd_mem_begin},
        {STUB_OP_MEM_END, STUB_CMDF_FLUSH, 8, 8, cmd_mem_end},
        {STUB_OP_MEM_DATA, 0, 16, STUB_DATA_MAX, cmd_mem_data},
        {STUB_OP_SYNC, 0, STUB_SYNC_PAYLOAD_SIZE, STUB_SYNC_PAYLOAD_SIZE, cmd_sync},
        {STUB_OP_WRITE_REG, STUB_CMDF_X16, 16, STUB_ANY_MAX, cmd_write_reg},
        {STUB_OP_READ_REG, 0, 4, 4, cmd_read_reg},
        {STUB_OP_SPI_SET_PARAMS, 0, STUB_SET_PARAMS_SIZE, STUB_SET_PARAMS_SIZE, cmd_set_params},
        {STUB_OP_SPI_ATTACH, 0, 4, 8, cmd_attach},
        {STUB_OP_CHANGE_BAUDRATE, 0, 8, 8, cmd_change_baud},
        {STUB_OP_FLASH_DEFL_BEGIN, STUB_CMDF_FLUSH, 16, 20, stub_flash_begin},
        {STUB_OP_FLASH_DEFL_DATA, 0, 16, STUB_DATA_MAX, stub_flash_data},
        {STUB_OP_FLASH_DEFL_END, STUB_CMDF_FLUSH, 4, 4, stub_flash_end},
        {STUB_OP_SPI_FLASH_MD5, STUB_CMDF_FLASH, 16, 16, stub_flash_md5},
        {STUB_OP_ERASE_FLASH, STUB_CMDF_FLASH, 0, 0, stub_flash_erase_all},
        {STUB_OP_ERASE_REGION, STUB_CMDF_FLASH, STUB_ERASE_PAYLOAD_SIZE, STUB_ERASE_PAYLOAD_SIZE,
         stub_flash_erase_region},
        {STUB_OP_READ_FLASH, STUB_CMDF_FLASH, 16, 16, stub_flash_read},
        {STUB_OP_RUN_USER_CODE, STUB_CMDF_FLUSH, 0, 0, cmd_run_user_code},
        {STUB_OP_ERASE_BG, 0, STUB_ERASE_PAYLOAD_SIZE, STUB_ERASE_PAYLOAD_SIZE,
         stub_flash_erase_bg},
        {STUB_OP_ERASE_BG_WAIT, STUB_CMDF_BG_DRAIN, 0, 0, stub_flash_erase_bg_wait},
};

#define STUB_CMD_COUNT (sizeof stub_cmds / sizeof stub_cmds[0])

static const struct stub_cmd_info *cmd_lookup(uint8_t op)
{
    for (size_t i = 0; i < STUB_CMD_COUNT; i++) {
        if (stub_cmds[i].op == op)
            return &stub_cmds[i];
    }
    return NULL;
}

void stub_init(struct stub *s, struct hal *hal)
{
    s->hal = hal;
    s->rx.len[0] = 0;
    s->rx.len[1] = 0;
    s->rx.ready[0] = false;
    s->rx.ready[1] = false;
    s->rx.overflow[0] = false;
    s->rx.overflow[1] = false;
    s->rx.fill = 0;
    s->rx.next = 0;
    s->rx.state = STUB_RX_OUTSIDE;
    s->rx.dropped = 0;
    s->job = STUB_JOB_NONE;
    s->gone = false;
    s->flash_size = 0;
    s->write.active = false;
    s->write.err = STUB_OK;
    s->mem.active = false;
    s->bg.count = 0;
    s->bg.active = false;
    s->bg.sweep.failed = false;
    s->baud.probation = false;
    s->tx_len = 0;
}

void stub_greet(struct stub *s)
{
    static const uint8_t greeting[STUB_GREETING_SIZE] = {'O', 'H', 'A', 'I'};

    stub_tx_begin(s);
    stub_tx_bytes(s, greeting, STUB_GREETING_SIZE);
    stub_tx_end(s);
}

uint32_t stub_baud_divider(uint32_t div_old, uint32_t old_baud, uint32_t new_baud)
{
    uint64_t num = (uint64_t)div_old * old_baud;
    uint64_t q = num / new_baud;
    uint64_t twice_rem = 2u * (num % new_baud);

    if (twice_rem > new_baud || (twice_rem == new_baud && (q & 1u)))
        q++;
    if (q == 0)
        q = 1;
    if (q > 0xFFFFFu)
        q = 0xFFFFFu;
    return (uint32_t)q;
}

/* ---- handlers ---- */

static void cmd_sync(struct stub *s, const struct stub_cmd *c, struct stub_reply *r)
{
    (void)c;
    for (uint32_t i = 0; i < STUB_SYNC_REPLIES; i++)
        stub_send_reply(s, STUB_OP_SYNC, r);
    r->silent = true;
}

static void cmd_read_reg(struct stub *s, const struct stub_cmd *c, struct stub_reply *r)
{
    r->value = hal_reg_read(s->hal, stub_get_u32(c->data));
}

static void cmd_write_reg(struct stub *s, const struct stub_cmd *c, struct stub_reply *r)
{
    (void)r;
    for (uint32_t at = 0; at < c->len; at += STUB_REG_ENTRY_SIZE) {
        const uint8_t *e = c->data + at;
        uint32_t addr = stub_get_u32(e);
        uint32_t value = stub_get_u32(e + 4);
        uint32_t mask = stub_get_u32(e + 8);
        uint32_t delay = stub_get_u32(e + 12);

        if (mask != 0xFFFFFFFFu)
            value = (hal_reg_read(s->hal, addr) & ~mask) | (value & mask);
        hal_reg_write(s->hal, addr, value);
        if (delay > 0)
            hal_delay_us(s->hal, delay);
    }
}

static void cmd_set_params(struct stub *s, const struct stub_cmd *c, struct stub_reply *r)
{
    struct hal_flash_params p;
    int rc;

    p.id = stub_get_u32(c->data);
    p.total_size = stub_get_u32(c->data + 4);
    p.block_size = stub_get_u32(c->data + 8);
    p.sector_size = stub_get_u32(c->data + 12);
    p.page_size = stub_get_u32(c->data + 16);
    p.status_mask = stub_get_u32(c->data + 20);
    rc = hal_flash_set_params(s->hal, &p);
    if (rc != 0) {
        r->err = STUB_ERR_FAILED_SPI_OP;
        r->detail = (uint8_t)rc;
    } else {
        s->flash_size = p.total_size;
    }
}

static void cmd_attach(struct stub *s, const struct stub_cmd *c, struct stub_reply *r)
{
    int rc = hal_flash_attach(s->hal, stub_get_u32(c->data));

    if (rc != 0) {
        r->err = STUB_ERR_FAILED_SPI_OP;
        r->detail = (uint8_t)rc;
    }
}

/* Switches the divider once everything queued has left at the current rate. */
static void baud_switch(struct stub *s, uint32_t div)
{
    while (!hal_uart_tx_idle(s->hal))
        hal_delay_us(s->hal, STUB_TX_IDLE_POLL_US);
    hal_uart_set_clkdiv(s->hal, div);
    hal_delay_us(s->hal, STUB_BAUD_SETTLE_US);
}

static void cmd_change_baud(struct stub *s, const struct stub_cmd *c, struct stub_reply *r)
{
    uint32_t new_baud = stub_get_u32(c->data);
    uint32_t old_baud = stub_get_u32(c->data + 4);
    uint32_t prev = hal_uart_clkdiv(s->hal);
    uint32_t div;

    if (new_baud == 0) {
        r->err = STUB_ERR_BAD_DATA_LEN;
        return;
    }
    if (old_baud == 0)
        old_baud = STUB_BAUD_DEFAULT;
    div = stub_baud_divider(prev, old_baud, new_baud);
    /* the OK goes out at the old rate; switch only once its last bit has left */
    stub_send_reply(s, STUB_OP_CHANGE_BAUDRATE, r);
    r->silent = true;
    baud_switch(s, div);
    /* on probation until a valid command shows that the host follows (stub/README.md) */
    s->baud.probation = true;
    s->baud.prev_div = prev;
    s->baud.since_us = hal_time_us(s->hal);
}

/* Nothing to do: a baud change the host did not follow in time is undone, with OHAI at the old
 * rate to say so; else one step of erasing ahead of the write, or of background erase. */
static enum stub_poll_result poll_idle(struct stub *s)
{
    struct stub_baud *b = &s->baud;
    enum stub_poll_result res;

    if (b->probation) {
        if (hal_time_us(s->hal) - b->since_us >= STUB_BAUD_PROBATION_US) {
            b->probation = false;
            baud_switch(s, b->prev_div);
            stub_greet(s);
            return STUB_POLL_BUSY;
        }
        hal_wake_at(s->hal, b->since_us + STUB_BAUD_PROBATION_US);
    }
    res = stub_flash_erase_ahead(s);
    return res != STUB_POLL_IDLE ? res : stub_flash_bg_step(s);
}

static void cmd_mem_begin(struct stub *s, const struct stub_cmd *c, struct stub_reply *r)
{
    struct stub_mem *m = &s->mem;
    uint32_t size = stub_get_u32(c->data);
    uint32_t addr = stub_get_u32(c->data + 12);

    m->active = false;
    if (!hal_mem_valid(s->hal, addr, size)) {
        r->err = STUB_ERR_BAD_DATA_LEN;
        return;
    }
    m->active = true;
    m->size = size;
    m->blocks = stub_get_u32(c->data + 4);
    m->block_size = stub_get_u32(c->data + 8);
    m->addr = addr;
    m->done = 0;
    m->seq = 0;
}

static void cmd_mem_data(struct stub *s, const struct stub_cmd *c, struct stub_reply *r)
{
    struct stub_mem *m = &s->mem;
    uint32_t len = stub_get_u32(c->data);
    uint32_t seq = stub_get_u32(c->data + 4);
    const uint8_t *bytes = c->data + STUB_DATA_HEADER_SIZE;

    if (!m->active)
        r->err = STUB_ERR_NOT_IN_FLASH_MODE;
    else if (len != c->len - STUB_DATA_HEADER_SIZE || (len & 3u) != 0)
        r->err = STUB_ERR_BAD_DATA_LEN;
    else if (stub_checksum(bytes, len) != c->checksum)
        r->err = STUB_ERR_BAD_DATA_CHECKSUM;
    else if (seq + 1u == m->seq)
        r->err = STUB_OK; /* a repeat of the last block (lost reply): already loaded */
    else if (seq != m->seq) {
        r->err = STUB_ERR_BAD_DATA_LEN;
        r->detail = STUB_DETAIL_BAD_SEQUENCE;
    } else if (len > m->size - m->done)
        r->err = STUB_ERR_TOO_MUCH_DATA;
    else {
        hal_mem_write(s->hal, m->addr + m->done, bytes, len);
        m->done += len;
        m->seq++;
    }
}

static void cmd_mem_end(struct stub *s, const struct stub_cmd *c, struct stub_reply *r)
{
    uint32_t flag = stub_get_u32(c->data);
    uint32_t entry = stub_get_u32(c->data + 4);

    if (s->mem.active && s->mem.done < s->mem.size)
        r->err = STUB_ERR_NOT_ENOUGH_DATA;
    s->mem.active = false;
    stub_send_reply(s, STUB_OP_MEM_END, r);
    r->silent = true;
    if (r->err == STUB_OK && flag == 0 && entry != 0) {
        hal_delay_us(s->hal, STUB_JUMP_DELAY_US);
        s->gone = true;
        hal_jump(s->hal, entry);
    }
}

static void cmd_run_user_code(struct stub *s, const struct stub_cmd *c, struct stub_reply *r)
{
    (void)c;
    r->silent = true; /* no reply (§2.1) */
    s->gone = true;
    hal_run_user_code(s->hal);
}

/* ---- the loop ---- */

/* The table entry of a well-formed request (direction, known opcode, length within the table's
 * limits), or NULL with the error to answer. */
static const struct stub_cmd_info *frame_check(const uint8_t *f, uint32_t len, bool overflow,
                                               struct stub_reply *r)
{
    const struct stub_cmd_info *info = cmd_lookup(f[1]);
    uint32_t n = len - STUB_HEADER_SIZE;

    if (overflow) {
        r->err = STUB_ERR_BAD_DATA_LEN;
        r->detail = STUB_DETAIL_FRAME_TOO_LONG;
    } else if (f[0] != STUB_DIR_REQUEST) {
        r->err = STUB_ERR_INVALID_COMMAND;
    } else if (((uint32_t)f[2] | (uint32_t)f[3] << 8) != n) {
        r->err = STUB_ERR_BAD_DATA_LEN;
    } else if (info == NULL) {
        r->err = STUB_ERR_CMD_NOT_IMPL;
    } else if (n < info->min_len || n > info->max_len ||
               ((info->flags & STUB_CMDF_X16) && n % STUB_REG_ENTRY_SIZE != 0)) {
        r->err = STUB_ERR_BAD_DATA_LEN;
    }
    return r->err == STUB_OK ? info : NULL;
}

enum stub_poll_result stub_poll(struct stub *s)
{
    const struct stub_cmd_info *info;
    struct stub_reply r = {0};
    struct stub_cmd c;
    const uint8_t *f;
    uint32_t len = 0;
    bool overflow = false;

    if (s->gone)
        return STUB_POLL_GONE;
    if (s->job != STUB_JOB_NONE)
        return stub_flash_job_step(s);
    f = stub_rx_peek(s, &len, &overflow);
    if (f == NULL)
        return poll_idle(s);
    if (len < STUB_HEADER_SIZE) {
        stub_rx_release(s); /* noise: too short to answer */
        return STUB_POLL_BUSY;
    }
    info = frame_check(f, len, overflow, &r);
    if (info != NULL) {
        s->baud.probation = false; /* the host talks at the current rate */
        /* the frame waits in its buffer while a job prepares the flash for it */
        if ((info->flags & STUB_CMDF_FLUSH) && stub_flash_needs_flush(s)) {
            s->job = STUB_JOB_FLUSH;
            return STUB_POLL_BUSY;
        }
        if ((info->flags & STUB_CMDF_BG_DRAIN) && stub_flash_bg_pending(s)) {
            s->job = STUB_JOB_DRAIN;
            return STUB_POLL_BUSY;
        }
    }
    c.op = f[1];
    c.checksum = stub_get_u32(f + 4);
    c.data = f + STUB_HEADER_SIZE;
    c.len = len - STUB_HEADER_SIZE;
    if (info != NULL)
        info->handler(s, &c, &r);
    if (!r.silent)
        stub_send_reply(s, c.op, &r);
    /* a data block being written still reads from the frame buffer; the job releases it */
    if (s->job != STUB_JOB_WRITE)
        stub_rx_release(s);
    return s->gone ? STUB_POLL_GONE : STUB_POLL_BUSY;
}
