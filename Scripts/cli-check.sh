#!/usr/bin/env bash
# Checks the `lethe` command line end to end: help, version, info (alone and under mpirun), inspect of good and
# bad files. Prints one line per check and "cli-check: N passed, 0 failed" at the end; exits non-zero on failure.
#
# Usage: Scripts/cli-check.sh <path-to-lethe>
set -uo pipefail

if [[ $# -ne 1 || ! -x "$1" ]]; then
    echo "usage: $0 <path-to-lethe>" >&2
    exit 2
fi
LETHE=$1
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
FIXTURES="$ROOT/Tests/LetheIOTests/Fixtures/safetensors"
MODEL="$ROOT/Tests/Fixtures/pipelines/sd2-tiny"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
MPIRUN=(timeout --kill-after=10 120 mpirun --oversubscribe --mca btl self,vader --mca btl_vader_single_copy_mechanism none)

passed=0
failed=0

# check NAME EXPECTED_STATUS PATTERN -- COMMAND...: runs COMMAND, wants its exit status (0 or "nonzero") and
# its combined output to match the extended regex PATTERN.
check() {
    local name=$1 want=$2 pattern=$3
    shift 4
    local output status
    output=$("$@" 2>&1)
    status=$?
    local ok=1
    if [[ $want == 0 && $status != 0 ]] || [[ $want == nonzero && $status == 0 ]]; then ok=0; fi
    if ! grep -Eq -- "$pattern" <<<"$output"; then ok=0; fi
    if [[ $ok == 1 ]]; then
        passed=$((passed + 1))
        echo "PASS $name"
    else
        failed=$((failed + 1))
        echo "FAIL $name (exit $status, wanted $want, pattern /$pattern/)"
        sed 's/^/    | /' <<<"$output" | head -n 20
    fi
}

check "help lists the subcommands" 0 "info.*" -- "$LETHE" --help
check "help names inspect" 0 "inspect" -- "$LETHE" --help
check "version" 0 "^[0-9]+\.[0-9]+\.[0-9]+" -- "$LETHE" --version
check "unknown subcommand fails" nonzero "Unexpected argument 'frobnicate'" -- "$LETHE" frobnicate
check "unknown flag fails" nonzero "Unknown option '--bogus'" -- "$LETHE" inspect --bogus "$FIXTURES/f32.safetensors"
check "info names the libraries" 0 "Open MPI.*" -- "$LETHE" info
check "info reports OpenBLAS and zstd" 0 "zstd +[0-9]" -- "$LETHE" info
check "info single process" 0 "world +1 rank \(single process" -- "$LETHE" info
check "info --json" 0 '"worldSize" : 1' -- "$LETHE" info --json
check "info under mpirun -np 2" 0 "rank 1 of 2" -- "${MPIRUN[@]}" -np 2 "$LETHE" info
check "info under mpirun -np 3 (JSON)" 0 '"worldSize" : 3' -- "${MPIRUN[@]}" -np 3 "$LETHE" info --json

check "inspect a file" 0 "weight +F32 +\[2, 3\] +24 B" -- "$LETHE" inspect "$FIXTURES/f32.safetensors"
check "inspect F16 and BF16" 0 "as_bf16 +BF16 +\[28\]" -- "$LETHE" inspect "$FIXTURES/conversion.safetensors"
check "inspect a sharded set by its index" 0 "3 shards" -- "$LETHE" inspect "$FIXTURES/sharded/model.safetensors.index.json"
check "inspect --json" 0 '"dtype" : "F32"' -- "$LETHE" inspect "$FIXTURES/f32.safetensors" --json
if [[ -d "$MODEL" ]]; then
    check "inspect a diffusers variant index" 0 "down_blocks.0.attentions.0.transformer_blocks.0.attn2.to_k.weight +F16" -- \
        "$LETHE" inspect "$MODEL/unet"
    check "inspect a diffusers model folder" 0 "text_encoder/model.fp16.safetensors" -- "$LETHE" inspect "$MODEL"
fi

# Bad input: each names the file and what is wrong, and exits non-zero.
printf 'abc' >"$WORK/short.safetensors"
check "truncated file" nonzero "short.safetensors" -- "$LETHE" inspect "$WORK/short.safetensors"
head -c 100 "$FIXTURES/f32.safetensors" >"$WORK/cut.safetensors"
check "file cut inside its data" nonzero "cut.safetensors" -- "$LETHE" inspect "$WORK/cut.safetensors"
printf '{"a": 1}' >"$WORK/plain.json"
check "JSON that is not an index" nonzero "plain.json" -- "$LETHE" inspect "$WORK/plain.json"
check "missing path" nonzero "no such file or folder" -- "$LETHE" inspect "$WORK/nothing-here.safetensors"
mkdir "$WORK/empty"
check "folder without safetensors" nonzero "no safetensors files" -- "$LETHE" inspect "$WORK/empty"
check "bad file under mpirun exits non-zero" nonzero "short.safetensors" -- \
    "${MPIRUN[@]}" -np 2 "$LETHE" inspect "$WORK/short.safetensors"

echo "cli-check: $passed passed, $failed failed"
[[ $failed == 0 ]]
