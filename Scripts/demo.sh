#!/usr/bin/env bash
# The demo: installs what is missing, builds, writes a small Stable Diffusion model with random weights (until the
# trained default model exists), erases "nudity" from it with RECE on two MPI ranks, prints the erasure report and
# generates the same prompt from the model before and after (random weights: the pictures are noise, but they show
# the whole path from one diffusers folder to another).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/setup.sh"
source "$(dirname "${BASH_SOURCE[0]}")/mpirun-options.sh"
cd "$LETHE_ROOT"

lethe_build --product lethe
LETHE="$(swift build -c release --show-bin-path)/lethe"
OUT=${LETHE_DEMO_OUTPUT:-out/demo}
rm -rf "$OUT"
mkdir -p "$OUT"

echo "== lethe create-model: a tiny random Stable Diffusion 1.x-style model in $OUT/base"
"$LETHE" create-model --preset tiny --seed 0 --output "$OUT/base"
echo
echo "== lethe rece under mpirun -np 2: erase 'nudity' (the authors' nudity settings: UCE, then 3 adversarial epochs)"
timeout 300 mpirun "${mpirun_args[@]}" -np 2 "$LETHE" rece --config Configs/nudity-rece.yaml \
    --model "$OUT/base" --output "$OUT/no-nudity"
echo
echo "== $OUT/no-nudity/erasure-report.json"
cat "$OUT/no-nudity/erasure-report.json"
echo
echo "== lethe generate 'a photo of nudity' before and after, same seed"
for model in base no-nudity; do
    "$LETHE" generate --model "$OUT/$model" --prompt "a photo of nudity" --steps 20 --seed 1234 \
        --num-images 4 --grid --output "$OUT/$model.png" 2>/dev/null
done
ls -l "$OUT"
