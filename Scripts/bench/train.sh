#!/usr/bin/env bash
# Forget-Me-Not and textual-inversion training steps, Lethe's beside the authors' PyTorch step (Forget-Me-Not's
# train_attn.py, diffusers' textual_inversion.py): the same diffusers folder, images, resolution and thread count,
# batch 1, one after the other in one run (these machines are shared: compare the ratios, not the seconds).
#
# Usage: Scripts/bench/train.sh --method fmn|textual-inversion [--model DIR | --preset sd15] [--images DIR]
#                               [--resolution 512] [--steps 3] [--train all|attn2] [--threads N]
# Without --model the folder is lethe bench generate's cached random-weight model of --preset's architecture
# (written once, about 5 GB for sd15); without --images, four synthetic 512×512 images written once beside it.
# Needs: python3 with torch, diffusers and transformers (pip install torch diffusers transformers).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."

method="" model="" preset=sd15 images="" resolution=512 steps=3 train=all threads=$(nproc)
while [[ $# -gt 0 ]]; do
    case $1 in
        --method) method=$2; shift 2 ;;
        --model) model=$2; shift 2 ;;
        --preset) preset=$2; shift 2 ;;
        --images) images=$2; shift 2 ;;
        --resolution) resolution=$2; shift 2 ;;
        --steps) steps=$2; shift 2 ;;
        --train) train=$2; shift 2 ;;
        --threads) threads=$2; shift 2 ;;
        *) echo "unknown option $1" >&2; exit 2 ;;
    esac
done
[[ -n $method ]] || { echo "--method fmn or --method textual-inversion is required" >&2; exit 2; }

swift build -c release --product lethe >&2
lethe="$(swift build -c release --show-bin-path)/lethe"
args=(--method "$method" --resolution "$resolution" --steps "$steps")
[[ $method == fmn ]] && args+=(--train "$train")
[[ -n $images ]] && args+=(--images "$images")

# Lethe first: without --model or --images it writes (once) the random folder and the images the PyTorch side reads.
cache=$(python3 -c 'import os; print(os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"))')/lethe/bench
if [[ -z $model ]]; then
    ours=$(OPENBLAS_NUM_THREADS=$threads "$lethe" bench train --preset "$preset" "${args[@]}" --json)
    model=$cache/random-$preset-seed0
else
    ours=$(OPENBLAS_NUM_THREADS=$threads "$lethe" bench train --model "$model" "${args[@]}" --json)
fi
[[ -n $images ]] || args+=(--images "$cache/train-images-512")
theirs=$(python3 Scripts/bench/train_torch.py --model "$model" "${args[@]}" --threads "$threads")
echo "$ours"
echo "$theirs"
python3 - "$ours" "$theirs" <<'PY'
import json, sys
ours, theirs = json.loads(sys.argv[1]), json.loads(sys.argv[2])
print(f"{ours['method']} step, {ours['resolution']}×{ours['resolution']} px, batch 1, training {ours['train']} "
      f"({ours['trained_parameters']:,} values), {theirs['threads']} threads; "
      f"means over the steps after the first")
parts = ("data", "forward", "backward", "optimizer")
print(f"{'':40}" + "".join(f"{p + ' s':>12}" for p in parts) + f"{'step s':>10}{'peak RSS GiB':>14}")
for r in (ours, theirs):
    print(f"{r['implementation'][:40]:40}" + "".join(f"{r[p + '_seconds']:12.2f}" for p in parts)
          + f"{r['seconds']:10.2f}{r['peak_rss_bytes'] / 2**30:14.2f}")
print("Lethe / PyTorch: " + ", ".join(
    f"{p} {ours[p + '_seconds'] / theirs[p + '_seconds']:.2f}×" for p in parts
    if theirs[p + '_seconds'] > 0)
      + f", step {ours['seconds'] / theirs['seconds']:.2f}×; peak RSS {ours['peak_rss_bytes'] / theirs['peak_rss_bytes']:.2f}×")
PY
