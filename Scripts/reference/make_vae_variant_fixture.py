#!/usr/bin/env python3
"""A tiny AutoencoderKL with the options Stable Diffusion's VAEs leave at their defaults switched the other way
(no mid-block attention, no quant_conv / post_quant_conv, two resnets per block), and its diffusers outputs for
an image and latents of odd sizes.

Requires torch, diffusers, safetensors (PyPI). Run from the repository root:
    python3 Scripts/reference/make_vae_variant_fixture.py
Writes Tests/Fixtures/references/vae-variant/{config.json, diffusion_pytorch_model.safetensors} (the model) and
Tests/Fixtures/references/vae-variant.safetensors (inputs and outputs).
"""
import os
import shutil

import torch
from diffusers import AutoencoderKL
from safetensors.torch import save_file

from make_pipeline_fixtures import randomize

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
OUT = os.path.join(ROOT, "Tests", "Fixtures", "references")


@torch.no_grad()
def main():
    torch.set_num_threads(1)
    generator = torch.Generator().manual_seed(20261124)
    vae = AutoencoderKL(in_channels=3, out_channels=3, latent_channels=4, block_out_channels=(8, 16, 16),
                        down_block_types=("DownEncoderBlock2D",) * 3, up_block_types=("UpDecoderBlock2D",) * 3,
                        layers_per_block=2, norm_num_groups=4, sample_size=16, mid_block_add_attention=False,
                        use_quant_conv=False, use_post_quant_conv=False).eval()
    randomize(vae, generator)
    folder = os.path.join(OUT, "vae-variant")
    if os.path.exists(folder):
        shutil.rmtree(folder)
    # Stored as float16 (the weights are float16 values) to keep the fixture small.
    vae.half().save_pretrained(folder, safe_serialization=True)
    vae.float()

    out = {}
    image = torch.rand((2, 3, 18, 14), generator=generator) * 2 - 1
    posterior = vae.encode(image).latent_dist
    out["image"] = image
    out["encoder.mean"] = posterior.mean
    out["encoder.std"] = posterior.std
    latents = torch.randn((1, 4, 3, 5), generator=generator)
    out["decoder.latents"] = latents
    out["decoder.output"] = vae.decode(latents).sample
    save_file({key: value.contiguous() for key, value in out.items()}, os.path.join(OUT, "vae-variant.safetensors"),
              metadata={"generator": "Scripts/reference/make_vae_variant_fixture.py"})
    print(f"vae-variant: {len(out)} tensors, latents {tuple(posterior.mean.shape)}")


if __name__ == "__main__":
    main()
