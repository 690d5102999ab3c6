#!/usr/bin/env bash
# Runs a lethe subcommand with plain mpirun across the nodes of a hostfile (no batch system), checkpointing to a
# folder every node sees and resuming from it when run again:
#   Cluster/mpirun/launch.sh Cluster/mpirun/hosts.example fmn --config job.yaml --model /shared/sd --output /shared/out
# Environment: LETHE (the lethe binary, the same path on every node), RANKS (default: the hostfile's slots),
# THREADS (OpenBLAS threads per rank, default 1), LETHE_CHECKPOINTS (default: OUTPUT.checkpoints),
# MPIRUN_ARGS (extra mpirun options, e.g. "--mca btl_tcp_if_include eth0").
# Ctrl-C stops at once; `kill -USR1 <mpirun pid>` stops every rank after its step with a checkpoint.
set -euo pipefail

if [[ $# -lt 2 || ! -f $1 ]]; then
    echo "usage: $0 HOSTFILE fmn|invert|uce|rece|run|generate FLAGS..." >&2
    exit 2
fi
hostfile=$1
shift
LETHE=${LETHE:-lethe}
ranks=${RANKS:-$(awk '!/^#/ && NF { for (i = 1; i <= NF; i++) if ($i ~ /^slots=/) { sub("slots=", "", $i); n += $i } } END { print n }' "$hostfile")}

extra=()
if [[ $1 == fmn || $1 == invert ]]; then
    output=""
    previous=""
    for argument in "$@"; do
        [[ $previous == --output ]] && output=$argument
        previous=$argument
    done
    extra=(--checkpoint-dir "${LETHE_CHECKPOINTS:-${output:-$PWD/lethe-output}.checkpoints}" --resume auto)
fi

read -r -a mpirun_extra <<<"${MPIRUN_ARGS:-}"
# Each rank's output goes to its own file under lethe-logs/1/rank.N/ (stdout, stderr).
exec mpirun --hostfile "$hostfile" -np "$ranks" --map-by ppr:"$(( (ranks + $(grep -cvE '^#|^$' "$hostfile") - 1) / $(grep -cvE '^#|^$' "$hostfile") ))":node \
    --bind-to core -x OPENBLAS_NUM_THREADS="${THREADS:-1}" --output-filename lethe-logs "${mpirun_extra[@]}" \
    "$LETHE" "$@" "${extra[@]}"
