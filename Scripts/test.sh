#!/usr/bin/env bash
# Installs what is missing, builds in release mode and runs every test: the Swift test suites, the MPI
# collectives under mpirun for 1-4 ranks, the command-line checks and a short run of each fuzz target. Exits non-zero
# on any failure.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/setup.sh"
cd "$LETHE_ROOT"

lethe_build --build-tests
BIN="$(swift build -c release --show-bin-path)"
LOGS="$(mktemp -d)"
trap 'rm -rf "$LOGS"' EXIT

echo "== swift test" >&2
# One BLAS thread per test process: the suites run in parallel and the machines are small.
swift_status=0
OPENBLAS_NUM_THREADS=1 swift test -c release --skip-build >"$LOGS/swift-test.log" 2>&1 || swift_status=$?
grep -E "✘|recorded an issue|Test run with" "$LOGS/swift-test.log" || true
swift_passed=$(sed -nE 's/.*Test run with ([0-9]+) tests? .* passed.*/\1/p' "$LOGS/swift-test.log" | tail -1)
if [[ $swift_status != 0 || -z "$swift_passed" ]]; then
    echo "swift test failed (exit $swift_status); its log:" >&2
    grep -E "✘|error" "$LOGS/swift-test.log" | head -50 >&2
    exit 1
fi

echo "== mpirun collectives" >&2
Scripts/mpi-check.sh "$BIN/lethe-mpi-check" | tee "$LOGS/mpi.log"
# Each mpirun run (np = 1..4 and the abort tests) counts as one test; the driver checks thousands of values in each.
mpi_passed=$(grep -c '^PASS' "$LOGS/mpi.log")

echo "== erasure under mpirun" >&2
Scripts/erasure-mpi-check.sh "$BIN/lethe" | tee "$LOGS/erasure-mpi.log"
Scripts/erasure-training-mpi-check.sh "$BIN/lethe" | tee "$LOGS/erasure-training-mpi.log"
Scripts/checkpoint-mpi-check.sh "$BIN/lethe" | tee "$LOGS/checkpoint-mpi.log"
Scripts/fault-mpi-check.sh "$BIN/lethe" | tee "$LOGS/fault-mpi.log"
Scripts/run-mpi-check.sh "$BIN/lethe" | tee "$LOGS/run-mpi.log"
Scripts/observability-mpi-check.sh "$BIN/lethe" | tee "$LOGS/observability-mpi.log"
# Two network namespaces as two hosts over TCP; says "skipped" where the machine does not allow namespaces.
Scripts/cross-host-check.sh "$BIN/lethe" | tee "$LOGS/cross-host.log"
# Each UCE/RECE run compared with np=1, the failing-job run, each invert/fmn np=2 comparison, each checkpoint
# resume or reshard comparison, each killed save, each lethe run scenario and each trace, timings or watchdog check
# count as one test.
erasure_passed=$(( $(grep -c '^PASS' "$LOGS/erasure-mpi.log") + $(grep -c '^ok ' "$LOGS/erasure-training-mpi.log")
    + $(grep -c '^ok ' "$LOGS/checkpoint-mpi.log") + $(grep -c '^ok ' "$LOGS/run-mpi.log") + $(grep -c '^ok ' "$LOGS/fault-mpi.log") + $(grep -c '^ok ' "$LOGS/cross-host.log")
    + $(grep -c '^ok ' "$LOGS/observability-mpi.log") ))

echo "== command line" >&2
Scripts/cli-check.sh "$BIN/lethe" | tee "$LOGS/cli.log"
cli_passed=$(sed -nE 's/^cli-check: ([0-9]+) passed, 0 failed$/\1/p' "$LOGS/cli.log")

echo "== fuzzing (short)" >&2
# A few seconds per parser target: a target that no longer builds or a seed input that now crashes fails the run.
# The long runs are `Scripts/fuzz.sh [SECONDS]` on their own. Each target that runs clean counts as one test.
Scripts/fuzz.sh 5 | tee "$LOGS/fuzz.log"
fuzz_passed=$(grep -c '^PASS fuzz-' "$LOGS/fuzz.log")

echo "all: $((swift_passed + mpi_passed + erasure_passed + cli_passed + fuzz_passed)) passed, 0 failed"
