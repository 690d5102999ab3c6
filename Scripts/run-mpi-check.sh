#!/usr/bin/env bash
# `lethe run` under mpirun: 4 ranks in 2 groups erase 4 concepts (uce, rece, fmn, invert) on the tiny fixture; one
# erasure is made to fail and must not take the other three with it; the results equal each subcommand run alone;
# a second run skips the finished ones and redoes only the failed one; SIGUSR1 stops a run with a checkpoint and
# the next run resumes it.
#
# Usage: Scripts/run-mpi-check.sh <path-to-lethe> (environment: see Scripts/training-check-common.sh)
set -euo pipefail
source "$(dirname "$0")/training-check-common.sh"

# run_job NAME RANKS EXPECTED-STATUS ARGUMENTS...: like `run`, for a lethe run whose exit status is known.
run_job() {
    local name=$1 ranks=$2 expected=$3
    shift 3
    local status=0
    (cd "$work" && timeout --kill-after=10 "$time_limit" mpirun "${mpirun_args[@]}" -np "$ranks" "$lethe" run "$@") \
        >"$work/$name.log" 2>"$work/$name.err" || status=$?
    if [[ $status -ne $expected ]]; then
        fail "$name (np=$ranks): exit $status, expected $expected"
        sed 's/^/    | /' "$work/$name.err" | tail -n 20
        return 1
    fi
}

# field JSON-FILE PYTHON-EXPRESSION: a value of summary.json, `s` being the document.
field() { python3 -c "import json,sys; s=json.load(open(sys.argv[1])); print($2)" "$1"; }

cat >"$work/job.yaml" <<EOF
model: $model
output: out
defaults:
  seed: 3
erasures:
  - method: uce
    name: person-uce
    concept: [person]
    preserve: [a dog]
  - method: rece
    name: cat-rece
    concept: [cat]
    epochs: 1
  - method: fmn
    name: cat-fmn
    concept: cat
    images: $images
    steps: 2
    batch_size: 2
    lr: 1.0e-3
  - method: invert
    name: thing
    token: "<thing>"
    init_token: not-one-token
    images: $images
    steps: 2
    batch_size: 2
    lr: 1.0e-2
EOF

# 1. Four ranks, two groups; invert fails (its --init-token is not one token), the other three finish.
if run_job first 4 1 --config job.yaml --group-size 2; then
    summary="$work/out/summary.json"
    statuses=$(field "$summary" '" ".join(e["name"]+"="+e["status"] for e in s["erasures"])')
    if [[ "$statuses" == "person-uce=done cat-rece=done cat-fmn=done thing=failed" ]] \
        && grep -q "not-one-token" <<<"$(field "$summary" 's["erasures"][3]["error"]')" \
        && grep -q "^| cat-fmn | fmn | cat | done |" "$work/first.log" \
        && grep -q "group 1 (ranks 2-3): cat-rece (rece), thing (invert)" "$work/first.err" \
        && [[ -f "$work/out/person-uce/unet/diffusion_pytorch_model.safetensors" && -f "$work/out/cat-fmn/erasure-report.json"
              && ! -e "$work/out/thing" ]]; then
        ok "run: 2 groups of 2 ranks, one failing erasure of 4 leaves the other 3 done ($statuses)"
    else
        fail "run: unexpected outcome ($statuses)"
        sed 's/^/    | /' "$work/first.err" | tail -n 20
    fi
fi

