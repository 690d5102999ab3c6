#!/usr/bin/env bash
# Checkpoints under mpirun on the tiny fixture pipeline (Forget-Me-Not, global batch 4, 4 steps, a checkpoint after
# every step; textual inversion likewise):
#   - a job resumed from step 2 with the same number of ranks ends bit for bit as the uninterrupted job (cmp);
#   - a checkpoint saved by 2 ranks loads bit for bit on 1, 3 and 4 ranks (resuming at its last step writes the
#     weights it holds);
#   - resumed from step 2 on 1, 3 and 4 ranks, training ends within float tolerance of the uninterrupted job;
#   - `lethe checkpoint export` of the last step writes the job's weights (fmn) and file (invert) bit for bit; a
#     mid-run step exports to a folder that `lethe generate` and `lethe inspect` read;
#   - encrypted checkpoints (--encrypt-key-file) saved by 2 ranks resume with the key bit for bit, and without it
#     the job stops with a clear error;
#   - SIGUSR1 to mpirun mid-run: both ranks checkpoint at the same step and exit 0; run again, the job ends bit for
#     bit as the uninterrupted one.
#
# Usage: Scripts/checkpoint-mpi-check.sh <path-to-lethe> (environment: see Scripts/training-check-common.sh)
set -euo pipefail
source "$(dirname "$0")/training-check-common.sh"

