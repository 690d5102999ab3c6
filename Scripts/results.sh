#!/usr/bin/env bash
# The results table: UCE, RECE and Forget-Me-Not each erase a shape (triangle), a colour (red) and an artist (Ilse
# Varga) from the world's model, and 4 and all 10 artists at once (the many-concepts rows); `lethe eval` judges every
# erased model against the shipped one with its three attacks, and `lethe eval report` gathers them into
# out/results/report.html and results.md (the README's results table). Erasures run on one process, evaluations
# on LETHE_RESULTS_RANKS ranks (default 2).
#
# The settings are the world's, the demo's and `lethe world erase`'s (`WorldErasure`, tuned against lethe eval): UCE
# and RECE keep every other shape, colour and artist of the world, erase an artist by its name and four more namings
# with the authors' art templates, erase scale 10 for a colour and 3 with preserve scale 1 for an artist;
# Forget-Me-Not trains attn2 at lr 5e-4 for 35 steps on 8 pictures the base model draws, one concept after another.
#
# Usage: Scripts/results.sh [--quick] [OUTPUT]   (--quick: the reduced run CI makes: 2 captions a set, 2 steps, 1
# and 2 artists at once; minutes, not an hour)
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/setup.sh"
source "$LETHE_ROOT/Scripts/mpirun-options.sh"
cd "$LETHE_ROOT"

quick=0
if [[ ${1:-} == --quick ]]; then quick=1; shift; fi
OUT=${1:-out/results}
RANKS=${LETHE_RESULTS_RANKS:-2}

lethe_build --product lethe
LETHE="$(swift build -c release --show-bin-path)/lethe"
export OPENBLAS_NUM_THREADS=1

ARTISTS=("Ilse Varga" "Tomas Orrin" "Mira Kestrel" "Odile Marchetti" "Bram Holloway" "Sana Querido" "Piet Vandersloot"
         "Leontine Aske" "Rufus Calder" "Yara Niemi")
if [[ $quick == 1 ]]; then
    EVAL_ARGS=(--prompts 2 --steps 2 --inversion-steps 2)
    FMN_ARGS=(--steps 2 --generate-images 1 --generation-steps 2)
    MANY=(2)
else
    EVAL_ARGS=()
    FMN_ARGS=()
    MANY=(4 10)
fi
mkdir -p "$OUT/models" "$OUT/evals"

# erase METHOD NAME CONCEPT...: writes $OUT/models/NAME with the world's settings for METHOD (lethe world erase).
erase() {
    local method=$1 name=$2
    shift 2
    local concepts=() concept
    for concept in "$@"; do concepts+=(--concept "$concept"); done
    [[ $method == fmn ]] && concepts+=("${FMN_ARGS[@]}")
    "$LETHE" world erase --method "$method" "${concepts[@]}" --output "$OUT/models/$name" --overwrite \
        >"$OUT/models/$name.log" 2>&1 || { cat "$OUT/models/$name.log" >&2; return 1; }
}

# evaluate NAME CONCEPT...: judges $OUT/models/NAME into $OUT/evals/NAME (lethe eval, every attack).
evaluate() {
    local name=$1
    shift
    local concepts=() concept
    for concept in "$@"; do concepts+=(--concept "$concept"); done
    mpirun "${mpirun_args[@]}" -np "$RANKS" "$LETHE" eval --model "$OUT/models/$name" "${concepts[@]}" "${EVAL_ARGS[@]}" \
        --output "$OUT/evals/$name" --overwrite >/dev/null 2>"$OUT/evals/$name.log" \
        || { tail -n 20 "$OUT/evals/$name.log" >&2; return 1; }
}

folders=()
started=$SECONDS
for method in uce rece fmn; do
    for concept in triangle red "Ilse Varga"; do
        name="$method-$(tr ' A-Z' '-a-z' <<<"$concept")"
        echo "== $name"
        erase "$method" "$name" "$concept"
        evaluate "$name" "$concept"
        folders+=("$OUT/evals/$name")
    done
    for count in "${MANY[@]}"; do
        name="$method-$count-artists"
        echo "== $name"
        erase "$method" "$name" "${ARTISTS[@]:0:$count}"
        evaluate "$name" "${ARTISTS[@]:0:$count}"
        folders+=("$OUT/evals/$name")
    done
done
"$LETHE" eval report "${folders[@]}" --output "$OUT" --title "Lethe: measured erasure in the world$([[ $quick == 1 ]] && echo " (quick run)")"
echo "results: $((SECONDS - started)) s; open $OUT/report.html"
