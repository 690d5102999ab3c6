#!/usr/bin/env python3
"""Reference training steps for Lethe's diffusion objective: two AdamW steps of diffusers' training-example loop on
the tiny fixture pipelines' UNets, with the batches (latents, noise, timesteps, text embeddings) fixed here.

Per step, as diffusers' examples/text_to_image/train_text_to_image.py does it:
    noisy = noise_scheduler.add_noise(latents, noise, timesteps)
    target = noise (epsilon) or noise_scheduler.get_velocity(latents, noise, timesteps) (v_prediction)
    loss = F.mse_loss(unet(noisy, timesteps, text).sample, target, reduction="mean")
    loss.backward(); clip_grad_norm_(trained, max_grad_norm); optimizer.step(); lr_scheduler.step(); zero_grad()

  sd1-tiny: every parameter trains (epsilon), AdamW lr 1e-3, weight decay 1e-2, clipping at 0.05 (so it clips).
  sd2-tiny: only attn2 trains (v_prediction), AdamW lr 5e-4, betas (0.8, 0.99), weight decay 0, clipping at 10.

Requires torch, diffusers, safetensors. Run from the repository root:
    python3 Scripts/reference/make_training_step_fixtures.py
Writes Tests/Fixtures/references/training-step-<name>.safetensors: batch.<step>.{latents,noise,timesteps,
encoder_hidden_states}, loss (per step), grad_norm (per step, before clipping), updated.<parameter> (after the last
step, trained parameters only).
"""
import os
import re

import torch
import torch.nn.functional as F
from diffusers import DDPMScheduler, UNet2DConditionModel
from safetensors.torch import save_file

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
PIPELINES = os.path.join(ROOT, "Tests", "Fixtures", "pipelines")
OUT = os.path.join(ROOT, "Tests", "Fixtures", "references")

CASES = {
    "sd1-tiny": dict(variant=None, train=r"", lr=1e-3, betas=(0.9, 0.999), weight_decay=1e-2, max_grad_norm=0.05),
    "sd2-tiny": dict(variant="fp16", train=r"(^|\.)attn2\.", lr=5e-4, betas=(0.8, 0.99), weight_decay=0.0,
                     max_grad_norm=10.0),
}
STEPS = 2


def main():
    for name, case in CASES.items():
        folder = os.path.join(PIPELINES, name)
        unet = UNet2DConditionModel.from_pretrained(folder, subfolder="unet", variant=case["variant"],
                                                    torch_dtype=torch.float32)
        scheduler = DDPMScheduler.from_pretrained(folder, subfolder="scheduler")
        trained = []
        for parameter_name, parameter in unet.named_parameters():
            keep = re.search(case["train"], parameter_name) is not None
            parameter.requires_grad_(keep)
            if keep:
                trained.append((parameter_name, parameter))
        optimizer = torch.optim.AdamW([p for _, p in trained], lr=case["lr"], betas=case["betas"],
                                      weight_decay=case["weight_decay"])
        generator = torch.Generator().manual_seed(7)
        width = unet.config.cross_attention_dim
        tensors = {}
        losses, norms = [], []
        for step in range(STEPS):
            latents = torch.randn(2, 4, 8, 8, generator=generator)
            noise = torch.randn(2, 4, 8, 8, generator=generator)
            timesteps = torch.tensor([17 + 500 * step, 930 - 300 * step])
            text = torch.randn(2, 77, width, generator=generator)
            noisy = scheduler.add_noise(latents, noise, timesteps)
            if scheduler.config.prediction_type == "epsilon":
                target = noise
            else:
                target = scheduler.get_velocity(latents, noise, timesteps)
            loss = F.mse_loss(unet(noisy, timesteps, encoder_hidden_states=text).sample, target, reduction="mean")
            loss.backward()
            norm = torch.nn.utils.clip_grad_norm_([p for _, p in trained], case["max_grad_norm"])
            optimizer.step()
            optimizer.zero_grad()
            losses.append(loss.item())
            norms.append(norm.item())
            tensors.update({f"batch.{step}.latents": latents, f"batch.{step}.noise": noise,
                            f"batch.{step}.timesteps": timesteps.to(torch.int64),
                            f"batch.{step}.encoder_hidden_states": text})
        tensors["loss"] = torch.tensor(losses, dtype=torch.float64)
        tensors["grad_norm"] = torch.tensor(norms, dtype=torch.float64)
        for parameter_name, parameter in trained:
            tensors[f"updated.{parameter_name}"] = parameter.detach().clone()
        path = os.path.join(OUT, f"training-step-{name}.safetensors")
        save_file({k: v.contiguous() for k, v in tensors.items()}, path)
        print(f"{path}: losses {losses}, grad norms {norms}, {len(trained)} trained tensors")


if __name__ == "__main__":
    main()
