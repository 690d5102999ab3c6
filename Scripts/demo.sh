#!/usr/bin/env bash
# The demo: installs what is missing, builds, then shows what Lethe runs on, inspects the bundled tiny
# Stable Diffusion 2.x-style model (a diffusers folder with fp16 and sharded weights) and generates images with it
# (random weights: the pictures are noise-like, but they are the ones diffusers makes from the same files). The
# erasure job itself joins this demo when the erasure methods land (see the README's Status).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/setup.sh"
cd "$LETHE_ROOT"

lethe_build --product lethe
LETHE="$(swift build -c release --show-bin-path)/lethe"
MODEL=Tests/Fixtures/pipelines/sd2-tiny
OUT=${LETHE_DEMO_OUTPUT:-out/demo}
mkdir -p "$OUT"

echo "== lethe info (single process)"
"$LETHE" info
echo
echo "== lethe info under mpirun -np 2"
timeout 120 mpirun --oversubscribe --mca btl self,vader --mca btl_vader_single_copy_mechanism none -np 2 "$LETHE" info
echo
echo "== lethe inspect $MODEL/unet (a sharded set: its index.json names the shards)"
"$LETHE" inspect "$MODEL/unet" >"$OUT/unet-tensors.txt"
head -n 20 "$OUT/unet-tensors.txt"
echo "   ..."
echo
echo "== lethe inspect $MODEL/text_encoder --json (first lines)"
"$LETHE" inspect "$MODEL/text_encoder" --json >"$OUT/text-encoder-tensors.json"
head -n 12 "$OUT/text-encoder-tensors.json"
echo
echo "== lethe generate with $MODEL, four schedulers, into $OUT/"
for scheduler in ddim pndm euler euler-a; do
    "$LETHE" generate --model "$MODEL" --prompt "a photograph of an astronaut riding a horse" \
        --negative-prompt "blurry" --steps 20 --seed 1234 --scheduler "$scheduler" --num-images 4 --grid \
        --height 64 --width 64 --output "$OUT/astronaut-$scheduler.png"
done
ls -l "$OUT"

