#!/usr/bin/env bash
# Lethe's UNet forward beside PyTorch's, same architecture, input size and thread count, in one run (these
# machines are shared: compare the ratio, not the absolute seconds).
#
# Usage: Scripts/bench/unet.sh [--preset sd15] [--latent 64] [--batch 1] [--iterations 3] [--threads N]
#                              [--backward [--train attn2|all|PATTERNS] [--gradient-checkpointing]]
# Needs: python3 with torch and diffusers (pip install torch diffusers).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."

preset=sd15 latent=64 batch=1 iterations=3 threads=$(nproc) extra=()
while [[ $# -gt 0 ]]; do
    case $1 in
        --preset) preset=$2; shift 2 ;;
        --latent) latent=$2; shift 2 ;;
        --batch) batch=$2; shift 2 ;;
        --iterations) iterations=$2; shift 2 ;;
        --threads) threads=$2; shift 2 ;;
        --backward|--gradient-checkpointing) extra+=("$1"); shift ;;
        --train) extra+=(--train "$2"); shift 2 ;;
        *) echo "unknown option $1" >&2; exit 2 ;;
    esac
done

swift build -c release --product lethe >&2
lethe="$(swift build -c release --show-bin-path)/lethe"
args=(--preset "$preset" --latent "$latent" --batch "$batch" --iterations "$iterations" ${extra[@]+"${extra[@]}"})

ours=$(OPENBLAS_NUM_THREADS=$threads "$lethe" bench unet "${args[@]}" --json)
theirs=$(python3 Scripts/bench/unet_torch.py "${args[@]}" --threads "$threads")
echo "$ours"
echo "$theirs"
python3 - "$ours" "$theirs" <<'PY'
import json, sys
ours, theirs = json.loads(sys.argv[1]), json.loads(sys.argv[2])
print(f"{ours['mode']}" + (f", training {ours['train']}" if ours.get('train') else ""))
phases = "backward_seconds" in ours
print(f"{'':12}{'seconds':>12}" + (f"{'forward':>10}{'backward':>10}" if phases else "") + f"{'GFLOP/s':>10}{'peak RSS GiB':>14}")
for r in (ours, theirs):
    split = f"{r['seconds'] - r['backward_seconds']:10.3f}{r['backward_seconds']:10.3f}" if phases else ""
    print(f"{r['implementation'][:12]:12}{r['seconds']:12.3f}{split}{r['gflop_per_second']:10.1f}{r['peak_rss_bytes'] / 2**30:14.2f}")
print(f"speed: Lethe takes {ours['seconds'] / theirs['seconds']:.2f}× PyTorch's time; "
      f"memory: {ours['peak_rss_bytes'] / theirs['peak_rss_bytes']:.2f}× PyTorch's peak RSS; "
      f"FLOPs counted: {ours['gflops']:.1f} vs {theirs['gflops']:.1f} GFLOP")
PY
