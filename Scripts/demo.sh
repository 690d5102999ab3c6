#!/usr/bin/env bash
# The demo: installs what is missing, builds, and runs `lethe demo` on the world's model that ships with Lethe: RECE
# erases a shape, UCE an artist and Forget-Me-Not another shape; the judge says, before and after each erasure, how
# often the erased concept is still drawn and how well the others of its kind survive. Writes the labelled
# before/after grids (PNG, with Lethe's invisible watermark where they have 65536 pixels or more), demo.md and
# demo.json to out/demo (or $LETHE_DEMO_OUTPUT). Extra arguments go to `lethe demo` (see `lethe demo --help`).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/setup.sh"
cd "$LETHE_ROOT"

lethe_build --product lethe
LETHE="$(swift build -c release --show-bin-path)/lethe"
OUT=${LETHE_DEMO_OUTPUT:-out/demo}
mkdir -p "$(dirname "$OUT")"

echo "== lethe demo --output $OUT $*"
"$LETHE" demo --output "$OUT" --overwrite "$@"
echo
echo "Open $OUT/demo.md (or the PNGs beside it) to see the grids."
