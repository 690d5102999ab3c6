#!/usr/bin/env python3
"""The PyTorch side of `lethe bench train`: one optimizer step of Forget-Me-Not as the authors' train_attn.py
(SHI-Labs/Forget-Me-Not, configs/attn.yaml) takes it, or of textual inversion as diffusers'
examples/textual_inversion/textual_inversion.py takes it, on CPU in float32 with batch 1, timed per part. Prints one
JSON line that `Scripts/bench/train.sh` sets beside Lethe's.

    python3 Scripts/bench/train_torch.py --method fmn --model FOLDER --images FOLDER --steps 3 --train attn2
    python3 Scripts/bench/train_torch.py --method textual-inversion --model FOLDER --images FOLDER --resolution 512

Parts of a step: data (image to pixels, tokens, VAE latents, noise, timesteps, noisy latents); forward (text encoder,
UNet, loss); backward; optimizer (clipping, AdamW, the constant schedule, zero_grad, and for textual inversion the
restore of the embedding rows that must not change). Means leave out the first step when there are two or more.
The images are the folder's PNGs in name order, one per step, cycling.
"""
import argparse
import json
import os
import random
import resource
import sys
import time

import diffusers
import numpy as np
import torch
import torch.nn.functional as F
from diffusers import AutoencoderKL, DDPMScheduler, UNet2DConditionModel
from diffusers.optimization import get_scheduler
from PIL import Image
from transformers import CLIPTextModel, CLIPTokenizer

# textual_inversion.py's imagenet_templates_small (its object templates).
OBJECT_TEMPLATES = [
    "a photo of a {}", "a rendering of a {}", "a cropped photo of the {}", "the photo of a {}",
    "a photo of a clean {}", "a photo of a dirty {}", "a dark photo of the {}", "a photo of my {}",
    "a photo of the cool {}", "a close-up photo of a {}", "a bright photo of the {}", "a cropped photo of a {}",
    "a photo of the {}", "a good photo of the {}", "a photo of one {}", "a close-up photo of the {}",
    "a rendition of the {}", "a photo of the clean {}", "a rendition of a {}", "a photo of a nice {}",
    "a good photo of a {}", "a photo of the nice {}", "a photo of the small {}", "a photo of the weird {}",
    "a photo of the large {}", "a photo of a cool {}", "a photo of a small {}",
]


