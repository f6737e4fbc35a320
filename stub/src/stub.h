/* SPDX-License-Identifier: MIT */
/* MicroFlash's flasher stub, portable part: SLIP receive fed byte by byte from the UART
 * interrupt, one command processed per stub_poll(), the established stubs' opcodes, payloads,
 * replies and error codes (protocol doc §2, §8), plus just-in-time erase that skips blank and
 * unchanged sectors and overlaps erases with receiving, background erase while idle and a
 * probation after a baud change (stub/README.md). All state lives in one struct stub. */
#ifndef MF_STUB_H
#define MF_STUB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hal.h"
#include "inflate.h"
#include "stub_proto.h"

/* Erase policy: a 64 KiB block erase (150 ms typical) replaces sector erases (45 ms each) once
 * this many of its sectors need erasing (PERFORMANCE.md timings: 4 x 45 > 150). */
#define STUB_BLOCK_ERASE_MIN_SECTORS 4u
#define STUB_SECTORS_PER_BLOCK       (HAL_FLASH_BLOCK_SIZE / HAL_FLASH_SECTOR_SIZE)
/* How far past the sector being filled an idle stub erases ahead of a write. */
#define STUB_ERASE_AHEAD_MAX (2u * HAL_FLASH_BLOCK_SIZE)
/* Erasing ahead starts once this many sectors in a row had to be erased (a write replacing
 * other contents, not one that mostly matches the flash). */
#define STUB_ERASE_AHEAD_AFTER 4u
#define STUB_PAGES_PER_SECTOR  (HAL_FLASH_SECTOR_SIZE / HAL_FLASH_PAGE_SIZE)
#define STUB_BAUD_DEFAULT      115200u  /* CHANGE_BAUDRATE old_baud 0 */
#define STUB_BAUD_SETTLE_US    5000u    /* after switching the divider */
#define STUB_BAUD_PROBATION_US 1000000u /* no valid command this long: old divider back */
#define STUB_TX_IDLE_POLL_US   100u
#define STUB_REBOOT_DELAY_US   10000u /* FLASH_END(0): let the reply leave (legacy: 10 ms) */
#define STUB_JUMP_DELAY_US     1000u  /* MEM_END: same (legacy: 1 ms) */
#define STUB_TX_CHUNK          64u    /* SLIP bytes encoded before one hal_uart_write */

/* What stub_poll() did, so the caller knows when to call it again. */
enum stub_poll_result {
    STUB_POLL_IDLE,       /* nothing to do until a byte arrives */
    STUB_POLL_BUSY,       /* made progress; call again */
    STUB_POLL_FLASH_WAIT, /* waiting for the flash to finish an erase; call again later */
    STUB_POLL_GONE,       /* the stub left (reboot, user code, jump): it does nothing more */
};

/* The receiver: two frame buffers that the interrupt fills in turn (§8.3). Fields written by
 * the interrupt are volatile; a buffer belongs to the interrupt until it is marked ready and to
 * stub_poll() until it is released. */
enum stub_rx_state {
    STUB_RX_OUTSIDE, /* before the first END */
    STUB_RX_FRAME,   /* inside a frame */
    STUB_RX_ESCAPE,  /* after ESC */
    STUB_RX_SKIP,    /* dropping bytes up to the next END (overflow or no free buffer) */
};

struct stub_rx {
    uint8_t buf[2][STUB_FRAME_CAP];
    volatile uint16_t len[2];
    volatile bool ready[2];
    volatile bool overflow[2];
    volatile uint8_t fill;     /* buffer the interrupt writes the next frame into */
    volatile uint8_t state;    /* enum stub_rx_state */
    volatile uint32_t dropped; /* frames lost because both buffers were full */
    uint8_t next;              /* buffer stub_poll() takes next */
};

/* Long-running work that stub_poll() advances step by step. */
enum stub_job {
    STUB_JOB_NONE,
    STUB_JOB_WRITE, /* a FLASH_(DEFL_)DATA block, already acknowledged */
    STUB_JOB_FLUSH, /* committing the last partial sector before a command */
    STUB_JOB_ERASE, /* ERASE_FLASH / ERASE_REGION; replies when done */
    STUB_JOB_READ,  /* READ_FLASH: packets out, acks in, MD5 last */
    STUB_JOB_DRAIN, /* finishing the background erases before a command */
};

