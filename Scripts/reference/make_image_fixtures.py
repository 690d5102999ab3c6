#!/usr/bin/env python3
"""Reference fixtures for LetheIO's image codecs, resampling, postprocessing and .npy files.

Writes Tests/LetheIOTests/Fixtures/images/ (small files plus manifest.json). Re-run from the repository root:

    python3 Scripts/reference/make_image_fixtures.py

Everything expected comes from the reference libraries themselves: PIL (Pillow) decodes the PNG and JPEG files
and resizes; torchvision and the diffusers textual-inversion recipe preprocess; diffusers' VaeImageProcessor
postprocesses; numpy's np.save writes the .npy files. Inputs are deterministic (seeded), so re-running
reproduces the same files.

PNG inputs come from PIL where PIL can write the colour type and bit depth; the others (2- and 4-bit gray,
16-bit RGB / RGBA / gray+alpha, interlaced files) are written by the tiny PNG encoder below, then decoded by
PIL. One deliberate exception: PIL converts 16-bit grayscale ("I;16") to RGB by clipping every value above 255
to 255, which makes real 16-bit gray photos white; we take the high byte instead (as PIL itself does for 16-bit
RGB, RGBA and gray+alpha), so that fixture's expected pixels are the high bytes, computed with numpy.
"""
import io
import json
import os
import struct
import warnings
import zlib

import numpy as np
import torch
from PIL import Image
from torchvision import transforms

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
OUT = os.path.join(ROOT, "Tests", "LetheIOTests", "Fixtures", "images")


def write(name, data):
    with open(os.path.join(OUT, name), "wb") as handle:
        handle.write(data)


def rgb_bytes(image):
    return image.convert("RGB").tobytes()


# ---------------------------------------------------------------------------------------------------------
# A minimal PNG encoder for the colour types and bit depths PIL cannot write.

ADAM7 = [(0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2)]
CHANNELS = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}


def chunk(kind, payload):
    body = kind + payload
    return struct.pack(">I", len(payload)) + body + struct.pack(">I", zlib.crc32(body) & 0xFFFFFFFF)


