#!/usr/bin/env python3
"""Builds two tiny random Stable Diffusion pipelines in diffusers format and the reference outputs Lethe's model
tests compare against.

  sd1-tiny: SD 1.x-like. Conv proj_in/out, attention_head_dim as int, quick_gelu text encoder, pad <|endoftext|>,
            epsilon prediction, PNDM scheduler as SD 1.x ships it; plain F32 weight files.
  sd2-tiny: SD 2.x-like. Linear proj_in/out, attention_head_dim as a list, upcast_attention, gelu text encoder,
            pad "!", v_prediction, DDIM; weights in the `.fp16.safetensors` variant and a sharded UNet.

Weights are random (not diffusers' init, which leaves norms at 1/0 and would hide mistakes) and rounded to float16
so that the fp16 files hold exactly what the float32 references were computed with.

Requires torch, diffusers, transformers, safetensors (PyPI). Run from the repository root:
    python3 Scripts/reference/make_pipeline_fixtures.py
Writes Tests/Fixtures/pipelines/<name>/ (a diffusers folder) and Tests/Fixtures/references/<name>.safetensors.
"""
import json
import math
import os
import shutil
import sys

import torch
from diffusers import (AutoencoderKL, DDIMScheduler, DDPMScheduler, EulerAncestralDiscreteScheduler,
                       EulerDiscreteScheduler, PNDMScheduler, StableDiffusionPipeline, UNet2DConditionModel)
from safetensors.torch import save_file
from transformers import CLIPTextConfig, CLIPTextModel, CLIPTokenizer

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
VOCAB_DIR = os.environ.get("LETHE_CLIP_VOCAB", os.path.join(ROOT, "Sources", "LetheModels", "Resources", "clip"))
OUT = os.path.join(ROOT, "Tests", "Fixtures")

PROMPTS = ["a photograph of an astronaut riding a horse", "A painting in the style of Van Gogh, starry night!!"]
NEGATIVE = "blurry, low quality"
SCHEDULERS = {
    "ddim": DDIMScheduler, "pndm": PNDMScheduler, "euler": EulerDiscreteScheduler,
    "euler-a": EulerAncestralDiscreteScheduler, "ddpm": DDPMScheduler,
}

FAMILIES = {
    "sd1-tiny": dict(
        text=dict(hidden_size=8, intermediate_size=37, num_hidden_layers=2, num_attention_heads=2,
                  hidden_act="quick_gelu", projection_dim=8),
        pad_token="<|endoftext|>",
        unet=dict(block_out_channels=(16, 32, 32), layers_per_block=2, norm_num_groups=8, cross_attention_dim=8,
                  attention_head_dim=4, use_linear_projection=False, upcast_attention=False,
                  down_block_types=("CrossAttnDownBlock2D", "CrossAttnDownBlock2D", "DownBlock2D"),
                  up_block_types=("UpBlock2D", "CrossAttnUpBlock2D", "CrossAttnUpBlock2D")),
        scheduler=(PNDMScheduler, dict(beta_start=0.00085, beta_end=0.012, beta_schedule="scaled_linear",
                                       num_train_timesteps=1000, set_alpha_to_one=False, skip_prk_steps=True,
                                       steps_offset=1, prediction_type="epsilon", clip_sample=False)),
        variant=None, max_shard_size=None, slow_tokenizer_files=True, legacy_scheduler_config=True,
    ),
    "sd2-tiny": dict(
        text=dict(hidden_size=16, intermediate_size=40, num_hidden_layers=2, num_attention_heads=4,
                  hidden_act="gelu", projection_dim=16),
        pad_token="!",
        unet=dict(block_out_channels=(16, 32, 32), layers_per_block=2, norm_num_groups=8, cross_attention_dim=16,
                  attention_head_dim=[2, 4, 4], use_linear_projection=True, upcast_attention=True,
                  down_block_types=("CrossAttnDownBlock2D", "CrossAttnDownBlock2D", "DownBlock2D"),
                  up_block_types=("UpBlock2D", "CrossAttnUpBlock2D", "CrossAttnUpBlock2D")),
        scheduler=(DDIMScheduler, dict(beta_start=0.00085, beta_end=0.012, beta_schedule="scaled_linear",
                                       num_train_timesteps=1000, set_alpha_to_one=False, steps_offset=1,
                                       prediction_type="v_prediction", clip_sample=False,
                                       timestep_spacing="leading")),
        variant="fp16", max_shard_size="300KB",
    ),
}


