/* SPDX-License-Identifier: MIT */
/* The ESP8266 ROM's start-up text and its V1 image loader, reading flash in 16-byte chunks as
 * the "room/tail/ho" lines of real boot logs show, and building V1 images for tests and presets. */
#include "boot.h"

#include <string.h>

#include "textbuf.h"

/* The loader reads flash through a 16-byte buffer. Model inferred from published logs
 * (esp8266/Arduino #8240 and #9243, bbs.espressif.com t=10362 and t=2826, esp8266.com t=7975):
 * "room" = bytes left in the buffer when a segment's data starts (a fresh chunk is read when it
 * is empty and the segment is not), "tail" = (len - room) mod 16 read from a new chunk, and an
 * "ho H tail T room R" line when a segment header straddles two chunks (H = 16 - T - R fits every
 * log). The checksum byte is the last byte of the current chunk (image padded to 15 mod 16).
 * Wrong flash mode: the first chunk is read in the safe boot mode, every later read in the
 * header's mode gives zeros (matches the all-0xef checksums of #8240 / t=2826). The magic byte is
 * not checked (t=7975 shows the ROM printing a 0xffffffff segment), and a segment whose length
 * is negative or runs past the flash end leaves the ROM stuck with no more output. */
#define BOOT_CHUNK       16u
#define BOOT_LOAD_ADDR_B 0u
#define BOOT_ROM_DATE    "Jan  8 2013" /* observed in device logs (protocol doc §4.5) */

static const char *const BOOT_MODE_NAMES[SIM_FLASH_MODE_COUNT] = {"qio", "qout", "dio", "dout"};

const char *sim_flash_mode_name(enum sim_flash_mode mode)
{
    return (unsigned)mode < SIM_FLASH_MODE_COUNT ? BOOT_MODE_NAMES[mode] : "?";
}

size_t sim_boot_banner(char *out, size_t cap, unsigned rst_cause, unsigned boot_mode,
                       unsigned boot_mode_extra)
{
    struct sim_textbuf t;
    sim_textbuf_init(&t, out, cap);
    sim_textbuf_printf(&t, "\r\n ets %s,rst cause:%u, boot mode:(%u,%u)\r\n\r\n", BOOT_ROM_DATE,
                       rst_cause, boot_mode, boot_mode_extra);
    return t.len;
}

struct boot_reader {
    const uint8_t *flash;
    uint32_t size;
    uint32_t pos; /* next chunk address */
    bool mode_ok;
    bool first_done;
    uint8_t chunk[BOOT_CHUNK];
    uint32_t remaining; /* unread bytes at the end of chunk */
};

static void boot_refill(struct boot_reader *r)
{
    for (uint32_t i = 0; i < BOOT_CHUNK; i++) {
        uint32_t a = r->pos + i;
        r->chunk[i] = (!r->first_done || r->mode_ok) && a < r->size ? r->flash[a] : 0;
    }
    r->first_done = true;
    r->pos += BOOT_CHUNK;
    r->remaining = BOOT_CHUNK;
}

static void boot_take(struct boot_reader *r, uint8_t *out, uint32_t n)
{
    memcpy(out, r->chunk + BOOT_CHUNK - r->remaining, n);
    r->remaining -= n;
}

static uint32_t boot_le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* Reads a segment header, printing the "ho" line when it straddles chunks. */
static void boot_read_seg_header(struct boot_reader *r, struct sim_textbuf *t, uint32_t last_tail,
                                 uint8_t hdr[SIM_IMAGE_SEG_HEADER])
{
    if (r->remaining == 0) {
        boot_refill(r);
        boot_take(r, hdr, SIM_IMAGE_SEG_HEADER);
    } else if (r->remaining < SIM_IMAGE_SEG_HEADER) {
        uint32_t first = r->remaining;
        sim_textbuf_printf(t, "ho %u tail %u room %u\r\n", BOOT_CHUNK - last_tail - first,
                           last_tail, first);
        boot_take(r, hdr, first);
        boot_refill(r);
        boot_take(r, hdr + first, SIM_IMAGE_SEG_HEADER - first);
    } else {
        boot_take(r, hdr, SIM_IMAGE_SEG_HEADER);
    }
}

/* Reads len data bytes, XOR-ing them into *sum; returns the tail. */
static uint32_t boot_read_seg_data(struct boot_reader *r, uint32_t len, uint32_t room, uint8_t *sum)
{
    uint8_t buf[BOOT_CHUNK];
    uint32_t tail = 0;

    if (len <= room) {
        boot_take(r, buf, len);
        for (uint32_t i = 0; i < len; i++)
            *sum ^= buf[i];
        return 0;
    }
    boot_take(r, buf, room);
    for (uint32_t i = 0; i < room; i++)
        *sum ^= buf[i];
    for (uint32_t left = len - room; left > 0;) {
        uint32_t n = left < BOOT_CHUNK ? left : BOOT_CHUNK;
        boot_refill(r);
        boot_take(r, buf, n);
        for (uint32_t i = 0; i < n; i++)
            *sum ^= buf[i];
        tail = n;
        left -= n;
    }
    return tail == BOOT_CHUNK ? 0 : tail;
}

