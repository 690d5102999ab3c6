# Sourced by the training checks under mpirun (erasure-training-mpi-check.sh, checkpoint-mpi-check.sh): checks the
# lethe argument, sets `lethe`, `root`, `model` (the tiny SD 1.x fixture), `images`, `mpirun_args`, `time_limit`,
# a `work` folder removed at exit and `failures`, and defines `run`, `ok` and `fail`.
# Environment: LETHE_MPI_CHECK_TIMEOUT (seconds per mpirun, default 120);
#              LETHE_MPIRUN_ARGS (replaces the mpirun options of Scripts/mpirun-options.sh).
if [[ $# -ne 1 || ! -x "$1" ]]; then
    echo "usage: $0 <path-to-lethe>" >&2
    exit 2
fi
lethe=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
model="$root/Tests/Fixtures/pipelines/sd1-tiny"
images="$root/Tests/Fixtures/references/ti-fmn-images"
source "$root/Scripts/mpirun-options.sh"
time_limit=${LETHE_MPI_CHECK_TIMEOUT:-120}

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failures=0

# run NAME RANKS LETHE-ARGUMENTS...: lethe under mpirun with RANKS ranks, its output in $work/NAME.log; a failure
# is counted and shown, and returns 1.
run() {
    local name=$1 ranks=$2
    shift 2
    local status=0
    timeout --kill-after=10 "$time_limit" mpirun "${mpirun_args[@]}" -np "$ranks" "$lethe" "$@" \
        >"$work/$name.log" 2>&1 || status=$?
    if [[ $status -ne 0 ]]; then
        echo "FAIL $name (np=$ranks, exit $status)"
        sed 's/^/    | /' "$work/$name.log" | tail -n 20
        failures=$((failures + 1))
        return 1
    fi
}

ok() { echo "ok   $1"; }

fail() {
    echo "FAIL $1"
    failures=$((failures + 1))
}
