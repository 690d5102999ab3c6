#!/usr/bin/env bash
# The demo: installs what is missing, builds, then shows what Lethe runs on and inspects the bundled tiny
# Stable Diffusion 2.x-style model (a diffusers folder with fp16 and sharded weights). The erasure job itself
# joins this demo when the erasure methods land (see the README's Status).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/setup.sh"
cd "$LETHE_ROOT"

lethe_build --product lethe
LETHE="$(swift build -c release --show-bin-path)/lethe"
MODEL=Tests/Fixtures/pipelines/sd2-tiny

echo "== lethe info (single process)"
"$LETHE" info
echo
echo "== lethe info under mpirun -np 2"
timeout 120 mpirun --oversubscribe --mca btl self,vader --mca btl_vader_single_copy_mechanism none -np 2 "$LETHE" info
echo
echo "== lethe inspect $MODEL/unet (a sharded set: its index.json names the shards)"
"$LETHE" inspect "$MODEL/unet" | head -n 20
echo "   ..."
echo
echo "== lethe inspect $MODEL/text_encoder --json (first lines)"
"$LETHE" inspect "$MODEL/text_encoder" --json | head -n 12
