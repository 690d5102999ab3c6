#!/usr/bin/env python3
"""The diffusers side of `lethe bench generate`: StableDiffusionPipeline on the same folder, size, steps, scheduler,
guidance and thread count, timed the same way (load, encode, denoise, decode, total; peak RSS). Prints one JSON line
with the keys Lethe's --json prints, which `Scripts/bench/generate.sh` sets beside Lethe's.

    python3 Scripts/bench/generate_torch.py --model FOLDER --size 256 --steps 20 --scheduler pndm --threads 2

Stages as Lethe times them: load is from_pretrained (float32, no safety checker); encode is encode_prompt with
classifier-free guidance; denoise is the pipeline called with those embeddings and output_type="latent"; decode is
the VAE decoder and the conversion to 8-bit images. Each iteration loads the pipeline afresh; the iteration with the
least total is reported.
"""
import argparse
import gc
import json
import resource
import time

import torch
from diffusers import (DDIMScheduler, DDPMScheduler, EulerAncestralDiscreteScheduler, EulerDiscreteScheduler,
                       PNDMScheduler, StableDiffusionPipeline)

SCHEDULERS = {"ddim": DDIMScheduler, "pndm": PNDMScheduler, "euler": EulerDiscreteScheduler,
              "euler-a": EulerAncestralDiscreteScheduler, "ddpm": DDPMScheduler}


def resident():
    """Resident anonymous and file-backed bytes now, from /proc/self/status."""
    values = {}
    with open("/proc/self/status") as status:
        for line in status:
            key, _, rest = line.partition(":")
            if key in ("RssAnon", "RssFile"):
                values[key] = int(rest.split()[0]) * 1024
    return values.get("RssAnon"), values.get("RssFile")


def run_once(args):
    start = time.perf_counter()
    pipe = StableDiffusionPipeline.from_pretrained(args.model, torch_dtype=torch.float32, safety_checker=None,
                                                   requires_safety_checker=False)
    pipe.scheduler = SCHEDULERS[args.scheduler].from_config(pipe.scheduler.config)
    pipe.set_progress_bar_config(disable=True)
    loaded = time.perf_counter()
    with torch.inference_mode():
        positive, negative = pipe.encode_prompt(args.prompt, "cpu", 1, args.guidance > 1, negative_prompt="")
        encoded = time.perf_counter()
        latents = pipe(prompt_embeds=positive, negative_prompt_embeds=negative, height=args.size, width=args.size,
                       num_inference_steps=args.steps, guidance_scale=args.guidance,
                       generator=torch.Generator().manual_seed(0), output_type="latent").images
        denoised = time.perf_counter()
        image = pipe.vae.decode(latents / pipe.vae.config.scaling_factor, return_dict=False)[0]
        pipe.image_processor.postprocess(image, output_type="pil")
        end = time.perf_counter()
    anon, file = resident()  # while the pipeline is alive, as Lethe reports it
    del pipe
    gc.collect()
    return dict(load=loaded - start, encode=encoded - loaded, denoise=denoised - encoded, decode=end - denoised,
                total=end - start, anon=anon, file=file)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", required=True, help="a diffusers folder (lethe bench generate's cached one)")
    parser.add_argument("--size", type=int, default=256)
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--scheduler", choices=sorted(SCHEDULERS), default="pndm")
    parser.add_argument("--guidance", type=float, default=7.5)
    parser.add_argument("--prompt", default="a photograph of an astronaut riding a horse")
    parser.add_argument("--iterations", type=int, default=1)
    parser.add_argument("--threads", type=int, default=torch.get_num_threads())
    args = parser.parse_args()
    torch.set_num_threads(args.threads)

    runs = [run_once(args) for _ in range(args.iterations)]
    best = min(runs, key=lambda run: run["total"])
    print(json.dumps(dict(
        implementation=f"diffusers {__import__('diffusers').__version__} / torch {torch.__version__}",
        model=args.model, loading="from_pretrained", size=args.size, steps=args.steps, scheduler=args.scheduler,
        guidance=args.guidance, threads=args.threads,
        load_seconds=best["load"], encode_seconds=best["encode"], denoise_seconds=best["denoise"],
        decode_seconds=best["decode"], total_seconds=best["total"], all_total_seconds=[r["total"] for r in runs],
        peak_rss_bytes=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024,
        rss_anon_bytes=best["anon"], rss_file_bytes=best["file"]), sort_keys=True))


if __name__ == "__main__":
    main()
