#!/usr/bin/env bash
# Lethe's RECE (or UCE) beside the same algorithm in PyTorch, on Stable Diffusion 1.5-sized random weights, in one
# run (these machines are shared: compare the ratios, not the absolute seconds). Lethe runs with 1 rank and with
# --ranks ranks (one BLAS thread each, as its jobs); PyTorch with --threads threads.
#
# Usage: Scripts/bench/rece.sh [--uce-only] [--preserve N] [--epochs 3] [--iterations 3] [--ranks 2] [--threads N]
#                              [--torch-iterations 1]
# The PyTorch side runs the authors' formulation (per-row outer products, Σ WᵀW per concept and epoch), which takes
# minutes on CPU: one timed run by default.
# Needs: python3 with torch and transformers; mpirun.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
source Scripts/mpirun-options.sh

method=rece preserve=0 epochs=3 iterations=3 ranks=2 threads=$(nproc) torch_iterations=1
while [[ $# -gt 0 ]]; do
    case $1 in
        --uce-only) method=uce; shift ;;
        --preserve) preserve=$2; shift 2 ;;
        --epochs) epochs=$2; shift 2 ;;
        --iterations) iterations=$2; shift 2 ;;
        --ranks) ranks=$2; shift 2 ;;
        --threads) threads=$2; shift 2 ;;
        --torch-iterations) torch_iterations=$2; shift 2 ;;
        *) echo "unknown option $1" >&2; exit 2 ;;
    esac
done

swift build -c release --product lethe >&2
lethe="$(swift build -c release --show-bin-path)/lethe"
args=(--preset sd15 --preserve "$preserve" --iterations "$iterations" --json)
torch_args=(--preserve "$preserve" --iterations "$torch_iterations" --threads "$threads")
if [[ $method == rece ]]; then args+=(--epochs "$epochs"); torch_args+=(--epochs "$epochs"); else torch_args+=(--uce-only); fi

one=$("$lethe" bench "$method" "${args[@]}")
many=$(mpirun "${mpirun_args[@]}" -np "$ranks" "$lethe" bench "$method" "${args[@]}")
theirs=$(python3 Scripts/bench/rece_torch.py "${torch_args[@]}")
echo "$one"
echo "$many"
echo "$theirs"
python3 - "$one" "$many" "$theirs" <<'PY'
import json, sys
one, many, theirs = (json.loads(a) for a in sys.argv[1:])
print(f"{one['method']} on SD 1.5 sizes: {one['concepts']} concept(s), {one['preserve']} preserved prompt(s), "
      f"{one['epochs']} epoch(s)")
print(f"{'':28}{'seconds':>10}{'peak RSS GiB':>14}")
rows = [(f"Lethe, 1 rank", one), (f"Lethe, {many['ranks']} ranks", many),
        (f"PyTorch, {theirs['threads']} threads", theirs)]
for label, r in rows:
    print(f"{label:28}{r['seconds']:10.3f}{r['peak_rss_bytes'] / 2**30:14.2f}")
print("Lethe stages (1 rank): " + ", ".join(f"{k} {v:.3f} s" for k, v in sorted(one['stages'].items())))
print(f"Lethe 1 rank takes {one['seconds'] / theirs['seconds']:.2f}× PyTorch's time, "
      f"{many['ranks']} ranks {many['seconds'] / theirs['seconds']:.2f}×; "
      f"speed-up from {many['ranks']} ranks: {one['seconds'] / many['seconds']:.2f}×")
PY