def fmn_pixels(image, size):
    """train_attn.py's transforms: shorter side to `size` (bilinear), random size×size crop, to [-1, 1]."""
    width, height = image.size
    short = min(width, height)
    image = image.resize((size * width // short, size * height // short), Image.BILINEAR)
    top = int(torch.randint(0, image.size[1] - size + 1, (1,)))
    left = int(torch.randint(0, image.size[0] - size + 1, (1,)))
    array = np.asarray(image.crop((left, top, left + size, top + size)), dtype=np.float32) / 255.0
    return (torch.from_numpy(array).permute(2, 0, 1) - 0.5) / 0.5


def textual_inversion_pixels(image, size):
    """textual_inversion.py's: resize to size×size (bicubic), horizontal flip with p = 0.5, x / 127.5 - 1."""
    image = image.resize((size, size), Image.BICUBIC)
    if torch.rand(1) < 0.5:
        image = image.transpose(Image.FLIP_LEFT_RIGHT)
    array = np.asarray(image).astype(np.uint8) / 127.5 - 1.0
    return torch.from_numpy(array.astype(np.float32)).permute(2, 0, 1)


class ConceptAttentionProcessor:
    """train_attn.py's cross-attention processor: attention computed with explicit probabilities (not SDPA) so
    that the probabilities the concept's token positions receive can be kept for the loss."""

    def __init__(self, captured, positions):
        self.captured, self.positions = captured, positions

    def __call__(self, attn, hidden_states, encoder_hidden_states=None, attention_mask=None, **_):
        batch, length, _ = hidden_states.shape
        attention_mask = attn.prepare_attention_mask(attention_mask, length, batch_size=batch)
        context = hidden_states if encoder_hidden_states is None else encoder_hidden_states
        query = attn.head_to_batch_dim(attn.to_q(hidden_states))
        key = attn.head_to_batch_dim(attn.to_k(context))
        value = attn.head_to_batch_dim(attn.to_v(context))
        probabilities = attn.get_attention_scores(query, key, attention_mask)
        # AttnController.__call__: the mask [batch, tokens] repeated over heads, selected on every query row.
        mask = self.positions["mask"]
        heads = probabilities.shape[0] // mask.shape[0]
        selected = probabilities.masked_select(mask[:, None, :].repeat(heads, 1, 1))
        self.captured.append(selected.reshape(-1, int(mask[0].sum())))
        out = attn.batch_to_head_dim(torch.bmm(probabilities, value))
        return attn.to_out[1](attn.to_out[0](out))


def concept_mask(tokenizer, prompt, concept, pooler):
    """ForgetMeNotDataset's concept_positions: where the concept's token run occurs in the padded prompt (and,
    with use_pooler, every <|endoftext|> position, padding included when the pad token is <|endoftext|>)."""
    ids = tokenizer(prompt, truncation=True, padding="max_length", max_length=tokenizer.model_max_length).input_ids
    run = tokenizer(concept, add_special_tokens=False).input_ids
    end = tokenizer("<|endoftext|>", add_special_tokens=False).input_ids[0]
    mask = [False] * len(ids)
    for i in range(len(ids)):
        if ids[i:i + len(run)] == run:
            mask[i:i + len(run)] = [True] * len(run)
        if pooler and ids[i] == end:
            mask[i] = True
    return torch.tensor(ids)[None], torch.tensor(mask)[None]


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--method", choices=["fmn", "textual-inversion"], required=True)
    parser.add_argument("--model", required=True, help="a diffusers Stable Diffusion folder")
    parser.add_argument("--images", required=True, help="a folder of PNG training images")
    parser.add_argument("--resolution", type=int, default=512)
    parser.add_argument("--steps", type=int, default=3)
    parser.add_argument("--train", choices=["all", "attn2"], default="all", help="fmn: the UNet parameters AdamW updates")
    parser.add_argument("--concept", default="cat", help="fmn: the prompt is 'a photo of {concept}' (cat, as lethe bench train)")
    parser.add_argument("--pooler", action="store_true", help="fmn: also mark <|endoftext|> positions (use_pooler)")
    parser.add_argument("--threads", type=int, default=os.cpu_count())
    args = parser.parse_args()
    if args.method != "fmn" and args.train != "all":
        parser.error("--train applies to --method fmn; textual inversion trains its embedding only")
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    random.seed(0)

    paths = sorted(os.path.join(args.images, name) for name in os.listdir(args.images) if name.lower().endswith(".png"))
    if not paths:
        parser.error(f"no PNG images in {args.images}")
    tokenizer = CLIPTokenizer.from_pretrained(args.model, subfolder="tokenizer")
    noise_scheduler = DDPMScheduler.from_pretrained(args.model, subfolder="scheduler")
    text_encoder = CLIPTextModel.from_pretrained(args.model, subfolder="text_encoder")
    vae = AutoencoderKL.from_pretrained(args.model, subfolder="vae")
    unet = UNet2DConditionModel.from_pretrained(args.model, subfolder="unet")
    vae.requires_grad_(False)
    fmn = args.method == "fmn"

    if fmn:
        text_encoder.requires_grad_(False)
        captured, positions = [], {}
        for name, module in unet.named_modules():
            if name.endswith("attn2"):
                module.set_processor(ConceptAttentionProcessor(captured, positions))
        # only_optimize_ca (train_attn.py lines 386-399) hands AdamW [p for n, p in unet.named_parameters() if
        # 'attn2' in n]: the cross-attentions' to_q, to_k, to_v and to_out.0 (not norm2). The rest of the UNet is not
        # frozen, so backward still computes (and, never zeroed, accumulates) their gradients; as here. Without it,
        # AdamW gets the generator unet.parameters(), which it consumes, so the later clip_grad_norm_ over that same
        # generator (line 569) sees no parameters and clips nothing; also as here.
        optimized = [p for n, p in unet.named_parameters() if "attn2" in n] if args.train == "attn2" else unet.parameters()
        optimizer = torch.optim.AdamW(optimized, lr=2e-6, betas=(0.9, 0.999), weight_decay=1e-2, eps=1e-8)
        unet.train()
        prompt = f"a photo of {args.concept}"
        if not concept_mask(tokenizer, prompt, args.concept, args.pooler)[1].any():
            parser.error(f"'{args.concept}' has no tokens in the prompt")
    else:
        tokenizer.add_tokens(["<bench>"])
        initializer = tokenizer.encode("toy", add_special_tokens=False)
        if len(initializer) != 1:
            parser.error("the initializer word 'toy' is not a single token")  # as textual_inversion.py refuses
        initializer = initializer[0]
        placeholder = tokenizer.convert_tokens_to_ids("<bench>")
        text_encoder.resize_token_embeddings(len(tokenizer))
        embeddings = text_encoder.get_input_embeddings()
        with torch.no_grad():
            embeddings.weight[placeholder] = embeddings.weight[initializer].clone()
        unet.requires_grad_(False)
        text_model = getattr(text_encoder, "text_model", text_encoder)  # transformers 5 has no .text_model level
        text_model.encoder.requires_grad_(False)
        text_model.final_layer_norm.requires_grad_(False)
        text_model.embeddings.position_embedding.requires_grad_(False)
        optimizer = torch.optim.AdamW(embeddings.parameters(), lr=1e-4, betas=(0.9, 0.999), weight_decay=1e-2, eps=1e-8)
        original = embeddings.weight.data.clone()
        keep = torch.ones(len(tokenizer), dtype=torch.bool)
        keep[placeholder] = False
        text_encoder.train()
    lr_scheduler = get_scheduler("constant", optimizer=optimizer)
    trained = sum(p.numel() for group in optimizer.param_groups for p in group["params"])

    steps, losses = [], []
    for step in range(args.steps):
        start = time.perf_counter()
        image = Image.open(paths[step % len(paths)]).convert("RGB")
        if fmn:
            pixels = fmn_pixels(image, args.resolution)[None]
            input_ids, positions["mask"] = concept_mask(tokenizer, prompt, args.concept, args.pooler)
        else:
            pixels = textual_inversion_pixels(image, args.resolution)[None]
            prompt = random.choice(OBJECT_TEMPLATES).format("<bench>")
            input_ids = tokenizer(prompt, padding="max_length", truncation=True,
                                  max_length=tokenizer.model_max_length, return_tensors="pt").input_ids
        latents = vae.encode(pixels).latent_dist.sample().detach() * vae.config.scaling_factor
        noise = torch.randn_like(latents)
        timesteps = torch.randint(0, noise_scheduler.config.num_train_timesteps, (latents.shape[0],)).long()
        noisy_latents = noise_scheduler.add_noise(latents, noise, timesteps)
        data_end = time.perf_counter()

        if fmn:
            with torch.no_grad():
                encoder_hidden_states = text_encoder(input_ids)[0]
            captured.clear()
            unet(noisy_latents, timesteps, encoder_hidden_states)
            loss = torch.cat(captured).norm()  # AttnController.loss (line 285)
        else:
            encoder_hidden_states = text_encoder(input_ids)[0]
            prediction = unet(noisy_latents, timesteps, encoder_hidden_states).sample
            if noise_scheduler.config.prediction_type == "v_prediction":
                target = noise_scheduler.get_velocity(latents, noise, timesteps)
            else:
                target = noise
            loss = F.mse_loss(prediction.float(), target.float(), reduction="mean")
        forward_end = time.perf_counter()

        loss.backward()
        backward_end = time.perf_counter()

        if fmn:
            torch.nn.utils.clip_grad_norm_(optimized, 1.0)  # accelerator.clip_grad_norm_(params, max_grad_norm)
        optimizer.step()
        lr_scheduler.step()
        if fmn:
            optimizer.zero_grad(set_to_none=False)  # set_grads_to_none: false
            captured.clear()
        else:
            optimizer.zero_grad()
            with torch.no_grad():
                embeddings.weight[keep] = original[keep]
        end = time.perf_counter()
        steps.append(dict(seconds=end - start, data=data_end - start, forward=forward_end - data_end,
                          backward=backward_end - forward_end, optimizer=end - backward_end))
        losses.append(float(loss.detach().item()))
        print(f"step {step + 1}: {end - start:.3f} s, loss {losses[-1]:.6g}", file=sys.stderr)

    measured = steps[1:] if len(steps) > 1 else steps

    def mean(key):
        return sum(s[key] for s in measured) / len(measured)

    script = "train_attn.py" if fmn else "textual_inversion.py"
    print(json.dumps(dict(
        implementation=f"PyTorch {torch.__version__} / diffusers {diffusers.__version__} ({script}'s step)",
        method=args.method, resolution=args.resolution, batch=1, train=args.train if fmn else "embedding",
        threads=args.threads, step_seconds=[s["seconds"] for s in steps], seconds=mean("seconds"),
        data_seconds=mean("data"), forward_seconds=mean("forward"), backward_seconds=mean("backward"),
        optimizer_seconds=mean("optimizer"), trained_parameters=trained,
        peak_rss_bytes=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024, losses=losses), sort_keys=True))


if __name__ == "__main__":
    main()
