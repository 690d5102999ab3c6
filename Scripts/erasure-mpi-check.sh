#!/usr/bin/env bash
# Runs `lethe uce` and `lethe rece` (regzero, and standardreg with UCE's --add-prompts) on the tiny fixture model under mpirun with 1, 2, 3 and 4 ranks, and without
# mpirun (all cores in one process), and checks that the edited UNet weights are bitwise identical to the 1-rank run
# (and the report's measures equal). Then checks
# that a failing job (bad concept) ends every rank with a non-zero exit and leaves no output.
#
# Usage: Scripts/erasure-mpi-check.sh <path-to-lethe>
# Environment: LETHE_MPI_CHECK_TIMEOUT (seconds per mpirun, default 180); LETHE_MPIRUN_ARGS (see mpirun-options.sh).
set -euo pipefail

if [[ $# -ne 1 || ! -x "$1" ]]; then
    echo "usage: $0 <path-to-lethe>" >&2
    exit 2
fi
lethe=$1
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
source "$root/Scripts/mpirun-options.sh"
time_limit=${LETHE_MPI_CHECK_TIMEOUT:-180}
model="$root/Tests/Fixtures/pipelines/sd1-tiny"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failures=0

# More preserved prompts than one encoder chunk holds, so chunks are spread over the ranks.
for index in $(seq 1 40); do echo "a photo number $index of a mountain"; done >"$work/preserve.txt"

jobs=(
    "uce-tensor|uce --concept \"Van Gogh\" nudity --guide art --preserve-file $work/preserve.txt --technique tensor"
    "rece|rece --concept nudity church --guide \"\" --preserve \"a photo of a dog\" --task nudity --epochs 2"
    "rece-standardreg|rece --concept \"Van Gogh\" nudity --guide art \"\" --add-prompts art --task nudity --epochs 2 --rece-variant standardreg"
)

for job in "${jobs[@]}"; do
    name=${job%%|*}
    arguments=${job#*|}
    # "plain": one process without mpirun, which spreads its items over every core it has.
    for ranks in 1 2 3 4 plain; do
        output="$work/$name-np$ranks"
        status=0
        launcher=(timeout --kill-after=10 "$time_limit" mpirun "${mpirun_args[@]}" -np "$ranks")
        [[ $ranks == plain ]] && launcher=(timeout --kill-after=10 "$time_limit")
        eval '"${launcher[@]}"' "$lethe" $arguments \
            --model "$model" --no-attention-probe --output "$output" >"$work/log" 2>&1 || status=$?
        if [[ $status -ne 0 ]]; then
            echo "FAIL $name np=$ranks: exit status $status"
            sed 's/^/    | /' "$work/log" | tail -n 20
            failures=$((failures + 1))
            continue
        fi
        if [[ $ranks == 1 ]]; then
            echo "PASS $name np=1: ran"
            continue
        fi
        weights=unet/diffusion_pytorch_model.safetensors
        # The report's measures, without the rank count and timings.
        if ! cmp -s "$work/$name-np1/$weights" "$output/$weights"; then
            echo "FAIL $name np=$ranks: edited weights differ from np=1"
            failures=$((failures + 1))
        elif ! diff <(grep -E 'ratio|residual|"key"|"value"' "$work/$name-np1/erasure-report.json") \
                    <(grep -E 'ratio|residual|"key"|"value"' "$output/erasure-report.json") >/dev/null; then
            echo "FAIL $name np=$ranks: the report's measures differ from np=1"
            failures=$((failures + 1))
        else
            echo "PASS $name np=$ranks: weights bitwise identical to np=1"
        fi
    done
done

# A bad concept on every rank: the job must end (no hang), non-zero, with no output folder.
status=0
timeout --kill-after=10 "$time_limit" mpirun "${mpirun_args[@]}" -np 3 "$lethe" rece --model "$model" \
    --concept "" --output "$work/bad" >"$work/log" 2>&1 || status=$?
if [[ $status -eq 124 || $status -eq 137 ]]; then
    echo "FAIL bad-concept np=3: hung"
    failures=$((failures + 1))
elif [[ $status -eq 0 || -e "$work/bad" ]] || ! grep -q "is empty" "$work/log"; then
    echo "FAIL bad-concept np=3: status $status, output left: $([[ -e $work/bad ]] && echo yes || echo no)"
    sed 's/^/    | /' "$work/log" | tail -n 10
    failures=$((failures + 1))
else
    echo "PASS bad-concept np=3: every rank stopped with status $status, nothing written"
fi

if [[ $failures -ne 0 ]]; then
    echo "erasure-mpi-check: $failures run(s) failed"
    exit 1
fi
echo "erasure-mpi-check: all runs passed"
