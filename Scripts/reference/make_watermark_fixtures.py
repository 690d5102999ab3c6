#!/usr/bin/env python3
"""Reference fixtures for LetheIO's invisible watermark (the invisible-watermark package's dwtDct method).

Writes Tests/LetheIOTests/Fixtures/watermark/ (two cover PNGs, the same marked by the package, manifest.json).
Re-run from the repository root:

    pip install invisible-watermark opencv-python-headless PyWavelets
    python3 Scripts/reference/make_watermark_fixtures.py

Made with invisible-watermark 0.2.0, OpenCV 5.1 and PyWavelets 1.8 (the manifest records them). The covers are drawn here from seeded
NumPy noise, gradients and shapes (with saturated corners, so the colour conversions clip); one is 262 x 259,
whose sides are not multiples of 4 or 8, so the edges the method leaves unmarked are covered too. Each cover is
marked the way Stable Diffusion's scripts mark theirs: the RGB image flipped to BGR for
`WatermarkEncoder.encode(image, 'dwtDct')`, flipped back before saving. The manifest records, for each marked
image, the watermark type and content, its bits, and the bits the package's own WatermarkDecoder reads back from it (they
are not always the mark: the method loses bits on busy pictures, and Lethe must read what the package reads).
It also records what the decoder reads from the unmarked covers.

Before writing, the script checks the premise of Lethe's OpenCVYUV: cv2.cvtColor's 8-bit BGR2YUV and YUV2BGR
equal the 14-bit fixed-point formulas on all 2^24 inputs each way.
"""
import json
import os

from importlib.metadata import version

import cv2
import numpy as np
import pywt
from imwatermark import WatermarkDecoder, WatermarkEncoder
from PIL import Image

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
OUT = os.path.join(ROOT, "Tests", "LetheIOTests", "Fixtures", "watermark")

SDXL_BITS = [int(bit) for bit in bin(0xB3EC907BB19E)[2:]]


def check_opencv_yuv():
    values = np.arange(1 << 24, dtype=np.uint32)
    triples = np.stack([(values >> 16) & 255, (values >> 8) & 255, values & 255], -1).astype(np.uint8)
    triples = triples.reshape(4096, 4096, 3)
    first, second, third = [triples[..., i].astype(np.int64) for i in range(3)]

    def descale(x):
        return (x + (1 << 13)) >> 14

    # BGR to YUV: first = B, second = G, third = R.
    y = descale(first * 1868 + second * 9617 + third * 4899)
    u = descale((first - y) * 8061 + (128 << 14))
    v = descale((third - y) * 14369 + (128 << 14))
    expected = np.stack([y, u, v], -1).clip(0, 255).astype(np.uint8)
    assert np.array_equal(cv2.cvtColor(triples, cv2.COLOR_BGR2YUV), expected), "BGR2YUV is not the fixed-point formula"
    # YUV to BGR: first = Y, second = U, third = V.
    b = first + descale((second - 128) * 33292)
    g = first + descale((second - 128) * -6472 + (third - 128) * -9519)
    r = first + descale((third - 128) * 18678)
    expected = np.stack([b, g, r], -1).clip(0, 255).astype(np.uint8)
    assert np.array_equal(cv2.cvtColor(triples, cv2.COLOR_YUV2BGR), expected), "YUV2BGR is not the fixed-point formula"


def cover(width, height, seed, noise):
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:height, 0:width].astype(np.float64)
    red = 128 + 90 * np.sin(xx / 23.0 + seed) * np.cos(yy / 31.0)
    green = 128 + 100 * np.sin((xx + yy) / 40.0)
    blue = 160 * xx / width + 60 * np.cos(yy / 17.0) + 40
    image = np.stack([red, green, blue], -1)
    for _ in range(6):
        cx, cy, radius = rng.uniform(0, width), rng.uniform(0, height), rng.uniform(15, 50)
        inside = (xx - cx) ** 2 + (yy - cy) ** 2 < radius ** 2
        image[inside] = rng.uniform(0, 255, 3)
    image += rng.normal(0, noise, image.shape)
    image = image.clip(0, 255).astype(np.uint8)
    # Saturated corners: pure blue, yellow, white and black.
    for (x, y), colour in zip([(0, 0), (width - 24, 0), (0, height - 24), (width - 24, height - 24)],
                              [(0, 0, 255), (255, 255, 0), (255, 255, 255), (0, 0, 0)]):
        image[y:y + 24, x:x + 24] = colour
    return image


def decoder_bits(rgb, wm_type, length):
    """What the package's decoder reads, as a string of 0 and 1."""
    decoded = WatermarkDecoder(wm_type, length).decode(np.ascontiguousarray(rgb[:, :, ::-1]), "dwtDct")
    if wm_type == "bits":
        return bit_string(decoded)
    return bit_string(np.unpackbits(np.frombuffer(bytes(decoded), dtype=np.uint8)))


def bit_string(bits):
    return "".join(str(int(bit)) for bit in bits)


def main():
    check_opencv_yuv()
    os.makedirs(OUT, exist_ok=True)
    # A grainy cover and a smooth one (the grain also keeps the committed PNGs from compressing much).
    covers = {"cover-262x259.png": cover(262, 259, 1, 4.0), "cover-256x256.png": cover(256, 256, 2, 1.0)}
    marks = [
        ("sd1", "bytes", "StableDiffusionV1"),
        ("lethe", "bytes", "Lethe"),
        ("sdxl", "bits", SDXL_BITS),
    ]
    cases = []
    unmarked = []
    for cover_name, rgb in covers.items():
        Image.fromarray(rgb).save(os.path.join(OUT, cover_name))
        unmarked.append({"cover": cover_name, "length": 40, "decoded_bits": decoder_bits(rgb, "bytes", 40)})
        for name, wm_type, content in marks:
            encoder = WatermarkEncoder()
            encoder.set_watermark(wm_type, content.encode("utf-8") if wm_type == "bytes" else content)
            marked = encoder.encode(np.ascontiguousarray(rgb[:, :, ::-1]), "dwtDct")[:, :, ::-1]
            marked_name = f"{os.path.splitext(cover_name)[0]}-{name}.png"
            Image.fromarray(np.ascontiguousarray(marked)).save(os.path.join(OUT, marked_name))
            length = encoder.get_length()
            bits = bit_string(encoder._watermarks)
            decoded = decoder_bits(marked, wm_type, length)
            cases.append({
                "cover": cover_name, "marked": marked_name, "type": wm_type,
                "content": content if isinstance(content, str) else bit_string(content),
                "bits": bits, "decoded_bits": decoded,
                "changed_pixels": int(np.count_nonzero((marked != rgb).any(-1))),
            })
            print(f"{marked_name}: {length} bits, the package reads back {sum(a == b for a, b in zip(bits, decoded))}")
    manifest = {
        "generator": f"invisible-watermark {version('invisible-watermark')}, OpenCV {cv2.__version__}, "
                     f"PyWavelets {pywt.__version__}",
        "cases": cases, "unmarked": unmarked,
    }
    with open(os.path.join(OUT, "manifest.json"), "w") as handle:
        json.dump(manifest, handle, indent=1)
        handle.write("\n")


if __name__ == "__main__":
    main()
