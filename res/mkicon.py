#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# Draws MicroFlash's icon (a lightning bolt on a rounded blue tile) and writes res/app.ico with
# 16, 20, 24, 32, 40, 48, 64 px 32-bit BMP entries and a 256 px PNG entry. Python stdlib only.
"""Usage: mkicon.py [OUTPUT.ico]   (default: app.ico next to this script)"""

import os
import struct
import sys
import zlib

SIZES_BMP = (16, 20, 24, 32, 40, 48, 64)
SIZE_PNG = 256
SUPERSAMPLE = 4

TILE_TOP = (0x2B, 0x7B, 0xE0)     # blue, top of the gradient
TILE_BOTTOM = (0x12, 0x3F, 0x9A)  # darker blue at the bottom
BOLT = (0xFF, 0xD2, 0x3F)         # yellow
BOLT_EDGE = (0xFF, 0xFF, 0xFF)    # white rim around the bolt

# The bolt as a polygon in a unit square (x right, y down).
BOLT_POLY = ((0.58, 0.10), (0.24, 0.56), (0.46, 0.56), (0.38, 0.90), (0.76, 0.42),
             (0.53, 0.42), (0.64, 0.10))
TILE_MARGIN = 0.06
TILE_RADIUS = 0.20
RIM = 0.035


def inside_polygon(x, y, poly):
    """Even-odd rule point-in-polygon test."""
    inside = False
    n = len(poly)
    for i in range(n):
        x1, y1 = poly[i]
        x2, y2 = poly[(i + 1) % n]
        if (y1 > y) != (y2 > y):
            cross = x1 + (y - y1) * (x2 - x1) / (y2 - y1)
            if x < cross:
                inside = not inside
    return inside


def distance_to_polygon(x, y, poly):
    """Distance from a point to the polygon's outline."""
    best = 1e9
    n = len(poly)
    for i in range(n):
        x1, y1 = poly[i]
        x2, y2 = poly[(i + 1) % n]
        dx, dy = x2 - x1, y2 - y1
        t = max(0.0, min(1.0, ((x - x1) * dx + (y - y1) * dy) / (dx * dx + dy * dy)))
        px, py = x1 + t * dx, y1 + t * dy
        best = min(best, ((x - px) ** 2 + (y - py) ** 2) ** 0.5)
    return best


def inside_tile(x, y):
    lo, hi = TILE_MARGIN, 1.0 - TILE_MARGIN
    if x < lo or x > hi or y < lo or y > hi:
        return False
    cx = min(max(x, lo + TILE_RADIUS), hi - TILE_RADIUS)
    cy = min(max(y, lo + TILE_RADIUS), hi - TILE_RADIUS)
    return (x - cx) ** 2 + (y - cy) ** 2 <= TILE_RADIUS ** 2


def sample(x, y):
    """Colour (r, g, b, a) of one point of the unit square."""
    if inside_polygon(x, y, BOLT_POLY):
        return BOLT + (255,)
    if inside_tile(x, y):
        if distance_to_polygon(x, y, BOLT_POLY) < RIM:
            return BOLT_EDGE + (255,)
        t = (y - TILE_MARGIN) / (1.0 - 2 * TILE_MARGIN)
        return tuple(int(a + (b - a) * t) for a, b in zip(TILE_TOP, TILE_BOTTOM)) + (255,)
    return (0, 0, 0, 0)


def render(size):
    """Rows top to bottom of (r, g, b, a), anti-aliased by supersampling."""
    rows = []
    n = SUPERSAMPLE
    for py in range(size):
        row = []
        for px in range(size):
            acc = [0, 0, 0, 0]
            for sy in range(n):
                for sx in range(n):
                    r, g, b, a = sample((px + (sx + 0.5) / n) / size, (py + (sy + 0.5) / n) / size)
                    acc[0] += r * a
                    acc[1] += g * a
                    acc[2] += b * a
                    acc[3] += a
            alpha = acc[3] / (n * n)
            if acc[3]:
                colour = tuple(int(c / acc[3] + 0.5) for c in acc[:3])
            else:
                colour = (0, 0, 0)
            row.append(colour + (int(alpha + 0.5),))
        rows.append(row)
    return rows


def bmp_entry(size, rows):
    """A 32-bit DIB as an icon stores it: header with double height, XOR bits, AND mask."""
    header = struct.pack("<IiiHHIIiiII", 40, size, size * 2, 1, 32, 0, 0, 0, 0, 0, 0)
    pixels = bytearray()
    for row in reversed(rows):
        for r, g, b, a in row:
            pixels += bytes((b, g, r, a))
    mask_stride = ((size + 31) // 32) * 4
    mask = bytearray()
    for row in reversed(rows):
        bits = bytearray(mask_stride)
        for x, (_, _, _, a) in enumerate(row):
            if a == 0:
                bits[x // 8] |= 0x80 >> (x % 8)
        mask += bits
    return header + bytes(pixels) + bytes(mask)


def png_chunk(kind, data):
    body = kind + data
    return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body) & 0xFFFFFFFF)


def png_entry(size, rows):
    raw = bytearray()
    for row in rows:
        raw.append(0)
        for pixel in row:
            raw += bytes(pixel)
    ihdr = struct.pack(">IIBBBBB", size, size, 8, 6, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", ihdr) +
            png_chunk(b"IDAT", zlib.compress(bytes(raw), 9)) + png_chunk(b"IEND", b""))


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "app.ico")
    images = [(s, bmp_entry(s, render(s))) for s in SIZES_BMP]
    images.append((SIZE_PNG, png_entry(SIZE_PNG, render(SIZE_PNG))))
    data = struct.pack("<HHH", 0, 1, len(images))
    offset = 6 + 16 * len(images)
    for size, blob in images:
        dim = 0 if size >= 256 else size
        data += struct.pack("<BBBBHHII", dim, dim, 0, 0, 1, 32, len(blob), offset)
        offset += len(blob)
    for _, blob in images:
        data += blob
    with open(out, "wb") as f:
        f.write(data)


if __name__ == "__main__":
    main()
