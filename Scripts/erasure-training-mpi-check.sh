#!/usr/bin/env bash
# Runs `lethe invert` and `lethe fmn` on the tiny fixture pipeline with -np 1 and -np 2 (global batch 2, two steps)
# and checks with `lethe compare` that both rank counts give the same outputs within a float tolerance; then the
# same for differentially private training (DP-SGD), whose noise must be added once to the global sum from a
# stream every rank agrees on: with noise far above the clipped gradients, np=2 must still give np=1's rows and
# gradient norms (noise drawn per rank would give √2 times the norm and other rows), and another seed must not.
#
# Usage: Scripts/erasure-training-mpi-check.sh <path-to-lethe> (environment: see Scripts/training-check-common.sh)
set -euo pipefail
source "$(dirname "$0")/training-check-common.sh"

for ranks in 1 2; do
    run "invert-np$ranks" "$ranks" invert --model "$model" --images "$images" --token "<thing>" --init-token cat --vectors 2 \
        --steps 2 --batch-size 2 --lr 1e-2 --seed 3 --output "$work/ti-np$ranks.safetensors" || true
    run "fmn-np$ranks" "$ranks" fmn --model "$model" --concept cat --images "$images" --train all --steps 2 --batch-size 2 \
        --lr 1e-3 --seed 3 --output "$work/fmn-np$ranks" || true
    # DP-SGD: each example clipped to 0.01, noise σ = 3 (the step is mostly noise), Poisson batches of the 3 images
    # at rate 2/3 (a rank's share is sometimes empty).
    run "dp-invert-np$ranks" "$ranks" invert --model "$model" --images "$images" --token "<thing>" --init-token cat \
        --steps 3 --batch-size 2 --lr 1e-2 --seed 3 --dp-max-grad-norm 0.01 --dp-noise-multiplier 3 --dp-seed 5 \
        --output "$work/dp-ti-np$ranks.safetensors" || true
    run "dp-fmn-np$ranks" "$ranks" fmn --model "$model" --concept cat --images "$images" --train attn2 --steps 2 \
        --batch-size 2 --lr 1e-3 --seed 3 --dp-max-grad-norm 0.01 --dp-target-epsilon 50 --dp-seed 5 \
        --output "$work/dp-fmn-np$ranks" || true
done
run "dp-invert-seed6" 1 invert --model "$model" --images "$images" --token "<thing>" --init-token cat \
    --steps 3 --batch-size 2 --lr 1e-2 --seed 3 --dp-max-grad-norm 0.01 --dp-noise-multiplier 3 --dp-seed 6 \
    --output "$work/dp-ti-seed6.safetensors" || true

compare() {
    local name=$1 first=$2 second=$3 tolerance=$4
    if [[ -e "$first" && -e "$second" ]] && "$lethe" compare "$first" "$second" --tolerance "$tolerance" --report-tolerance 1e-5 >"$work/$name.log" 2>&1; then
        ok "$name: np=2 matches np=1 ($(tail -n 1 "$work/$name.log"))"
    else
        fail "$name: np=2 differs from np=1"
        sed 's/^/    | /' "$work/$name.log" 2>/dev/null | tail -n 10 || true
    fi
}
compare invert "$work/ti-np1.safetensors" "$work/ti-np2.safetensors" 1e-5
# AdamW's first steps move each weight by about ±lr whatever the gradient's size, so where a gradient is at
# rounding level its sign can differ between rank counts: the weights get a looser bound, the losses and gradient
# norms of the report (which depend on the reduction being right) the tight one.
compare fmn "$work/fmn-np1" "$work/fmn-np2" 1e-3
compare dp-invert "$work/dp-ti-np1.safetensors" "$work/dp-ti-np2.safetensors" 1e-5
compare dp-fmn "$work/dp-fmn-np1" "$work/dp-fmn-np2" 1e-3
# The comparison can fail: another --dp-seed draws other batches and other noise.
if [[ -e "$work/dp-ti-seed6.safetensors" ]] && ! "$lethe" compare "$work/dp-ti-np1.safetensors" "$work/dp-ti-seed6.safetensors" \
    --tolerance 1e-3 >"$work/dp-seed.log" 2>&1; then
    ok "dp-invert: another --dp-seed gives other rows ($(tail -n 1 "$work/dp-seed.log"))"
else
    fail "dp-invert: --dp-seed 6 gives --dp-seed 5's rows"
fi
# ε in the log and the report, the same for both rank counts.
for ranks in 1 2; do
    if grep -q "differential privacy: ε = .* after 3 steps" "$work/dp-invert-np$ranks.log" &&
        grep -q '"epsilon"' "$work/dp-ti-np$ranks.report.json"; then
        ok "dp-invert np=$ranks: ε in the log and the report"
    else
        fail "dp-invert np=$ranks: no ε in the log or the report"
    fi
done

if [[ $failures -ne 0 ]]; then
    echo "erasure-training-mpi-check: $failures failure(s)"
    exit 1
fi
echo "erasure-training-mpi-check: invert and fmn, plain and differentially private, agree across 1 and 2 ranks"
