#!/usr/bin/env python3
"""Reference UNet outputs for inputs the pipeline fixtures do not cover: odd latent sizes (diffusers then passes
each up block the size of the skip connection it meets), a fractional timestep and one timestep per sample.

Uses the committed tiny pipelines (Tests/Fixtures/pipelines, made by make_pipeline_fixtures.py) and their text
encoder outputs. Requires torch, diffusers, safetensors (PyPI). Run from the repository root:
    python3 Scripts/reference/make_unet_shape_fixtures.py
Writes Tests/Fixtures/references/unet-shapes.safetensors.
"""
import os

import torch
from diffusers import UNet2DConditionModel
from safetensors.torch import load_file, save_file

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
FIXTURES = os.path.join(ROOT, "Tests", "Fixtures")


@torch.no_grad()
def main():
    torch.set_num_threads(1)
    generator = torch.Generator().manual_seed(20261123)
    out = {}
    for name, variant in (("sd1-tiny", None), ("sd2-tiny", "fp16")):
        unet = UNet2DConditionModel.from_pretrained(os.path.join(FIXTURES, "pipelines", name, "unet"),
                                                    variant=variant, torch_dtype=torch.float32).eval()
        text = load_file(os.path.join(FIXTURES, "references", f"{name}.safetensors"))["text.last_hidden_state"]
        # 6×10 latents: not multiples of 4 (two upsamplers), so up blocks meet 3×5 skips from 2×3 inputs.
        odd = torch.randn((1, 4, 6, 10), generator=generator)
        out[f"{name}.odd.sample"] = odd
        out[f"{name}.odd.output"] = unet(odd, 250.5, encoder_hidden_states=text[2:3]).sample
        # One timestep per sample, on a 5×7 latent (odd in both directions).
        pair = torch.randn((2, 4, 5, 7), generator=generator)
        timesteps = torch.tensor([981.0, 21.0])
        out[f"{name}.pair.sample"] = pair
        out[f"{name}.pair.timesteps"] = timesteps
        out[f"{name}.pair.output"] = unet(pair, timesteps, encoder_hidden_states=text[:2]).sample
    save_file({key: value.contiguous() for key, value in out.items()},
              os.path.join(FIXTURES, "references", "unet-shapes.safetensors"),
              metadata={"generator": "Scripts/reference/make_unet_shape_fixtures.py"})
    print(f"unet-shapes: {len(out)} tensors")


if __name__ == "__main__":
    main()