def randomize(module, generator, float16_representable=True):
    """Random weights with unit-scale activations; every norm gets a non-trivial scale and shift. Shared by the
    other fixture scripts."""
    with torch.no_grad():
        for name, parameter in module.named_parameters():
            if parameter.ndim >= 2:
                fan_in = parameter[0].numel()
                values = torch.randn(parameter.shape, generator=generator) / math.sqrt(fan_in)
            elif name.endswith("weight"):
                values = 1 + 0.2 * torch.randn(parameter.shape, generator=generator)
            else:
                values = 0.2 * torch.randn(parameter.shape, generator=generator)
            # Representable in float16, so the fp16 variant files hold exactly these values.
            parameter.copy_(values.half().float() if float16_representable else values)


def build(name, spec, generator):
    tokenizer = CLIPTokenizer(os.path.join(VOCAB_DIR, "vocab.json"), os.path.join(VOCAB_DIR, "merges.txt"),
                              pad_token=spec["pad_token"], model_max_length=77)
    text_config = CLIPTextConfig(vocab_size=49408, max_position_embeddings=77, bos_token_id=49406,
                                 eos_token_id=49407, pad_token_id=tokenizer.pad_token_id, **spec["text"])
    text_encoder = CLIPTextModel(text_config).eval()
    unet = UNet2DConditionModel(sample_size=8, in_channels=4, out_channels=4, **spec["unet"]).eval()
    vae = AutoencoderKL(in_channels=3, out_channels=3, latent_channels=4, block_out_channels=(16, 32, 32),
                        down_block_types=("DownEncoderBlock2D",) * 3, up_block_types=("UpDecoderBlock2D",) * 3,
                        layers_per_block=1, norm_num_groups=8, sample_size=32, scaling_factor=0.18215).eval()
    for module in (text_encoder, unet, vae):
        randomize(module, generator)
    scheduler_class, scheduler_config = spec["scheduler"]
    # from_config, as diffusers loads scheduler_config.json: keys another scheduler uses (clip_sample) are kept.
    scheduler = scheduler_class.from_config(scheduler_config)
    return StableDiffusionPipeline(vae=vae, text_encoder=text_encoder, tokenizer=tokenizer, unet=unet,
                                   scheduler=scheduler, safety_checker=None, feature_extractor=None,
                                   requires_safety_checker=False)


def save_pipeline(pipeline, folder, spec):
    if os.path.exists(folder):
        shutil.rmtree(folder)
    kwargs = dict(safe_serialization=True)
    if spec["variant"]:
        kwargs["variant"] = spec["variant"]
        for module in (pipeline.text_encoder, pipeline.unet, pipeline.vae):
            module.half()
    pipeline.save_pretrained(folder, **kwargs)
    if spec["max_shard_size"]:
        pipeline.unet.save_pretrained(os.path.join(folder, "unet"), max_shard_size=spec["max_shard_size"], **kwargs)
        single = os.path.join(folder, "unet", "diffusion_pytorch_model.fp16.safetensors")
        if os.path.exists(single):
            os.remove(single)
    for module in (pipeline.text_encoder, pipeline.unet, pipeline.vae):
        module.float()
    if spec.get("legacy_scheduler_config"):
        # SD 1.x repositories ship a scheduler_config.json from diffusers 0.6 without timestep_spacing or
        # prediction_type: another scheduler built from it (from_config) takes its own defaults for those.
        path = os.path.join(folder, "scheduler", "scheduler_config.json")
        with open(path) as handle:
            config = json.load(handle)
        for key in ("timestep_spacing", "prediction_type"):
            config.pop(key, None)
        config["_diffusers_version"] = "0.6.0"
        with open(path, "w") as handle:
            json.dump(config, handle, indent=2, sort_keys=True)
    tokenizer_folder = os.path.join(folder, "tokenizer")
    if spec.get("slow_tokenizer_files"):
        # The layout SD 1.x repositories ship: vocab.json + merges.txt + special_tokens_map.json, no tokenizer.json.
        os.remove(os.path.join(tokenizer_folder, "tokenizer.json"))
        for name in ("vocab.json", "merges.txt"):
            shutil.copy(os.path.join(VOCAB_DIR, name), os.path.join(tokenizer_folder, name))
        special = {"bos_token": "<|startoftext|>", "eos_token": "<|endoftext|>", "pad_token": spec["pad_token"],
                   "unk_token": "<|endoftext|>"}
        with open(os.path.join(tokenizer_folder, "special_tokens_map.json"), "w") as handle:
            json.dump(special, handle, indent=2)


