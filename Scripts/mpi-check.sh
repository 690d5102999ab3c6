#!/usr/bin/env bash
# Runs the MPI check driver under mpirun for 1, 2, 3 and 4 ranks, then the abort test; exits non-zero if any run
# fails, hangs, or does not report "mpi-check np=N: K passed, 0 failed".
#
# Usage: Scripts/mpi-check.sh <path-to-lethe-mpi-check>
# Environment: LETHE_MPI_CHECK_TIMEOUT (seconds per mpirun, default 120);
#              LETHE_MPIRUN_ARGS (replaces the mpirun options of Scripts/mpirun-options.sh).
set -euo pipefail

if [[ $# -ne 1 ]]; then
    echo "usage: $0 <path-to-lethe-mpi-check>" >&2
    exit 2
fi
binary=$1
if [[ ! -x "$binary" ]]; then
    echo "mpi-check: '$binary' is not an executable file" >&2
    exit 2
fi

source "$(dirname "${BASH_SOURCE[0]}")/mpirun-options.sh"
time_limit=${LETHE_MPI_CHECK_TIMEOUT:-120}

output=$(mktemp)
trap 'rm -f "$output"' EXIT
failures=0

# Runs mpirun with a time limit; sets `status` (124 or 137 mean the time limit was hit) and `seconds`.
run_mpirun() {
    local ranks=$1
    shift
    local start=$SECONDS
    status=0
    timeout --kill-after=10 "$time_limit" mpirun "${mpirun_args[@]}" -np "$ranks" "$binary" "$@" >"$output" 2>&1 ||
        status=$?
    seconds=$((SECONDS - start))
}

show_output() {
    sed 's/^/    | /' "$output" | tail -n 40
}

for ranks in 1 2 3 4; do
    run_mpirun "$ranks"
    summary=$(grep -E "^mpi-check np=$ranks: [0-9]+ passed, [0-9]+ failed$" "$output" || true)
    if [[ $status -eq 124 || $status -eq 137 ]]; then
        echo "FAIL np=$ranks: no result within ${time_limit} s (hang)"
        show_output
        failures=$((failures + 1))
    elif [[ $status -ne 0 ]]; then
        echo "FAIL np=$ranks: mpirun exited with status $status after ${seconds} s${summary:+ ($summary)}"
        show_output
        failures=$((failures + 1))
    elif [[ ! $summary =~ ^mpi-check\ np=$ranks:\ [1-9][0-9]*\ passed,\ 0\ failed$ ]]; then
        echo "FAIL np=$ranks: mpirun succeeded but the summary line is missing or wrong: '${summary}'"
        show_output
        failures=$((failures + 1))
    else
        echo "PASS $summary (${seconds} s)"
    fi
done

# Fail-stop: rank 1 aborts while the others wait in a barrier; mpirun must exit non-zero, well before the limit.
for ranks in 2 3; do
    run_mpirun "$ranks" --abort-test
    if [[ $status -eq 124 || $status -eq 137 ]]; then
        echo "FAIL abort-test np=$ranks: the job hung instead of ending (no exit within ${time_limit} s)"
        show_output
        failures=$((failures + 1))
    elif [[ $status -eq 0 ]]; then
        echo "FAIL abort-test np=$ranks: mpirun exited with status 0 although rank 1 aborted"
        show_output
        failures=$((failures + 1))
    elif ! grep -q "rank 1 aborts" "$output" || grep -q "passed a barrier" "$output"; then
        echo "FAIL abort-test np=$ranks: status $status, but the output does not show rank 1 aborting alone"
        show_output
        failures=$((failures + 1))
    else
        echo "PASS abort-test np=$ranks: rank 1 aborted, mpirun exited with status $status after ${seconds} s"
    fi
done

if [[ $failures -ne 0 ]]; then
    echo "mpi-check: $failures run(s) failed"
    exit 1
fi
echo "mpi-check: all runs passed"
