#!/usr/bin/env python3
"""The PyTorch side of `lethe bench unet`: the same UNet architecture with random weights, the same input sizes and
the same thread count, timed the same way. Prints one JSON line that `Scripts/bench/unet.sh` sets beside Lethe's.

    python3 Scripts/bench/unet_torch.py --preset sd15 --latent 64 --iterations 3 --threads 2
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


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--preset", choices=sorted(PRESETS), default="sd15")
    parser.add_argument("--latent", type=int, default=64, help="latent height and width")
    parser.add_argument("--batch", type=int, default=1)
    parser.add_argument("--iterations", type=int, default=3)
    parser.add_argument("--threads", type=int, default=torch.get_num_threads())
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)

    config = PRESETS[args.preset]
    unet = UNet2DConditionModel(**config).eval()
    sample = torch.randn(args.batch, 4, args.latent, args.latent)
    context = torch.randn(args.batch, 77, config["cross_attention_dim"])
    timestep = torch.tensor([999] * args.batch)

    with torch.no_grad():
        with FlopCounterMode(display=False) as counter:
            unet(sample, timestep, encoder_hidden_states=context)
        flops = counter.get_total_flops()
        times = []
        for _ in range(args.iterations):
            start = time.perf_counter()
            unet(sample, timestep, encoder_hidden_states=context)
            times.append(time.perf_counter() - start)
    best = min(times)
    peak_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    print(json.dumps({"implementation": f"PyTorch {torch.__version__}", "preset": args.preset, "latent": args.latent,
                      "batch": args.batch, "threads": args.threads, "seconds": best, "all_seconds": times,
                      "gflops": flops / 1e9, "gflop_per_second": flops / 1e9 / best, "peak_rss_bytes": peak_rss}))


if __name__ == "__main__":
    main()
