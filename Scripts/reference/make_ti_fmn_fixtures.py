#!/usr/bin/env python3
"""Reference steps for Lethe's textual inversion and Forget-Me-Not on the tiny sd1 fixture pipeline, and checks that
their outputs load in diffusers.

  Textual inversion (diffusers' examples/textual_inversion/textual_inversion.py): placeholders <toy> and <toy>_1 added
  to the tokenizer, initialised from "cat", one AdamW step (lr 1e-3, weight decay 1e-2) on the diffusion loss of two
  samples whose latents, noise and timesteps are fixed here, original rows restored, then Forget-Me-Not's
  renormalisation (norm n -> n + min(1, 100 lr) (0.4 - n)).
  Forget-Me-Not (src/train_attn.py, with its two bugs fixed): prompt "a photo of cat", the norm of the attn2
  probabilities on the concept's position, the mask paired with each sample's heads, every UNet parameter trained,
  clip_grad_norm_(1.0) applied, one AdamW step (lr 1e-3, weight decay 1e-2).

Requires torch, diffusers, transformers, safetensors, numpy, Pillow. Run from the repository root:
    python3 Scripts/reference/make_ti_fmn_fixtures.py            # writes the fixtures
    python3 Scripts/reference/make_ti_fmn_fixtures.py --check-embedding FILE --check-folder DIR
                                                                 # loads Lethe's outputs in diffusers
Writes Tests/Fixtures/references/ti-step-sd1-tiny.safetensors, fmn-step-sd1-tiny.safetensors and the training images
Tests/Fixtures/references/ti-fmn-images/img{0,1,2}.png.
"""
import argparse
import os

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image
from diffusers import DDPMScheduler, StableDiffusionPipeline, UNet2DConditionModel
from safetensors.torch import save_file
from transformers import CLIPTextModel, CLIPTokenizer

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
MODEL = os.path.join(ROOT, "Tests", "Fixtures", "pipelines", "sd1-tiny")
OUT = os.path.join(ROOT, "Tests", "Fixtures", "references")


def write_images():
    folder = os.path.join(OUT, "ti-fmn-images")
    os.makedirs(folder, exist_ok=True)
    rng = np.random.default_rng(0)
    for i in range(3):
        Image.fromarray(rng.integers(0, 255, (40 + i * 4, 36, 3), dtype=np.uint8)).save(os.path.join(folder, f"img{i}.png"))


def inputs(generator):
    latents = torch.randn(2, 4, 8, 8, generator=generator)
    noise = torch.randn(2, 4, 8, 8, generator=generator)
    timesteps = torch.tensor([100, 700])
    return latents, noise, timesteps


def textual_inversion_step():
    tokenizer = CLIPTokenizer.from_pretrained(MODEL, subfolder="tokenizer")
    text_encoder = CLIPTextModel.from_pretrained(MODEL, subfolder="text_encoder")
    unet = UNet2DConditionModel.from_pretrained(MODEL, subfolder="unet")
    scheduler = DDPMScheduler.from_pretrained(MODEL, subfolder="scheduler")
    tokens = ["<toy>", "<toy>_1"]
    assert tokenizer.add_tokens(tokens) == 2
    init_id = tokenizer.encode("cat", add_special_tokens=False)[0]
    ids = tokenizer.convert_tokens_to_ids(tokens)
    text_encoder.resize_token_embeddings(len(tokenizer))
    table = text_encoder.get_input_embeddings().weight
    with torch.no_grad():
        for i in ids:
            table[i] = table[init_id].clone()
    original = table.detach().clone()
    unet.requires_grad_(False)
    text_encoder.requires_grad_(False)
    table.requires_grad_(True)
    lr = 1e-3
    optimizer = torch.optim.AdamW([table], lr=lr, betas=(0.9, 0.999), weight_decay=1e-2, eps=1e-8)
    prompts = ["a photo of a <toy> <toy>_1", "a rendering of a <toy> <toy>_1"]
    input_ids = tokenizer(prompts, padding="max_length", max_length=77, truncation=True, return_tensors="pt").input_ids
    latents, noise, timesteps = inputs(torch.Generator().manual_seed(11))
    noisy = scheduler.add_noise(latents, noise, timesteps)
    context = text_encoder(input_ids)[0]
    loss = F.mse_loss(unet(noisy, timesteps, context).sample, noise, reduction="mean")
    loss.backward()
    grad_norm = table.grad[ids].norm()
    optimizer.step()
    with torch.no_grad():
        keep = torch.ones(len(tokenizer), dtype=torch.bool)
        keep[ids] = False
        table[keep] = original[keep]
        rows = table[ids]
        norm = rows.norm(dim=-1, keepdim=True)
        strength = min(1.0, 100 * lr)
        table[ids] = F.normalize(rows, dim=-1) * (norm + strength * (0.4 - norm))
    return {
        "input_ids": input_ids.to(torch.int64), "latents": latents, "noise": noise,
        "timesteps": timesteps.to(torch.int64), "loss": torch.tensor([loss.item()], dtype=torch.float64),
        "grad_norm": torch.tensor([grad_norm.item()], dtype=torch.float64),
        "initial_rows": original[ids].clone(), "rows": table[ids].detach().clone(),
    }


