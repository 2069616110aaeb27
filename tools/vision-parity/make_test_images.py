#!/usr/bin/env python3
"""Writes the committed test images of depict's vision tests (tests/fixtures/vision/*.png).

  astronaut.png  Eileen Collins, NASA portrait (public domain), as shipped in Debian's
                 python3-skimage (skimage/data/astronaut.png, 512x512): the 320x320 square at
                 (60, 0) around the face, halved to 160x160 by 2x2 box averaging.
  synthetic.png  a deterministic 96x64 colour pattern (gradients and a disc), no faces.
  astronaut_medium.png, astronaut_deep.png
                 astronaut.png with every pixel scaled in linear light by (0.42, 0.30, 0.22) and
                 (0.16, 0.10, 0.07): the same face photographed with medium and deep brown skin
                 (the scales keep the hue of real skin: red falls least, blue most). No
                 public-domain portraits of darker skin ship in Debian packages, so these stand
                 in for them; they exercise detection, age/gender parity and skin tone far from
                 the light end. `--variants-only` writes just these two from an existing
                 astronaut.png in OUT_DIR.

Usage: make_test_images.py ASTRONAUT_PNG OUT_DIR | --variants-only OUT_DIR   (get the file with `apt-get download
python3-skimage` and `dpkg-deb -x`). Only the standard library: zlib PNG reading and writing.
"""
import math
import struct
import sys
import zlib


def read_png_rgb8(path):
    data = open(path, "rb").read()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat, width, height = 8, b"", 0, 0
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            width, height, depth, colour, _, _, interlace = struct.unpack(">IIBBBBB", body)
            assert depth == 8 and colour == 2 and interlace == 0, "needs 8-bit RGB, not interlaced"
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    raw = zlib.decompress(idat)
    stride = width * 3
    rows, prev = [], bytearray(stride)
    for y in range(height):
        f = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - 3] if i >= 3 else 0
            b = prev[i]
            c = prev[i - 3] if i >= 3 else 0
            if f == 1:
                line[i] = (line[i] + a) & 255
            elif f == 2:
                line[i] = (line[i] + b) & 255
            elif f == 3:
                line[i] = (line[i] + (a + b) // 2) & 255
            elif f == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                pred = a if pa <= pb and pa <= pc else (b if pb <= pc else c)
                line[i] = (line[i] + pred) & 255
        rows.append(line)
        prev = line
    return width, height, rows


def write_png_rgb8(path, width, height, pixel):
    raw = b"".join(b"\x00" + bytes(v for x in range(width) for v in pixel(x, y))
                   for y in range(height))

    def chunk(kind, body):
        return struct.pack(">I", len(body)) + kind + body + struct.pack(
            ">I", zlib.crc32(kind + body) & 0xFFFFFFFF)

    with open(path, "wb") as out:
        out.write(b"\x89PNG\r\n\x1a\n")
        out.write(chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)))
        out.write(chunk(b"IDAT", zlib.compress(raw, 9)))
        out.write(chunk(b"IEND", b""))


def srgb_to_linear(v):
    c = v / 255.0
    return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4


def linear_to_srgb8(c):
    c = min(max(c, 0.0), 1.0)
    v = c * 12.92 if c <= 0.0031308 else 1.055 * c ** (1 / 2.4) - 0.055
    return int(round(v * 255))


def write_variants(out_dir):
    width, height, rows = read_png_rgb8(out_dir + "/astronaut.png")
    for name, scale in (("medium", (0.42, 0.30, 0.22)), ("deep", (0.16, 0.10, 0.07))):
        def pixel(x, y, scale=scale):
            return [linear_to_srgb8(srgb_to_linear(rows[y][3 * x + ch]) * scale[ch])
                    for ch in range(3)]

        write_png_rgb8(out_dir + "/astronaut_" + name + ".png", width, height, pixel)


def main():
    if sys.argv[1] == "--variants-only":
        write_variants(sys.argv[2])
        return
    astronaut, out_dir = sys.argv[1], sys.argv[2]
    _, _, rows = read_png_rgb8(astronaut)
    x0, y0, size = 60, 0, 320

    def halved(x, y):
        px = []
        for ch in range(3):
            s = sum(rows[y0 + 2 * y + dy][3 * (x0 + 2 * x + dx) + ch] for dy in (0, 1) for dx in (0, 1))
            px.append((s + 2) // 4)
        return px

    write_png_rgb8(out_dir + "/astronaut.png", size // 2, size // 2, halved)

    def synthetic(x, y):
        inside = math.hypot(x - 60, y - 30) < 18
        return [(x * 255) // 95, (y * 255) // 63, 200 if inside else (x * y) % 256]

    write_png_rgb8(out_dir + "/synthetic.png", 96, 64, synthetic)
    write_variants(out_dir)


if __name__ == "__main__":
    main()
