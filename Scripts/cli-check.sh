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
# Absolute, so checks may run it from another folder.
LETHE="$(cd "$(dirname "$1")" && pwd)/$(basename "$1")"
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
FIXTURES="$ROOT/Tests/LetheIOTests/Fixtures/safetensors"
MODEL="$ROOT/Tests/Fixtures/pipelines/sd2-tiny"
WORK="$(mktemp -d)"
trap 'umount "$WORK/smallfs" 2>/dev/null; rm -rf "$WORK"' EXIT
source "$ROOT/Scripts/mpirun-options.sh"
MPIRUN=(timeout --kill-after=10 120 mpirun "${mpirun_args[@]}")

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
# OpenBLAS's kernels: never its SSE3 fallback on a CPU with AVX2 (Lethe re-selects them), and OPENBLAS_CORETYPE wins.
if grep -qw avx2 /proc/cpuinfo 2>/dev/null && grep -qw fma /proc/cpuinfo && [[ -z ${OPENBLAS_CORETYPE:-} ]]; then
    check "info: OpenBLAS runs AVX2 or AVX-512 kernels on a CPU that has them" 0 "; core (Haswell|SkylakeX|Cooperlake|SapphireRapids|Zen)" -- "$LETHE" info
fi
check "info: OPENBLAS_CORETYPE chooses the kernels" 0 "; core Prescott[;)]" -- env OPENBLAS_CORETYPE=Prescott "$LETHE" info
# OpenBLAS's idle threads: Lethe shortens their spin unless OPENBLAS_THREAD_TIMEOUT says otherwise.
if [[ -z ${OPENBLAS_THREAD_TIMEOUT:-} ]] && [[ ${OPENBLAS_NUM_THREADS:-2} != 1 ]] && (( $(nproc) > 1 )); then
    check "info: OpenBLAS's idle threads spin 2^10 cycles" 0 "idle threads spin 2\^10 cycles" -- "$LETHE" info
fi
check "info: OPENBLAS_THREAD_TIMEOUT is left to OpenBLAS" 0 "^OpenBLAS .*(core|fallback) [A-Za-z0-9]+\)$" -- env OPENBLAS_THREAD_TIMEOUT=6 "$LETHE" info
check "info single process" 0 "world +1 rank \(single process" -- "$LETHE" info
check "info --json" 0 '"worldSize" : 1' -- "$LETHE" info --json
check "info under mpirun -np 2" 0 "rank 1 of 2" -- "${MPIRUN[@]}" -np 2 "$LETHE" info
check "info under mpirun -np 3 (JSON)" 0 '"worldSize" : 3' -- "${MPIRUN[@]}" -np 3 "$LETHE" info --json

check "inspect a file" 0 "weight +F32 +\[2, 3\] +24 B" -- "$LETHE" inspect "$FIXTURES/f32.safetensors"
check "inspect F16 and BF16" 0 "as_bf16 +BF16 +\[28\]" -- "$LETHE" inspect "$FIXTURES/conversion.safetensors"
check "inspect a sharded set by its index" 0 "3 shards" -- "$LETHE" inspect "$FIXTURES/sharded/model.safetensors.index.json"
check "inspect --json" 0 '"dtype" : "F32"' -- "$LETHE" inspect "$FIXTURES/f32.safetensors" --json
check "bench --train names a pattern that matches nothing" nonzero "pattern 'attn3' matches no parameter of the UNet" -- "$LETHE" bench unet --latent 8 --backward --train attn3
check "bench unet --convolution winograd runs a tiny forward" 0 "per forward \(best of 1\)" -- \
    "$LETHE" bench unet --latent 8 --iterations 1 --convolution winograd
check "bench unet names a bad --convolution" nonzero "'fft' is invalid for '--convolution" -- "$LETHE" bench unet --convolution fft
check "bench checkpoint --train names a pattern that matches nothing" nonzero "pattern 'attn3' matches no parameter of the UNet" -- \
    "$LETHE" bench checkpoint --train attn3
check "bench allreduce under mpirun -np 2 checks its sums and reports busbw" 0 "on 2 rank\(s\).*busbw [0-9.]+ GB/s" -- bash -c \
    '"$@" | tr -d "\n"' _ "${MPIRUN[@]}" -np 2 "$LETHE" bench allreduce --megabytes 1 --iterations 1

# lethe bench generate: whole text-to-image timings. The random preset folder goes to a cache under $WORK.
check "bench generate --help" 0 "--size.*--steps.*--scheduler" -- bash -c '"$@" 2>&1 | tr -d "\n"' _ "$LETHE" bench generate --help
check "bench generate refuses a bad --size" nonzero "--size must be a multiple of 8 from 64 to 2048.*got 100" -- \
    "$LETHE" bench generate --size 100
check "bench generate names a missing --model folder" nonzero "--model '$WORK/no-model' is not a folder" -- \
    "$LETHE" bench generate --model "$WORK/no-model"
check "bench generate: a tiny random model, every JSON field" 0 \
    '^\{"all_total_seconds":\[[0-9.]+\],"decode_seconds":[0-9.]+,"denoise_seconds":[0-9.]+,"encode_seconds":[0-9.]+,"guidance":7.5,"implementation":"Lethe","load_seconds":[0-9.]+,"loading":"mapped","model":"random tiny","peak_rss_bytes":[0-9]+,"rss_anon_bytes":[0-9]+,"rss_file_bytes":[0-9]+,"scheduler":"pndm","size":64,"steps":3,"threads":1,"total_seconds":[0-9.]+\}$' -- \
    env XDG_CACHE_HOME="$WORK/cache" "$LETHE" bench generate --preset tiny --size 64 --steps 3 --json
check "bench generate reuses the cached folder" 0 "^Lethe generate random tiny, 64×64 px, 2 ddim steps.*weights arena" -- \
    bash -c 'XDG_CACHE_HOME="$1/cache" "$2" bench generate --preset tiny --size 64 --steps 2 --scheduler ddim --loading arena 2>&1 | tr -d "\n"' _ "$WORK" "$LETHE"
check "bench generate on a diffusers folder" 0 "total [0-9.]+ s \(best of 2\)" -- \
    "$LETHE" bench generate --model "$MODEL" --size 64 --steps 2 --scheduler euler --iterations 2
# lethe bench train: Forget-Me-Not and textual-inversion steps, per part; the synthetic images go to the cache too.
check "bench train: Forget-Me-Not on a tiny random model, every JSON field" 0 \
    '^\{"backward_seconds":[0-9.e-]+,"batch":1,"data_seconds":[0-9.e-]+,"forward_seconds":[0-9.e-]+,"implementation":"Lethe","method":"fmn","model":"random tiny","optimizer_seconds":[0-9.e-]+,"peak_rss_bytes":[0-9]+,"resolution":64,"seconds":[0-9.e-]+,"step_seconds":\[[0-9.e-]+,[0-9.e-]+,[0-9.e-]+\],"threads":[0-9]+,"train":"all","trained_parameters":[0-9]+\}$' -- \
    env XDG_CACHE_HOME="$WORK/cache" "$LETHE" bench train --method fmn --preset tiny --resolution 64 --json
check "bench train wrote its synthetic images once" 0 "^4$" -- \
    bash -c 'ls "$1"/cache/lethe/bench/train-images-512/*.png | wc -l' _ "$WORK"
check "bench train: Forget-Me-Not with --train attn2 trains fewer values" 0 "^yes$" -- \
    bash -c 'all=$(XDG_CACHE_HOME="$1/cache" "$2" bench train --method fmn --preset tiny --resolution 64 --steps 1 --json)
             attn2=$(XDG_CACHE_HOME="$1/cache" "$2" bench train --method fmn --preset tiny --resolution 64 --steps 1 --train attn2 --json)
             python3 -c "import json, sys; a, b = (json.loads(x)[\"trained_parameters\"] for x in sys.argv[1:]); print(\"yes\" if 0 < b < a else (a, b))" "$all" "$attn2"' _ "$WORK" "$LETHE"
check "bench train: textual inversion on a diffusers folder" 0 "textual-inversion step.*training embedding.*mean of 1 after the first" -- \
    bash -c '"$@" 2>&1 | tr -d "\n"' _ "$LETHE" bench train --method textual-inversion --model "$MODEL" --images "$ROOT/Tests/Fixtures/references/ti-fmn-images" --steps 2
check "bench train refuses --train with textual inversion" nonzero "--train applies to --method fmn" -- \
    "$LETHE" bench train --method textual-inversion --train attn2
check "bench train refuses --steps 0" nonzero "--steps must be at least 1, got 0" -- "$LETHE" bench train --method fmn --steps 0
check "bench train names a missing --images folder" nonzero "--images '$WORK/no-images' is not a folder" -- \
    "$LETHE" bench train --method fmn --images "$WORK/no-images"
if [[ -d "$MODEL" ]]; then
    check "inspect a diffusers variant index" 0 "down_blocks.0.attentions.0.transformer_blocks.0.attn2.to_k.weight +F16" -- \
        "$LETHE" inspect "$MODEL/unet"
    check "inspect a diffusers model folder" 0 "text_encoder/model.fp16.safetensors" -- "$LETHE" inspect "$MODEL"
fi