/* A FLASH_BEGIN / FLASH_DEFL_BEGIN session and its just-in-time erase. */
struct stub_write {
    bool active;
    bool deflate;
    uint8_t err;     /* first failure; reported to the next *_DATA / *_END (§2.4) */
    uint32_t offset; /* flash address of the first byte */
    uint32_t size;   /* bytes to write (uncompressed) */
    uint32_t done;   /* bytes handed to the sector stage so far */
    uint32_t blocks; /* num_blocks from BEGIN */
    uint32_t block_size;
    uint32_t seq;         /* next expected sequence number */
    uint32_t erased_to;   /* [stage sector, erased_to) was erased by this session: blank */
    uint32_t changed_run; /* sectors in a row that had to be erased (erase-ahead's cue) */
    bool inflate_done;
    /* the block being processed */
    const uint8_t *in;
    uint32_t in_len;
    uint32_t in_pos;
    /* the sector stage: new contents of one 4 KiB sector, [lo, hi) valid */
    uint32_t stage_addr;
    uint32_t stage_lo;
    uint32_t stage_hi;
    bool stage_wait; /* committed; an erase runs, then the stage is programmed */
};

/* One region erased step by step, sector by sector: blank sectors are skipped, a 64 KiB block
 * erase replaces sector erases when the region covers the block and enough of it is dirty, and
 * with `verify` every erased sector is read back. Shared by ERASE_REGION and the background. */
struct stub_sweep {
    uint32_t addr;     /* next sector to check */
    uint32_t end;      /* region end */
    uint32_t base;     /* the block checked as a whole while addr < scan_end */
    uint32_t scan_end; /* end of that block */
    uint32_t check;    /* read back [check, check_end) once the erase is over */
    uint32_t check_end;
    uint32_t fail_addr; /* first sector that failed */
    uint16_t scanned;   /* dirty sectors of the block found so far (bit per sector) */
    uint16_t dirty;     /* sectors of the block still to erase */
    bool verify;
    bool erasing; /* an erase of ours was started: wait for it */
    bool failed;  /* kept across regions; the owner clears it */
};

struct stub_erase {
    uint8_t op; /* the command to answer when done */
    bool chip;  /* a whole-chip erase is running */
    struct stub_sweep sweep;
};

/* ERASE_BG: regions waiting, the first being swept while the stub is otherwise idle. */
struct stub_region {
    uint32_t start;
    uint32_t end;
};

struct stub_bg {
    struct stub_region queue[STUB_ERASE_BG_MAX];
    uint8_t count; /* regions not yet done, queue[0] first */
    bool active;   /* queue[0] is in `sweep` */
    struct stub_sweep sweep;
};

/* After CHANGE_BAUDRATE: until a valid command arrives, the old divider may come back. */
struct stub_baud {
    bool probation;
    uint32_t since_us; /* hal_time_us() at the switch */
    uint32_t prev_div; /* the divider before it */
};

struct stub_read {
    uint32_t addr;
    uint32_t len;
    uint32_t packet;
    uint32_t max_unacked;
    uint32_t sent;
    uint32_t acked;
    union hal_md5_ctx md5;
};

struct stub_mem {
    bool active;
    uint32_t addr;
    uint32_t size;
    uint32_t done;
    uint32_t blocks;
    uint32_t block_size;
    uint32_t seq;
};

struct stub {
    struct hal *hal;
    struct stub_rx rx;
    enum stub_job job;
    bool gone;
    uint32_t flash_size; /* from SPI_SET_PARAMS; 0 = unknown */
    struct stub_write write;
    struct stub_erase erase;
    struct stub_bg bg;
    struct stub_baud baud;
    struct stub_read read;
    struct stub_mem mem;
    uint8_t stage[HAL_FLASH_SECTOR_SIZE]; /* sector stage; MD5 / READ_FLASH buffer otherwise */
    uint8_t page[HAL_FLASH_PAGE_SIZE];    /* flash read-back for compares and blank checks */
    uint8_t tx[STUB_TX_CHUNK];
    uint32_t tx_len;
    struct inflate inflate;
};

/* Prepares `s` (caller-owned, e.g. static) to talk through `hal`. Sends nothing. */
void stub_init(struct stub *s, struct hal *hal);
/* Sends the OHAI greeting frame. */
void stub_greet(struct stub *s);
/* One received byte; call from the UART RX interrupt (or the simulator's rx hook). */
void stub_rx_byte(struct stub *s, uint8_t byte);
/* Advances the current job or processes one complete command; with neither, ends a failed
 * baud change or does one step of background erase. Never waits for the flash. */
enum stub_poll_result stub_poll(struct stub *s);

/* Divider for new_baud by scaling the autobauded divider div_old (valid at old_baud), rounded
 * to nearest, ties to even (§8.7; PERFORMANCE.md: round, never truncate). Never 0. */
uint32_t stub_baud_divider(uint32_t div_old, uint32_t old_baud, uint32_t new_baud);

#endif
