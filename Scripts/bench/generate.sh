#!/usr/bin/env bash
# Lethe's whole text-to-image (load, encode, denoise, decode) beside diffusers' StableDiffusionPipeline: the same
# diffusers folder, size, steps, scheduler, guidance and thread count, one after the other in one run (these
# machines are shared: compare the ratios, not the absolute seconds). With --rounds N the two sides take turns N
# times and each side's round with the least total is compared (every round's totals are printed too): a shared
# machine's speed drifts between minutes, and alternating gives both sides the same spells.
#
# Usage: Scripts/bench/generate.sh [--model DIR | --preset sd15] [--size 256] [--steps 20] [--scheduler pndm]
#                                  [--guidance 7.5] [--iterations 1] [--rounds 1] [--threads N]
#                                  [--loading mapped|arena]
# Without --model the folder is lethe bench generate's cached random-weight model of --preset's architecture
# (written once, about 5 GB for sd15). Needs: python3 with torch, diffusers and transformers
# (pip install torch diffusers transformers).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."

model="" preset=sd15 size=256 steps=20 scheduler=pndm guidance=7.5 iterations=1 rounds=1 threads=$(nproc) loading=mapped
while [[ $# -gt 0 ]]; do
    case $1 in
        --model) model=$2; shift 2 ;;
        --preset) preset=$2; shift 2 ;;
        --size) size=$2; shift 2 ;;
        --steps) steps=$2; shift 2 ;;
        --scheduler) scheduler=$2; shift 2 ;;
        --guidance) guidance=$2; shift 2 ;;
        --iterations) iterations=$2; shift 2 ;;
        --rounds) rounds=$2; shift 2 ;;
        --threads) threads=$2; shift 2 ;;
        --loading) loading=$2; shift 2 ;;
        *) echo "unknown option $1" >&2; exit 2 ;;
    esac
done

[[ $rounds =~ ^[1-9][0-9]*$ ]] || { echo "--rounds must be a positive whole number, got '$rounds'" >&2; exit 2; }
swift build -c release --product lethe >&2
lethe="$(swift build -c release --show-bin-path)/lethe"
args=(--size "$size" --steps "$steps" --scheduler "$scheduler" --guidance "$guidance" --iterations "$iterations")

# Both sides start from a warm page cache: the weights' files are read once before each, so that whichever runs
# first does not pay for the disk (or a cache the other side's run filled) in its load and first step.
warm_page_cache() {
    if [[ -d $1 ]]; then find "$1" -name '*.safetensors' -exec cat {} + > /dev/null; fi
}

# Lethe first: without --model it writes (once) and names the random folder, which diffusers then loads.
model_option=(--model "$model")
if [[ -z $model ]]; then
    model=$(python3 -c 'import os, sys; print(os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"))')/lethe/bench/random-$preset-seed0
    model_option=(--preset "$preset")
fi
ours="" theirs=""
for ((round = 1; round <= rounds; round++)); do
    warm_page_cache "$model"
    ours+=$(OPENBLAS_NUM_THREADS=$threads "$lethe" bench generate "${model_option[@]}" "${args[@]}" --loading "$loading" --json)$'\n'
    warm_page_cache "$model"
    theirs+=$(python3 Scripts/bench/generate_torch.py --model "$model" "${args[@]}" --threads "$threads")$'\n'
done
printf '%s' "$ours"
printf '%s' "$theirs"
python3 - "$ours" "$theirs" <<'PY'
import json, sys
rounds = [[json.loads(line) for line in side.splitlines() if line.strip()] for side in sys.argv[1:3]]
if len(rounds[0]) > 1:
    for name, side in zip(("Lethe", "diffusers"), rounds):
        print(f"{name} total s by round: " + ", ".join(f"{r['total_seconds']:.2f}" for r in side))
ours, theirs = (min(side, key=lambda r: r["total_seconds"]) for side in rounds)
print(f"{ours['size']}×{ours['size']} px, {ours['steps']} {ours['scheduler']} steps, guidance {ours['guidance']}, "
      f"{theirs['threads']} threads; Lethe's weights {ours['loading']}"
      + (f"; each side's best of {len(rounds[0])} alternating rounds" if len(rounds[0]) > 1 else ""))
stages = ("load", "encode", "denoise", "decode", "total")
print(f"{'':14}" + "".join(f"{s + ' s':>10}" for s in stages) + f"{'peak RSS GiB':>14}")
for r in (ours, theirs):
    print(f"{r['implementation'][:14]:14}" + "".join(f"{r[s + '_seconds']:10.2f}" for s in stages)
          + f"{r['peak_rss_bytes'] / 2**30:14.2f}")
print("Lethe / diffusers: " + ", ".join(
    f"{s} {ours[s + '_seconds'] / theirs[s + '_seconds']:.2f}×" for s in stages if theirs[s + '_seconds'] > 0)
      + f"; peak RSS {ours['peak_rss_bytes'] / theirs['peak_rss_bytes']:.2f}×")
PY