def pack_row(samples, bit_depth):
    """samples: 1-D uint array of one row's samples, packed MSB first (sub-byte) or big-endian (16-bit)."""
    if bit_depth == 16:
        return samples.astype(">u2").tobytes()
    if bit_depth == 8:
        return samples.astype(np.uint8).tobytes()
    per_byte = 8 // bit_depth
    padded = np.zeros(-(-len(samples) // per_byte) * per_byte, dtype=np.uint32)
    padded[: len(samples)] = samples
    out = bytearray()
    for start in range(0, len(padded), per_byte):
        byte = 0
        for value in padded[start:start + per_byte]:
            byte = (byte << bit_depth) | int(value)
        out.append(byte)
    return bytes(out)


def encode_png(samples, color_type, bit_depth, interlace=False, palette=None, trns=None):
    """samples: uint array [height, width, channels] of raw sample values."""
    height, width, _ = samples.shape
    raw = bytearray()
    if interlace:
        for x0, y0, dx, dy in ADAM7:
            sub = samples[y0::dy, x0::dx]
            if sub.shape[0] == 0 or sub.shape[1] == 0:
                continue
            for row in sub:
                raw += b"\x00" + pack_row(row.reshape(-1), bit_depth)
    else:
        for row in samples:
            raw += b"\x00" + pack_row(row.reshape(-1), bit_depth)
    header = struct.pack(">IIBBBBB", width, height, bit_depth, color_type, 0, 0, 1 if interlace else 0)
    png = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
    if palette is not None:
        png += chunk(b"PLTE", bytes(np.asarray(palette, dtype=np.uint8).reshape(-1)))
    if trns is not None:
        png += chunk(b"tRNS", trns)
    png += chunk(b"IDAT", zlib.compress(bytes(raw), 9)) + chunk(b"IEND", b"")
    return png


# ---------------------------------------------------------------------------------------------------------

def png_fixtures(rng, manifest):
    width, height = 7, 5
    cases = []

    def add(name, data, expected=None, note="PIL Image.open(...).convert('RGB')"):
        write(name, data)
        if expected is None:
            expected = rgb_bytes(Image.open(io.BytesIO(data)))
        base = name.rsplit(".", 1)[0]
        write(base + ".rgb", expected)
        cases.append({"file": name, "expected": base + ".rgb", "width": width, "height": height, "reference": note})

    def pil_png(image, **options):
        buffer = io.BytesIO()
        image.save(buffer, format="PNG", **options)
        return buffer.getvalue()

    rgb8 = rng.integers(0, 256, (height, width, 3), dtype=np.uint8)
    rgba8 = rng.integers(0, 256, (height, width, 4), dtype=np.uint8)
    gray8 = rng.integers(0, 256, (height, width), dtype=np.uint8)
    la8 = rng.integers(0, 256, (height, width, 2), dtype=np.uint8)

    # Written by PIL.
    add("gray1_pil.png", pil_png(Image.fromarray(gray8 > 127)))
    add("gray8_pil.png", pil_png(Image.fromarray(gray8, "L")))
    add("gray8_trns_pil.png", pil_png(Image.fromarray(gray8, "L"), transparency=int(gray8[0, 0])))
    add("gray_alpha8_pil.png", pil_png(Image.fromarray(la8, "LA")))
    add("rgb8_pil.png", pil_png(Image.fromarray(rgb8, "RGB")))
    add("rgba8_pil.png", pil_png(Image.fromarray(rgba8, "RGBA")))
    for bits in (1, 2, 4, 8):
        colors = 1 << bits
        indices = rng.integers(0, colors, (height, width), dtype=np.uint8)
        image = Image.fromarray(indices, "P")
        image.putpalette(list(rng.integers(0, 256, colors * 3, dtype=np.uint8)))
        add(f"palette{bits}_pil.png", pil_png(image, bits=bits))
    indices = rng.integers(0, 16, (height, width), dtype=np.uint8)
    image = Image.fromarray(indices, "P")
    image.putpalette(list(rng.integers(0, 256, 16 * 3, dtype=np.uint8)))
    add("palette8_trns_pil.png", pil_png(image, transparency=bytes(rng.integers(0, 256, 16, dtype=np.uint8))))

    # 16-bit gray written by PIL; expected = high byte (see the module docstring).
    gray16 = rng.integers(0, 65536, (height, width), dtype=np.uint16)
    gray16[0, :4] = [0, 255, 256, 65535]
    high = (gray16 >> 8).astype(np.uint8)
    add("gray16_pil.png", pil_png(Image.fromarray(gray16)),
        expected=np.repeat(high[..., None], 3, axis=2).tobytes(),
        note="high byte of each 16-bit sample (PIL clips I;16 to 255 instead)")

    # Written by the encoder above, decoded by PIL.
    for bits in (2, 4):
        samples = rng.integers(0, 1 << bits, (height, width, 1), dtype=np.uint8)
        add(f"gray{bits}.png", encode_png(samples, 0, bits))
    add("rgb16.png", encode_png(rng.integers(0, 65536, (height, width, 3), dtype=np.uint16), 2, 16))
    add("rgba16.png", encode_png(rng.integers(0, 65536, (height, width, 4), dtype=np.uint16), 6, 16))
    add("gray_alpha16.png", encode_png(rng.integers(0, 65536, (height, width, 2), dtype=np.uint16), 4, 16))
    add("rgb8_trns.png", encode_png(rgb8, 2, 8, trns=bytes([0, int(rgb8[0, 0, 0]), 0, int(rgb8[0, 0, 1]), 0,
                                                             int(rgb8[0, 0, 2])])))
    add("rgb8_interlaced.png", encode_png(rgb8, 2, 8, interlace=True))
    add("rgba8_interlaced.png", encode_png(rgba8, 6, 8, interlace=True))
    add("rgb16_interlaced.png", encode_png(rng.integers(0, 65536, (height, width, 3), dtype=np.uint16), 2, 16,
                                           interlace=True))
    palette = rng.integers(0, 256, (4, 3), dtype=np.uint8)
    add("palette2_interlaced.png", encode_png(rng.integers(0, 4, (height, width, 1), dtype=np.uint8), 3, 2,
                                              interlace=True, palette=palette))
    add("gray1_interlaced.png", encode_png(rng.integers(0, 2, (height, width, 1), dtype=np.uint8), 0, 1,
                                           interlace=True))
    manifest["png"] = cases


def jpeg_fixtures(rng, manifest):
    width, height = 21, 13
    y, x = np.mgrid[0:height, 0:width]
    smooth = np.stack([x * 255 // (width - 1), y * 255 // (height - 1), (x + y) * 255 // (width + height - 2)], -1)
    noise = rng.integers(-40, 41, (height, width, 3))
    rgb = np.clip(smooth + noise, 0, 255).astype(np.uint8)
    rgb[4:9, 6:12] = [250, 20, 30]  # a sharp block with strong chroma
    image = Image.fromarray(rgb, "RGB")
    cases = []

    def add(name, source, **options):
        buffer = io.BytesIO()
        source.save(buffer, format="JPEG", **options)
        data = buffer.getvalue()
        write(name, data)
        decoded = Image.open(io.BytesIO(data))
        decoded.load()
        base = name.rsplit(".", 1)[0]
        write(base + ".rgb", rgb_bytes(decoded))
        cases.append({"file": name, "expected": base + ".rgb", "width": width, "height": height,
                      "mode": decoded.mode, "progressive": bool(decoded.info.get("progressive", 0))})

    add("rgb_420.jpg", image, quality=90)
    add("rgb_422.jpg", image, quality=85, subsampling=1)
    add("rgb_444_progressive.jpg", image, quality=92, subsampling=0, progressive=True)
    add("rgb_420_progressive.jpg", image, quality=75, progressive=True)
    add("gray.jpg", image.convert("L"), quality=90)
    add("cmyk.jpg", image.convert("CMYK"), quality=90)
    manifest["jpeg"] = cases


def resize_fixtures(rng, manifest):
    width, height = 24, 18
    y, x = np.mgrid[0:height, 0:width]
    base = np.stack([(x * 11 + y * 3) % 256, (y * 14) % 256, (x * y * 5) % 256], -1)
    source = np.clip(base + rng.integers(-60, 61, (height, width, 3)), 0, 255).astype(np.uint8)
    source[3:8, 2:9] = 255  # hard edges: overshoot and clipping for bicubic
    source[10:15, 14:20] = 0
    write("resize_source.rgb", source.tobytes())
    image = Image.fromarray(source, "RGB")
    filters = {"bicubic": Image.Resampling.BICUBIC, "bilinear": Image.Resampling.BILINEAR}
    # Pillow 13 runs the vertical pass first when the height shrinks and the width does not (50x4, 40x5);
    # earlier versions always ran the horizontal pass first, which differs by a level in those cases.
    cases = []
    for name, (out_width, out_height) in [
        ("bicubic", (10, 7)), ("bicubic", (30, 21)), ("bicubic", (24, 9)), ("bicubic", (11, 18)),
        ("bicubic", (5, 40)), ("bicubic", (1, 1)), ("bilinear", (10, 7)), ("bilinear", (30, 21)),
        ("bilinear", (24, 9)), ("bilinear", (50, 4)), ("bicubic", (24, 40)), ("bicubic", (40, 5)),
    ]:
        file = f"resize_{name}_{out_width}x{out_height}.rgb"
        write(file, image.resize((out_width, out_height), resample=filters[name]).tobytes())
        cases.append({"filter": name, "width": out_width, "height": out_height, "expected": file})
    manifest["resize"] = {"source": "resize_source.rgb", "width": width, "height": height, "cases": cases}

    # The textual-inversion recipe: floor-centred square crop, PIL bicubic resize, pixel / 127.5 - 1.
    img = source
    crop = min(img.shape[0], img.shape[1])
    h, w = img.shape[0], img.shape[1]
    img = img[(h - crop) // 2:(h + crop) // 2, (w - crop) // 2:(w + crop) // 2]
    ti = Image.fromarray(img).resize((8, 8), resample=Image.Resampling.BICUBIC)
    ti_pixels = np.array(ti).astype(np.uint8)
    write("ti_pipeline_8.rgb", ti_pixels.tobytes())
    write("ti_pipeline_8.f32", (ti_pixels / 127.5 - 1.0).astype(np.float32).transpose(2, 0, 1).astype("<f4").tobytes())

    # The Forget-Me-Not recipe: torchvision Resize(size) on the shorter side with bilinear, ToTensor, Normalize.
    fmn = transforms.Resize(8, interpolation=transforms.InterpolationMode.BILINEAR)(image)
    fmn_tensor = transforms.Normalize([0.5], [0.5])(transforms.ToTensor()(fmn))
    write("fmn_pipeline_8.rgb", fmn.tobytes())
    write("fmn_pipeline_8.f32", fmn_tensor.numpy().astype("<f4").tobytes())

    # torchvision's CenterCrop rounds the offset half to even; here both offsets are 1.5 -> 2.
    crop_tv = transforms.CenterCrop((15, 21))(image)
    write("torchvision_center_crop_21x15.rgb", crop_tv.tobytes())
    manifest["pipelines"] = {
        "ti": {"size": 8, "pixels": "ti_pipeline_8.rgb", "tensor": "ti_pipeline_8.f32"},
        "fmn": {"size": 8, "width": fmn.size[0], "height": fmn.size[1], "pixels": "fmn_pipeline_8.rgb",
                "tensor": "fmn_pipeline_8.f32"},
        "torchvision_center_crop": {"width": 21, "height": 15, "pixels": "torchvision_center_crop_21x15.rgb"},
    }

    # Every 8-bit level through both normalisations.
    levels = np.arange(256, dtype=np.uint8)
    ti_levels = (levels / 127.5 - 1.0).astype(np.float32)
    tv_levels = transforms.Normalize([0.5], [0.5])(transforms.ToTensor()(levels.reshape(1, 256, 1)))
    write("normalization_levels.f32", ti_levels.astype("<f4").tobytes() +
          tv_levels.numpy().reshape(-1).astype("<f4").tobytes())
    manifest["normalization"] = {"file": "normalization_levels.f32",
                                 "order": ["pixel / 127.5 - 1", "torchvision ToTensor + Normalize(0.5, 0.5)"]}


def postprocess_fixtures(manifest):
    from diffusers.image_processor import VaeImageProcessor

    processor = VaeImageProcessor(vae_scale_factor=8)

    def run(values):
        # One image of 3 x 1 x n: every value goes through the same per-element path.
        n = len(values) // 3
        tensor = torch.from_numpy(np.asarray(values, dtype=np.float32).reshape(1, 3, 1, n))
        as_np = processor.postprocess(tensor, output_type="np")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # NaN -> uint8 in numpy_to_pil
            as_pil = processor.postprocess(tensor, output_type="pil")
        return as_np, np.array(as_pil[0])

    # Inputs on both sides of every rounding boundary between levels k and k + 1, found by bisection over
    # float32 bit patterns with diffusers' own output, plus special values.
    def level_of(value):
        return int(run([value, value, value])[1][0, 0, 0])

    def bits_of(value):
        return int(np.array(value, dtype=np.float32).view(np.uint32))

    def float_of_ordered(k):
        # Map an ordered integer to a float32 so that integer order equals float order.
        bits = k if k >= 0 else (0x80000000 | (-k))
        return float(np.array(bits, dtype=np.uint32).view(np.float32))

    def ordered_of(value):
        bits = bits_of(value)
        return bits if bits < 0x80000000 else -(bits & 0x7FFFFFFF)

    inputs = []
    low, high = ordered_of(-1.0), ordered_of(1.0)
    for level in range(255):
        lo, hi = low, high  # level_of(lo) <= level < level_of(hi)
        while hi - lo > 1:
            mid = (lo + hi) // 2
            if level_of(float_of_ordered(mid)) <= level:
                lo = mid
            else:
                hi = mid
        inputs += [float_of_ordered(lo), float_of_ordered(hi)]
    specials = [-1.0, 1.0, 0.0, -0.0, -2.0, 3.5, 1e-30, -1e-30, 1.4e-45, float("inf"), float("-inf"),
                float("nan"), 0.5, -0.5, 0.999, -0.999]
    inputs += specials
    while len(inputs) % 3:
        inputs.append(0.25)
    as_np, as_pil = run(inputs)
    n = len(inputs) // 3
    flat_in = np.asarray(inputs, dtype=np.float32)
    # diffusers' outputs are HWC: element (c, 0, i) of the input lands at (0, i, c).
    np_out = as_np[0, 0].transpose(1, 0).reshape(-1)
    pil_out = as_pil[0].transpose(1, 0).reshape(-1)
    write("postprocess_inputs.f32", flat_in.astype("<f4").tobytes())
    write("postprocess_np.f32", np_out.astype("<f4").tobytes())
    write("postprocess_pil.u8", pil_out.astype(np.uint8).tobytes())
    manifest["postprocess"] = {"count": len(inputs), "channels": 3, "width": n, "inputs": "postprocess_inputs.f32",
                               "np": "postprocess_np.f32", "pil": "postprocess_pil.u8",
                               "layout": "input value i is element (i / width, 0, i % width) of a [1, 3, 1, width] tensor"}


def npy_fixtures(manifest):
    cases = []
    for shape in [(), (5,), (2, 3), (1, 4, 4, 3), (0, 3), (1000000000000,)]:
        count = int(np.prod(shape))
        if count > 1000:
            # Header-only check for a huge shape: write the header numpy would write, no data.
            buffer = io.BytesIO()
            np.lib.format.write_array_header_1_0(buffer, {"descr": "<f4", "fortran_order": False, "shape": shape})
            name = "npy_header_" + "x".join(map(str, shape)) + ".bin"
            write(name, buffer.getvalue())
            cases.append({"file": name, "shape": list(shape), "headerOnly": True})
            continue
        values = (np.arange(count, dtype=np.float64) * 0.25 - 1.0).astype(np.float32).reshape(shape)
        buffer = io.BytesIO()
        np.save(buffer, values)
        name = "npy_f4_" + ("x".join(map(str, shape)) if shape else "scalar") + ".npy"
        write(name, buffer.getvalue())
        cases.append({"file": name, "shape": list(shape), "headerOnly": False})
    manifest["npy"] = cases

    # Read-side cases: float64 converts; others are rejected.
    buffer = io.BytesIO()
    np.save(buffer, (np.arange(6, dtype=np.float64) / 3.0 - 0.5).reshape(2, 3))
    write("npy_f8_2x3.npy", buffer.getvalue())
    buffer = io.BytesIO()
    np.save(buffer, np.arange(6, dtype=">f4").reshape(2, 3))
    write("npy_big_endian.npy", buffer.getvalue())
    buffer = io.BytesIO()
    np.save(buffer, np.asfortranarray(np.arange(6, dtype=np.float32).reshape(2, 3)))
    write("npy_fortran.npy", buffer.getvalue())
    buffer = io.BytesIO()
    np.save(buffer, np.arange(6, dtype=np.int32))
    write("npy_int32.npy", buffer.getvalue())


def main():
    os.makedirs(OUT, exist_ok=True)
    for name in os.listdir(OUT):
        os.remove(os.path.join(OUT, name))
    rng = np.random.default_rng(20240611)
    manifest = {}
    png_fixtures(rng, manifest)
    jpeg_fixtures(rng, manifest)
    resize_fixtures(rng, manifest)
    postprocess_fixtures(manifest)
    npy_fixtures(manifest)
    with open(os.path.join(OUT, "manifest.json"), "w") as handle:
        json.dump(manifest, handle, indent=1, sort_keys=True)
        handle.write("\n")
    total = sum(os.path.getsize(os.path.join(OUT, name)) for name in os.listdir(OUT))
    print(f"wrote {len(os.listdir(OUT))} files, {total} bytes, to {os.path.relpath(OUT, ROOT)}")


if __name__ == "__main__":
    main()
