#!/usr/bin/env python3
"""The PyTorch side of Scripts/bench/rece.sh: UCE then RECE's epochs, the authors' algorithm and float32 arithmetic,
on CPU, with a random CLIP ViT-L/14 text encoder (SD 1.5's) and random attn2 to_k/to_v matrices of SD 1.5's shapes.

The algorithm is the float64 reference's (Scripts/reference/make_closed_form_fixtures.py: the authors' per-projection
loops and explicit inverse) run in float32 as the authors do; each prompt is encoded once per use there, as in
RECE's train.py (UCE's train_erase.py re-encodes every prompt for every projection, which would be far slower).
Prints one JSON line. Times the edit, not building the models.

    python3 Scripts/bench/rece_torch.py [--uce-only] [--preserve N] [--epochs 3] [--iterations 3] [--threads N]
"""
import argparse
import json
import os
import resource
import sys
import time

import torch

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "reference"))
import make_closed_form_fixtures as reference  # noqa: E402

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
# Stable Diffusion 1.5's attn2 widths: down 320, 320, 640, 640, 1280, 1280; mid 1280; up 1280 ×3, 640 ×3, 320 ×3.
SD15_WIDTHS = [320, 320, 640, 640, 1280, 1280, 1280, 1280, 1280, 1280, 640, 640, 640, 320, 320, 320]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--uce-only", action="store_true")
    parser.add_argument("--preserve", type=int, default=0)
    parser.add_argument("--concepts", type=int, default=1)
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--iterations", type=int, default=3)
    parser.add_argument("--threads", type=int, default=os.cpu_count())
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.set_grad_enabled(False)
    reference.DTYPE = torch.float32

    from transformers import CLIPTextConfig, CLIPTextModel, CLIPTokenizer
    tokenizer = CLIPTokenizer.from_pretrained(os.path.join(ROOT, "Tests", "Fixtures", "pipelines", "sd1-tiny"),
                                              subfolder="tokenizer")
    torch.manual_seed(0)
    text_encoder = CLIPTextModel(CLIPTextConfig(
        hidden_size=768, intermediate_size=3072, num_attention_heads=12, num_hidden_layers=12, projection_dim=768,
        hidden_act="quick_gelu", vocab_size=49408, max_position_embeddings=77)).eval()
    weights = [(f"{kind}.{index}", torch.randn(width, 768) / 768 ** 0.5)
               for kind in ("to_v", "to_k") for index, width in enumerate(SD15_WIDTHS)]

    case = dict(concepts=["nudity"] + [f"concept number {i}" for i in range(1, args.concepts)], guides=[" "],
                preserve=[f"a painting by artist number {i}" for i in range(args.preserve)], lamb=0.5,
                erase_scale=1.0, preserve_scale=None, technique="replace", variant="paper",
                rece=dict(epochs=args.epochs, reg=0.1, lamb=0.1, erase_scale=1.0, preserve_scale=0.1,
                          technique="replace"))
    seconds = []
    for _ in range(args.iterations):
        start = time.perf_counter()
        edited = reference.uce(case, tokenizer, text_encoder, weights)
        if not args.uce_only:
            reference.rece(case, tokenizer, text_encoder, weights, edited)
        seconds.append(time.perf_counter() - start)
    print(json.dumps({
        "implementation": "PyTorch", "method": "uce" if args.uce_only else "rece", "preset": "sd15",
        "threads": torch.get_num_threads(), "concepts": args.concepts, "preserve": args.preserve,
        "epochs": 0 if args.uce_only else args.epochs, "seconds": min(seconds), "all_seconds": seconds,
        "peak_rss_bytes": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024}, sort_keys=True))


if __name__ == "__main__":
    main()
