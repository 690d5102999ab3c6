#!/usr/bin/env bash
# Faults around a checkpoint save, under mpirun with 2 ranks: SIGKILL to a rank before, during and after its
# shard write, and to rank 0 before and after the step folder's rename (the test hook LETHE_TEST_FAULT, see
# Sources/LetheCheckpoint/CheckpointFault.swift). Each time the job must end non-zero promptly, the newest
# committed step must be the last one whose save completed, and the same command run again must resume from it and
# end with the same weights, bit for bit, as a job that was never killed.
#
# Usage: Scripts/fault-mpi-check.sh <path-to-lethe> (environment: see Scripts/training-check-common.sh)
set -euo pipefail
source "$(dirname "$0")/training-check-common.sh"

job=(fmn --model "$model" --concept cat --images "$images" --train attn2 --steps 6 --batch-size 2 --resolution 32
     --lr 1e-3 --seed 5 --checkpoint-every 2 --keep-last 3)
weights=unet/diffusion_pytorch_model.safetensors
run plain 2 "${job[@]}" --checkpoint-dir "$work/plain-checkpoints" --output "$work/plain" || true

# POINT RANK NEWEST: the fault at step 4 on RANK; NEWEST is the step the next run must resume from.
cases=("shard-start 1 2" "shard-partial 1 2" "shard-written 1 2" "manifest-written 0 2" "step-renamed 0 4")
for case in "${cases[@]}"; do
    read -r point rank newest <<<"$case"
    name="fault-$point"
    checkpoints="$work/$name-checkpoints"
    start=$(date +%s)
    status=0
    timeout --kill-after=10 "$time_limit" mpirun "${mpirun_args[@]}" -x "LETHE_TEST_FAULT=$point@4:$rank" -np 2 "$lethe" \
        "${job[@]}" --checkpoint-dir "$checkpoints" --output "$work/$name" >"$work/$name.log" 2>&1 || status=$?
    seconds=$(( $(date +%s) - start ))
    committed=$(ls "$checkpoints" 2>/dev/null | sed -nE 's/^step-0*([0-9]+)$/\1/p' | sort -n | tail -n 1)
    # Promptly: well inside the time limit that would otherwise end a job whose other rank hangs.
    if [[ $status -eq 0 || $seconds -ge $(( time_limit / 2 )) ]] || ! grep -q "SIGKILL at $point of step 4" "$work/$name.log" || [[ -e "$work/$name" || "$committed" != "$newest" ]]; then
        fail "$point (rank $rank): exit $status after ${seconds}s, newest committed step '${committed}' (expected $newest)"
        sed 's/^/    | /' "$work/$name.log" | tail -n 15
        continue
    fi
    if run "$name-resume" 2 "${job[@]}" --checkpoint-dir "$checkpoints" --output "$work/$name"; then
        leftovers=$(ls -A "$checkpoints" | grep -c '\.partial' || true)
        if grep -q "resumed from .*step-0*$newest " "$work/$name-resume.log" \
            && cmp -s "$work/plain/$weights" "$work/$name/$weights" && [[ $leftovers -eq 0 ]]; then
            ok "SIGKILL at $point on rank $rank: exit $status after ${seconds}s, resumed from step $newest, weights bit for bit the uninterrupted job's"
        else
            fail "$point: the resumed job did not resume from step $newest or differs ($leftovers staging folders left)"
            sed 's/^/    | /' "$work/$name-resume.log" | tail -n 10
        fi
    fi
done

if [[ $failures -ne 0 ]]; then
    echo "fault-mpi-check: $failures failure(s)"
    exit 1
fi
echo "fault-mpi-check: every killed save resumes from the last committed step"