class ConceptAttention:
    """The attn2 processor: records the probabilities at the concept's positions, mask repeated per sample's heads."""

    def __init__(self, positions):
        self.positions = positions  # [batch, 77] bool
        self.captured = []

    def __call__(self, attn, hidden_states, encoder_hidden_states=None, attention_mask=None, **kwargs):
        query = attn.head_to_batch_dim(attn.to_q(hidden_states))
        key = attn.head_to_batch_dim(attn.to_k(encoder_hidden_states))
        value = attn.head_to_batch_dim(attn.to_v(encoder_hidden_states))
        probs = attn.get_attention_scores(query, key, None)
        heads = probs.shape[0] // self.positions.shape[0]
        mask = self.positions.repeat_interleave(heads, dim=0)[:, None, :].expand_as(probs)
        self.captured.append(probs.masked_select(mask))
        out = attn.batch_to_head_dim(torch.bmm(probs, value))
        return attn.to_out[1](attn.to_out[0](out))


def forget_me_not_step():
    tokenizer = CLIPTokenizer.from_pretrained(MODEL, subfolder="tokenizer")
    text_encoder = CLIPTextModel.from_pretrained(MODEL, subfolder="text_encoder")
    unet = UNet2DConditionModel.from_pretrained(MODEL, subfolder="unet")
    scheduler = DDPMScheduler.from_pretrained(MODEL, subfolder="scheduler")
    prompt = "a photo of cat"
    input_ids = tokenizer([prompt] * 2, padding="max_length", max_length=77, truncation=True, return_tensors="pt").input_ids
    concept = tokenizer("cat", add_special_tokens=False).input_ids
    positions = torch.zeros(2, 77, dtype=torch.bool)
    for i in range(77 - len(concept)):
        if input_ids[0, i:i + len(concept)].tolist() == concept:
            positions[:, i:i + len(concept)] = True
    controller = ConceptAttention(positions)
    unet.set_attn_processor({name: (controller if name.endswith("attn2.processor") else proc)
                             for name, proc in unet.attn_processors.items()})
    text_encoder.requires_grad_(False)
    params = list(unet.parameters())
    optimizer = torch.optim.AdamW(params, lr=1e-3, betas=(0.9, 0.999), weight_decay=1e-2, eps=1e-8)
    latents, noise, timesteps = inputs(torch.Generator().manual_seed(12))
    noisy = scheduler.add_noise(latents, noise, timesteps)
    context = text_encoder(input_ids)[0]
    unet(noisy, timesteps, context)
    loss = torch.cat(controller.captured).norm()
    loss.backward()
    grad_norm = torch.nn.utils.clip_grad_norm_(params, 1.0)
    optimizer.step()
    tensors = {
        "latents": latents, "noise": noise, "timesteps": timesteps.to(torch.int64),
        "positions": positions[0].nonzero().flatten().to(torch.int64),
        "loss": torch.tensor([loss.item()], dtype=torch.float64),
        "grad_norm": torch.tensor([grad_norm.item()], dtype=torch.float64),
    }
    for name, parameter in unet.named_parameters():
        if "attn2" in name or name.startswith("conv_in") or name.startswith("time_embedding"):
            tensors[f"updated.{name}"] = parameter.detach().clone()
    return tensors


def check(embedding, folder):
    if embedding:
        pipe = StableDiffusionPipeline.from_pretrained(MODEL, safety_checker=None, requires_safety_checker=False)
        pipe.load_textual_inversion(embedding)
        tokens = [t for t in pipe.tokenizer.get_added_vocab() if not t.startswith("<|")]
        print(f"load_textual_inversion: {embedding} added {tokens}")
    if folder:
        pipe = StableDiffusionPipeline.from_pretrained(folder, safety_checker=None, requires_safety_checker=False)
        image = pipe("a photo of cat", num_inference_steps=2, output_type="np").images
        print(f"StableDiffusionPipeline.from_pretrained: {folder} generates {image.shape}")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--check-embedding")
    parser.add_argument("--check-folder")
    args = parser.parse_args()
    if args.check_embedding or args.check_folder:
        check(args.check_embedding, args.check_folder)
        return
    torch.manual_seed(0)
    write_images()
    for name, tensors in [("ti-step-sd1-tiny", textual_inversion_step()), ("fmn-step-sd1-tiny", forget_me_not_step())]:
        path = os.path.join(OUT, f"{name}.safetensors")
        save_file({k: v.contiguous() for k, v in tensors.items()}, path)
        print(f"{path}: loss {tensors['loss'].item():.6f}, grad norm {tensors['grad_norm'].item():.6f}")


if __name__ == "__main__":
    main()
