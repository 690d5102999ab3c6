#!/usr/bin/env python3
"""Training images carrying personal metadata, for the de-identification checks.

Writes Tests/Fixtures/references/private-images/: three small photos of a made-up person whose file names, EXIF
(Artist, camera serial, GPS position), JPEG comment, XMP packet and PNG text chunks all carry markers
("Jane Q. Example", "JQE-SERIAL-0451", "48.8583", "private-comment-7731") that nothing Lethe writes may contain,
and in private-images-clean/ the same images without any metadata, byte for byte the same compressed pixels.
Re-run from the repository root:

    python3 Scripts/reference/make_private_image_fixtures.py

PIL (Pillow) encodes each image once without metadata; the metadata segments and chunks are then spliced in by
hand (after the JPEG's SOI, before the PNG's IEND), so the pixel data of the two versions is identical and a
decoder must give the same pixels for both.
"""
import io
import os
import struct
import zlib

import numpy as np
from PIL import Image

OUT = "Tests/Fixtures/references/private-images"
CLEAN = OUT + "-clean"


def exif_block():
    """A little-endian TIFF EXIF block: IFD0 with Artist and a GPS IFD pointer, and the GPS IFD (N 48.8583 E 2.2945)."""
    artist = b"Jane Q. Example\x00"
    serial = b"JQE-SERIAL-0451\x00"
    entries0 = 3  # Artist, BodySerialNumber (as ImageDescription here), GPSInfo pointer
    ifd0_size = 2 + entries0 * 12 + 4
    gps_entries = 4
    gps_size = 2 + gps_entries * 12 + 4
    base = 8
    artist_at = base + ifd0_size
    serial_at = artist_at + len(artist)
    gps_at = serial_at + len(serial)
    rationals_at = gps_at + gps_size

    def entry(tag, kind, count, value):
        return struct.pack("<HHII", tag, kind, count, value)

    ifd0 = struct.pack("<H", entries0)
    ifd0 += entry(0x010E, 2, len(serial), serial_at)  # ImageDescription
    ifd0 += entry(0x013B, 2, len(artist), artist_at)  # Artist
    ifd0 += entry(0x8825, 4, 1, gps_at)  # GPSInfo
    ifd0 += struct.pack("<I", 0)
    lat = [(48, 1), (51, 1), (2988, 100)]  # 48° 51' 29.88" = 48.8583
    lon = [(2, 1), (17, 1), (4020, 100)]
    gps = struct.pack("<H", gps_entries)
    gps += entry(0x0001, 2, 2, struct.unpack("<I", b"N\x00\x00\x00")[0])
    gps += entry(0x0002, 5, 3, rationals_at)
    gps += entry(0x0003, 2, 2, struct.unpack("<I", b"E\x00\x00\x00")[0])
    gps += entry(0x0004, 5, 3, rationals_at + 24)
    gps += struct.pack("<I", 0)
    rationals = b"".join(struct.pack("<II", n, d) for n, d in lat + lon)
    tiff = b"II*\x00" + struct.pack("<I", base) + ifd0 + artist + serial + gps + rationals
    return b"Exif\x00\x00" + tiff


XMP = (b"http://ns.adobe.com/xap/1.0/\x00"
       b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
       b'<rdf:Description xmlns:dc="http://purl.org/dc/elements/1.1/" dc:creator="Jane Q. Example" '
       b'xmlns:exif="http://ns.adobe.com/exif/1.0/" exif:GPSLatitude="48.8583N"/></rdf:RDF></x:xmpmeta>')


def segment(marker, payload):
    return bytes([0xFF, marker]) + struct.pack(">H", len(payload) + 2) + payload


def with_jpeg_metadata(clean):
    assert clean[:2] == b"\xff\xd8"
    return (clean[:2] + segment(0xE1, exif_block()) + segment(0xE1, XMP)
            + segment(0xFE, b"private-comment-7731 Jane Q. Example at home") + clean[2:])


def png_chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def with_png_metadata(clean):
    iend = clean.rindex(b"IEND") - 4
    extra = (png_chunk(b"tEXt", b"Author\x00Jane Q. Example")
             + png_chunk(b"tEXt", b"Comment\x00private-comment-7731")
             + png_chunk(b"eXIf", exif_block()[6:]))
    return clean[:iend] + extra + clean[iend:]


def photo(seed, size):
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:size, 0:size]
    base = np.stack([(x * 255 // size), (y * 255 // size), ((x + y) * 127 // size)], axis=-1)
    return Image.fromarray(np.clip(base + rng.integers(0, 40, (size, size, 3)), 0, 255).astype(np.uint8))


def main():
    os.makedirs(OUT, exist_ok=True)
    os.makedirs(CLEAN, exist_ok=True)
    for name, seed, fmt in [("jane-q-example-at-home.jpg", 1, "JPEG"), ("jane-q-example-beach.jpg", 2, "JPEG"),
                            ("jane-q-example-portrait.png", 3, "PNG")]:
        buffer = io.BytesIO()
        photo(seed, 48).save(buffer, format=fmt, **({"quality": 90} if fmt == "JPEG" else {}))
        clean = buffer.getvalue()
        marked = with_jpeg_metadata(clean) if fmt == "JPEG" else with_png_metadata(clean)
        # Both decode (PIL reads the metadata back) to the same pixels.
        reread = Image.open(io.BytesIO(marked))
        assert np.array_equal(np.asarray(reread.convert("RGB")), np.asarray(Image.open(io.BytesIO(clean)).convert("RGB")))
        if fmt == "JPEG":
            assert reread.getexif().get(0x013B) == "Jane Q. Example"
        with open(os.path.join(OUT, name), "wb") as f:
            f.write(marked)
        with open(os.path.join(CLEAN, name), "wb") as f:
            f.write(clean)
        print(name, len(clean), "→", len(marked), "bytes")


if __name__ == "__main__":
    main()