# Keeps only the steps up to $2 in checkpoint folder $1 (as if the job had been killed after saving step $2).
keep_until() {
    local step
    for step in "$1"/step-*; do
        [[ $((10#${step##*/step-})) -le $2 ]] || rm -rf "$step"
    done
}

weights=unet/diffusion_pytorch_model.safetensors
fmn=(fmn --model "$model" --concept cat --images "$images" --train attn2 --steps 4 --batch-size 4 --resolution 32
     --lr 1e-3 --seed 5)
fmn_checkpoints=(--checkpoint-dir "$work/fmn-checkpoints" --checkpoint-every 1 --keep-last 10)

run fmn-plain 2 "${fmn[@]}" --output "$work/fmn-plain" || true
run fmn-saving 2 "${fmn[@]}" "${fmn_checkpoints[@]}" --output "$work/fmn-saving" || true
if cmp -s "$work/fmn-plain/$weights" "$work/fmn-saving/$weights"; then
    ok "fmn: saving checkpoints does not change the weights (np=2)"
else
    fail "fmn: saving checkpoints changed the weights"
fi

# `lethe checkpoint export`: the newest step of the 2-rank checkpoints is the job's output bit for bit (run under
# mpirun: rank 0 writes); a mid-run step gives a folder that generates and inspects.
if run fmn-export 2 checkpoint export "$work/fmn-checkpoints" --model "$model" --output "$work/fmn-export"; then
    if cmp -s "$work/fmn-saving/$weights" "$work/fmn-export/$weights"; then
        ok "checkpoint export: fmn's last step (saved by 2 ranks) is the job's weights bit for bit"
    else
        fail "checkpoint export: fmn's last step differs from the job's weights"
    fi
fi
if timeout "$time_limit" "$lethe" checkpoint export "$work/fmn-checkpoints/step-00000002" --model "$model" \
    --output "$work/fmn-export-step2" >"$work/fmn-export-step2.log" 2>&1 &&
    timeout "$time_limit" "$lethe" generate --model "$work/fmn-export-step2" --prompt "a photo of a cat" --steps 2 \
        --seed 1 --output "$work/fmn-export-step2.png" >>"$work/fmn-export-step2.log" 2>&1 &&
    "$lethe" inspect "$work/fmn-export-step2/unet" >>"$work/fmn-export-step2.log" 2>&1 &&
    ! cmp -s "$work/fmn-saving/$weights" "$work/fmn-export-step2/$weights"; then
    ok "checkpoint export: fmn's step 2 of 4 gives a folder that generate and inspect read"
else
    fail "checkpoint export: fmn's step 2 did not export to a usable folder"
    sed 's/^/    | /' "$work/fmn-export-step2.log" | tail -n 10
fi

# The last checkpoint (step 4, saved by 2 ranks) read on other rank counts: nothing left to train, so the
# written weights are the checkpoint's.
for ranks in 1 3 4; do
    if run "fmn-load-np$ranks" "$ranks" "${fmn[@]}" --resume "$work/fmn-checkpoints/step-00000004" \
        --output "$work/fmn-load-np$ranks"; then
        if cmp -s "$work/fmn-plain/$weights" "$work/fmn-load-np$ranks/$weights"; then
            ok "fmn: a checkpoint of 2 ranks loads bit for bit on $ranks rank(s)"
        else
            fail "fmn: the checkpoint loaded on $ranks rank(s) differs"
        fi
    fi
done

# Killed after step 2: resume on the same and on other rank counts.
keep_until "$work/fmn-checkpoints" 2
cp -r "$work/fmn-checkpoints" "$work/fmn-step2"
if run fmn-resume-np2 2 "${fmn[@]}" "${fmn_checkpoints[@]}" --output "$work/fmn-resume-np2"; then
    if grep -q "resumed from .*step-00000002" "$work/fmn-resume-np2.log" &&
        cmp -s "$work/fmn-plain/$weights" "$work/fmn-resume-np2/$weights"; then
        ok "fmn: resumed at step 2 on 2 ranks, bit for bit the uninterrupted job"
    else
        fail "fmn: the job resumed on 2 ranks differs from the uninterrupted one"
    fi
fi
for ranks in 1 3 4; do
    rm -rf "$work/fmn-reshard" && cp -r "$work/fmn-step2" "$work/fmn-reshard"
    if run "fmn-resume-np$ranks" "$ranks" "${fmn[@]}" --checkpoint-dir "$work/fmn-reshard" --checkpoint-every 1 \
        --output "$work/fmn-resume-np$ranks"; then
        # Other rank counts sum the gradients in another order: AdamW's first steps move a weight by about ±lr
        # whatever its gradient's size, so the weights get the loose bound, the report's losses the tight one.
        if "$lethe" compare "$work/fmn-plain" "$work/fmn-resume-np$ranks" --tolerance 1e-3 --report-tolerance 1e-5 \
            >"$work/fmn-compare-np$ranks.log" 2>&1; then
            ok "fmn: 2 ranks' step 2 resumed on $ranks rank(s) ends as the uninterrupted job ($(tail -n 1 "$work/fmn-compare-np$ranks.log"))"
        else
            fail "fmn: resumed on $ranks rank(s), the result differs"
            sed 's/^/    | /' "$work/fmn-compare-np$ranks.log" | tail -n 5
        fi
    fi
done

# Encrypted at rest (--encrypt-key-file): both ranks seal their shards; killed after step 2, the job resumed with the
# key named by the environment ends bit for bit as the plain uninterrupted one; without the key nothing is read.
"$lethe" checkpoint keygen "$work/checkpoint.key" >/dev/null
run fmn-sealed 2 "${fmn[@]}" --checkpoint-dir "$work/fmn-sealed" --checkpoint-every 1 --keep-last 10 \
    --encrypt-key-file "$work/checkpoint.key" --output "$work/fmn-sealed-out" || true
keep_until "$work/fmn-sealed" 2
if [[ -f "$work/fmn-sealed/step-00000002/manifest.sig" ]] &&
    LETHE_ENCRYPT_KEY_FILE="$work/checkpoint.key" run fmn-sealed-resume 2 "${fmn[@]}" --checkpoint-dir "$work/fmn-sealed" \
        --checkpoint-every 1 --output "$work/fmn-sealed-resume"; then
    if grep -q "resumed from .*step-00000002" "$work/fmn-sealed-resume.log" &&
        cmp -s "$work/fmn-plain/$weights" "$work/fmn-sealed-resume/$weights"; then
        ok "fmn: encrypted checkpoints of 2 ranks resume with the key, bit for bit the uninterrupted job"
    else
        fail "fmn: the job resumed from encrypted checkpoints differs from the uninterrupted one"
    fi
else
    fail "fmn: no encrypted checkpoint to resume from, or the resume failed"
fi
if ! timeout --kill-after=10 "$time_limit" mpirun "${mpirun_args[@]}" -np 2 "$lethe" "${fmn[@]}" \
        --checkpoint-dir "$work/fmn-sealed" --output "$work/fmn-sealed-nokey" >"$work/fmn-sealed-nokey.log" 2>&1 &&
    grep -q "is encrypted: give its key with --encrypt-key-file" "$work/fmn-sealed-nokey.log" && [[ ! -e "$work/fmn-sealed-nokey" ]]; then
    ok "fmn: encrypted checkpoints without the key: the job stops, naming --encrypt-key-file, nothing written"
else
    fail "fmn: encrypted checkpoints without their key were not refused cleanly"
    sed 's/^/    | /' "$work/fmn-sealed-nokey.log" | tail -n 10
fi

ti=(invert --model "$model" --images "$images" --token "<thing>" --init-token cat --vectors 2 --steps 4 --batch-size 2
    --resolution 32 --lr 1e-2 --seed 3)
run ti-plain 2 "${ti[@]}" --output "$work/ti-plain.safetensors" || true
run ti-saving 2 "${ti[@]}" --checkpoint-dir "$work/ti-checkpoints" --checkpoint-every 2 \
    --output "$work/ti-saving.safetensors" || true
if timeout "$time_limit" "$lethe" checkpoint export "$work/ti-checkpoints" --model "$model" \
    --output "$work/ti-export.safetensors" >"$work/ti-export.log" 2>&1 &&
    cmp -s "$work/ti-saving.safetensors" "$work/ti-export.safetensors"; then
    ok "checkpoint export: invert's last step (saved by 2 ranks) is the job's learned_embeds file bit for bit"
else
    fail "checkpoint export: invert's last step differs from the job's file"
    sed 's/^/    | /' "$work/ti-export.log" | tail -n 10
fi
keep_until "$work/ti-checkpoints" 2
if run ti-resume 2 "${ti[@]}" --checkpoint-dir "$work/ti-checkpoints" --checkpoint-every 2 \
    --output "$work/ti-resume.safetensors"; then
    if cmp -s "$work/ti-plain.safetensors" "$work/ti-resume.safetensors"; then
        ok "invert: resumed at step 2 on 2 ranks, bit for bit the uninterrupted job"
    else
        fail "invert: the resumed job differs from the uninterrupted one"
    fi
fi

# SIGUSR1 to mpirun mid-run (what a Slurm script forwards before a time limit): every rank saves at the same step
# and exits 0; the same command then finishes the job, bit for bit the uninterrupted one.
long=(fmn --model "$model" --concept cat --images "$images" --train attn2 --steps 300 --batch-size 2 --resolution 32
      --lr 1e-3 --seed 7)
run long-plain 2 "${long[@]}" --output "$work/long-plain" || true
status=0
timeout --kill-after=10 "$time_limit" mpirun "${mpirun_args[@]}" -np 2 "$lethe" "${long[@]}" \
    --checkpoint-dir "$work/long-checkpoints" --checkpoint-every 1000 --output "$work/long" >"$work/long-stop.log" 2>&1 &
runner=$!
# Signal once training has begun (its first progress line), then wait for the job to end by itself.
for _ in $(seq 1 600); do
    grep -q "^step 1:" "$work/long-stop.log" 2>/dev/null && break
    sleep 0.1
done
pkill -USR1 -P "$runner" -x mpirun || true
wait "$runner" || status=$?
stopped=$(sed -nE 's/.*stopped after step ([0-9]+) as asked.*/\1/p' "$work/long-stop.log" | head -n 1)
if [[ $status -eq 0 && -n "$stopped" && $stopped -lt 300 && -d "$work/long-checkpoints/$(printf 'step-%08d' "$stopped")" &&
      ! -e "$work/long" ]]; then
    ok "fmn: SIGUSR1 to mpirun stops both ranks after step $stopped with a checkpoint, exit 0"
    if run long-resume 2 "${long[@]}" --checkpoint-dir "$work/long-checkpoints" --checkpoint-every 1000 \
        --output "$work/long"; then
        if cmp -s "$work/long-plain/$weights" "$work/long/$weights"; then
            ok "fmn: the stopped job, run again, ends bit for bit as the uninterrupted one"
        else
            fail "fmn: the job resumed after SIGUSR1 differs from the uninterrupted one"
        fi
    fi
else
    fail "fmn: SIGUSR1 did not stop the job cleanly (exit $status, stopped after '${stopped}')"
    sed 's/^/    | /' "$work/long-stop.log" | grep -v '^    | fmn ' | tail -n 10
fi

if [[ $failures -ne 0 ]]; then
    echo "checkpoint-mpi-check: $failures failure(s)"
    exit 1
fi
echo "checkpoint-mpi-check: resume is exact on the same rank count and reshards across 1 to 4 ranks"
