#!/usr/bin/env python3
"""Makes diffusers' images for prompts that exercise the corners of CLIP tokenization: CJK, emoji, accented and
upper-case Latin, mixed scripts (Korean, Cyrillic, Arabic) and an over-long prompt (more than 77 tokens, with CJK)
that is truncated.

It loads the two tiny pipelines that Scripts/reference/make_pipeline_fixtures.py wrote (it does not rewrite them)
with StableDiffusionPipeline.from_pretrained, as a user of those folders would, so the ids come from the tokenizer
diffusers gets today: transformers 5's CLIPTokenizer (backed by `tokenizers`), built from vocab.json + merges.txt
for sd1-tiny and from tokenizer.json for sd2-tiny. Each image is the pipeline's `output_type="np"` image ([0, 1],
NHWC) from the folder's own scheduler (PNDM for sd1-tiny, DDIM for sd2-tiny) and fixed starting latents.

Writes Tests/Fixtures/references/prompt-images.safetensors:
  latents                      [1, 4, 8, 8]      the starting latents of every run
  <family>.input_ids           [P, 77] int64     the prompts' ids (padding="max_length", truncation=True)
  <family>.negative_input_ids  [1, 77] int64     the negative prompt's ids
  <family>.images              [P, 32, 32, 3]    diffusers' images, one per prompt
with the prompts (JSON), the negative prompt and the settings in the metadata. The committed file was made with
diffusers 0.42.1, transformers 5.24.0, tokenizers 0.23.3 and torch 2.15 on the CPU.

Requires torch, diffusers, transformers, safetensors (PyPI). Run from the repository root:
    python3 Scripts/reference/make_prompt_image_fixtures.py
"""
import json
import os

import torch
from diffusers import StableDiffusionPipeline
from safetensors.torch import save_file

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
OUT = os.path.join(ROOT, "Tests", "Fixtures")

FAMILIES = {"sd1-tiny": None, "sd2-tiny": "fp16"}  # family: weight variant
PROMPTS = [
    # Ideographs: transformers 4's slow tokenizer put spaces around each one, transformers 5 keeps the run as one word.
    "東京の夜景, a photo",
    "a cat 🐱 wearing a hat 🎩",
    "Café Ångström ÉCOLE",
    "서울 Москва القاهرة, a city at night",
    # More than 77 tokens: cut to 76 + <|endoftext|>.
    "富士山と桜の風景画, a highly detailed landscape painting of mount fuji with cherry blossoms, 京都の寺院 and "
    "大阪城 at sunset, dramatic lighting, volumetric clouds, ultra realistic, 北海道の雪景色 in winter, 沖縄の海 "
    "with coral reefs, golden hour, cinematic composition, masterpiece 🌸🗻",
]
NEGATIVE = "ぼやけた, low quality 👎"
STEPS = 3
GUIDANCE = 7.5
SIZE = 32
LATENT_SEED = 20260517
PIPELINE_SEED = 1234
MAX_LENGTH = 77


@torch.no_grad()
def main():
    torch.set_num_threads(1)
    latents = torch.randn((1, 4, SIZE // 4, SIZE // 4), generator=torch.Generator().manual_seed(LATENT_SEED))
    tensors = {"latents": latents}
    for family, variant in FAMILIES.items():
        folder = os.path.join(OUT, "pipelines", family)
        pipeline = StableDiffusionPipeline.from_pretrained(folder, variant=variant, torch_dtype=torch.float32,
                                                           safety_checker=None, requires_safety_checker=False)
        tokenizer = pipeline.tokenizer
        ids = tokenizer(PROMPTS, padding="max_length", max_length=MAX_LENGTH, truncation=True,
                        return_tensors="pt").input_ids
        lengths = [len(tokenizer(prompt).input_ids) for prompt in PROMPTS]
        assert lengths[-1] > MAX_LENGTH, f"the long prompt has only {lengths[-1]} tokens"
        negative_ids = tokenizer([NEGATIVE], padding="max_length", max_length=MAX_LENGTH, truncation=True,
                                 return_tensors="pt").input_ids
        images = []
        for prompt in PROMPTS:
            image = pipeline(prompt, negative_prompt=NEGATIVE, num_inference_steps=STEPS, guidance_scale=GUIDANCE,
                             height=SIZE, width=SIZE, latents=latents.clone(), output_type="np",
                             generator=torch.Generator().manual_seed(PIPELINE_SEED)).images
            images.append(torch.from_numpy(image))
        tensors[f"{family}.input_ids"] = ids.to(torch.int64)
        tensors[f"{family}.negative_input_ids"] = negative_ids.to(torch.int64)
        tensors[f"{family}.images"] = torch.cat(images)
        print(f"{family}: {type(tokenizer).__name__}, {type(pipeline.scheduler).__name__}, "
              f"untruncated lengths {lengths}")
    path = os.path.join(OUT, "references", "prompt-images.safetensors")
    save_file({key: value.contiguous() for key, value in tensors.items()}, path,
              metadata={"generator": "Scripts/reference/make_prompt_image_fixtures.py",
                        "prompts": json.dumps(PROMPTS, ensure_ascii=False), "negative_prompt": NEGATIVE,
                        "steps": str(STEPS), "guidance_scale": str(GUIDANCE), "height": str(SIZE),
                        "width": str(SIZE), "pipeline_seed": str(PIPELINE_SEED), "latent_seed": str(LATENT_SEED),
                        "scheduler": "the folder's own", "families": json.dumps(list(FAMILIES))})
    print(f"wrote {os.path.relpath(path, ROOT)} ({os.path.getsize(path)} bytes)")


if __name__ == "__main__":
    main()
