#!/usr/bin/env bash
# The watchdog and the trace under mpirun on the tiny fixture pipeline (Forget-Me-Not and textual inversion on 2
# ranks, global batch 2):
#   - --trace writes a valid Chrome trace with complete events from both ranks (steps, forward and backward passes,
#     the gradient allreduce, the optimizer, checkpoint saves and shard writes), and the report's training.timings
#     has both ranks with the gradient allreduce's bytes and bus bandwidth and the checkpoint writes;
#   - a healthy job with --watchdog-seconds armed finishes without a false alarm;
#   - rank 1 made to stall at step 2 (the LETHE_TEST_STALL_RANK/LETHE_TEST_STALL_AT_STEP test hook) with
#     --watchdog-seconds 5: the job ends non-zero well inside its timeout, stderr names the step and the
#     collective, and no output is written.
#
# Usage: Scripts/observability-mpi-check.sh <path-to-lethe> (environment: see Scripts/training-check-common.sh)
set -euo pipefail
source "$(dirname "$0")/training-check-common.sh"

fmn=(fmn --model "$model" --concept cat --images "$images" --train attn2 --steps 3 --batch-size 2 --resolution 32
     --lr 1e-3 --seed 5)

# check_trace NAME TRACE REPORT CATEGORIES...: the trace is JSON with complete events of every category on both
# ranks; the report's timings cover both ranks' steps with the allreduce's bandwidth.
check_trace() {
    local name=$1 trace=$2 report=$3
    shift 3
    if python3 - "$trace" "$report" "$@" >"$work/$name-check.log" 2>&1 <<'EOF'
import json, sys
trace, report, wanted = sys.argv[1], sys.argv[2], set(sys.argv[3:])
events = [e for e in json.load(open(trace))["traceEvents"] if e.get("ph") == "X"]
for rank in (0, 1):
    mine = [e for e in events if e["pid"] == rank]
    missing = wanted - {e["cat"] for e in mine}
    assert not missing, f"rank {rank} has no {sorted(missing)} events"
    assert all(e["ts"] >= 0 and e["dur"] >= 0 and isinstance(e["tid"], int) for e in mine)
ranks = json.load(open(report))["training"]["timings"]["ranks"]
assert [r["rank"] for r in ranks] == [0, 1], ranks
for r in ranks:
    assert r["steps"] > 0 and r["step"]["mean"] > 0 and r["forward"]["mean"] > 0, r
    assert r["allreduce_bytes_per_step"] > 0 and r["bus_bandwidth"] > 0, r
print(f"{len(events)} events from ranks {sorted({e['pid'] for e in events})}; "
      f"bus bandwidth {ranks[0]['bus_bandwidth'] / 1e9:.3f} GB/s on rank 0")
EOF
    then
        ok "$name: $(tail -n 1 "$work/$name-check.log")"
    else
        fail "$name: the trace or the report's timings are not as expected"
        sed 's/^/    | /' "$work/$name-check.log" | tail -n 10
    fi
}

if run fmn-trace 2 "${fmn[@]}" --checkpoint-dir "$work/checkpoints" --checkpoint-every 1 --trace "$work/fmn-trace.json" \
    --output "$work/fmn-trace"; then
    check_trace fmn-trace "$work/fmn-trace.json" "$work/fmn-trace/erasure-report.json" \
        step data forward backward sync allreduce optimizer checkpoint_save checkpoint_write stage
    if python3 -c 'import json, sys; w = [r["checkpoint_writes"] for r in json.load(open(sys.argv[1]))["training"]["timings"]["ranks"]]
assert all(c["saves"] == 3 and c["raw_bytes"] > 0 and c["compression_ratio"] > 0 for c in w), w' \
        "$work/fmn-trace/erasure-report.json" 2>"$work/fmn-writes.log"; then
        ok "fmn-trace: the report has both ranks' checkpoint writes (3 saves, MB/s, compression ratio)"
    else
        fail "fmn-trace: the report's checkpoint writes"
        sed 's/^/    | /' "$work/fmn-writes.log" | tail -n 10
    fi
    if grep -q "^timings over 3 step(s)" "$work/fmn-trace.log" && grep -qE "^   1  [0-9.]+/" "$work/fmn-trace.log"; then
        ok "fmn-trace: rank 0 printed the per-rank table"
    else
        fail "fmn-trace: no per-rank table in the output"
    fi
fi

if run invert-trace 2 invert --model "$model" --images "$images" --token "<thing>" --init-token cat --steps 2 \
    --batch-size 2 --resolution 32 --seed 3 --trace "$work/invert-trace.json" --output "$work/ti.safetensors"; then
    check_trace invert-trace "$work/invert-trace.json" "$work/ti.report.json" step data forward backward allreduce optimizer
fi

# Armed on a healthy job: no alarm (every rank computes or returns from a collective well within the limit).
if run fmn-watchdog 2 "${fmn[@]}" --watchdog-seconds 10 --output "$work/fmn-watchdog"; then
    if grep -q "watchdog: no progress" "$work/fmn-watchdog.log"; then fail "fmn-watchdog: a healthy job raised the watchdog"
    else ok "fmn-watchdog: a healthy job with --watchdog-seconds 10 finishes"; fi
fi

# Rank 1 stops at step 2; rank 0 waits in the step's first collective. Ranks inherit the test hook's variables.
started=$SECONDS
status=0
LETHE_TEST_STALL_RANK=1 LETHE_TEST_STALL_AT_STEP=2 timeout --kill-after=10 "$time_limit" \
    mpirun "${mpirun_args[@]}" -np 2 "$lethe" "${fmn[@]}" --watchdog-seconds 5 --output "$work/fmn-stalled" \
    >"$work/fmn-stalled.log" 2>&1 || status=$?
elapsed=$((SECONDS - started))
line=$(grep -m 1 "watchdog: no progress" "$work/fmn-stalled.log" || true)
if [[ $status -ne 0 && $elapsed -lt $((time_limit / 2)) && $line =~ "at step 2" && $line =~ "MPI_Allreduce" \
      && ! -e "$work/fmn-stalled" ]]; then
    ok "watchdog: a stalled rank ends the job in ${elapsed} s (exit $status): ${line#*watchdog: }"
else
    fail "watchdog: the stalled job ended with exit $status after ${elapsed} s (limit $time_limit s)"
    sed 's/^/    | /' "$work/fmn-stalled.log" | tail -n 20
fi

if [[ $failures -ne 0 ]]; then
    echo "observability-mpi-check: $failures failure(s)"
    exit 1
fi
echo "observability-mpi-check: traces, timings and the watchdog under mpirun"