# 2. Each result equals its subcommand run alone: the closed-form edits bit for bit, fmn within the bound that
#    erasure-training-mpi-check.sh gives np=2 against np=1.
if run alone-uce 1 uce --model "$model" --concept person --preserve "a dog" --output "$work/alone-uce" \
    && run alone-fmn 1 fmn --model "$model" --concept cat --images "$images" --steps 2 --batch-size 2 --lr 1e-3 \
        --seed 3 --output "$work/alone-fmn"; then
    if "$lethe" compare "$work/out/person-uce" "$work/alone-uce" --tolerance 0 >"$work/cmp-uce.log" 2>&1 \
        && "$lethe" compare "$work/out/cat-fmn" "$work/alone-fmn" --tolerance 1e-3 --report-tolerance 1e-5 >"$work/cmp-fmn.log" 2>&1; then
        ok "run: uce in a 2-rank group equals lethe uce alone bit for bit; fmn agrees ($(tail -n 1 "$work/cmp-fmn.log"))"
    else
        fail "run: results differ from the subcommands alone"
        cat "$work/cmp-uce.log" "$work/cmp-fmn.log" | sed 's/^/    | /' | tail -n 10
    fi
fi

# 3. The same command again, with the failing erasure fixed: the three finished ones are skipped, only it runs.
sed -i 's/init_token: not-one-token/init_token: cat/' "$work/job.yaml"
before=$(stat -c %Y "$work/out/cat-fmn/unet/diffusion_pytorch_model.safetensors" 2>/dev/null || true)
if run_job second 4 0 --config job.yaml --group-size 2; then
    statuses=$(field "$work/out/summary.json" '" ".join(e["name"]+"="+e["status"]+("*" if e.get("reused") else "") for e in s["erasures"])')
    if [[ "$statuses" == "person-uce=done* cat-rece=done* cat-fmn=done* thing=done" ]] \
        && [[ $(grep -c "finished before with the same settings" "$work/second.err") -eq 3 ]] \
        && [[ "$before" == "$(stat -c %Y "$work/out/cat-fmn/unet/diffusion_pytorch_model.safetensors")" ]] \
        && [[ -f "$work/out/thing/learned_embeds.safetensors" ]]; then
        ok "run again: 3 finished erasures kept, the fixed one done ($statuses)"
    else
        fail "run again: unexpected outcome ($statuses)"
        sed 's/^/    | /' "$work/second.err" | tail -n 20
    fi
fi

# 4. SIGUSR1 to mpirun while fmn trains: the run stops with a checkpoint and exit 0; the next run resumes it.
cat >"$work/long.yaml" <<EOF
model: $model
output: long
erasures:
  - method: fmn
    name: slow
    concept: cat
    images: $images
    steps: 40
    batch_size: 2
    checkpoint_every: 1
EOF
cd "$work"
timeout --kill-after=10 "$time_limit" mpirun "${mpirun_args[@]}" -np 2 "$lethe" run --config long.yaml \
    >"$work/stop.log" 2>"$work/stop.err" &
job=$!
cd - >/dev/null
for _ in $(seq 1 600); do
    grep -q "step 1:" "$work/stop.err" 2>/dev/null && break
    kill -0 $job 2>/dev/null || break
    sleep 0.2
done
pkill -USR1 -P "$job" -x mpirun || true
status=0
wait $job || status=$?
stopped=$(field "$work/long/summary.json" 's["erasures"][0]["status"]' 2>/dev/null || echo missing)
if [[ $status -eq 0 && "$stopped" == stopped ]] && ls "$work/long/checkpoints/slow" | grep -q "^step-"; then
    if run_job resume 2 0 --config long.yaml \
        && [[ "$(field "$work/long/summary.json" 's["erasures"][0]["status"]')" == done ]] \
        && grep -q "resumed from .*step-" "$work/resume.err"; then
        ok "run: SIGUSR1 stops with a checkpoint (exit 0), the next run resumes from it and finishes"
    else
        fail "run: the stopped erasure did not resume"
        sed 's/^/    | /' "$work/resume.err" | tail -n 10
    fi
else
    fail "run: SIGUSR1 did not stop with a checkpoint (exit $status, status $stopped)"
    sed 's/^/    | /' "$work/stop.err" | tail -n 20
fi

if [[ $failures -ne 0 ]]; then
    echo "run-mpi-check: $failures failure(s)"
    exit 1
fi
echo "run-mpi-check: groups, failures, skipping and resuming behave"
