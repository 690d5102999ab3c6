#!/usr/bin/env python3
"""The PyTorch side of `lethe bench unet`: the same UNet architecture with random weights, the same input sizes and
the same thread count, timed the same way. Prints one JSON line that `Scripts/bench/unet.sh` sets beside Lethe's.

    python3 Scripts/bench/unet_torch.py --preset sd15 --latent 64 --iterations 3 --threads 2
    python3 Scripts/bench/unet_torch.py --preset sd15 --latent 64 --backward --train attn2

With --backward it times a forward and backward pass of sum(output * R) for a fixed random R, with gradients for the
parameters whose names match --train (comma-separated patterns whose dot-separated parts must appear as a run of
the name's parts, as Lethe matches them; `all` for every parameter).
"""
import argparse
import json
import resource
import time

import torch
from diffusers import UNet2DConditionModel
from torch.utils.flop_counter import FlopCounterMode

PRESETS = {
    # Stable Diffusion 1.5's unet/config.json (the architecture; weights are random).
    "sd15": dict(sample_size=64, in_channels=4, out_channels=4, layers_per_block=2,
                 block_out_channels=(320, 640, 1280, 1280), attention_head_dim=8, cross_attention_dim=768,
                 down_block_types=("CrossAttnDownBlock2D",) * 3 + ("DownBlock2D",),
                 up_block_types=("UpBlock2D",) + ("CrossAttnUpBlock2D",) * 3, norm_num_groups=32),
    # Stable Diffusion 2.1's: linear projections, per-block head dims, 1024-wide text embeddings.
    "sd21": dict(sample_size=96, in_channels=4, out_channels=4, layers_per_block=2,
                 block_out_channels=(320, 640, 1280, 1280), attention_head_dim=[5, 10, 20, 20],
                 cross_attention_dim=1024, use_linear_projection=True, upcast_attention=True,
                 down_block_types=("CrossAttnDownBlock2D",) * 3 + ("DownBlock2D",),
                 up_block_types=("UpBlock2D",) + ("CrossAttnUpBlock2D",) * 3, norm_num_groups=32),
}


def matches(pattern, name):
    """Lethe's NamePattern: the pattern's segments appear as a consecutive run of the name's (`*` matches one)."""
    if pattern in ("", "all"):
        return True
    want, parts = pattern.split("."), name.split(".")
    return any(all(w in ("*", p) for w, p in zip(want, parts[i:i + len(want)]))
               for i in range(len(parts) - len(want) + 1))


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--preset", choices=sorted(PRESETS), default="sd15")
    parser.add_argument("--latent", type=int, default=64, help="latent height and width")
    parser.add_argument("--batch", type=int, default=1)
    parser.add_argument("--iterations", type=int, default=3)
    parser.add_argument("--threads", type=int, default=torch.get_num_threads())
    parser.add_argument("--backward", action="store_true", help="time forward + backward")
    parser.add_argument("--train", default="all", help="comma-separated name patterns of the trained parameters")
    parser.add_argument("--gradient-checkpointing", action="store_true")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)

    config = PRESETS[args.preset]
    unet = UNet2DConditionModel(**config).eval()
    sample = torch.randn(args.batch, 4, args.latent, args.latent)
    context = torch.randn(args.batch, 77, config["cross_attention_dim"])
    timestep = torch.tensor([999] * args.batch)

    if args.backward:
        patterns = [p.strip() for p in args.train.split(",")]
        for name, parameter in unet.named_parameters():
            parameter.requires_grad_(any(matches(p, name) for p in patterns))
        if args.gradient_checkpointing:
            unet.enable_gradient_checkpointing()
            unet.train()  # diffusers checkpoints only in training mode
        upstream = torch.randn(args.batch, 4, args.latent, args.latent)

        def run():
            unet.zero_grad(set_to_none=True)
            loss = (unet(sample, timestep, encoder_hidden_states=context).sample * upstream).sum()
            start = time.perf_counter()
            loss.backward()
            return time.perf_counter() - start
        context_manager = torch.enable_grad
    else:
        def run():
            unet(sample, timestep, encoder_hidden_states=context)
        context_manager = torch.no_grad

    with context_manager():
        with FlopCounterMode(display=False) as counter:
            run()
        flops = counter.get_total_flops()
        times, backward_times = [], []
        for _ in range(args.iterations):
            start = time.perf_counter()
            backward_times.append(run())
            times.append(time.perf_counter() - start)
    best = min(times)
    phases = {"backward_seconds": backward_times[times.index(best)]} if args.backward else {}
    peak_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    mode = "forward+backward" if args.backward else "forward"
    print(json.dumps({"implementation": f"PyTorch {torch.__version__}", "mode": mode,
                      "train": args.train if args.backward else None, "preset": args.preset, "latent": args.latent,
                      "batch": args.batch, "threads": args.threads, "seconds": best, "all_seconds": times,
                      "gflops": flops / 1e9, "gflop_per_second": flops / 1e9 / best, "peak_rss_bytes": peak_rss, **phases}))


if __name__ == "__main__":
    main()