size_t sim_boot_load(const uint8_t *flash, uint32_t flash_size, uint32_t modes_supported, char *out,
                     size_t cap, struct sim_boot_report *rep)
{
    struct boot_reader r = {flash, flash_size, BOOT_LOAD_ADDR_B, false, false, {0}, 0};
    struct sim_textbuf t;
    uint8_t hdr[SIM_IMAGE_HEADER_SIZE];
    uint8_t sum = SIM_IMAGE_CHECKSUM_SEED;
    uint32_t last_tail = 0;
    unsigned count;

    sim_textbuf_init(&t, out, cap);
    memset(rep, 0, sizeof *rep);
    boot_refill(&r);
    boot_take(&r, hdr, SIM_IMAGE_HEADER_SIZE);
    count = hdr[1];
    rep->flash_mode = hdr[2];
    rep->entry = boot_le32(hdr + 4);
    rep->mode_supported =
            hdr[2] < SIM_FLASH_MODE_COUNT && (modes_supported & SIM_FLASH_MODE_BIT(hdr[2])) != 0;
    r.mode_ok = rep->mode_supported;
    rep->outcome = SIM_BOOT_HANG;

    for (unsigned s = 0; s < count; s++) {
        uint8_t sh[SIM_IMAGE_SEG_HEADER];
        uint32_t addr, len, room;
        int32_t slen;

        boot_read_seg_header(&r, &t, last_tail, sh);
        addr = boot_le32(sh);
        len = boot_le32(sh + 4);
        slen = (int32_t)len;
        if (r.remaining == 0 && len != 0)
            boot_refill(&r);
        room = r.remaining;
        sim_textbuf_printf(&t, "load 0x%08x, len %d, room %u \r\n", (unsigned)addr, (int)slen,
                           room);
        rep->segments++;
        if (slen < 0 || len > flash_size || r.pos + len > flash_size + BOOT_CHUNK)
            return t.len; /* the ROM never gets past this segment */
        last_tail = boot_read_seg_data(&r, len, room, &sum);
        sim_textbuf_printf(&t, "tail %u\r\nchksum 0x%02x\r\n", last_tail, sum);
    }
    if (r.remaining == 0)
        boot_refill(&r);
    rep->stored = r.chunk[BOOT_CHUNK - 1];
    rep->computed = sum;
    sim_textbuf_printf(&t, "csum 0x%02x\r\n", sum);
    if (rep->stored != sum) {
        sim_textbuf_printf(&t, "csum err\r\nets_main.c \r\n");
        rep->outcome = SIM_BOOT_CSUM_ERR;
    } else {
        rep->outcome = SIM_BOOT_RUNS;
    }
    return t.len;
}

static void image_put(uint8_t *out, size_t cap, size_t *pos, uint8_t b)
{
    if (*pos < cap)
        out[*pos] = b;
    (*pos)++;
}

static void image_put32(uint8_t *out, size_t cap, size_t *pos, uint32_t v)
{
    for (unsigned i = 0; i < 4; i++)
        image_put(out, cap, pos, (uint8_t)(v >> (8 * i)));
}

size_t sim_image_build(uint8_t *out, size_t cap, uint8_t mode, uint8_t size_freq, uint32_t entry,
                       const struct sim_image_segment *segs, unsigned count)
{
    size_t pos = 0;
    uint8_t sum = SIM_IMAGE_CHECKSUM_SEED;

    image_put(out, cap, &pos, SIM_IMAGE_MAGIC);
    image_put(out, cap, &pos, (uint8_t)count);
    image_put(out, cap, &pos, mode);
    image_put(out, cap, &pos, size_freq);
    image_put32(out, cap, &pos, entry);
    for (unsigned s = 0; s < count; s++) {
        image_put32(out, cap, &pos, segs[s].addr);
        image_put32(out, cap, &pos, segs[s].len);
        for (uint32_t i = 0; i < segs[s].len; i++) {
            image_put(out, cap, &pos, segs[s].data[i]);
            sum ^= segs[s].data[i];
        }
    }
    while (pos % BOOT_CHUNK != BOOT_CHUNK - 1)
        image_put(out, cap, &pos, 0);
    image_put(out, cap, &pos, sum);
    return pos;
}