@torch.no_grad()
def references(pipeline, generator):
    out = {}
    tokenizer, text_encoder, unet, vae = pipeline.tokenizer, pipeline.text_encoder, pipeline.unet, pipeline.vae
    ids = tokenizer(PROMPTS + [""], padding="max_length", max_length=77, truncation=True, return_tensors="pt")
    out["text.input_ids"] = ids.input_ids.to(torch.int64)
    hidden = text_encoder(ids.input_ids).last_hidden_state
    out["text.last_hidden_state"] = hidden

    latents = torch.randn((2, 4, 8, 8), generator=generator)
    out["unet.sample"] = latents
    for timestep in (999, 500, 1):
        out[f"unet.t{timestep}.output"] = unet(latents, timestep, encoder_hidden_states=hidden[:2]).sample

    image = torch.rand((1, 3, 32, 32), generator=generator) * 2 - 1
    out["vae.image"] = image
    posterior = vae.encode(image).latent_dist
    out["vae.encoder.mean"] = posterior.mean
    out["vae.encoder.std"] = posterior.std
    decoder_latents = torch.randn((1, 4, 8, 8), generator=generator)
    out["vae.decoder.latents"] = decoder_latents
    out["vae.decoder.output"] = vae.decode(decoder_latents).sample

    start = torch.randn((1, 4, 8, 8), generator=generator)
    out["pipeline.latents"] = start
    base_config = pipeline.scheduler.config
    for key, scheduler_class in SCHEDULERS.items():
        pipeline.scheduler = scheduler_class.from_config(base_config)
        images = pipeline(PROMPTS[0], negative_prompt=NEGATIVE, num_inference_steps=4, guidance_scale=7.5,
                          height=32, width=32, latents=start.clone(), output_type="np",
                          generator=torch.Generator().manual_seed(1234)).images
        out[f"pipeline.{key}.image"] = torch.from_numpy(images)
    return {key: value.contiguous() for key, value in out.items()}


def main():
    if not os.path.exists(os.path.join(VOCAB_DIR, "vocab.json")):
        sys.exit(f"missing {VOCAB_DIR}/vocab.json: the bundled CLIP vocabulary must exist first")
    torch.set_num_threads(1)
    os.makedirs(os.path.join(OUT, "references"), exist_ok=True)
    for index, (name, spec) in enumerate(FAMILIES.items()):
        generator = torch.Generator().manual_seed(20261122 + index)
        folder = os.path.join(OUT, "pipelines", name)
        save_pipeline(build(name, spec, generator), folder, spec)
        # References come from the folder as diffusers loads it, so they are what a user of these files gets.
        pipeline = StableDiffusionPipeline.from_pretrained(folder, variant=spec["variant"], torch_dtype=torch.float32,
                                                           safety_checker=None, requires_safety_checker=False)
        tensors = references(pipeline, generator)
        save_file(tensors, os.path.join(OUT, "references", f"{name}.safetensors"),
                  metadata={"generator": "Scripts/reference/make_pipeline_fixtures.py",
                            "prompts": json.dumps(PROMPTS), "negative_prompt": NEGATIVE,
                            "steps": "4", "guidance_scale": "7.5", "pipeline_seed": "1234"})
        print(f"{name}: {len(tensors)} reference tensors")


if __name__ == "__main__":
    main()