# Text-to-image on the tiny SD 1.x-style model (its numbers are checked against diffusers in the Swift tests).
SD1="$ROOT/Tests/Fixtures/pipelines/sd1-tiny"
if [[ -d "$SD1" ]]; then
    check "generate a PNG" 0 "wrote .*one.png" -- "$LETHE" generate --model "$SD1" --prompt "a cat" --steps 3 --seed 1 \
        --output "$WORK/one.png"
    check "generate shows progress with an ETA" 0 "denoise 3/3 .*100% [0-9:]+<[0-9:]+" -- "$LETHE" generate --model "$SD1" \
        --prompt "a cat" --steps 3 --seed 1 --scheduler ddim --output "$WORK/progress.png"
    check "PNDM's extra model call is counted" 0 "denoise 4/4 " -- "$LETHE" generate --model "$SD1" \
        --prompt "a cat" --steps 3 --seed 1 --output "$WORK/pndm.png"
    check "generate numbered images" 0 "many-1.png" -- "$LETHE" generate --model "$SD1" --prompt "a dog" --steps 2 \
        --seed 2 --num-images 2 --scheduler euler-a --output "$WORK/many.png"
    # Under mpirun the ranks share the images out (3 images: 2 + 1 on 2 ranks, 1 + 1 + 1 + none on 4) and rank 0
    # writes them all and prints once: the images of one process, up to float32 rounding (OpenBLAS rounds the
    # products of a smaller batch differently in the last bits: 2.8e-6 and 6.4e-6 relative on 2 and 4 ranks).
    GEN3=(generate --model "$SD1" --prompt "a dog" --negative-prompt "blurry" --steps 3 --seed 5 --num-images 3
          --scheduler euler-a)
    check "generate --num-images 3 in one process" 0 "wrote .*three.npy" -- "$LETHE" "${GEN3[@]}" --output "$WORK/three.npy"
    for np in 2 4; do
        check "generate --num-images 3 under mpirun -np $np: rank 0 writes and shows progress once" 0 "^0 1 1 1$" -- bash -c \
            '"${@:2}" >"$1" 2>&1; echo "$? $(grep -c "^wrote .*three-np" "$1") $(grep -c "^denoise 3/3 " "$1") $(grep -c "^loaded " "$1")"' \
            _ "$WORK/three-np$np.log" "${MPIRUN[@]}" -np $np "$LETHE" "${GEN3[@]}" --output "$WORK/three-np$np.npy"
        check "generate --num-images 3 under mpirun -np $np: the images of one process" 0 "compare: 1 file\(s\) agree" -- \
            "$LETHE" compare --tolerance 2e-5 "$WORK/three-np$np.npy" "$WORK/three.npy"
    done
    check "generate under mpirun -np 2: an existing output is refused before the work and ends every rank" 0 "^[1-9][0-9]* 0 [1-9]" -- \
        bash -c '"${@:2}" >"$1" 2>&1; echo "$? $(grep -c "^denoise" "$1") $(grep -c "three.npy. already exists" "$1")"' \
        _ "$WORK/exists-np2.log" "${MPIRUN[@]}" -np 2 "$LETHE" "${GEN3[@]}" --output "$WORK/three.npy"
    check "generate under mpirun -np 2: numbered PNGs from rank 0" 0 "wrote .*np2-0.png, .*np2-1.png, .*np2-2.png" -- \
        "${MPIRUN[@]}" -np 2 "$LETHE" "${GEN3[@]}" --output "$WORK/np2.png"
    # Without --seed, rank 0 draws the seed and prints it once; every rank uses it (else rank 1's image would be
    # another seed's), so the printed seed gives the same images in one process.
    check "generate under mpirun -np 2 without --seed: rank 0's seed is every rank's" 0 "^0 1 compare: 1 file\(s\) agree" -- \
        bash -c 'lethe=$1 model=$2 work=$3; shift 3
            request=(generate --model "$model" --prompt "a dog" --steps 2 --scheduler euler-a --num-images 2)
            log=$("$@" "$lethe" "${request[@]}" --output "$work/seed-np2.npy" 2>&1); status=$?
            seed=$(sed -n "s/^seed: //p" <<<"$log")
            "$lethe" "${request[@]}" --seed "$seed" --output "$work/seed-np1.npy" >/dev/null 2>&1
            echo "$status $(grep -c "^seed: " <<<"$log") $("$lethe" compare --tolerance 2e-5 "$work/seed-np2.npy" "$work/seed-np1.npy" 2>&1)"' \
        _ "$LETHE" "$SD1" "$WORK" "${MPIRUN[@]}" -np 2
    check "generate float32 NHWC .npy" 0 "wrote .*out.npy" -- "$LETHE" generate --model "$SD1" --prompt "a dog" --steps 2 \
        --seed 2 --scheduler ddim --output "$WORK/out.npy"
    check ".npy has numpy's header" 0 "NUMPY.*'descr': '<f4'.*'shape': \(1, 32, 32, 3\)" -- \
        bash -c 'head -c 128 "$1" | tr -d "\\000"' _ "$WORK/out.npy"
    # A safetensors file holding zeros as 'latents' [1, 4, 8, 8]: header, padding to 8 bytes, 1024 zero bytes.
    header='{"latents":{"dtype":"F32","shape":[1,4,8,8],"data_offsets":[0,1024]}}'
    while (( ${#header} % 8 )); do header+=" "; done
    { printf "\\x$(printf %02x ${#header})\\x00\\x00\\x00\\x00\\x00\\x00\\x00"; printf '%s' "$header"; head -c 1024 /dev/zero; } \
        >"$WORK/latents.safetensors"
    check "generate from --latents" 0 "wrote" -- "$LETHE" generate --model "$SD1" --prompt "a cat" --steps 2 \
        --latents "$WORK/latents.safetensors" --output "$WORK/from-latents.png"
    check "--latents of the wrong size" nonzero "shape \[1, 4, 8, 8\]; this request needs \[1, 4, 16, 16\]" -- \
        "$LETHE" generate --model "$SD1" --prompt "a cat" --steps 2 --height 64 --width 64 \
        --latents "$WORK/latents.safetensors" --output "$WORK/bad.png"
    # Latents [1, 4, 4, 6] alone set the image size, as in diffusers: 16×24 pixels at the VAE's scale factor 4.
    header='{"latents":{"dtype":"F32","shape":[1,4,4,6],"data_offsets":[0,384]}}'
    while (( ${#header} % 8 )); do header+=" "; done
    { printf "\\x$(printf %02x ${#header})\\x00\\x00\\x00\\x00\\x00\\x00\\x00"; printf '%s' "$header"; head -c 384 /dev/zero; } \
        >"$WORK/latents-16x24.safetensors"
    check "--latents alone set the image size" 0 "wrote .*sized.npy" -- "$LETHE" generate --model "$SD1" --prompt "a cat" \
        --steps 1 --latents "$WORK/latents-16x24.safetensors" --output "$WORK/sized.npy"
    check "... 16×24 pixels" 0 "'shape': \(1, 16, 24, 3\)" -- bash -c 'head -c 128 "$1" | tr -d "\\000"' _ "$WORK/sized.npy"
    check "--height that disagrees with the latents" nonzero "shape \[1, 4, 4, 6\]; this request needs \[1, 4, 8, 6\]" -- \
        "$LETHE" generate --model "$SD1" --prompt "a cat" --steps 1 --height 32 \
        --latents "$WORK/latents-16x24.safetensors" --output "$WORK/bad.png"
    check "--latents file without 'latents'" nonzero "no tensor named 'latents'" -- "$LETHE" generate --model "$SD1" \
        --prompt "a cat" --latents "$FIXTURES/f32.safetensors" --output "$WORK/bad.png"
    check "generate: height not a multiple of 4" nonzero "--height is 30" -- "$LETHE" generate --model "$SD1" \
        --prompt "a cat" --height 30 --output "$WORK/bad.png"
    check "generate: unknown scheduler" nonzero "lms" -- "$LETHE" generate --model "$SD1" --prompt "a cat" \
        --scheduler lms --output "$WORK/bad.png"
    check "generate: output type" nonzero "must end in .png or .npy" -- "$LETHE" generate --model "$SD1" \
        --prompt "a cat" --output "$WORK/bad.jpg"
    check "generate: missing model folder" nonzero "no-model" -- "$LETHE" generate --model "$WORK/no-model" \
        --prompt "a cat" --output "$WORK/bad.png"
    [[ ! -e "$WORK/bad.png" ]] && echo "PASS failed runs wrote no image" && passed=$((passed + 1)) ||
        { echo "FAIL a failed run left $WORK/bad.png"; failed=$((failed + 1)); }
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

# UCE and RECE on the tiny SD 1.x fixture: help, a run, --config with a flag overriding it, bad input.
SD1_TINY="$ROOT/Tests/Fixtures/pipelines/sd1-tiny"
check "uce --help" 0 "--preserve-file" -- "$LETHE" uce --help
check "rece --help" 0 "--task" -- "$LETHE" rece --help
check "uce writes a folder" 0 "erasure ratio keys" -- "$LETHE" uce --model "$SD1_TINY" --concept "Van Gogh" \
    --guide art --preserve "a photo of a dog" --output "$WORK/uce"
check "uce folder has the report" 0 "erasure_ratio" -- cat "$WORK/uce/erasure-report.json"
check "generate from the erased folder" 0 "wrote" -- "$LETHE" generate --model "$WORK/uce" --prompt "Van Gogh" \
    --steps 2 --seed 1 --output "$WORK/uce.png"
printf 'concept: [nudity, "Van Gogh"]\nepochs: 5\ntask: artist\noutput: %s\n' "$WORK/from-config" >"$WORK/job.yaml"
check "rece --config, --epochs overrides the file" 0 "RECE 2:.*" -- "$LETHE" rece --config "$WORK/job.yaml" \
    --model "$SD1_TINY" --epochs 2 --no-attention-probe
check "rece --config ran 2 epochs, not 5" 0 "^1 2 final$" -- bash -c \
    'grep -o "\"epoch\" : \"[a-z0-9]*\"" "$1" | cut -d"\"" -f4 | sort -u | paste -sd" "' _ "$WORK/from-config/erasure-report.json"
check "config file that is not YAML" nonzero "not valid YAML" -- bash -c \
    'printf "concept: [nudity\n" >"$2/bad.yaml"; "$1" rece --config "$2/bad.yaml" --model x --output y' _ "$LETHE" "$WORK"
check "unknown config key" nonzero "unknown key 'colour': 'lethe uce' has no option --colour" -- bash -c \
    'printf "colour: red\n" >"$2/odd.yaml"; "$1" uce --config "$2/odd.yaml" --model x --output y' _ "$LETHE" "$WORK"
check "uce: empty concept" nonzero "--concept is empty" -- "$LETHE" uce --model "$SD1_TINY" --concept "" \
    --output "$WORK/bad-uce"
# Prompts past 77 tokens are cut as diffusers and the authors' code cut them, with diffusers' warning (once, rank 0).
check "uce: concept longer than 77 tokens is cut with a warning" 0 \
    "warning: --concept: the following part of your input was truncated because CLIP can only handle sequences up to 77 tokens: painting painting painting painting painting" -- \
    "$LETHE" uce --model "$SD1_TINY" --concept "$(printf 'painting %.0s' {1..80})" --no-attention-probe \
    --output "$WORK/long-uce"
check "rece under mpirun -np 2: an over-long preserve prompt is warned about once" 0 "^0 1$" -- bash -c \
    '"${@:2}" >"$1" 2>&1; echo "$? $(grep -c "warning: --preserve: the following part of your input was truncated" "$1")"' \
    _ "$WORK/long-rece.log" "${MPIRUN[@]}" -np 2 "$LETHE" rece --model "$SD1_TINY" --concept cat --epochs 1 \
    --preserve "$(printf 'dog %.0s' {1..90})" --no-attention-probe --output "$WORK/long-rece"
check "uce --tokenizer slow is accepted" 0 "erasure ratio keys" -- "$LETHE" uce --model "$SD1_TINY" \
    --concept "東京" --tokenizer slow --no-attention-probe --output "$WORK/slow-uce"
printf 'concept: [cat]\ntokenizer: medium\n' >"$WORK/tokenizer.yaml"
check "config: a bad tokenizer: value names the choices" nonzero "one of 'fast' and 'slow'" -- "$LETHE" uce \
    --config "$WORK/tokenizer.yaml" --model "$SD1_TINY" --output "$WORK/bad-uce"
check "uce: unknown technique" nonzero "invalid for '--technique <technique>'. Please provide one of 'replace' and 'tensor'" -- "$LETHE" uce \
    --model "$SD1_TINY" --concept cat --technique blend --output "$WORK/bad-uce"
check "rece: unknown task" nonzero "invalid for '--task <task>'. Please provide one of 'nudity', 'artist' or 'object'" -- "$LETHE" rece \
    --model "$SD1_TINY" --concept cat --task style --output "$WORK/bad-uce"
check "uce: output exists" nonzero "already exists; remove it, pass --overwrite, or choose another output" -- "$LETHE" uce \
    --model "$SD1_TINY" --concept cat --output "$WORK/uce"
check "uce: --overwrite replaces it" 0 "wrote" -- "$LETHE" uce --model "$SD1_TINY" --concept cat \
    --output "$WORK/uce" --overwrite
cp -r "$SD1_TINY" "$WORK/empty-model" && rm -r "$WORK/empty-model/unet"
check "uce: model without a UNet" nonzero "unet" -- "$LETHE" uce --model "$WORK/empty-model" --concept cat \
    --output "$WORK/bad-uce"
[[ ! -e "$WORK/bad-uce" ]] && echo "PASS failed erasures wrote nothing" && passed=$((passed + 1)) ||
    { echo "FAIL a failed erasure left $WORK/bad-uce"; failed=$((failed + 1)); }
check "create-model writes a loadable model" 0 "wrote" -- "$LETHE" create-model --output "$WORK/random-model"
check "rece on a created model" 0 "RECE final" -- "$LETHE" rece --model "$WORK/random-model" --concept nudity \
    --output "$WORK/random-erased"
# RECE's other closed forms and UCE's prompt expansion: each runs, the report names it, a bad choice lists them.
check "rece --help lists the variants" 0 "standardreg, surrogatereg; default: regzero" -- "$LETHE" rece --help
for variant in regzero standardreg surrogatereg; do
    check "rece --rece-variant $variant" 0 "RECE final" -- "$LETHE" rece --model "$SD1_TINY" --concept nudity \
        --guide "" --epochs 1 --rece-variant "$variant" --no-attention-probe --output "$WORK/rece-$variant"
    check "the report records --rece-variant $variant" 0 "\"rece_variant\" : \"$variant\"" -- \
        cat "$WORK/rece-$variant/erasure-report.json"
done
check "rece surrogatereg --reg-item both" 0 "\"rece_reg_item\" : \"both\"" -- bash -c \
    '"$@" >/dev/null && cat "$4/erasure-report.json"' _ "$LETHE" rece --output "$WORK/rece-both" --model "$SD1_TINY" \
    --concept nudity --epochs 1 --rece-variant surrogatereg --reg-item both --no-attention-probe
check "rece: a bad --rece-variant names the choices" nonzero "'regzero', 'standardreg'.*'surrogatereg'" -- "$LETHE" rece \
    --model "$SD1_TINY" --concept cat --rece-variant closed --output "$WORK/bad-uce"
check "rece: --reg-item without surrogatereg" nonzero "--reg-item applies to --rece-variant surrogatereg only" -- \
    "$LETHE" rece --model "$SD1_TINY" --concept cat --reg-item 2nd --output "$WORK/bad-uce"
check "uce --add-prompts art" 0 "\(12 erase prompt\(s\)\)" -- "$LETHE" uce --model "$SD1_TINY" \
    --concept "Van Gogh" Monet --guide art --add-prompts art --no-attention-probe --output "$WORK/uce-add-art"
check "uce --add-prompts object, single-token" 0 "\(6 erase prompt\(s\)\)" -- "$LETHE" uce --model "$SD1_TINY" \
    --concept church --add-prompts object --uce-variant single-token --no-attention-probe --output "$WORK/uce-add-object"
printf 'concept: church\nadd-prompts: object\n' >"$WORK/add.yaml"
check "add-prompts from --config" 0 "\"add_prompts\" : \"object\"" -- bash -c \
    '"$@" >/dev/null 2>&1 && cat "$6/erasure-report.json"' _ "$LETHE" uce --config "$WORK/add.yaml" --output \
    "$WORK/uce-add-config" --model "$SD1_TINY" --no-attention-probe
check "uce: a bad --add-prompts names the choices" nonzero "'art' and 'object'|'art', 'object'" -- "$LETHE" uce \
    --model "$SD1_TINY" --concept cat --add-prompts people --output "$WORK/bad-uce"
[[ ! -e "$WORK/bad-uce" ]] && echo "PASS bad variants wrote nothing" && passed=$((passed + 1)) ||
    { echo "FAIL a bad variant left $WORK/bad-uce"; failed=$((failed + 1)); }
if python3 -c "import diffusers, torch" 2>/dev/null; then
    check "diffusers loads the erased folder" 0 "diffusers loaded" -- \
        python3 "$ROOT/Scripts/reference/make_closed_form_fixtures.py" --check-folder "$WORK/random-erased"
    check "uce on an fp16-variant model" 0 "wrote" -- "$LETHE" uce --model "$MODEL" --concept cat \
        --no-attention-probe --output "$WORK/fp16-erased"
    check "diffusers loads it with variant fp16" 0 "diffusers loaded" -- \
        python3 "$ROOT/Scripts/reference/make_closed_form_fixtures.py" --check-folder "$WORK/fp16-erased"
fi

# lethe tokenize: what a prompt becomes, on both fixture layouts (SD 1.x: vocab.json + merges.txt, pad
# <|endoftext|>; SD 2.x: tokenizer.json, pad "!"), text and JSON, truncation, and the two tokenizer modes.
SD2_TINY="$ROOT/Tests/Fixtures/pipelines/sd2-tiny"
check "tokenize --help lists the tokenizer choices" 0 "values: fast, slow" -- "$LETHE" tokenize --help
check "tokenize: tokens with their ids" 0 "^ +5 +2368 +cat</w>$" -- "$LETHE" tokenize --model "$SD1_TINY" \
    --prompt "a photo of a cat"
check "tokenize: SD 1.x pads with <|endoftext|>" 0 'then 70 × pad token "<\|endoftext\|>" \(id 49407\)' -- \
    "$LETHE" tokenize --model "$SD1_TINY" --prompt "a photo of a cat"
check "tokenize: not truncated" 0 "^truncated: no$" -- "$LETHE" tokenize --model "$SD1_TINY" --prompt "a photo of a cat"
check "tokenize: SD 2.x pads with ! (id 0), 77 ids" 0 \
    '^input_ids: \[49406, 320, 1125, 539, 320, 2368, 49407(, 0){70}\]$' -- \
    "$LETHE" tokenize --model "$SD2_TINY" --prompt "a photo of a cat"
check "tokenize --json: one object per prompt and line" 0 "^2$" -- bash -c '"$1" tokenize --model "$2" \
    --prompt "a cat" --prompt "a dog" --json | wc -l' _ "$LETHE" "$SD2_TINY"
check "tokenize --json: prompt, tokens, ids, truncated" 0 \
    '^\{"attention_mask":\[1,1,1,1,0.*"input_ids":\[49406,320,2368,49407,0,0,.*"pad_token":"!","prompt":"a cat","token_count":4,"tokenizer":"fast","tokens":\["<\|startoftext\|>","a</w>","cat</w>","<\|endoftext\|>","!",.*"truncated":false' -- \
    "$LETHE" tokenize --model "$SD2_TINY" --prompt "a cat" --json
check "tokenize: a truncated prompt says what was cut" 0 '^truncated: yes, cut: "cat cat cat cat cat"$' -- \
    "$LETHE" tokenize --model "$SD1_TINY" --prompt "$(printf 'cat %.0s' {1..80})"
check "tokenize --json: a truncated prompt" 0 '"truncated":true,"truncated_text":"cat cat cat cat cat"' -- \
    "$LETHE" tokenize --model "$SD2_TINY" --prompt "$(printf 'cat %.0s' {1..80})" --json
check "tokenize: a tokenizer folder works too" 0 "^truncated: no$" -- "$LETHE" tokenize \
    --model "$SD2_TINY/tokenizer" --prompt "a cat"
check "tokenize: CJK keeps transformers 5's ids by default" 0 '"input_ids":\[49406,320,1125,539,48338,21078,361,49407,' -- \
    "$LETHE" tokenize --model "$SD1_TINY" --prompt "a photo of 東京" --json
check "tokenize: --tokenizer slow differs from fast on CJK" 0 "^differ$" -- bash -c \
    'a=$("$1" tokenize --model "$2" --prompt "a photo of 東京" --json | grep -o "\"input_ids\":\[[0-9,]*\]");
     b=$("$1" tokenize --model "$2" --prompt "a photo of 東京" --json --tokenizer slow | grep -o "\"input_ids\":\[[0-9,]*\]");
     [[ -n $a && -n $b && $a != "$b" ]] && echo differ' _ "$LETHE" "$SD1_TINY"
check "tokenize: --tokenizer slow agrees on plain English" 0 "^same$" -- bash -c \
    'a=$("$1" tokenize --model "$2" --prompt "a photo of a cat" --json | grep -o "\"input_ids\":\[[0-9,]*\]");
     b=$("$1" tokenize --model "$2" --prompt "a photo of a cat" --json --tokenizer slow | grep -o "\"input_ids\":\[[0-9,]*\]");
     [[ -n $a && $a == "$b" ]] && echo same' _ "$LETHE" "$SD2_TINY"
check "tokenize: a bad --tokenizer names the choices" nonzero "one of 'fast' and 'slow'" -- "$LETHE" tokenize --model "$SD1_TINY" \
    --prompt "a cat" --tokenizer medium
check "tokenize: no prompt" nonzero "give at least one --prompt" -- "$LETHE" tokenize --model "$SD1_TINY"
check "tokenize: missing folder" nonzero "no-model" -- "$LETHE" tokenize --model "$WORK/no-model" --prompt "a cat"
check "generate --tokenizer slow runs" 0 "wrote .*slow.png" -- "$LETHE" generate --model "$SD1_TINY" \
    --prompt "a photo of 東京 🗼" --tokenizer slow --steps 1 --seed 1 --output "$WORK/slow.png"

# lethe privacy epsilon: Opacus's RDP accountant (ε for σ, q, steps, δ; the σ for a target ε), text and JSON, and
# each bad value named.
PRIVACY=(--sample-rate 0.01 --steps 1000 --delta 1e-5)
check "privacy epsilon --help names the accountant and the sampling" 0 "Poisson" -- "$LETHE" privacy epsilon --help
check "privacy epsilon: ε for σ 1, q 0.01, 1000 steps, δ 1e-5 (Opacus: 2.10137)" 0 \
    "^ε = 2\.10137 at δ = 1e-05 after 1000 steps of noise multiplier 1\.0 at sampling rate 0\.01 \(Rényi order 7\.8;" -- \
    "$LETHE" privacy epsilon --noise-multiplier 1 "${PRIVACY[@]}"
check "privacy epsilon --json" 0 '^\{"delta":1e-05,"epsilon":2\.10136527164[0-9]*,"extreme_order":false,"noise_multiplier":1,"order":7\.8,"sample_rate":0\.01,"steps":1000\}$' -- \
    "$LETHE" privacy epsilon --noise-multiplier 1 "${PRIVACY[@]}" --json
check "privacy epsilon --target-epsilon prints the noise multiplier (Opacus: 1.5234375)" 0 \
    '"noise_multiplier":1\.5234375,.*"target_epsilon":1\b' -- "$LETHE" privacy epsilon --target-epsilon 1 "${PRIVACY[@]}" --json
check "privacy epsilon warns when the best order is the largest tried" 0 "warning: the best Rényi order is the largest one tried \(63\.0\)" -- \
    "$LETHE" privacy epsilon --noise-multiplier 10 --sample-rate 0.001 --steps 10 --delta 1e-5
check "privacy epsilon: σ 0" nonzero "Error: --noise-multiplier is 0\.0; it must be a positive number" -- \
    "$LETHE" privacy epsilon --noise-multiplier 0 "${PRIVACY[@]}"
check "privacy epsilon: σ -1 is a value, named" nonzero "Error: --noise-multiplier is -1\.0; it must be a positive number" -- \
    "$LETHE" privacy epsilon --noise-multiplier -1 "${PRIVACY[@]}"
check "privacy epsilon: q 0" nonzero "Error: --sample-rate is 0\.0; it must be above 0 and at most 1" -- \
    "$LETHE" privacy epsilon --noise-multiplier 1 --sample-rate 0 --steps 10 --delta 1e-5
check "privacy epsilon: q 1.5" nonzero "Error: --sample-rate is 1\.5; it must be above 0 and at most 1" -- \
    "$LETHE" privacy epsilon --noise-multiplier 1 --sample-rate 1.5 --steps 10 --delta 1e-5
check "privacy epsilon: δ 1" nonzero "Error: --delta is 1\.0; it must be above 0 and below 1" -- \
    "$LETHE" privacy epsilon --noise-multiplier 1 --sample-rate 0.1 --steps 10 --delta 1
check "privacy epsilon: δ nan" nonzero "Error: --delta is nan; it must be above 0 and below 1" -- \
    "$LETHE" privacy epsilon --noise-multiplier 1 --sample-rate 0.1 --steps 10 --delta nan
check "privacy epsilon: steps 0" nonzero "Error: --steps is 0; it must be at least 1" -- \
    "$LETHE" privacy epsilon --noise-multiplier 1 --sample-rate 0.1 --steps 0 --delta 1e-5
check "privacy epsilon: a negative --target-epsilon" nonzero "Error: --target-epsilon is -1\.0; it must be a positive number" -- \
    "$LETHE" privacy epsilon --target-epsilon -1 "${PRIVACY[@]}"
check "privacy epsilon: a budget no noise reaches" nonzero "Error: --target-epsilon 0\.01 is too small a budget: even noise multiplier" -- \
    "$LETHE" privacy epsilon --target-epsilon 0.01 "${PRIVACY[@]}"
check "privacy epsilon: neither σ nor a target" nonzero "give --noise-multiplier \(to get ε\) or --target-epsilon" -- \
    "$LETHE" privacy epsilon "${PRIVACY[@]}"
check "privacy epsilon: both σ and a target" nonzero "give --noise-multiplier or --target-epsilon, not both" -- \
    "$LETHE" privacy epsilon --noise-multiplier 1 --target-epsilon 3 "${PRIVACY[@]}"
check "privacy epsilon: a missing --delta" nonzero "Missing expected argument '--delta" -- \
    "$LETHE" privacy epsilon --noise-multiplier 1 --sample-rate 0.01 --steps 10
if python3 -c "import opacus" 2>/dev/null; then
    check "privacy epsilon equals Opacus's RDPAccountant off the fixture's grid (σ 0.93, q 0.037, 777 steps, δ 3e-6)" 0 "^agree" -- bash -c \
        'python3 -c "import json, sys, warnings; from opacus.accountants import RDPAccountant
warnings.simplefilter(\"ignore\"); a = RDPAccountant(); a.history = [(0.93, 0.037, 777)]; e, o = a.get_privacy_spent(delta=3e-6)
m = json.loads(sys.stdin.read()); ok = abs(m[\"epsilon\"] - e) <= 1e-11 * e and m[\"order\"] == o
print((\"agree \" if ok else \"differ \") + str(m[\"epsilon\"]) + \" \" + str(e))" < <("$1" privacy epsilon --noise-multiplier 0.93 --sample-rate 0.037 --steps 777 --delta 3e-6 --json)' _ "$LETHE"
else
    echo "SKIP privacy epsilon against Opacus: this python3 has no opacus"
fi

# Textual inversion and Forget-Me-Not on the tiny SD 1.x fixture: help, a learned token used by generate and fmn,
# bad input (each names what is wrong, exits non-zero and writes nothing), mpirun -np 2, the identity configs.
TI_IMAGES="$ROOT/Tests/Fixtures/references/ti-fmn-images"
TINY_TRAIN=(--model "$SD1_TINY" --steps 2 --resolution 32)
check "invert --help" 0 "--init-token" -- "$LETHE" invert --help
# Library errors name settings; the command line's map from each setting to its flag must name real options.
check "every setting's flag is an option of a subcommand" 0 "all [0-9]+ flags found" -- bash -c '
    helps=$(for c in generate uce rece invert fmn tokenize create-model compare "world train" "privacy epsilon"; do "$1" $c --help 2>&1; done)
    flags=$(grep -o "\"--[a-z-]*\"" "$2" | tr -d "\"" | sort -u)
    for f in $flags; do grep -qE -- "$f( |,|$)" <<<"$helps" || { echo "missing $f"; exit 1; }; done
    echo "all $(wc -w <<<"$flags") flags found"' _ "$LETHE" "$ROOT/Sources/lethe/OptionChoices.swift"
check "fmn --help" 0 "--use-pooler" -- "$LETHE" fmn --help
check "invert learns a token" 0 "wrote .*ti.safetensors \(<zq-person>\)" -- "$LETHE" invert "${TINY_TRAIN[@]}" \
    --images "$TI_IMAGES" --token "<zq-person>" --init-token person --output "$WORK/ti.safetensors"
check "invert's file is diffusers' format (one row named after the token)" 0 "<zq-person> +F32 +\[1, 8\]" -- \
    "$LETHE" inspect "$WORK/ti.safetensors"
check "invert writes its report beside the file" 0 \
    '"tokens" : \[ *"<zq-person>" *\].*"method" : "textual-inversion".*"loss_per_step" : \[ *[0-9.e-]+, *[0-9.e-]+ *\]' -- \
    bash -c 'tr -d "\n" <"$1"' _ "$WORK/ti.report.json"
check "invert refuses an existing report without --overwrite" nonzero "ti.report.json' already exists" -- \
    "$LETHE" invert "${TINY_TRAIN[@]}" --images "$TI_IMAGES" --token "<zq>" --init-token person \
    --output "$WORK/ti-other.safetensors" --report "$WORK/ti.report.json"
echo '{"not": "a report"}' >"$WORK/other.json"
check "invert --overwrite keeps a JSON file that is not a report" nonzero "replaces only a report Lethe wrote" -- \
    "$LETHE" invert "${TINY_TRAIN[@]}" --images "$TI_IMAGES" --token "<zq>" --init-token person \
    --output "$WORK/ti-other.safetensors" --report "$WORK/other.json" --overwrite
check "generate --embedding with the learned token" 0 "wrote .*ti.png" -- "$LETHE" generate --model "$SD1_TINY" \
    --embedding "$WORK/ti.safetensors" --prompt "a photo of <zq-person>" --steps 2 --seed 1 --output "$WORK/ti.png"
check "fmn with the learned token writes a folder" 0 "attention mass on '<zq-person>': .*; wrote .*/fmn$" -- \
    "$LETHE" fmn "${TINY_TRAIN[@]}" --images "$TI_IMAGES" --concept "<zq-person>" --embedding "$WORK/ti.safetensors" \
    --output "$WORK/fmn"
check "fmn folder has the report" 0 '"method" : "forget-me-not"' -- cat "$WORK/fmn/erasure-report.json"
check "generate from the fmn folder" 0 "wrote .*fmn.png" -- "$LETHE" generate --model "$WORK/fmn" \
    --prompt "a photo of a person" --steps 2 --seed 1 --output "$WORK/fmn.png"
check "fmn on words, cross-attention only" 0 "attention mass on 'person'" -- "$LETHE" fmn "${TINY_TRAIN[@]}" \
    --images "$TI_IMAGES" --concept person --train attn2 --output "$WORK/fmn-attn2"
mkdir -p "$WORK/mixed-images" "$WORK/no-images"
cp "$TI_IMAGES"/*.png "$WORK/mixed-images/" && echo "not a picture" >"$WORK/mixed-images/notes.txt"
check "invert: non-image file in --images" nonzero "notes.txt' is not a training image Lethe can read" -- \
    "$LETHE" invert "${TINY_TRAIN[@]}" --images "$WORK/mixed-images" --token "<zq>" --init-token person \
    --output "$WORK/bad-ti.safetensors"
check "fmn: non-image file in --images" nonzero "notes.txt' is not a training image Lethe can read" -- \
    "$LETHE" fmn "${TINY_TRAIN[@]}" --images "$WORK/mixed-images" --concept person --output "$WORK/bad-fmn"
check "invert: empty --images folder" nonzero "no-images' holds no images" -- "$LETHE" invert "${TINY_TRAIN[@]}" \
    --images "$WORK/no-images" --token "<zq>" --init-token person --output "$WORK/bad-ti.safetensors"
check "fmn: empty --images folder" nonzero "no-images' holds no images" -- "$LETHE" fmn "${TINY_TRAIN[@]}" \
    --images "$WORK/no-images" --concept person --output "$WORK/bad-fmn"
check "fmn: empty concept" nonzero "--concept is empty" -- "$LETHE" fmn "${TINY_TRAIN[@]}" --images "$TI_IMAGES" \
    --concept " " --output "$WORK/bad-fmn"
check "invert: empty placeholder" nonzero "--token is empty; give a placeholder" -- "$LETHE" invert "${TINY_TRAIN[@]}" \
    --images "$TI_IMAGES" --token "" --init-token person --output "$WORK/bad-ti.safetensors"
check "fmn: concept longer than 77 tokens is cut with a warning" 0 \
    "warning: --concept \(in the prompt 'a photo of \{\}'\): the following part of your input was truncated because CLIP can only handle sequences up to 77 tokens: (painting ){7}painting$" -- \
    "$LETHE" fmn "${TINY_TRAIN[@]}" --images "$TI_IMAGES" --concept "$(printf 'painting %.0s' {1..80})" \
    --train attn2 --output "$WORK/long-fmn"
check "invert: templates cut by 75 vectors are warned about" 0 \
    "warning: --template object \('a photo of a \{\}'\): the following part of your input was truncated" -- \
    "$LETHE" invert "${TINY_TRAIN[@]}" --images "$TI_IMAGES" --token "<zq-long>" --init-token person --vectors 75 \
    --steps 1 --output "$WORK/long-ti.safetensors"
check "invert: placeholder already in the tokenizer" nonzero "already has the token 'person'" -- \
    "$LETHE" invert "${TINY_TRAIN[@]}" --images "$TI_IMAGES" --token person --init-token person \
    --output "$WORK/bad-ti.safetensors"
check "invert: --init-token of two tokens" nonzero "--init-token 'a person' is 2 tokens" -- \
    "$LETHE" invert "${TINY_TRAIN[@]}" --images "$TI_IMAGES" --token "<zq>" --init-token "a person" \
    --output "$WORK/bad-ti.safetensors"
check "fmn: bad --train" nonzero "--train is 'attn3'; use attn2 or all" -- "$LETHE" fmn "${TINY_TRAIN[@]}" \
    --images "$TI_IMAGES" --concept person --train attn3 --output "$WORK/bad-fmn"
check "fmn: neither --images nor --generate-images" nonzero "give exactly one of them" -- "$LETHE" fmn \
    "${TINY_TRAIN[@]}" --concept person --output "$WORK/bad-fmn"
check "invert: missing model folder" nonzero "no-model' does not exist" -- "$LETHE" invert --model "$WORK/no-model" \
    --images "$TI_IMAGES" --token "<zq>" --init-token person --output "$WORK/bad-ti.safetensors"
check "fmn: missing model folder" nonzero "no-model' does not exist" -- "$LETHE" fmn --model "$WORK/no-model" \
    --images "$TI_IMAGES" --concept person --output "$WORK/bad-fmn"
check "fmn: output exists" nonzero "already exists; remove it, pass --overwrite, or choose another output" -- "$LETHE" fmn "${TINY_TRAIN[@]}" \
    --images "$TI_IMAGES" --concept person --output "$WORK/fmn"
[[ ! -e "$WORK/bad-ti.safetensors" && ! -e "$WORK/bad-ti.report.json" && ! -e "$WORK/ti-other.safetensors" && ! -e "$WORK/bad-fmn" ]] && echo "PASS failed invert/fmn runs wrote nothing" &&
    passed=$((passed + 1)) || { echo "FAIL a failed invert/fmn run left a file"; failed=$((failed + 1)); }
check "invert under mpirun -np 2" 0 "wrote .*ti-np2.safetensors" -- "${MPIRUN[@]}" -np 2 "$LETHE" invert \
    "${TINY_TRAIN[@]}" --batch-size 2 --images "$TI_IMAGES" --token "<zq-person>" --init-token person \
    --output "$WORK/ti-np2.safetensors"
check "fmn under mpirun -np 2" 0 "attention mass on '<zq-person>'.*wrote" -- "${MPIRUN[@]}" -np 2 "$LETHE" fmn \
    "${TINY_TRAIN[@]}" --batch-size 2 --images "$TI_IMAGES" --concept "<zq-person>" \
    --embedding "$WORK/ti-np2.safetensors" --output "$WORK/fmn-np2"
check "fmn under mpirun -np 2 reports 2 ranks" 0 '"ranks" : 2' -- cat "$WORK/fmn-np2/erasure-report.json"
# The identity jobs with a few steps on the fixture: lr 1e-3 and renormalisation (rows pulled from ~0.94 towards
# 0.4 by λ = 100·lr = 0.1) come from the TI file, four vectors and use_pooler from the files.
check "identity-ti.yaml with --config" 0 "lr 0.001, row norms \[0\.88[0-9]*, 0\.88[0-9]*, 0\.88[0-9]*, 0\.88[0-9]*\]" -- \
    "$LETHE" invert --config "$ROOT/Configs/identity-ti.yaml" "${TINY_TRAIN[@]}" --images "$TI_IMAGES" \
    --output "$WORK/identity.safetensors"
check "identity-fmn.yaml with --config" 0 "attention mass on '<my-person>'.*wrote" -- "$LETHE" fmn \
    --config "$ROOT/Configs/identity-fmn.yaml" "${TINY_TRAIN[@]}" --images "$TI_IMAGES" \
    --embedding "$WORK/identity.safetensors" --output "$WORK/identity-fmn"
check "identity-fmn.yaml: the pooled token and the four vectors are steered" 0 \
    '"concept_positions" : \[ *4, *5, *6, *7, *8 *\].*"use_pooler" : "true"' -- bash -c \
    'tr -d "\n" <"$1"' _ "$WORK/identity-fmn/erasure-report.json"

# Sizes and numbers: every bad one is named (the flag, or the config file and key) with its limit, exits non-zero
# within seconds (each run under timeout) and allocates nothing; long work shows progress from its start.
QUICK=(timeout --kill-after=5 60)
if [[ -d "$SD1" ]]; then
    check "generate: huge --height" nonzero "--height is 4000000000000000000; it must be between 1 and 16384 pixels" -- \
        "${QUICK[@]}" "$LETHE" generate --model "$SD1" --prompt "a cat" --height 4000000000000000000 --output "$WORK/bad.png"
    check "generate: --width past Int32" nonzero "--width is 2147483648; it must be between 1 and 16384 pixels" -- \
        "${QUICK[@]}" "$LETHE" generate --model "$SD1" --prompt "a cat" --width 2147483648 --output "$WORK/bad.png"
    check "generate: --height 100000 --steps 1 is refused at once" nonzero "--height is 100000; it must be between" -- \
        "${QUICK[@]}" "$LETHE" generate --model "$SD1" --prompt "a cat" --height 100000 --steps 1 --output "$WORK/bad.png"
    check "generate: --num-images beyond memory" nonzero \
        "Generating 100000000000 images of 32×32 \(--num-images, --width, --height\) needs at least [0-9.]+ [PE]iB of memory \(estimated\)" -- \
        "${QUICK[@]}" "$LETHE" generate --model "$SD1" --prompt "a cat" --num-images 100000000000 --output "$WORK/bad.png"
    check "generate: --steps beyond the scheduler's timesteps" nonzero \
        "--steps is 100000000; it must be at most 1000 \(the scheduler's num_train_timesteps\)" -- \
        "${QUICK[@]}" "$LETHE" generate --model "$SD1" --prompt "a cat" --steps 100000000 --output "$WORK/bad.png"
    check "generate: --steps -1 is a value, not an option" nonzero "--steps must be at least 1, got -1" -- \
        "${QUICK[@]}" "$LETHE" generate --model "$SD1" --prompt "a cat" --steps -1 --output "$WORK/bad.png"
    check "generate: --eta nan is named" nonzero "--eta must be a finite number, got nan" -- \
        "${QUICK[@]}" "$LETHE" generate --model "$SD1" --prompt "a cat" --eta nan --scheduler ddim --output "$WORK/bad.png"
    check "generate: --eta above 1 is named" nonzero "--eta is 2.0; it must be between 0 \(DDIM\) and 1" -- \
        "${QUICK[@]}" "$LETHE" generate --model "$SD1" --prompt "a cat" --eta 2 --scheduler ddim --output "$WORK/bad.png"
    check "generate: --guidance 1e308 is beyond float32, not 'not finite'" nonzero \
        "--guidance is 1e\+308, beyond float32's range" -- \
        "${QUICK[@]}" "$LETHE" generate --model "$SD1" --prompt "a cat" --guidance 1e308 --output "$WORK/bad.png"
    check "generate: help and error agree on the multiple" 0 "--height <height> +Image height in pixels, at most 16384: a multiple of the VAE's scale factor \(8 for Stable Diffusion\)" -- \
        bash -c '"$1" generate --help 2>&1 | tr -s " \n" "  "' _ "$LETHE"
    check "generate: the multiple is the VAE's scale factor" nonzero \
        "--height is 30; it must be a positive multiple of 4 \(the VAE's scale factor\)" -- \
        "${QUICK[@]}" "$LETHE" generate --model "$SD1" --prompt "a cat" --height 30 --output "$WORK/bad.png"
    check "generate: a prompt over 77 tokens is cut with a warning quoting the cut" 0 \
        "warning: --prompt: the following part of your input was truncated because CLIP can only handle sequences up to 77 tokens: cat cat cat cat cat$" -- \
        "${QUICK[@]}" "$LETHE" generate --model "$SD1" --prompt "$(printf 'cat %.0s' {1..80})" --steps 1 --seed 1 \
        --output "$WORK/long-prompt.png"
    check "generate: the warning quotes at most 200 characters" 0 "tokens: (cat ){50}… \([0-9]+ more characters\)$" -- \
        "${QUICK[@]}" "$LETHE" generate --model "$SD1" --prompt "$(printf 'cat %.0s' {1..400})" --steps 1 --seed 1 \
        --output "$WORK/long-prompt-2.png"
    check "generate: progress shows 0/N before the first step" 0 "denoise 0/2 " -- \
        "${QUICK[@]}" "$LETHE" generate --model "$SD1" --prompt "a cat" --steps 2 --scheduler ddim --seed 1 \
        --output "$WORK/progress0.png"

    # Broken configs in a copy of the fixture: the error names the file and the key.
    broken() {  # broken NAME COMPONENT FILE KEY JSON: a copy of the fixture with one config value replaced
        rm -rf "$WORK/$1" && cp -r "$SD1" "$WORK/$1" &&
            python3 -c 'import json, sys; p = sys.argv[1]; c = json.load(open(p)); c[sys.argv[2]] = json.loads(sys.argv[3]); json.dump(c, open(p, "w"))' \
                "$WORK/$1/$2/$3" "$4" "$5"
    }
    broken ss-huge unet config.json sample_size 1000000000
    check "config: unet sample_size 1000000000" nonzero \
        "ss-huge/unet/config.json': sample_size is 1000000000; it must be between 1 and 16384" -- \
        "${QUICK[@]}" "$LETHE" generate --model "$WORK/ss-huge" --prompt "a cat" --steps 1 --output "$WORK/bad.png"
    broken ss-zero unet config.json sample_size 0
    check "config: unet sample_size 0 blames the config, not --height" nonzero \
        "ss-zero/unet/config.json': sample_size is 0; it must be between 1 and 16384" -- \
        "${QUICK[@]}" "$LETHE" generate --model "$WORK/ss-zero" --prompt "a cat" --steps 1 --output "$WORK/bad.png"
    broken ss-frac unet config.json sample_size 1.5
    check "config: a fraction where a whole number belongs names the key, not 'not valid JSON'" nonzero \
        "ss-frac/unet/config.json' could not be read: \"sample_size\" is 1.5, a number its setting cannot hold" -- \
        "${QUICK[@]}" "$LETHE" generate --model "$WORK/ss-frac" --prompt "a cat" --steps 1 --output "$WORK/bad.png"
    broken layers-huge unet config.json transformer_layers_per_block 1000000000
    check "config: transformer_layers_per_block 1000000000" nonzero \
        "transformer_layers_per_block is 1000000000; at most 1000 layers per block" -- \
        "${QUICK[@]}" "$LETHE" generate --model "$WORK/layers-huge" --prompt "a cat" --steps 1 --output "$WORK/bad.png"
    broken beta scheduler scheduler_config.json beta_start 5
    check "config: beta_start 5 is named, not a NaN denoising step" nonzero \
        "beta/scheduler/scheduler_config.json': \"beta_start\" has the value 5.0; expected a number in \[0, 1\)" -- \
        "${QUICK[@]}" "$LETHE" generate --model "$WORK/beta" --prompt "a cat" --steps 1 --output "$WORK/bad.png"
    broken timesteps scheduler scheduler_config.json num_train_timesteps 10000000000
    check "config: num_train_timesteps 10000000000" nonzero \
        "\"num_train_timesteps\" has the value 10000000000; expected a positive count, at most 100000" -- \
        "${QUICK[@]}" "$LETHE" generate --model "$WORK/timesteps" --prompt "a cat" --steps 1 --output "$WORK/bad.png"
    [[ ! -e "$WORK/bad.png" ]] && echo "PASS refused sizes wrote no image" && passed=$((passed + 1)) ||
        { echo "FAIL a refused size left $WORK/bad.png"; failed=$((failed + 1)); }
fi

check "invert: --resolution 100000 blames the flag, not an image" nonzero \
    "--resolution is 100000; it must be between 1 and 16384 pixels" -- "${QUICK[@]}" "$LETHE" invert "${TINY_TRAIN[@]}" \
    --resolution 100000 --images "$TI_IMAGES" --token "<zq>" --init-token person --output "$WORK/bad-ti.safetensors"
check "invert: --batch-size beyond memory" nonzero \
    "A batch of 100000000 samples of 32×32 \(--batch-size, --resolution\) needs at least .* of memory \(estimated\)" -- \
    "${QUICK[@]}" "$LETHE" invert "${TINY_TRAIN[@]}" --batch-size 100000000 --images "$TI_IMAGES" --token "<zq>" \
    --init-token person --output "$WORK/bad-ti.safetensors"
check "invert: a batch larger than the images is stated" 0 "note: --batch-size 4 is larger than the 3 images of --images" -- \
    "${QUICK[@]}" "$LETHE" invert --model "$SD1_TINY" --steps 1 --resolution 32 --batch-size 4 --images "$TI_IMAGES" \
    --token "<zq>" --init-token person --output "$WORK/batch4.safetensors"
check "invert: --vectors 1000000000" nonzero "--vectors is 1000000000; it must be between 1 and 75" -- \
    "${QUICK[@]}" "$LETHE" invert "${TINY_TRAIN[@]}" --vectors 1000000000 --images "$TI_IMAGES" --token "<zq>" \
    --init-token person --output "$WORK/bad-ti.safetensors"
check "invert: --steps -1" nonzero "--steps is -1; it must be at least 1" -- "${QUICK[@]}" "$LETHE" invert \
    --model "$SD1_TINY" --steps -1 --images "$TI_IMAGES" --token "<zq>" --init-token person --output "$WORK/bad-ti.safetensors"
# Differential privacy (DP-SGD): the flags, ε in the log and the report, each bad value named before any work.
DP_Q=("${QUICK[@]}" "$LETHE" invert --model "$SD1_TINY" --steps 2 --resolution 32 --images "$TI_IMAGES" --token "<zq>"
      --init-token person --batch-size 2)
check "invert --help lists the DP-SGD flags and the sampling" 0 "--dp-max-grad-norm <C>.*Poisson sample" -- bash -c \
    '"$1" invert --help 2>&1 | tr -s " \n" " "' _ "$LETHE"
check "fmn --help lists the DP-SGD flags" 0 "--dp-target-epsilon" -- "$LETHE" fmn --help
check "invert with DP-SGD logs ε and the plan" 0 "differential privacy: ε = 4\.159 at δ = 0\.0333+[0-9]* after 4 steps" -- \
    "${QUICK[@]}" "$LETHE" invert --model "$SD1_TINY" --steps 4 --resolution 32 --images "$TI_IMAGES" --token "<zq>" \
    --init-token person --batch-size 2 --dp-max-grad-norm 0.01 --dp-noise-multiplier 1 --output "$WORK/dp-ti.safetensors"
check "invert with DP-SGD: the report's privacy section (Opacus: ε 4.159 for σ 1, q 2/3, 4 steps, δ 1/30)" 0 \
    '"privacy" : \{.*"epsilon" : 4\.159.*"noise_multiplier" : 1,.*"sample_rate" : 0\.6666.*"sampling" : "poisson".*"steps" : 4' -- \
    bash -c 'tr -d "\n" <"$1"' _ "$WORK/dp-ti.report.json"
check "invert: --dp-noise-multiplier without --dp-max-grad-norm" nonzero "need --dp-max-grad-norm" -- "${DP_Q[@]}" \
    --dp-noise-multiplier 1 --output "$WORK/bad-ti.safetensors"
check "invert: --dp-max-grad-norm alone" nonzero "--dp-noise-multiplier or --dp-target-epsilon is needed with --dp-max-grad-norm" -- \
    "${DP_Q[@]}" --dp-max-grad-norm 1 --output "$WORK/bad-ti.safetensors"
check "invert: both --dp-noise-multiplier and --dp-target-epsilon" nonzero "are both given; give one" -- "${DP_Q[@]}" \
    --dp-max-grad-norm 1 --dp-noise-multiplier 1 --dp-target-epsilon 3 --output "$WORK/bad-ti.safetensors"
check "invert: --dp-max-grad-norm -1 is a value, named" nonzero "--dp-max-grad-norm is -1\.0; it must be a positive number" -- \
    "${DP_Q[@]}" --dp-max-grad-norm -1 --dp-noise-multiplier 1 --output "$WORK/bad-ti.safetensors"
check "invert: --dp-delta 2" nonzero "--dp-delta is 2\.0; it must be above 0 and below 1" -- "${DP_Q[@]}" \
    --dp-max-grad-norm 1 --dp-noise-multiplier 1 --dp-delta 2 --output "$WORK/bad-ti.safetensors"
check "invert: a batch above the images under DP-SGD" nonzero "--batch-size is 4; with differential privacy it is the expected size of a Poisson sample of the 3 images" -- \
    "${DP_Q[@]}" --batch-size 4 --dp-max-grad-norm 1 --dp-noise-multiplier 1 --output "$WORK/bad-ti.safetensors"
check "invert: a --dp-target-epsilon no noise reaches" nonzero "--dp-target-epsilon 0\.01 is too small a budget" -- "${DP_Q[@]}" \
    --dp-max-grad-norm 1 --dp-target-epsilon 0.01 --dp-delta 1e-9 --output "$WORK/bad-ti.safetensors"
check "checkpoint export of a DP-SGD job writes the checkpoint's (ε, δ) in its report" 0 "^same 2$" -- bash -c \
    '"${@:4}" --steps 2 --dp-max-grad-norm 0.01 --dp-noise-multiplier 1 --checkpoint-dir "$2/dp-ck" --output "$2/dp-ck.safetensors" >/dev/null 2>&1 &&
     "$1" checkpoint export "$2/dp-ck" --output "$2/dp-export.safetensors" >/dev/null 2>&1 &&
     python3 -c "import json, sys; a, b = (json.load(open(p))[\"training\"][\"privacy\"] for p in sys.argv[1:]); print(\"same\" if a == b else \"differ\", b[\"steps\"])" \
         "$2/dp-ck.report.json" "$2/dp-export.report.json"' _ "$LETHE" "$WORK" "" "${DP_Q[@]}"
check "invert: δ at 1/N is warned about" 0 "warning: --dp-delta 0\.5 is not below 1 / 3" -- "${DP_Q[@]}" \
    --dp-max-grad-norm 1 --dp-noise-multiplier 1 --dp-delta 0.5 --output "$WORK/dp-warn.safetensors"
# Checkpoint flags: bad values, a resume with nothing to resume from, a checkpoint of other settings, a damaged one.
INVERT_Q=("${QUICK[@]}" "$LETHE" invert --model "$SD1_TINY" --steps 2 --resolution 32 --images "$TI_IMAGES" --token "<zq>"
          --init-token person)
check "invert: --keep-last 0" nonzero "--keep-last is 0; it must be at least 1" -- "${INVERT_Q[@]}" \
    --checkpoint-dir "$WORK/ck" --keep-last 0 --output "$WORK/bad-ti.safetensors"
check "invert: --checkpoint-every -1" nonzero "--checkpoint-every is -1" -- "${INVERT_Q[@]}" \
    --checkpoint-dir "$WORK/ck" --checkpoint-every -1 --output "$WORK/bad-ti.safetensors"
check "invert: --resume auto without --checkpoint-dir" nonzero "--resume auto needs --checkpoint-dir" -- "${INVERT_Q[@]}" \
    --resume auto --output "$WORK/bad-ti.safetensors"
check "invert: --resume of a folder without checkpoints" nonzero "is not a checkpoint" -- "${INVERT_Q[@]}" \
    --resume "$WORK" --output "$WORK/bad-ti.safetensors"
check "invert: saves checkpoints" 0 "checkpoint: .*ck/step-00000002" -- "${INVERT_Q[@]}" --checkpoint-dir "$WORK/ck" \
    --checkpoint-every 1 --output "$WORK/ck-ti.safetensors"
check "invert: a checkpoint of other settings is refused" nonzero "saved with another settings" -- "${INVERT_Q[@]}" \
    --lr 0.5 --checkpoint-dir "$WORK/ck" --output "$WORK/bad-ti.safetensors"
check "invert: a damaged newest checkpoint is reported and the one before used" 0 \
    "step-00000002/shard-[^']*' is damaged: .*does not match its SHA-256.*resumed from .*step-00000001" -- bash -c '
    shard=$(ls "$1"/step-00000002/shard-*.zst | head -n 1)
    printf "\xff\xff\xff\xff" | dd of="$shard" bs=1 seek=30 conv=notrunc status=none
    out=$("${@:2}" 2>&1) && tr -d "\n" <<<"$out"' _ "$WORK/ck" "${INVERT_Q[@]}" --checkpoint-dir "$WORK/ck" \
    --output "$WORK/ck-ti2.safetensors"
check "checkpoint verify: every step checks out" 0 "^ok +step-00000002: .*all hashes check out" -- \
    "$LETHE" checkpoint verify "$WORK/ck"
check "checkpoint inspect: steps and tensors with their shapes" 0 \
    "textual-inversion, step 2, saved by 1 rank.*trained/embeddings.token_embedding.weight +F32 \[1, 8\]" -- bash -c \
    '"$@" | tr -d "\n"' _ "$LETHE" checkpoint inspect "$WORK/ck"
check "checkpoint verify: a damaged step is named, exit 1" nonzero "damaged +step-00000002: .*SHA-256" -- bash -c '
    shard=$(ls "$1"/step-00000002/shard-*.zst | head -n 1)
    printf "\xff\xff\xff\xff" | dd of="$shard" bs=1 seek=30 conv=notrunc status=none
    "${@:2}"' _ "$WORK/ck" "$LETHE" checkpoint verify "$WORK/ck"
# Export (step 2 of $WORK/ck is damaged now): the newest good step, a damaged step named, a checkpoint of an unknown
# method, another base model and outputs inside the checkpoint refused.
check "checkpoint --help names export" 0 "export +Write what the job would have written" -- "$LETHE" checkpoint --help
check "checkpoint export: the newest good step, the damaged one reported" 0 \
    "step-00000002/shard-[^']*' is damaged: .*wrote .*ck-export.safetensors .*ck-export.report.json \(textual-inversion, step 1 of" -- \
    bash -c '"$@" 2>&1 | tr -d "\n"' _ "${QUICK[@]}" "$LETHE" checkpoint export "$WORK/ck" --model "$SD1_TINY" \
    --output "$WORK/ck-export.safetensors"
check "checkpoint export: a damaged step given by its path fails, naming it" nonzero \
    "ck/step-00000002/shard-[^']*' is damaged: .*SHA-256" -- "${QUICK[@]}" "$LETHE" checkpoint export "$WORK/ck/step-00000002" \
    --output "$WORK/bad-export.safetensors"
check "checkpoint export: a checkpoint of an unknown method" nonzero "is of the method 'dreambooth'; export knows" -- bash -c '
    cp -r "$1/ck/step-00000001" "$1/odd-step" && sed -i "s/\"textual-inversion\"/\"dreambooth\"/" "$1/odd-step/manifest.json" &&
    "${@:2}" checkpoint export "$1/odd-step" --output "$1/bad-export.safetensors"' _ "$WORK" "${QUICK[@]}" "$LETHE"
check "checkpoint export: another base model is refused, both fingerprints named" nonzero \
    "trained from another base model: it records the model fingerprint [0-9a-f]{16}, and '.*sd2-tiny' has [0-9a-f]{16}" -- \
    "${QUICK[@]}" "$LETHE" checkpoint export "$WORK/ck" --model "$MODEL" --output "$WORK/bad-export.safetensors"
check "checkpoint export: an output inside the checkpoint folder is refused" nonzero \
    "Refusing to write .*ck/step-00000001/x.safetensors': it lies inside the checkpoint" -- "${QUICK[@]}" "$LETHE" checkpoint \
    export "$WORK/ck/step-00000001" --output "$WORK/ck/step-00000001/x.safetensors"
check "checkpoint export: the output is the base model" nonzero "it is the model '.*sd1-tiny'" -- "${QUICK[@]}" "$LETHE" \
    checkpoint export "$WORK/ck" --model "$SD1_TINY" --output "$SD1_TINY"
[[ ! -e "$WORK/bad-export.safetensors" && ! -e "$WORK/ck/step-00000001/x.safetensors" ]] &&
    echo "PASS refused exports wrote nothing" && passed=$((passed + 1)) ||
    { echo "FAIL a refused export left an output"; failed=$((failed + 1)); }
# Checkpoints encrypted at rest: a key made by keygen, verify with and without it, a wrong key, a missing one, a
# changed manifest, a key without checkpoints and a bad key file.
check "checkpoint keygen: a 0600 key file" 0 "wrote .*ck.key \(key id [0-9a-f]{16}\).*-rw-------" -- bash -c \
    '{ "$@" && ls -l "${@: -1}"; } | tr -d "\n"' _ "$LETHE" checkpoint keygen "$WORK/ck.key"
check "checkpoint keygen: an existing key is never replaced" nonzero "cannot create the key file '.*ck.key': File exists" -- \
    "$LETHE" checkpoint keygen "$WORK/ck.key"
"$LETHE" checkpoint keygen "$WORK/other.key" >/dev/null
check "invert: --encrypt-key-file saves sealed, signed checkpoints" 0 "checkpoint: .*sealed-ck/step-00000002" -- \
    "${INVERT_Q[@]}" --checkpoint-dir "$WORK/sealed-ck" --checkpoint-every 1 --encrypt-key-file "$WORK/ck.key" \
    --output "$WORK/sealed-ti.safetensors"
check "checkpoint verify: encrypted, without the key: hashes only, said so" 0 \
    "^ok +step-00000002: .*all hashes check out; encrypted, authenticity not checked \(no key given\)" -- \
    "$LETHE" checkpoint verify "$WORK/sealed-ck"
check "checkpoint verify: with the key (from the environment): authentic" 0 \
    "^ok +step-00000002: .*encrypted, signature and every chunk authentic" -- \
    env LETHE_ENCRYPT_KEY_FILE="$WORK/ck.key" "$LETHE" checkpoint verify "$WORK/sealed-ck"
check "checkpoint verify: a wrong key is refused, both key ids named" nonzero \
    "refused +step-00000002: .*does not open with the key given: it was encrypted with the key whose id is [0-9a-f]{16}; the key given has id [0-9a-f]{16}" -- \
    "$LETHE" checkpoint verify "$WORK/sealed-ck" --encrypt-key-file "$WORK/other.key"
check "checkpoint inspect: names the cipher and key id" 0 "step 2, .*encrypted \(AES-256-GCM, key id [0-9a-f]{16}\)" -- \
    "$LETHE" checkpoint inspect "$WORK/sealed-ck"
check "invert: resuming encrypted checkpoints without the key" nonzero \
    "sealed-ck/step-00000002' is encrypted: give its key with --encrypt-key-file \(or LETHE_ENCRYPT_KEY_FILE\)" -- \
    "${INVERT_Q[@]}" --checkpoint-dir "$WORK/sealed-ck" --output "$WORK/bad-ti.safetensors"
# The export is sealed too (a fresh nonce, so not the job's bytes): both draw the same image.
check "checkpoint export: with the key, sealed, the job's embedding" 0 "^same$" -- bash -c '
    "${@:4}" checkpoint export "$1" --encrypt-key-file "$2" --output "$1-export.safetensors" >/dev/null &&
    head -n 1 "$1-export.safetensors" | grep -q "^LETHE-SEALED v1 " && for file in "$1-export.safetensors" "$3"; do
        "${@:4}" generate --model "$0" --prompt "a <zq>" --steps 2 --seed 3 --embedding "$file" --encrypt-key-file "$2" \
            --output "$file.png" >/dev/null 2>&1 || exit 1; done && cmp "$1-export.safetensors.png" "$3.png" && echo same' \
    "$SD1_TINY" "$WORK/sealed-ck" "$WORK/ck.key" "$WORK/sealed-ti.safetensors" "${QUICK[@]}" "$LETHE"
check "checkpoint verify: a changed manifest fails authentication, exit 1" nonzero \
    "damaged +step-00000002: .*fails authentication: manifest.json does not match its signature" -- bash -c '
    sed -i "s/\"world_size\" : 1/\"world_size\" : 2/" "$1/step-00000002/manifest.json" && "${@:2}"' _ "$WORK/sealed-ck" \
    "$LETHE" checkpoint verify "$WORK/sealed-ck" --encrypt-key-file "$WORK/ck.key"
check "invert: --encrypt-key-file seals the learned embeddings" 0 "^LETHE-SEALED v1 [0-9a-f]{16} learned-embeddings" -- bash -c \
    '"${@:2}" >/dev/null 2>&1 && head -n 1 "$1"' _ "$WORK/sealed-emb.safetensors" "${INVERT_Q[@]}" \
    --encrypt-key-file "$WORK/ck.key" --output "$WORK/sealed-emb.safetensors"
check "generate: a sealed embedding without its key" nonzero \
    "sealed-emb.safetensors' is encrypted: give its key with --encrypt-key-file" -- "${QUICK[@]}" "$LETHE" generate \
    --model "$SD1_TINY" --prompt "a <zq>" --steps 2 --embedding "$WORK/sealed-emb.safetensors" --output "$WORK/bad.png"
check "generate: a sealed embedding with another key" nonzero "was encrypted with the key whose id is [0-9a-f]{16}; the key given has id" -- \
    "${QUICK[@]}" "$LETHE" generate --model "$SD1_TINY" --prompt "a <zq>" --steps 2 --embedding "$WORK/sealed-emb.safetensors" \
    --encrypt-key-file "$WORK/other.key" --output "$WORK/bad.png"
check "generate: a sealed embedding with its key draws as the plain one" 0 "same" -- bash -c '
    "${@:4}" --embedding "$1" --encrypt-key-file "$3" --output "$1.png" >/dev/null 2>&1 &&
    "${@:4}" --embedding "$2" --output "$2.png" >/dev/null 2>&1 && cmp "$1.png" "$2.png" && echo same' _ \
    "$WORK/sealed-emb.safetensors" "$WORK/ck-ti.safetensors" "$WORK/ck.key" "${QUICK[@]}" "$LETHE" generate --model "$SD1_TINY" \
    --prompt "a <zq>" --steps 2 --seed 3
check "inspect: a sealed file is named as such" nonzero "is a file Lethe encrypted \(--encrypt-key-file\), not a plain safetensors file" -- \
    "$LETHE" inspect "$WORK/sealed-emb.safetensors"
check "invert: a key file of the wrong size" nonzero \
    "The encryption key file '.*bad.key' cannot be used: it holds 5 bytes; a key file holds 32 raw bytes or 64 hexadecimal digits" -- \
    bash -c 'printf "abcd\n" >"$1" && "${@:2}"' _ "$WORK/bad.key" "${INVERT_Q[@]}" --checkpoint-dir "$WORK/bad-ck" \
    --encrypt-key-file "$WORK/bad.key" --output "$WORK/bad-ti.safetensors"
[[ ! -e "$WORK/bad-ti.safetensors" && ! -e "$WORK/bad-ck" && ! -e "$WORK/bad.png" ]] && echo "PASS refused encrypted runs wrote nothing" &&
    passed=$((passed + 1)) || { echo "FAIL a refused encrypted run left an output"; failed=$((failed + 1)); }
# De-identified data: photos whose names, EXIF (artist, GPS), XMP, comments and PNG text name a person; nothing a
# job writes (output, report, checkpoints, its log) may carry any of it unless --log-image-names asks for the names.
PRIVATE_IMAGES="$ROOT/Tests/Fixtures/references/private-images"
PRIVATE_MARKS='jane|Jane|JQE-SERIAL|private-comment|48\.8583|Example'
check "invert: no image name or metadata in anything written" 0 "^clean 3 images" -- bash -c '
    "${@:3}" --checkpoint-dir "$1/private-ck" --output "$1/private.safetensors" >"$1/private.log" 2>&1 || exit 1
    if grep -rEaq "$2" "$1/private.safetensors" "$1/private.report.json" "$1/private-ck" "$1/private.log"; then
        grep -rEao "$2" "$1/private.safetensors" "$1/private.report.json" "$1/private-ck" "$1/private.log" | head -n 5; exit 1
    fi
    grep -o "\"images\" : \"folder of 3\"" "$1/private.report.json" >/dev/null && echo "clean 3 images"' _ "$WORK" \
    "$PRIVATE_MARKS" "${QUICK[@]}" "$LETHE" invert --model "$SD1_TINY" --steps 2 --resolution 32 --images "$PRIVATE_IMAGES" \
    --token "<jq>" --init-token person
check "invert: --log-image-names puts the names in the log" 0 \
    "images: jane-q-example-at-home.jpg, jane-q-example-beach.jpg, jane-q-example-portrait.png" -- "${QUICK[@]}" "$LETHE" \
    invert --model "$SD1_TINY" --steps 1 --resolution 32 --images "$PRIVATE_IMAGES" --token "<jq>" --init-token person \
    --log-image-names --output "$WORK/private-named.safetensors"
check "invert: --exclude-hashes leaves listed images out, naming none" 0 "left out 1 image\(s\), training on 2" -- bash -c '
    (cd "$1" && sha256sum jane-q-example-beach.jpg) >"$2" && out=$("${@:3}" --exclude-hashes "$2" 2>&1) &&
    ! grep -q "beach" <<<"$out" && echo "$out"' _ "$PRIVATE_IMAGES" "$WORK/exclude.sha256" "${QUICK[@]}" "$LETHE" invert \
    --model "$SD1_TINY" --steps 1 --resolution 32 --images "$PRIVATE_IMAGES" --token "<jq>" --init-token person \
    --output "$WORK/private-excluded.safetensors"
check "invert: --exclude-hashes with a line that is no hash" nonzero "--exclude-hashes .*line 1 does not start with a SHA-256" -- \
    bash -c 'echo "beach.jpg" >"$1" && "${@:2}"' _ "$WORK/bad-exclude.txt" "${QUICK[@]}" "$LETHE" invert --model "$SD1_TINY" \
    --steps 1 --resolution 32 --images "$PRIVATE_IMAGES" --token "<jq>" --init-token person --exclude-hashes "$WORK/bad-exclude.txt" \
    --output "$WORK/bad-ti.safetensors"
check "generate: an output in a folder still to be made" 0 "wrote .*new/folder/img-0.png, .*new/folder/img-1.png" -- \
    "${QUICK[@]}" "$LETHE" generate --model "$SD1_TINY" --prompt "a cat" --steps 2 --seed 1 --num-images 2 \
    --output "$WORK/new/folder/img.png"
check "generate: a PNG with no chunk beyond IHDR, IDAT and IEND" 0 "^IDAT IEND IHDR$" -- bash -c '
    "${@:2}" --output "$1" >/dev/null 2>&1 && python3 -c "
import struct, sys
data = open(sys.argv[1], \"rb\").read(); at = 8; kinds = set()
while at < len(data):
    length = struct.unpack(\">I\", data[at:at + 4])[0]; kinds.add(data[at + 4:at + 8].decode()); at += 12 + length
print(\" \".join(sorted(kinds)))" "$1"' _ "$WORK/chunks.png" "${QUICK[@]}" "$LETHE" generate --model "$SD1_TINY" \
    --prompt "a photo of Jane" --steps 2 --seed 1
check "invert: SIGTERM with --checkpoint-dir stops after a step with a checkpoint, exit 0" 0 \
    "stopped after step [0-9]+ as asked; checkpoint .*term-ck/step-[0-9]+.*exit 0" -- bash -c '
    "$@" >"$0" 2>&1 & pid=$!
    for _ in $(seq 1 300); do grep -q "^step 1:" "$0" && break; sleep 0.1; done
    kill -TERM $pid; wait $pid; status=$?; tr -d "\n" <"$0"; echo " exit $status"' "$WORK/term.log" \
    "$LETHE" invert --model "$SD1_TINY" --steps 100000 --resolution 32 --images "$TI_IMAGES" --token "<zq>" \
    --init-token person --checkpoint-dir "$WORK/term-ck" --output "$WORK/term.safetensors"
# Resumed, the bar starts at the restored step and times only the steps after it (its first line has no rate yet).
check "invert: a resumed job's progress starts at its checkpoint's step" 0 "^invert ([1-9][0-9]*)/100000 .*<\?, \? s/it$" -- \
    bash -c 'timeout 20 "$@" 2>&1 | grep -m 1 "^invert [0-9]*/"' _ \
    "$LETHE" invert --model "$SD1_TINY" --steps 100000 --resolution 32 --images "$TI_IMAGES" --token "<zq>" \
    --init-token person --checkpoint-dir "$WORK/term-ck" --output "$WORK/term.safetensors"
# The running job's flags (also YAML keys): bad values name the flag before any work; --trace is an output like any
# other (never an input, never a folder, replaced only if Lethe wrote it and with --overwrite). The trace and the
# watchdog under mpirun: Scripts/observability-mpi-check.sh.
check "invert: --watchdog-seconds -1" nonzero "--watchdog-seconds is -1; it must be between 0 and 2592000 seconds" -- \
    "${INVERT_Q[@]}" --watchdog-seconds -1 --output "$WORK/bad-ti.safetensors"
printf 'steps: 2\nwatchdog_seconds: -5\n' >"$WORK/watchdog-job.yaml"
check "fmn: watchdog_seconds in a job file is checked as the flag" nonzero "--watchdog-seconds is -5" -- \
    "${QUICK[@]}" "$LETHE" fmn --config "$WORK/watchdog-job.yaml" --model "$SD1_TINY" --concept cat --images "$TI_IMAGES" \
    --output "$WORK/bad-fmn"
printf 'steps: 2\n' >"$WORK/trace-job.yaml"
check "invert: --trace that is the --config file is refused, the file kept" nonzero \
    "--trace is '.*trace-job.yaml': Refusing to write .*: it is the --config file .* kept: steps: 2$" -- bash -c '
    out=$("${@:2}" 2>&1); status=$?; echo "$out kept: $(cat "$1")"; exit $status' _ "$WORK/trace-job.yaml" "${INVERT_Q[@]}" --config "$WORK/trace-job.yaml" \
    --trace "$WORK/trace-job.yaml" --output "$WORK/bad-ti.safetensors"
check "invert: --trace inside the model folder" nonzero "--trace is '.*': Refusing to write .* lies inside the model" -- \
    "${INVERT_Q[@]}" --trace "$SD1_TINY/trace.json" --output "$WORK/bad-ti.safetensors"
mkdir -p "$WORK/trace-folder"
check "uce: --trace that is a folder" nonzero "--trace is '.*': Output '.*' already exists" -- "$LETHE" uce \
    --model "$SD1_TINY" --concept "Van Gogh" --no-attention-probe --trace "$WORK/trace-folder" --output "$WORK/bad-uce"
check "uce: --trace that is a folder, with --overwrite" nonzero \
    "--overwrite replaces only a trace Lethe wrote .* and this is a folder" -- "$LETHE" uce --model "$SD1_TINY" \
    --concept "Van Gogh" --no-attention-probe --overwrite --trace "$WORK/trace-folder" --output "$WORK/bad-uce"
[[ ! -e "$WORK/bad-ti.safetensors" && ! -e "$WORK/bad-uce" && ! -e "$SD1_TINY/trace.json" ]] \
    && echo "PASS refused runtime flags wrote nothing" && passed=$((passed + 1)) \
    || { echo "FAIL a refused runtime flag left an output"; failed=$((failed + 1)); }
check "invert: --trace writes a Chrome trace of the steps" 0 "^[1-9][0-9]* events: .*optimizer.*step" -- bash -c '
    "${@:2}" >/dev/null 2>&1 && python3 -c "import json, sys; e = [x for x in json.load(open(sys.argv[1]))[\"traceEvents\"] if x[\"ph\"] == \"X\"]
print(len(e), \"events:\", \" \".join(sorted({x[\"cat\"] for x in e})))" "$1"' _ "$WORK/ti-trace.json" \
    "${INVERT_Q[@]}" --trace "$WORK/ti-trace.json" --output "$WORK/ti-trace.safetensors"
check "invert: an existing trace is kept without --overwrite" nonzero "--trace is '.*ti-trace.json': Output .* already exists" -- \
    "${INVERT_Q[@]}" --trace "$WORK/ti-trace.json" --output "$WORK/ti-trace2.safetensors"
check "uce: --trace records the job's stages; --overwrite replaces a trace Lethe wrote" 0 '"cat":"stage".*"name":"load"' -- \
    bash -c '"${@:2}" >/dev/null 2>&1 && cat "$1"' _ "$WORK/ti-trace.json" "$LETHE" uce --model "$SD1_TINY" \
    --concept "Van Gogh" --no-attention-probe --overwrite --trace "$WORK/ti-trace.json" --output "$WORK/uce-trace"
# Cluster/: the batch scripts parse; the plain-mpirun launcher runs a training job on a hostfile naming this machine,
# checkpointing beside the output and writing one log per rank.
check "Cluster scripts parse" 0 "^3$" -- bash -c 'n=0; for f in "$@"; do bash -n "$f" && n=$((n + 1)); done; echo $n' _ \
    "$ROOT/Cluster/slurm/erase.sbatch" "$ROOT/Cluster/mpirun/launch.sh" "$ROOT/Cluster/pbs/erase.pbs"
echo "localhost slots=2" >"$WORK/hosts"
check "Cluster/mpirun/launch.sh runs fmn on 2 ranks with checkpoints" 0 "step-00000002.*rank.0 rank.1" -- bash -c '
    cd "$1" && LETHE="$2" MPIRUN_ARGS="$3" timeout 120 "$4" hosts fmn --model "$5" --concept cat --images "$6" \
        --train attn2 --steps 2 --batch-size 2 --resolution 32 --output launched >/dev/null 2>&1 &&
    ls launched.checkpoints lethe-logs/1 | tr "\n" " "' _ "$WORK" "$LETHE" "${mpirun_args[*]}" \
    "$ROOT/Cluster/mpirun/launch.sh" "$SD1_TINY" "$TI_IMAGES"
# The Slurm script's stop-and-requeue path, with stand-ins for srun (mpirun with 2 ranks) and scontrol (a log):
# USR1 to the batch script (what --signal=B:USR1@120 sends) checkpoints every rank, exits 0 and requeues the job;
# the requeued script resumes from that checkpoint.
mkdir -p "$WORK/slurm-bin"
printf '#!/usr/bin/env bash\nwhile [[ $1 == --* ]]; do shift; done\nexec mpirun %s -np 2 "$@"\n' "${mpirun_args[*]}" >"$WORK/slurm-bin/srun"
printf '#!/usr/bin/env bash\necho "scontrol $*" >>"%s"\n' "$WORK/scontrol.log" >"$WORK/slurm-bin/scontrol"
chmod +x "$WORK/slurm-bin/srun" "$WORK/slurm-bin/scontrol"
check "Cluster/slurm/erase.sbatch: USR1 checkpoints, exits 0 and requeues; the requeued job resumes" 0 \
    "^0 scontrol requeue 4242 step-[0-9]+ 0 resumed$" -- bash -c '
    cd "$1"; export PATH="$1/slurm-bin:$PATH" SLURM_JOB_ID=4242 SLURM_CPUS_PER_TASK=1 LETHE="$2"
    args=(invert --model "$4" --steps 100000 --batch-size 2 --resolution 32 --images "$5" --token "<zq>" --init-token person --output "$1/slurm-ti.safetensors")
    for round in 1 2; do
        timeout 120 bash "$3" "${args[@]}" >"slurm-$round.log" 2>&1 & pid=$!
        for _ in $(seq 1 600); do grep -q "^step 1:" "slurm-$round.log" && break; sleep 0.1; done
        pkill -USR1 -P $pid; wait $pid; status[$round]=$?
    done
    echo "${status[1]} $(cat scontrol.log | head -n 1) $(ls slurm-ti.safetensors.checkpoints | head -n 1) ${status[2]} $(grep -o "^resumed" slurm-2.log | head -n 1)"' \
    _ "$WORK" "$LETHE" "$ROOT/Cluster/slurm/erase.sbatch" "$SD1_TINY" "$TI_IMAGES"
# The PBS script: the SIGTERM before the wall time becomes a checkpoint on every rank and exit 0 (mpirun stands in
# with this machine's options; PBS_NODEFILE names it twice).
mkdir -p "$WORK/pbs-bin"
printf '#!/usr/bin/env bash\nexec %s %s "$@"\n' "$(command -v mpirun)" "${mpirun_args[*]}" >"$WORK/pbs-bin/mpirun"
chmod +x "$WORK/pbs-bin/mpirun"
printf 'localhost\nlocalhost\n' >"$WORK/pbs-nodes"
check "Cluster/pbs/erase.pbs: SIGTERM checkpoints every rank and exits 0" 0 "^0 step-[0-9]+$" -- bash -c '
    cd "$1"; export PATH="$1/pbs-bin:$PATH" PBS_NODEFILE="$1/pbs-nodes" THREADS=1 LETHE="$2"
    export LETHE_ARGS="invert --model $4 --steps 100000 --batch-size 2 --resolution 32 --images $5 --token <zq> --init-token person --output $1/pbs-ti.safetensors"
    timeout 120 bash "$3" >pbs.log 2>&1 & pid=$!
    for _ in $(seq 1 600); do grep -q "^step 1:" pbs.log && break; sleep 0.1; done
    pkill -TERM -P $pid; wait $pid; echo "$? $(ls pbs-ti.safetensors.checkpoints | head -n 1)"' \
    _ "$WORK" "$LETHE" "$ROOT/Cluster/pbs/erase.pbs" "$SD1_TINY" "$TI_IMAGES"
check "checkpoint export: fmn needs --model" nonzero "is a forget-me-not checkpoint: .*needs --model" -- \
    "${QUICK[@]}" "$LETHE" checkpoint export "$WORK/launched.checkpoints" --output "$WORK/bad-export"
check "checkpoint export: fmn's folder, which generate reads" 0 "wrote .*launched-export.png" -- bash -c '
    "$1" checkpoint export "$2/launched.checkpoints" --model "$3" --output "$2/launched-export" &&
    "$1" generate --model "$2/launched-export" --prompt "a cat" --steps 2 --output "$2/launched-export.png"' _ \
    "$LETHE" "$WORK" "$SD1_TINY"
# A step count whose ETA is past 10,000 hours: the time is capped, never negative; the run is stopped by timeout.
check "invert: the ETA of a huge step count is capped, not negative" 0 "^invert 1/100000000000 .*<>9999:59:59, " -- \
    bash -c 'timeout 15 "$@" 2>&1 | head -n 400 >"$0"; ! grep -q "<-" "$0" && cat "$0"' "$WORK/eta.txt" "$LETHE" invert --model "$SD1_TINY" \
    --steps 100000000000 --resolution 32 --images "$TI_IMAGES" --token "<zq>" --init-token person \
    --output "$WORK/bad-ti.safetensors"
check "fmn: --generate-images 100000000000" nonzero \
    "Generating and keeping 100000000000 images of 32×32 \(--generate-images, --resolution\) needs at least [0-9.]+ [TPE]iB of memory" -- \
    "${QUICK[@]}" "$LETHE" fmn "${TINY_TRAIN[@]}" --generate-images 100000000000 --concept person --output "$WORK/bad-fmn"
check "fmn: --generation-steps 0 is named" nonzero "--generation-steps is 0; it must be at least 1" -- \
    "${QUICK[@]}" "$LETHE" fmn "${TINY_TRAIN[@]}" --generate-images 2 --generation-steps 0 --concept person \
    --output "$WORK/bad-fmn"
check "fmn: --batch-size beyond memory" nonzero "A batch of 100000000 samples .* needs at least" -- \
    "${QUICK[@]}" "$LETHE" fmn "${TINY_TRAIN[@]}" --batch-size 100000000 --images "$TI_IMAGES" --concept person \
    --output "$WORK/bad-fmn"
check "fmn: generated images show progress before the first one is done" 0 "generate 0/2 .*" -- \
    "${QUICK[@]}" "$LETHE" fmn --model "$SD1_TINY" --steps 1 --resolution 32 --generate-images 2 --generation-steps 1 \
    --concept person --output "$WORK/fmn-generated"
check "uce: --lamb -1 is a value, named" nonzero "--lamb must be a finite number ≥ 0, got -1.0" -- \
    "${QUICK[@]}" "$LETHE" uce --model "$SD1_TINY" --concept cat --lamb -1 --output "$WORK/bad-uce"
check "uce: --erase-scale nan" nonzero "--erase-scale must be a finite number ≥ 0, got nan" -- \
    "${QUICK[@]}" "$LETHE" uce --model "$SD1_TINY" --concept cat --erase-scale nan --output "$WORK/bad-uce"
check "rece: --epochs -1" nonzero "--epochs must be 0 or more, got -1" -- \
    "${QUICK[@]}" "$LETHE" rece --model "$SD1_TINY" --concept cat --epochs -1 --output "$WORK/bad-uce"
check "rece: --reg inf" nonzero "--reg must be a finite number above 0, got inf" -- \
    "${QUICK[@]}" "$LETHE" rece --model "$SD1_TINY" --concept cat --reg inf --output "$WORK/bad-uce"
[[ ! -e "$WORK/bad-ti.safetensors" && ! -e "$WORK/bad-fmn" && ! -e "$WORK/bad-uce" ]] &&
    echo "PASS refused sizes wrote no training output" && passed=$((passed + 1)) ||
    { echo "FAIL a refused size left a training output"; failed=$((failed + 1)); }

# Outputs never destroy inputs or anything Lethe did not write; inputs never hang the process; bad job files and
# broken source components are named before any work. Each bad run is inside `timeout` and must end non-zero.
SAFE="$WORK/safety"
mkdir -p "$SAFE/x" "$SAFE/unrelated"
cp -r "$SD1_TINY" "$SAFE/src"
echo "keep me" >"$SAFE/unrelated/notes.txt"
echo "keep me" >"$SAFE/plain.txt"
fingerprint() { (cd "$SAFE" && find src unrelated plain.txt -type f -print0 | sort -z | xargs -0 sha256sum); }
fingerprint >"$WORK/safety.before"
T=(timeout --kill-after=5 60)
UCE_SAFE=(uce --model "$SAFE/src" --concept cat --no-attention-probe)
for out in "$SAFE/src" "$SAFE/src/" "$SAFE/x/../src/." "$SAFE/nothing/../src"; do
    check "uce --output $out --overwrite is the source model" nonzero "it is the source model" -- \
        "${T[@]}" "$LETHE" "${UCE_SAFE[@]}" --output "$out" --overwrite
done
check "uce --output inside the source model" nonzero "lies inside the source model" -- \
    "${T[@]}" "$LETHE" "${UCE_SAFE[@]}" --output "$SAFE/src/unet" --overwrite
check "uce --output a folder containing the source model" nonzero "it contains the source model" -- \
    "${T[@]}" "$LETHE" "${UCE_SAFE[@]}" --output "$SAFE" --overwrite
check "uce --output . containing the source model" nonzero "it contains the source model" -- \
    bash -c 'cd "$1" && shift && "$@"' _ "$SAFE" "${T[@]}" "$LETHE" "${UCE_SAFE[@]}" --output . --overwrite
ln -s "$SAFE/src" "$SAFE/link"
check "uce --output a symlink to the source model" nonzero "it is the source model" -- \
    "${T[@]}" "$LETHE" "${UCE_SAFE[@]}" --output "$SAFE/link" --overwrite
check "uce --overwrite of a folder of unrelated files" nonzero "replaces only a model folder Lethe wrote.*without model_index.json" -- \
    "${T[@]}" "$LETHE" "${UCE_SAFE[@]}" --output "$SAFE/unrelated" --overwrite
check "uce --overwrite of a regular file" nonzero "replaces only a model folder Lethe wrote, and this is a regular file" -- \
    "${T[@]}" "$LETHE" "${UCE_SAFE[@]}" --output "$SAFE/plain.txt" --overwrite
for flag in "" --overwrite; do
    check "invert --output the model's weights $flag" nonzero "lies inside the model" -- "${T[@]}" "$LETHE" invert \
        "${TINY_TRAIN[@]/$SD1_TINY/$SAFE/src}" --images "$TI_IMAGES" --token "<zq>" --init-token person \
        --output "$SAFE/src/text_encoder/model.safetensors" $flag
done
check "invert --overwrite of a model's weights file elsewhere" nonzero "replaces only a learned-embeddings file" -- \
    bash -c 'cp "$1/unet/diffusion_pytorch_model.safetensors" "$2/weights.safetensors" && "${@:3}"' _ "$SAFE/src" "$WORK" \
    "${T[@]}" "$LETHE" invert "${TINY_TRAIN[@]}" --images "$TI_IMAGES" --token "<zq>" --init-token person \
    --output "$WORK/weights.safetensors" --overwrite
check "generate --output inside the model" nonzero "lies inside the model" -- "${T[@]}" "$LETHE" generate \
    --model "$SAFE/src" --prompt cat --steps 1 --output "$SAFE/src/unet/x.png"
echo "not an image" >"$SAFE/notimage.png"
check "generate --overwrite of a file that is not an image" nonzero "replaces only a PNG or .npy image" -- \
    "${T[@]}" "$LETHE" generate --model "$SAFE/src" --prompt cat --steps 1 --output "$SAFE/notimage.png" --overwrite
check "rece --output a job file that is an input" nonzero "it is the --config file" -- bash -c \
    'printf "concept: cat\nno_attention_probe: true\n" >"$1/job.yaml"; "${@:2}" --config "$1/job.yaml" --output "$1/job.yaml" --overwrite' \
    _ "$WORK" "${T[@]}" "$LETHE" rece --model "$SAFE/src"
if fingerprint | cmp -s - "$WORK/safety.before"; then
    echo "PASS every refused command left the model and unrelated files byte-identical"; passed=$((passed + 1))
else
    echo "FAIL a refused command changed the model or unrelated files"; failed=$((failed + 1))
fi
check "uce --overwrite replaces a folder Lethe wrote" 0 "wrote" -- bash -c \
    '"$@" --output "$0" && "$@" --output "$0" --overwrite' "$SAFE/erased" "${T[@]}" "$LETHE" "${UCE_SAFE[@]}"
check "compare: a numeric mismatch exits 1 without a usage message" 0 "^1 differs 0$" -- bash -c \
    'out=$("$@" 2>&1); s=$?; echo "$s $(grep -o differs <<<"$out" | head -1) $(grep -c USAGE <<<"$out")"' _ \
    "$LETHE" compare "$SAFE/erased" "$SAFE/src"
echo png >"$SAFE/clash-1.png"
check "generate --num-images 3 with a clash at the second name writes nothing" nonzero "clash-1.png' already exists" -- \
    bash -c '"$@"; s=$?; ls "$0" | grep -q "clash-0.png" && echo "clash-0.png was written"; exit $s' "$SAFE" \
    "${T[@]}" "$LETHE" generate --model "$SAFE/src" --prompt cat --steps 1 --num-images 3 --output "$SAFE/clash.png"
check "an output under a regular file is refused before the work" nonzero "plain.txt' is not a folder" -- \
    "${T[@]}" "$LETHE" "${UCE_SAFE[@]}" --output "$SAFE/plain.txt/out"
check "an unwritable output is refused before the work, under mpirun -np 2" nonzero "Cannot write '/proc/.*refuses new entries" -- \
    "${MPIRUN[@]}" -np 2 "$LETHE" "${UCE_SAFE[@]}" --output /proc/self/lethe-out
# A full disk (a 3 MB loop-mounted file system, where the machine lets root mount one): the error names the path and
# the system's reason, and no staging folder is left behind.
if dd if=/dev/zero of="$WORK/small.img" bs=1M count=3 status=none && mkfs.ext4 -q "$WORK/small.img" 2>/dev/null &&
    mkdir -p "$WORK/smallfs" && mount -o loop "$WORK/small.img" "$WORK/smallfs" 2>/dev/null; then
    check "a full disk during create-model is named in the system's words" nonzero \
        "Cannot write '$WORK/smallfs/m': .*No space left on device\.$" -- "${T[@]}" "$LETHE" create-model --output "$WORK/smallfs/m"
    check "a full disk during uce is named in the system's words" nonzero "No space left on device" -- \
        "${T[@]}" "$LETHE" "${UCE_SAFE[@]}" --output "$WORK/smallfs/e"
    check "a full disk leaves nothing behind" 0 "^lost\+found$" -- ls -A "$WORK/smallfs"
    umount "$WORK/smallfs"
else
    echo "SKIP full-disk checks: this machine does not let us loop-mount a small file system"
fi

# Inputs that are not regular files: refused at once, naming the path (a plain open() of a FIFO blocks forever).
mkfifo "$SAFE/fifo" "$SAFE/fifo.yaml"
mkdir -p "$SAFE/fifo-images" && cp "$TI_IMAGES"/img0.png "$SAFE/fifo-images/" && mkfifo "$SAFE/fifo-images/img1.png"
check "a FIFO as --config" nonzero "fifo.yaml': it cannot be read: it is a named pipe" -- \
    "${T[@]}" "$LETHE" uce --config "$SAFE/fifo.yaml" --model "$SAFE/src" --output "$SAFE/o"
check "a FIFO as --latents" nonzero "fifo': it is a named pipe \(FIFO\)" -- \
    "${T[@]}" "$LETHE" generate --model "$SAFE/src" --prompt cat --latents "$SAFE/fifo" --output "$SAFE/o.png"
check "a FIFO as --embedding" nonzero "fifo.*named pipe \(FIFO\)" -- \
    "${T[@]}" "$LETHE" generate --model "$SAFE/src" --prompt cat --embedding "$SAFE/fifo" --output "$SAFE/o.png"
check "a FIFO among the training images" nonzero "img1.png.*named pipe \(FIFO\)" -- "${T[@]}" "$LETHE" invert \
    "${TINY_TRAIN[@]}" --images "$SAFE/fifo-images" --token "<zq>" --init-token person --output "$SAFE/o.safetensors"
check "a FIFO as --preserve-file" nonzero "preserve-file.*named pipe \(FIFO\)" -- \
    "${T[@]}" "$LETHE" "${UCE_SAFE[@]}" --preserve-file "$SAFE/fifo" --output "$SAFE/o"
cp -r "$SAFE/src" "$SAFE/fifo-model" && rm "$SAFE/fifo-model/unet/diffusion_pytorch_model.safetensors" &&
    mkfifo "$SAFE/fifo-model/unet/diffusion_pytorch_model.safetensors"
check "a FIFO as the UNet's weights (generate)" nonzero "diffusion_pytorch_model.safetensors': it is a named pipe \(FIFO\)" -- \
    "${T[@]}" "$LETHE" generate --model "$SAFE/fifo-model" --prompt cat --steps 1 --output "$SAFE/o.png"
check "a FIFO as the UNet's weights (uce)" nonzero "diffusion_pytorch_model.safetensors' cannot be copied .*named pipe \(FIFO\)" -- \
    "${T[@]}" "$LETHE" uce --model "$SAFE/fifo-model" --concept cat --output "$SAFE/o"
cp -r "$SAFE/src" "$SAFE/fifo-inside" && mkfifo "$SAFE/fifo-inside/vae/notes"
check "a FIFO inside a component the erased folder copies" nonzero "vae/notes' cannot be copied into the erased folder: it is a named pipe" -- \
    "${T[@]}" "$LETHE" uce --model "$SAFE/fifo-inside" --concept cat --no-attention-probe --output "$SAFE/o"
cp -r "$SAFE/src" "$SAFE/loop-model" && rm -r "$SAFE/loop-model/unet" && ln -s unet "$SAFE/loop-model/unet"
check "a UNet folder that is a symlink loop" nonzero "unet' cannot be read: it is a symbolic link that does not lead to a folder" -- \
    "${T[@]}" "$LETHE" generate --model "$SAFE/loop-model" --prompt cat --steps 1 --output "$SAFE/o.png"
check "--variant that matches nothing lists what is there" nonzero "No weights in .*variant 'fp99'.*it has model.safetensors" -- \
    "${T[@]}" "$LETHE" uce --model "$SAFE/src" --concept cat --variant fp99 --output "$SAFE/o"

# Job files: a list where one value is expected, YAML null, a value for an on/off flag.
check "config: a list for a one-value option" nonzero "'model' takes one value, but the file gives a list of 2" -- bash -c \
    'printf "model: [a, b]\nconcept: cat\n" >"$1/j1.yaml"; "${@:2}" --config "$1/j1.yaml"' _ "$WORK" "${T[@]}" "$LETHE" uce --output "$SAFE/o"
check "config: concept: null is not the word null" nonzero "'concept' has no value \(YAML null\)" -- bash -c \
    'printf "concept: null\n" >"$1/j2.yaml"; "${@:2}" --config "$1/j2.yaml"' _ "$WORK" "${T[@]}" "$LETHE" uce --model "$SAFE/src" --output "$SAFE/o"
check "config: a flag given a word" nonzero "'overwrite' is an on/off flag; give true or false, not 'sometimes'" -- bash -c \
    'printf "overwrite: sometimes\n" >"$1/j3.yaml"; "${@:2}" --config "$1/j3.yaml"' _ "$WORK" "${T[@]}" "$LETHE" "${UCE_SAFE[@]}" --output "$SAFE/o"

# A broken component that erasure would copy is named before any work.
cp -r "$SAFE/src" "$SAFE/bad-vae" && printf '{"_class_name": "AutoencoderKL", "latent_channels": "four"}' >"$SAFE/bad-vae/vae/config.json"
check "a broken VAE config is named before the erasure writes" nonzero "bad-vae/vae/config.json" -- \
    "${T[@]}" "$LETHE" uce --model "$SAFE/bad-vae" --concept cat --no-attention-probe --output "$SAFE/o"
cp -r "$SAFE/src" "$SAFE/bad-scheduler" && printf '{"_class_name": "NoSuchScheduler"}' >"$SAFE/bad-scheduler/scheduler/scheduler_config.json"
check "a broken scheduler config is named before the erasure writes" nonzero "NoSuchScheduler" -- \
    "${T[@]}" "$LETHE" uce --model "$SAFE/bad-scheduler" --concept cat --no-attention-probe --output "$SAFE/o"
[[ ! -e "$SAFE/o" && ! -e "$SAFE/o.png" && ! -e "$SAFE/o.safetensors" ]] && echo "PASS refused inputs wrote nothing" &&
    passed=$((passed + 1)) || { echo "FAIL a refused input left an output"; failed=$((failed + 1)); }
# A 125 KB concept is cut to 77 tokens (not refused): the warning and the summary quote at most ~200 characters.
check "output quotes at most ~200 characters of a 125 KB concept" 0 "^0 [0-9]{2,4}$" -- bash -c \
    '"${@:3}" --concept "$1" >"$2" 2>&1; echo "$? $(wc -c <"$2")"' _ "$(printf 'zqxw %.0s' {1..25000})" "$WORK/quote.log" \
    "${T[@]}" "$LETHE" uce --model "$SAFE/src" --output "$SAFE/o"
check "a concept given twice or also preserved is warned about" 0 "warning: --concept 'cat' is given more than once" -- \
    "${T[@]}" "$LETHE" "${UCE_SAFE[@]}" --concept cat cat --preserve cat --output "$SAFE/warned"

# lethe run: the job file's mistakes are reported before any work, naming the erasure; --dry-run shows the plan.
RUNJ="$WORK/runjobs"
mkdir -p "$RUNJ"
printf 'Van Gogh\n# a comment\n\nClaude Monet\nVan Gogh\nPicasso\n' >"$RUNJ/artists.txt"
run_job() { printf 'model: %s\noutput: %s\n%s\n' "$SD1_TINY" "$RUNJ/out" "$2" >"$RUNJ/$1.yaml"; echo "$RUNJ/$1.yaml"; }
check "run --help describes the job file" 0 "erasures:.*method:" -- bash -c '"$1" run --help | tr -s " \n" "  "' _ "$LETHE"
check "run: an unknown method is named" nonzero "erasure 1: unknown method 'ucee'" -- \
    "$LETHE" run --config "$(run_job m 'erasures: [{method: ucee, concept: [cat]}]')"
check "run: a key the method does not have is named" nonzero "erasure 2 \('cat-fmn'\): unknown key 'epochs': 'lethe fmn' has no option --epochs" -- \
    "$LETHE" run --config "$(run_job k 'erasures: [{method: uce, concept: [cat]}, {method: fmn, name: cat-fmn, concept: cat, epochs: 2}]')"
check "run: output in an erasure is refused" nonzero "'output' is set by lethe run" -- \
    "$LETHE" run --config "$(run_job o 'erasures: [{method: uce, concept: [cat], output: x}]')"
check "run: the watchdog in an erasure is refused (it is the run's)" nonzero "'watchdog_seconds' applies to the whole run: give --watchdog-seconds to lethe run" -- \
    "$LETHE" run --config "$(run_job w 'erasures: [{method: uce, concept: [cat], watchdog_seconds: 60}]')"
check "run: a name used twice is refused" nonzero "erasure 2: the name 'a' is used twice" -- \
    "$LETHE" run --config "$(run_job d 'erasures: [{method: uce, name: a, concept: [cat]}, {method: rece, name: a, concept: [dog]}]')"
check "run: a name that is not a folder name is refused" nonzero "name '../x' must be letters" -- \
    "$LETHE" run --config "$(run_job n 'erasures: [{method: uce, name: ../x, concept: [cat]}]')"
check "run: a default no method has is refused" nonzero "defaults: 'epochs' is an option of none of this job's methods \(uce\)" -- \
    "$LETHE" run --config "$(run_job f $'defaults: {epochs: 2}\nerasures: [{method: uce, concept: [cat]}]')"
check "run: a subcommand's own check runs at the start" nonzero "erasure 1 \('uce-cat'\): .*--lamb" -- \
    "$LETHE" run --config "$(run_job l 'erasures: [{method: uce, concept: [cat], lamb: -1}]')"
check "run: --group-size above the ranks is refused" nonzero "--group-size is 3; it must be between 1 and the number of ranks \(1\)" -- \
    "$LETHE" run --config "$(run_job g 'erasures: [{method: uce, concept: [cat]}]')" --group-size 3
check "run: concepts_file with invert is refused" nonzero "concepts_file: works with uce, rece and fmn, not 'invert'" -- \
    "$LETHE" run --config "$(run_job i $'method: invert\nconcepts_file: '"$RUNJ/artists.txt")"
check "run: a missing job file is named" nonzero "run.yaml.*cannot be read" -- "$LETHE" run --config "$RUNJ/none/run.yaml"
check "run --dry-run: one erasure per concept, slugged unique names, defaults applied" 0 \
    "output $RUNJ/out/van-gogh .*--guide=art '--concept=Van Gogh'.*out/claude-monet .*out/van-gogh-2 .*out/picasso " -- \
    bash -c '"$1" run --config "$2" --dry-run 2>/dev/null | tr "\n" " "' _ "$LETHE" \
    "$(run_job c $'method: uce\nconcepts_file: '"$RUNJ/artists.txt"$'\ndefaults: {guide: art}')"
check "run --dry-run: concepts_per_erasure batches the concepts into one edit" 0 \
    "^lethe uce .*out/van-gogh-and-2-more .*--concept=Van Gogh' '--concept=Claude Monet' '--concept=Van Gogh'.*out/picasso" -- \
    bash -c '"$1" run --config "$2" --dry-run 2>/dev/null | tr "\n" " "' _ "$LETHE" \
    "$(run_job b $'method: uce\nconcepts_per_erasure: 3\nconcepts_file: '"$RUNJ/artists.txt")"
check "run --dry-run prints the groups" 0 "in 1 group\(s\) of 1 rank\(s\).*group 0 \(rank 0\): van-gogh \(uce\)" -- \
    bash -c '"$1" run --config "$2" --dry-run 2>&1 >/dev/null | tr "\n" " "' _ "$LETHE" "$RUNJ/c.yaml"
check "run: mistakes under mpirun -np 2 end with one message, not an abort" 0 "^64 1 0$" -- \
    bash -c '"${@:3}" run --config "$1" >"$2" 2>&1; echo "$? $(grep -c "Error: --config .*unknown method .ucee." "$2") $(grep -c MPI_ABORT "$2")"' \
    _ "$RUNJ/m.yaml" "$RUNJ/np2.log" \
    "${MPIRUN[@]}" -np 2 "$LETHE"
check "Configs/many-concepts.yaml: every key is an option of its method" 0 "^5 " -- \
    bash -c 'cd "$2" && "$1" run --config "$3" --dry-run 2>/dev/null | grep -c "^lethe " | tr "\n" " "' _ "$LETHE" "$RUNJ" \
    "$ROOT/Configs/many-concepts.yaml"
[[ ! -e "$RUNJ/out" ]] && echo "PASS run: refused jobs wrote nothing" && passed=$((passed + 1)) ||
    { echo "FAIL a refused run job left an output"; failed=$((failed + 1)); }

# Stopped by a signal: the staging folder goes, the exit status says which signal; a stale one goes next run.
check "SIGTERM during create-model removes its staging folder" 0 "^143 0$" -- bash -c \
    '"$2" create-model --preset sd15 --output "$1/big" 2>/dev/null & p=$!; sleep 3; kill -TERM $p; wait $p; s=$?;
     echo "$s $(ls -A "$1" | grep -c "\.big\.")"' _ "$SAFE" "$LETHE"
check "a stale staging folder of a dead process is removed" 0 "^0$" -- bash -c \
    'mkdir "$1/.small.partial-$(hostname)-2147483000"; "$2" create-model --output "$1/small" >/dev/null && { ls -A "$1" | grep -c "\.small\.partial" || true; }' \
    _ "$SAFE" "$LETHE"

# The world's captioned images (lethe world data).
WORLD="$WORK/world"
mkdir -p "$WORLD"
check "world data writes N PNGs and N metadata lines" 0 "^12 12 " -- bash -c \
    '"$1" world data --output "$2/d" --count 12 --size 32 --seed 3 >/dev/null 2>&1 &&
     echo "$(ls "$2/d/train" | grep -c "\.png$") $(wc -l <"$2/d/metadata.jsonl") "' _ "$LETHE" "$WORLD"
check "world data is deterministic (same seed, same bytes)" 0 "^same$" -- bash -c \
    '"$1" world data --output "$2/e" --count 12 --size 32 --seed 3 >/dev/null 2>&1 &&
     diff -r "$2/d" "$2/e" >/dev/null && echo same' _ "$LETHE" "$WORLD"
check "world data --split heldout and a contact sheet" 0 "wrote .*3 heldout.*contact sheet" -- \
    "$LETHE" world data --output "$WORLD/h" --count 3 --split heldout --grid "$WORLD/h.png"
check "world data names a bad --size" nonzero "--size must be 64 or 32, got 48" -- "$LETHE" world data --output "$WORLD/x" --size 48
check "world data names a bad --count" nonzero "--count must be between 1 and 1000000, got 0" -- "$LETHE" world data --output "$WORLD/x" --count 0
check "world data names a bad --split" nonzero "--split must be train, heldout or all, got 'test'" -- "$LETHE" world data --output "$WORLD/x" --split test
printf 'count: 2\n' >"$WORLD/job.yaml"
check "world data refuses an output that is its --config file" nonzero "Refusing to write .*job.yaml.*--config file" -- \
    "$LETHE" world data --config "$WORLD/job.yaml" --output "$WORLD/job.yaml" --overwrite
check "world data refuses a --grid inside its output" nonzero "Refusing to write .*lies inside the --output dataset" -- \
    "$LETHE" world data --output "$WORLD/d" --overwrite --count 2 --grid "$WORLD/d/grid.png"
check "world data refuses to replace an existing dataset without --overwrite" nonzero "already exists" -- \
    "$LETHE" world data --output "$WORLD/d" --count 2
check "world data --overwrite replaces only a dataset it wrote" nonzero "replaces only a dataset folder Lethe wrote" -- \
    "$LETHE" world data --output "$WORLD" --count 2 --overwrite
[[ -f "$WORLD/job.yaml" && -d "$WORLD/d/train" ]] && echo "PASS world data: refused runs left their inputs" && passed=$((passed + 1)) ||
    { echo "FAIL world data: a refused run removed something"; failed=$((failed + 1)); }

# The world's model (lethe world train), at a few steps per stage.
TINY_WORLD=(--vae-steps 2 --vae-batch-size 2 --steps 2 --batch-size 2 --training-images 4)
check "world train --help describes the recipe" 0 "--caption-dropout" -- "$LETHE" world train --help
check "world train names a bad --vae-steps" nonzero "--vae-steps is 0; it must be at least 1" -- \
    "$LETHE" world train --output "$WORLD/m" --vae-steps 0
check "world train names a bad --caption-dropout" nonzero "--caption-dropout is 1.0; it must be in \[0, 1\)" -- \
    "$LETHE" world train --output "$WORLD/m" --caption-dropout 1
check "world train names too few --training-images" nonzero "--training-images is 1; it must be at least" -- \
    "$LETHE" world train --output "$WORLD/m" --training-images 1 --batch-size 2
check "world train writes a diffusers folder and its recipe record" 0 "wrote .*the world's model \(VAE loss" -- bash -c \
    '"$1" world train --output "$2/m" "${@:3}" | tee "$2/m1.txt"' _ "$LETHE" "$WORLD" "${TINY_WORLD[@]}"
check "the world's model generates" 0 "wrote" -- "$LETHE" generate --model "$WORLD/m" --prompt "a red star" --steps 2 \
    --output "$WORLD/m.png"
# The losses and the scaling factor (printed to 5 digits) agree; the minutes may not.
check "world train gives the same model on 2 ranks as on 1" 0 "^same$" -- bash -c \
    '"${@:3}" "$1" world train --output "$2/m2" --vae-steps 2 --vae-batch-size 2 --steps 2 --batch-size 2 \
        --training-images 4 2>/dev/null > "$2/m2.txt" &&
     [[ "$(sed -n "s/.*(\(VAE loss.*\)) in .*/\1/p" "$2/m1.txt")" == "$(sed -n "s/.*(\(VAE loss.*\)) in .*/\1/p" "$2/m2.txt")" ]] &&
     grep -q "on 2 rank" "$2/m2.txt" && echo same' _ "$LETHE" "$WORLD" "${MPIRUN[@]}" -np 2
check "world quality judges a model's pictures of train and held-out captions" 0 "^\| heldout \| 2 \| [0-9]+ % \| [0-9]+ % \| [0-9]+ % \|$" -- \
    "$LETHE" world quality --model "$WORLD/m" --prompts 2 --images 1 --steps 2
check "world quality --json" 0 '"heldout":\{"artist":[0-9.]+,"color"' -- \
    "$LETHE" world quality --model "$WORLD/m" --prompts 1 --images 1 --steps 2 --json
check "world quality names a bad --prompts" nonzero "--prompts must be between 1 and 10000, got 0" -- \
    "$LETHE" world quality --model "$WORLD/m" --prompts 0
check "world train refuses to replace its model without --overwrite" nonzero "already exists" -- \
    "$LETHE" world train --output "$WORLD/m" "${TINY_WORLD[@]}"
# The world's judge (lethe judge, lethe world train-judge): the judge that ships, on a few rendered pictures.
JUDGE="$ROOT/Sources/LetheWorld/Resources/judge"
JUDGED="$WORK/judged"
mkdir -p "$JUDGED"
"$LETHE" world data --output "$JUDGED/pictures" --count 6 --seed 5 >/dev/null 2>&1
check "judge prints each image's shapes, colours and artist, then the counts" 0 "000005.png: shapes [a-z]+ [01]\.[0-9]{2}.*; colours .*; artist [A-Z][a-z]+ [A-Z][a-z]+ [01]\.[0-9]{2}.*6 images.*shapes: .*artists: " -- \
    bash -c '"$1" judge "$2" --judge "$3" | tr "\n" " "' _ "$LETHE" "$JUDGED/pictures/train" "$JUDGE"
check "judge --json prints one object per image with the top label and every probability" 0 "^6 6 6$" -- bash -c \
    '"$1" judge "$2"/train/000000.png "$2/train" --judge "$3" --json | tail -n 6 >"$4/lines";
     echo "$(grep -c "^{\"artist\":\"[A-Z][a-z]* [A-Z][a-z]*\",\"color\":\"[a-z]*\",\"colors\":\[.*\],\"image\":\".*\.png\",\"probabilities\":{\"artist\":{.*\"Yara Niemi\":[0-9.e-]*.*},\"color\":{.*\"shape\":{.*},\"shape\":\"[a-z]*\",\"shapes\":\[\"[a-z]*\".*\]}$" "$4/lines") $(wc -l <"$4/lines") $(grep -c "\"probabilities\"" "$4/lines")"' \
    _ "$LETHE" "$JUDGED/pictures" "$JUDGE" "$JUDGED"
check "judge agrees with the captions' artist on rendered pictures" 0 "^6$" -- bash -c \
    '"$1" judge "$2/train" --judge "$3" --json | sed -E "s/.*\"artist\":\"([^\"]*)\".*\"image\":\".*\/([0-9]+\.png)\".*/\2 \1/" >"$4/judged";
     sed -E "s/.*\"file_name\":\"train\/([0-9]+\.png)\".*\"artist\":\"([^\"]*)\".*/\1 \2/" "$2/metadata.jsonl" >"$4/truth";
     sort "$4/judged" | join - <(sort "$4/truth") | awk "{ if (\$2 \" \" \$3 == \$4 \" \" \$5) n++ } END { print n }"' \
    _ "$LETHE" "$JUDGED/pictures" "$JUDGE" "$JUDGED"
printf 'not an image' >"$JUDGED/bad.png"
check "judge names an image it cannot decode" nonzero "bad.png is not a PNG or JPEG image" -- \
    "$LETHE" judge "$JUDGED/pictures/train/000000.png" "$JUDGED/bad.png" --judge "$JUDGE"
check "judge names a missing image" nonzero "missing.png" -- "$LETHE" judge "$JUDGED/missing.png" --judge "$JUDGE"
check "judge names a missing judge folder" nonzero "Judge folder '.*nowhere' does not exist" -- \
    "$LETHE" judge "$JUDGED/pictures/train" --judge "$JUDGED/nowhere"
mkdir -p "$JUDGED/broken"
cp "$JUDGE/model.safetensors" "$JUDGED/broken/"
sed 's/"norm_groups"/"norm_grups"/' "$JUDGE/config.json" >"$JUDGED/broken/config.json"
check "judge names the config key a judge folder lacks" nonzero "broken/config.json.*norm_groups" -- \
    "$LETHE" judge "$JUDGED/pictures/train" --judge "$JUDGED/broken"
check "judge uses the shipped judge without --judge" 0 "^[0-9]+ images$" -- "$LETHE" judge "$JUDGED/pictures/train"
check "world train-judge writes a judge that judge reads" 0 "wrote .*tiny: judge of [0-9]+ parameters, 2 steps.*artist [A-Z]" -- bash -c \
    '{ "$1" world train-judge --output "$2/tiny" --steps 2 --batch-size 4 --eval-count 4 2>&1 && "$1" judge "$3" --judge "$2/tiny"; } | tr "\n" " "' \
    _ "$LETHE" "$JUDGED" "$JUDGED/pictures/train/000001.png"
check "world train-judge records its accuracies and its command" 0 "\"heldout\" : \\{.*\"command\" : \"lethe world train-judge --output .*tiny --steps 2 " -- \
    bash -c 'tr -d "\n" <"$1/tiny/config.json"' _ "$JUDGED"
check "world train-judge refuses to replace a judge without --overwrite" nonzero "already exists" -- \
    "$LETHE" world train-judge --output "$JUDGED/tiny" --steps 1 --batch-size 2 --eval-count 0
check "world train-judge --overwrite replaces only a judge it wrote" nonzero "replaces only a judge folder Lethe wrote" -- \
    "$LETHE" world train-judge --output "$JUDGED/pictures" --steps 1 --batch-size 2 --eval-count 0 --overwrite
check "world train-judge under mpirun -np 2 takes the steps of one process" 0 "^same$" -- bash -c \
    '"$2" world train-judge --output "$1/np1" --steps 2 --batch-size 4 --eval-count 8 2>&1 | grep -E "^(step 2|accuracy)" >"$1/np1.log";
     "${@:3}" -np 2 "$2" world train-judge --output "$1/np2" --steps 2 --batch-size 4 --eval-count 8 2>&1 | grep -E "^(step 2|accuracy)" >"$1/np2.log";
     [[ -s "$1/np1.log" ]] && diff "$1/np1.log" "$1/np2.log" >&2 && echo same' _ "$JUDGED" "$LETHE" "${MPIRUN[@]}"

# The default model: the world's model ships with Lethe, and every command that takes --model uses it without one.
SHIPPED="$ROOT/Sources/LetheWorld/Resources/model"
check "generate without --model draws from the shipped world model" 0 "loaded the world's model" -- \
    "$LETHE" generate --prompt "a red star" --steps 2 --output "$WORK/default-model.png"
check "--help says the world's model is the default" 0 "^6$" -- bash -c \
    'for c in generate uce rece fmn invert "world quality"; do "$1" $c --help 2>&1; done | tr "\n" " " | tr -s " " | grep -o "Default: the world.s model, which ships with Lethe" | wc -l' _ "$LETHE"
check "tokenize without --model reads the shipped model's tokenizer" 0 "2368 +cat</w>" -- "$LETHE" tokenize --prompt "a cat"
if python3 -c "import diffusers, torch" 2>/dev/null; then
    check "diffusers loads the shipped world model" 0 "diffusers loaded" -- \
        python3 "$ROOT/Scripts/reference/make_closed_form_fixtures.py" --check-folder "$SHIPPED"
else
    echo "SKIP diffusers loads the shipped world model: this python3 has no diffusers and torch"
fi

# lethe demo: the three erasures on the shipped model at reduced counts, and its refusals.
DEMO="$WORK/demo"
check "demo erases with RECE, UCE and Forget-Me-Not and prints the judged table" 0 "^3 3 3 yes$" -- bash -c \
    '"$1" demo --output "$2" --prompts 1 --steps 2 --fmn-images 1 --fmn-steps 1 2>/dev/null >"$2.txt";
     echo "$(grep -cE "^\| (RECE|UCE|Forget-Me-Not) \| (shape|colour|artist) .* %.* → .* % \| .* s \|$" "$2.txt") $(ls "$2"/*.png | wc -l) $(ls -d "$2"/models/*/unet | wc -l) $([[ -s "$2/demo.json" && -s "$2/demo.md" ]] && echo yes)"' \
    _ "$LETHE" "$DEMO"
check "demo names a concept the world does not have" nonzero "--rece 'dragon' is not a shape, colour or artist of the world" -- \
    "$LETHE" demo --rece dragon --output "$WORK/demo-x"
check "demo refuses to replace its output without --overwrite" nonzero "exists; pass --overwrite" -- \
    "$LETHE" demo --output "$DEMO" --prompts 1
check "demo --overwrite replaces only a folder it wrote" nonzero "lethe demo did not write it" -- \
    "$LETHE" demo --output "$WORK/world" --overwrite --prompts 1
check "demo runs as one process" nonzero "runs as one process" -- "${MPIRUN[@]}" -np 2 "$LETHE" demo --output "$WORK/demo-np2"

# lethe world erase: the world's tuned settings; the commands --dry-run prints make the same model, byte for byte
# (UCE on a colour and an artist at once; Forget-Me-Not on two concepts, one after another, at reduced counts).
check "world erase: --dry-run's lethe commands make the same model (UCE, colour and artist)" 0 "^same 1$" -- bash -c \
    '"$1" world erase --method uce --concept red --concept "Ilse Varga" --output "$2/a" >/dev/null 2>&1;
     lines=$("$1" world erase --method uce --concept red --concept "Ilse Varga" --output "$2/b" --dry-run);
     eval "\"\$1\" ${lines#lethe }" >/dev/null 2>&1;
     cmp -s "$2/a/unet/diffusion_pytorch_model.safetensors" "$2/b/unet/diffusion_pytorch_model.safetensors" && echo -n "same " || echo -n "differ ";
     wc -l <<<"$lines"' _ "$LETHE" "$WORK/world-erase-uce"
check "world erase: Forget-Me-Not erases two concepts in turn, as its two dry-run commands do" 0 "^same 2 0$" -- bash -c \
    'flags=(--method fmn --concept star --concept red --steps 1 --generate-images 1 --generation-steps 2);
     "$1" world erase "${flags[@]}" --output "$2/a" >/dev/null 2>&1;
     lines=$("$1" world erase "${flags[@]}" --output "$2/b" --dry-run);
     while read -r line; do eval "\"\$1\" ${line#lethe }" >/dev/null 2>&1; done <<<"$lines";
     cmp -s "$2/a/unet/diffusion_pytorch_model.safetensors" "$2/b/unet/diffusion_pytorch_model.safetensors" && echo -n "same " || echo -n "differ ";
     echo "$(wc -l <<<"$lines") $(ls -d "$2"/a.part* 2>/dev/null | wc -l)"' _ "$LETHE" "$WORK/world-erase-fmn"
check "world erase names a concept the world does not have" nonzero "--concept 'dragon' is not a shape, colour or artist of the world" -- \
    "$LETHE" world erase --method uce --concept dragon --output "$WORK/world-erase-x"
check "world erase: Forget-Me-Not's flags are refused for UCE" nonzero "--steps is Forget-Me-Not's; --method uce has no steps" -- \
    "$LETHE" world erase --method uce --concept red --steps 3 --output "$WORK/world-erase-x"

# lethe eval: an erased model (the demo's RECE triangle) judged against the shipped model, with every attack, at
# reduced counts; two ranks share the images out and must write the same numbers (all but the textual-inversion
# attack's, whose training sums its gradients over the ranks and so rounds differently); and its refusals.
EVAL="$WORK/eval"
check "eval judges an erasure with its three attacks and writes eval.json, eval.md and grids" 0 "^yes 9 2$" -- bash -c \
    '"$1" eval --model "$2" --concept triangle --output "$3" --prompts 2 --steps 2 --inversion-steps 2 2>/dev/null >"$3.txt";
     python3 -c "import json,sys; r=json.load(open(sys.argv[1])); a=r[\"attacks\"];
print(\"yes\" if all(k in r for k in (\"erased_rate\",\"synonym_rate\",\"preserved_accuracy\",\"feature_distance\")) and all(a[k] is not None for k in (\"adversarial_embedding\",\"textual_inversion\",\"paraphrase\")) else \"no\", end=\" \")" "$3/eval.json";
     echo "$(grep -c "^| " "$3.txt") $(ls "$3"/*.png | wc -l)"' \
    _ "$LETHE" "$DEMO/models/rece-triangle" "$EVAL"
check "eval under mpirun -np 2 writes the numbers one process writes" 0 "^same$" -- bash -c \
    '"${@:4}" -np 2 "$1" eval --model "$2" --concept triangle --output "$3-np2" --prompts 2 --steps 2 --inversion-steps 2 >/dev/null 2>&1;
     python3 -c "import json,sys; a,b=(json.load(open(p)) for p in sys.argv[1:]); [r.pop(k) for r in (a,b) for k in (\"seconds\",\"ranks\")]; [x[\"attacks\"].pop(\"textual_inversion\") for r in (a,b) for x in [r]+r[\"concepts\"]];
print(\"same\" if a==b else \"differ\")" "$3/eval.json" "$3-np2/eval.json"' \
    _ "$LETHE" "$DEMO/models/rece-triangle" "$EVAL" "${MPIRUN[@]}"
check "eval's report.html renders in headless Chromium (or the script says there is none)" 0 "^(wrote .*with chromium|SKIP report-screenshot)" -- \
    "$ROOT/Scripts/report-screenshot.sh" "$EVAL/report.html" "$WORK/eval-report.png"
check "eval report gathers evaluations into one page and table" 0 "^1 yes$" -- bash -c \
    '"$1" eval report "$2" --output "$3" >/dev/null; echo "$(grep -c "^| RECE: triangle | 1 | " "$3/results.md") $([[ -s "$3/report.html" ]] && echo yes)"' \
    _ "$LETHE" "$EVAL" "$WORK/eval-gathered"
check "eval report names a folder lethe eval did not write" nonzero "has no eval.json" -- "$LETHE" eval report "$DEMO" --output "$WORK/eval-y"
check "Scripts/results.sh --quick runs the matrix (3 methods x shape, colour, artist, 2 artists) into one table" 0 "^12 yes$" -- bash -c \
    '"$1/Scripts/results.sh" --quick "$2" >/dev/null 2>&1; echo "$(grep -cE "^\| (UCE|RECE|Forget-Me-Not): .* \| [12] \| [0-9]+ % \|" "$2/results.md") $([[ -s "$2/report.html" ]] && echo yes)"' \
    _ "$ROOT" "$WORK/results"
check "eval needs a concept" nonzero "give at least one --concept" -- "$LETHE" eval --output "$WORK/eval-x"
check "eval names a concept the world does not have" nonzero "--concept 'dragon' is not a shape, colour or artist of the world" -- \
    "$LETHE" eval --concept dragon --output "$WORK/eval-x"
check "eval refuses to replace its output without --overwrite" nonzero "exists; pass --overwrite" -- \
    "$LETHE" eval --concept triangle --output "$EVAL"
check "eval --overwrite replaces only a folder it wrote" nonzero "lethe eval did not write it" -- \
    "$LETHE" eval --concept triangle --output "$DEMO" --overwrite
check "eval --overwrite replaces an evaluation that was cut off (its marker, no eval.json)" 0 "^yes$" -- bash -c \
    'mkdir -p "$2" && touch "$2/.lethe-eval" "$2/eval-triangle.png" && "$1" eval --concept triangle --output "$2" --overwrite \
     --prompts 2 --steps 2 --no-attacks >/dev/null 2>&1 && [[ -s "$2/eval.json" ]] && echo yes' _ "$LETHE" "$WORK/eval-cut-off"
check "eval names a missing erased model" nonzero "no-such-model" -- \
    "$LETHE" eval --model "$WORK/no-such-model" --concept triangle --output "$WORK/eval-missing" --no-attacks

# lethe world privacy: the privacy-utility table at reduced counts, on one and two ranks, and its refusals.
PRIV="$WORK/privacy"
check "world privacy writes the table: both bounding rows, a run without privacy and one within its epsilon" 0 "^5 yes$" -- bash -c \
    '"$1" world privacy --concept triangle --images 6 --epsilon 2 --prompts 2 --steps 3 --batch-size 2 --dp-seed 1 \
         --output "$2" 2>/dev/null >"$2.txt";
     python3 -c "import json,sys; r=json.load(open(sys.argv[1])); d=r[\"rows\"][3];
print(\"yes\" if len(r[\"rows\"])==4 and 1.9<d[\"epsilon\"]<=2 and d[\"delta\"]==1/60 and r[\"rows\"][2].get(\"epsilon\") is None else \"no\")" "$2/privacy.json" >"$2.py";
     echo "$(grep -c "^| " "$2.txt") $(cat "$2.py")"' _ "$LETHE" "$PRIV"
check "world privacy under mpirun -np 2 spends the same epsilon and draws the bounding rows as one process does" 0 "^same$" -- bash -c \
    '"${@:3}" -np 2 "$1" world privacy --concept triangle --images 6 --epsilon 2 --prompts 2 --steps 3 --batch-size 2 \
         --dp-seed 1 --output "$2-np2" >/dev/null 2>&1;
     python3 -c "import json,sys; a,b=(json.load(open(p))[\"rows\"] for p in sys.argv[1:]);
print(\"same\" if [r[\"rate\"] for r in a[:2]]==[r[\"rate\"] for r in b[:2]] and a[3][\"epsilon\"]==b[3][\"epsilon\"] and a[3][\"noise_multiplier\"]==b[3][\"noise_multiplier\"] else \"differ\")" "$2/privacy.json" "$2-np2/privacy.json"' \
    _ "$LETHE" "$PRIV" "${MPIRUN[@]}"
check "world privacy names a concept the world does not have" nonzero "--concept 'dragon' is not a shape, colour or artist of the world" -- \
    "$LETHE" world privacy --concept dragon --output "$WORK/privacy-x"
check "world privacy refuses an expected batch larger than an image set" nonzero "--batch-size 8 is more than the 4 images" -- \
    "$LETHE" world privacy --concept triangle --images 4 --output "$WORK/privacy-x"
check "world privacy refuses an epsilon that is not positive" nonzero "--epsilon must be a positive number, got 0" -- \
    "$LETHE" world privacy --concept triangle --epsilon 0 --output "$WORK/privacy-x"
check "world privacy refuses to replace its output without --overwrite" nonzero "exists; pass --overwrite" -- \
    "$LETHE" world privacy --concept triangle --output "$PRIV"
check "world privacy --overwrite replaces only a folder it wrote" nonzero "lethe world privacy did not write it" -- \
    "$LETHE" world privacy --concept triangle --output "$EVAL" --overwrite

# lethe watermark and the marks generate and demo write (the invisible-watermark package's dwtDct method).
WM="$WORK/watermark"
WMFIX="$ROOT/Tests/LetheIOTests/Fixtures/watermark"
mkdir -p "$WM"
check "watermark --help lists detect and embed" 0 "detect.*embed" -- bash -c '"$@" 2>&1 | tr -d "\n"' _ "$LETHE" watermark --help
check "generate on the world's 64 px model says once that the images are too small for the mark" 0 "^1 2 0$" -- bash -c \
    '"$1" generate --prompt "a red circle" --steps 2 --seed 1 --num-images 2 --output "$2/small.png" 2>"$2/small.txt"; status=$?;
     echo "$(grep -c "^note: 2 images (64 x 64 pixels) written without the invisible watermark" "$2/small.txt") $(ls "$2"/small-*.png | wc -l) $status"' \
    _ "$LETHE" "$WM"
check "generate --watermark with --no-watermark is refused" nonzero "give --watermark or --no-watermark, not both" -- \
    "$LETHE" generate --prompt "a cat" --watermark hi --no-watermark --output "$WM/x.png"
check "generate --watermark '' is refused" nonzero "--watermark must not be empty" -- \
    "$LETHE" generate --prompt "a cat" --watermark "" --output "$WM/x.png"
if [[ -d "$SD1" ]]; then
    check "generate at 256 x 256 marks the PNG with Lethe's mark, which detect finds" 0 '^[^:]*lethe.png: found lethe "Lethe" .*: [0-9]+ of 40 bits agree' -- \
        bash -c '"$1" generate --model "$2" --prompt "a cat" --steps 2 --seed 3 --height 256 --width 256 --output "$3/lethe.png" 2>/dev/null &&
                 "$1" watermark detect "$3/lethe.png"' _ "$LETHE" "$SD1" "$WM"
    check "generate --watermark TEXT: detect --text-length reads the text" 0 'text "my studio"' -- \
        bash -c '"$1" generate --model "$2" --prompt "a cat" --steps 2 --seed 3 --height 256 --width 256 --watermark "my studio" \
                 --output "$3/studio.png" 2>/dev/null && "$1" watermark detect "$3/studio.png" --text-length 9' _ "$LETHE" "$SD1" "$WM"
    check "generate --no-watermark: detect finds no known mark" 0 "unmarked.png: no known mark \(closest: " -- \
        bash -c '"$1" generate --model "$2" --prompt "a cat" --steps 2 --seed 3 --height 256 --width 256 --no-watermark \
                 --output "$3/unmarked.png" 2>/dev/null && "$1" watermark detect "$3/unmarked.png"' _ "$LETHE" "$SD1" "$WM"
    check "generate --grid marks the grid as one image" 0 "grid.png: found lethe" -- \
        bash -c '"$1" generate --model "$2" --prompt "a cat" --steps 2 --seed 3 --height 128 --width 256 --num-images 4 --grid \
                 --output "$3/grid.png" 2>/dev/null && "$1" watermark detect "$3/grid.png"' _ "$LETHE" "$SD1" "$WM"
fi
check "demo marks its grids and says that their white cannot hold the mark" 0 "^note: 3 of 3 marked images carry too little of the invisible watermark" -- \
    "$LETHE" demo --output "$WM/demo" --prompts 1 --steps 2 --fmn-images 1 --fmn-steps 1
check "demo --no-watermark leaves the grids unmarked and says nothing of it" 0 "^none$" -- bash -c \
    '"$1" demo --output "$2" --prompts 1 --steps 2 --fmn-images 1 --fmn-steps 1 --no-watermark 2>/dev/null | grep -c "invisible watermark" || echo none' \
    _ "$LETHE" "$WM/demo-unmarked"
check "watermark embed then detect --json" 0 '"marks":\[\{"agreeing":[0-9]+,"bits":40,"chance":[^,]+,"found":true,"name":"lethe"' -- \
    bash -c '"$1" watermark embed "$2/cover-256x256.png" --output "$3/embedded.png" 2>/dev/null && "$1" watermark detect "$3/embedded.png" --json' \
    _ "$LETHE" "$WMFIX" "$WM"
check "watermark embed --bits writes SDXL's 48 bits, which detect finds" 0 "bits.png: found sdxl" -- \
    bash -c '"$1" watermark embed "$2/cover-256x256.png" --bits 101100111110110010010000011110111011000110011110 --output "$3/bits.png" 2>/dev/null &&
             "$1" watermark detect "$3/bits.png"' _ "$LETHE" "$WMFIX" "$WM"
check "watermark detect --length prints the bits, their bytes and the weakest bit's votes" 0 "bits.png: 48 bits [01]{48}, bytes [0-9a-f]{12}, weakest bit [0-9]+ % of its votes" -- \
    "$LETHE" watermark detect "$WM/bits.png" --length 48
check "watermark detect names an image that is too small" nonzero "small-0.png is 64 x 64 pixels; the invisible watermark needs at least 65536 pixels" -- \
    "$LETHE" watermark detect "$WM/small-0.png"
check "watermark detect names a file that is not an image, reports the others and exits 1" nonzero \
    "Error: .*notes.txt is not a PNG or JPEG image.*embedded.png: found lethe|embedded.png: found lethe.*Error: .*notes.txt is not a PNG or JPEG image" -- \
    bash -c 'echo hello > "$2/notes.txt"; "$1" watermark detect "$2/notes.txt" "$2/embedded.png" 2>&1 | tr -d "\n"; exit ${PIPESTATUS[0]}' _ "$LETHE" "$WM"
check "watermark detect names a missing file" nonzero "no-such.png" -- "$LETHE" watermark detect "$WM/no-such.png"
check "watermark detect: --length with --text-length is refused" nonzero "give --length or --text-length, not both" -- \
    "$LETHE" watermark detect "$WM/embedded.png" --length 8 --text-length 1
check "watermark detect: --length 0 is refused" nonzero "--length must be between 1 and 65536 bits, got 0" -- \
    "$LETHE" watermark detect "$WM/embedded.png" --length 0
check "watermark embed refuses lower-case hex" nonzero "not an even number of upper-case hex digits" -- \
    "$LETHE" watermark embed "$WMFIX/cover-256x256.png" --hex b3ec --output "$WM/hex.png"
check "watermark embed refuses to write over its input" nonzero "cover-256x256.png" -- \
    "$LETHE" watermark embed "$WMFIX/cover-256x256.png" --output "$WMFIX/cover-256x256.png" --overwrite
check "watermark embed refuses an image under 256 x 256" nonzero "is 64 x 64 pixels; the invisible watermark needs" -- \
    "$LETHE" watermark embed "$WM/small-0.png" --output "$WM/small-marked.png"
check "bench watermark prints the robustness table" 0 "^\| JPEG quality 75 \| [0-9.]+ % \| [0-9]+ % \| [0-9]+ % \|$" -- \
    "$LETHE" bench watermark --pictures 2 --size 256
check "bench watermark --json with a cover of one's own" 0 '"covers":\[".*cover-262x259.png"\].*"false_alarms":0' -- \
    "$LETHE" bench watermark --pictures 0 --image "$WMFIX/cover-262x259.png" --json
if python3 -c "import imwatermark, cv2" 2>/dev/null; then
    check "the invisible-watermark package reads what lethe watermark embed wrote, as lethe reads it" 0 "^same$" -- \
        bash -c '"$1" watermark embed "$2/cover-256x256.png" --text "Lethe ✓" --output "$3/for-python.png" 2>/dev/null &&
                 python3 -c "import cv2, sys; from imwatermark import WatermarkDecoder as D; print(\"\".join(format(b, \"08b\") for b in D(\"bytes\", 72).decode(cv2.imread(sys.argv[1]), \"dwtDct\")))" "$3/for-python.png" >"$3/for-python.txt" &&
                 [[ "$("$1" watermark detect "$3/for-python.png" --text-length 9 | sed -E "s/.*: 72 bits ([01]+).*/\1/")" == "$(cat "$3/for-python.txt")" ]] && echo same' \
        _ "$LETHE" "$WMFIX" "$WM"
    check "lethe watermark detect reads what the package marked, as the package reads it" 0 "^same$" -- \
        bash -c 'python3 -c "import cv2, sys; from imwatermark import WatermarkEncoder as E, WatermarkDecoder as D; e = E(); e.set_watermark(\"bytes\", b\"SDV2\"); cv2.imwrite(sys.argv[2], e.encode(cv2.imread(sys.argv[1]), \"dwtDct\")); print(\"\".join(format(b, \"08b\") for b in D(\"bytes\", 32).decode(cv2.imread(sys.argv[2]), \"dwtDct\")))" "$2/cover-262x259.png" "$3/python.png" >"$3/python.txt" &&
                 [[ "$("$1" watermark detect "$3/python.png" --length 32 | sed -E "s/.*: 32 bits ([01]+).*/\1/")" == "$(cat "$3/python.txt")" ]] && echo same' \
        _ "$LETHE" "$WMFIX" "$WM"
else
    echo "SKIP the invisible-watermark package's cross-checks: python3 cannot import imwatermark and cv2"
fi

echo "cli-check: $passed passed, $failed failed"
[[ $failed == 0 ]]
