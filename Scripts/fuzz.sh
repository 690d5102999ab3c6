#!/usr/bin/env bash
# Fuzzes the parsers that read files from users and from the Hub — safetensors files and shard indexes, tokenizer
# files and prompts, PNG/JPEG images, YAML job files, diffusers config.json files — with libFuzzer.
#
#   Scripts/fuzz.sh [SECONDS [TARGET...]]   run each target (default: all) for SECONDS (default 600), one after
#                                           the other; targets: safetensors tokenizer image job-config diffusers-config
#
# Each target (Tests/Fuzz/NAME) starts from a temporary copy of its seed corpus (Tests/Fuzz/corpus/NAME), so the
# committed corpus stays small and unchanged. Prints one line per target with libFuzzer's execution count; crash,
# leak, out-of-memory and timeout inputs go to the findings folder it names. Exits non-zero on any finding.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/setup.sh"
cd "$LETHE_ROOT"

RUN_SECONDS="${1:-600}"
if ! [[ "$RUN_SECONDS" =~ ^[1-9][0-9]*$ ]]; then
    echo "usage: Scripts/fuzz.sh [SECONDS [TARGET...]]   (seconds per target, default 600)" >&2
    exit 2
fi
TARGETS=(safetensors tokenizer image job-config diffusers-config)
if [[ $# -gt 1 ]]; then
    shift
    for target in "$@"; do
        [[ " ${TARGETS[*]} " == *" $target "* ]] || { echo "fuzz: no target '$target' (${TARGETS[*]})" >&2; exit 2; }
    done
    TARGETS=("$@")
fi
# A folder of its own: the sanitizer flags below apply to every module of the build, so these objects must not
# mix with the normal release build's.
SCRATCH="$LETHE_ROOT/.build-fuzz"
FINDINGS="$SCRATCH/findings/$(date +%Y%m%d-%H%M%S)"

# libFuzzer and AddressSanitizer come with the Swift toolchain's clang runtime; -D LETHE_FUZZ makes each target's
# main hand over to libFuzzer (Tests/Fuzz/Support). Release mode keeps Swift's overflow and bounds traps and runs
# far more inputs per second than debug. The C modules (libyaml inside Yams, our shims) get coverage too.
FLAGS=(-c release --scratch-path "$SCRATCH"
       -Xswiftc -sanitize=fuzzer,address -Xswiftc -DLETHE_FUZZ
       -Xcc -fsanitize=fuzzer-no-link,address)
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
echo "fuzz: building ${#TARGETS[@]} targets" >&2
for target in "${TARGETS[@]}"; do
    if ! swift build "${FLAGS[@]}" --product "fuzz-$target" >"$WORK/build.log" 2>&1; then
        # The linker's warnings about sanitizer symbols are noise; show the rest.
        grep -v "Cannot export local symbol" "$WORK/build.log" | tail -40 >&2
        echo "fuzz: building fuzz-$target failed" >&2
        exit 1
    fi
done
BIN="$(swift build "${FLAGS[@]}" --show-bin-path)"

mkdir -p "$FINDINGS"
failed=0
for target in "${TARGETS[@]}"; do
    corpus="$WORK/corpus-$target"
    mkdir -p "$corpus"
    cp "Tests/Fuzz/corpus/$target/"* "$corpus/"
    log="$WORK/$target.log"
    status=0
    # One process, in the foreground (no -jobs/-workers): the machines are shared. -timeout flags any single input
    # that takes over 10 s as a hang; -rss_limit_mb flags runaway allocation.
    # TMPDIR: the scratch files a target writes (Tests/Fuzz/Support) go away with $WORK, even after a crash.
    (cd "$WORK" && TMPDIR="$WORK" "$BIN/fuzz-$target" "$corpus" -max_total_time="$RUN_SECONDS" -timeout=10 -rss_limit_mb=4096 \
        -artifact_prefix="$FINDINGS/$target-" -print_final_stats=1 >"$log" 2>&1) || status=$?
    runs=$(sed -nE 's/^Done ([0-9]+) runs in ([0-9]+) second.*/\1 runs in \2 s/p' "$log" | tail -1)
    if [[ $status == 0 && -n "$runs" ]]; then
        echo "PASS fuzz-$target: $runs, no findings"
    else
        failed=$((failed + 1))
        cp "$log" "$FINDINGS/$target.log"
        echo "FAIL fuzz-$target: exit $status; ${runs:-stopped early}; log and input in $FINDINGS" >&2
        grep -E "^==[0-9]+==ERROR|^SUMMARY|Fatal error|ALARM|out-of-memory|Test unit written" "$log" | head -8 >&2 || true
    fi
done
if [[ $failed != 0 ]]; then
    echo "fuzz: $failed of ${#TARGETS[@]} targets found something; see $FINDINGS" >&2
    exit 1
fi
rm -rf "$FINDINGS"
