#!/usr/bin/env bash
# Two "hosts" on one machine: two network namespaces, each with its own host name, joined by a veth pair, run one
# job with Open MPI over TCP through Cluster/mpirun/launch.sh and a hostfile. mpirun starts in the first namespace;
# a launch agent (what ssh is on a cluster) enters the second to start Open MPI's daemon there. Checks:
#   - the ranks run on different hosts and talk over TCP only (no shared memory);
#   - `lethe fmn` over TCP ends bit for bit as the same 2-rank job over shared memory, checkpointing on the way;
#   - `lethe run` puts one group on each host.
# Needs root with the right to create network namespaces (CAP_SYS_ADMIN, CAP_NET_ADMIN) and `ip`, `unshare`; where
# these are missing it says so and exits 0 without running anything.
#
# Usage: Scripts/cross-host-check.sh <path-to-lethe> (environment: see Scripts/training-check-common.sh)
set -euo pipefail
source "$(dirname "$0")/training-check-common.sh"

suffix=$$
hosts=("lethe-a-$suffix" "lethe-b-$suffix")
addresses=(10.231.7.1 10.231.7.2)
skip() {
    echo "cross-host-check: skipped: $1"
    exit 0
}
command -v ip >/dev/null && command -v unshare >/dev/null || skip "'ip' (iproute2) or 'unshare' is not installed"
[[ $(id -u) -eq 0 ]] || skip "network namespaces need root"
ip netns add "${hosts[0]}" 2>"$work/netns.err" || skip "this machine does not allow network namespaces ($(head -n 1 "$work/netns.err"))"
cleanup() {
    ip netns del "${hosts[0]}" 2>/dev/null || true
    ip netns del "${hosts[1]}" 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT
ip netns add "${hosts[1]}"
ip link add "veth-a-$suffix" type veth peer name "veth-b-$suffix"
for i in 0 1; do
    end=$([[ $i -eq 0 ]] && echo "veth-a-$suffix" || echo "veth-b-$suffix")
    ip link set "$end" netns "${hosts[$i]}"
    ip -n "${hosts[$i]}" addr add "${addresses[$i]}/24" dev "$end"
    ip -n "${hosts[$i]}" link set "$end" up
    ip -n "${hosts[$i]}" link set lo up
done

# The launch agent: called as `AGENT [ssh options] HOST COMMAND...`, runs COMMAND in HOST's namespace under its
# own host name, as ssh would on the host.
cat >"$work/agent.sh" <<EOF
#!/usr/bin/env bash
while [[ \$1 == -* ]]; do shift; done
host=\$1
shift
case \$host in
    ${addresses[0]}) ns=${hosts[0]} ;;
    ${addresses[1]}) ns=${hosts[1]} ;;
    *) echo "agent: unknown host \$host" >&2; exit 1 ;;
esac
exec ip netns exec "\$ns" unshare --uts sh -c "hostname \$ns; \$*"
EOF
chmod +x "$work/agent.sh"
printf '%s slots=1\n%s slots=1\n' "${addresses[@]}" >"$work/hosts"
# TCP between the hosts and loopback within one; Open MPI's own traffic on the veth network too.
export MPIRUN_ARGS="--mca plm_rsh_agent $work/agent.sh --mca pml ob1 --mca btl tcp,self --mca btl_tcp_if_include 10.231.7.0/24 --mca oob_tcp_if_include 10.231.7.0/24"
export LETHE="$lethe"

# on_hosts NAME LETHE-ARGUMENTS...: Cluster/mpirun/launch.sh from the first host, output in $work/NAME.log.
on_hosts() {
    local name=$1
    shift
    local status=0
    (cd "$work" && timeout --kill-after=10 "$time_limit" ip netns exec "${hosts[0]}" unshare --uts sh -c \
        'hostname "$1"; shift; exec "$@"' _ "${hosts[0]}" "$root/Cluster/mpirun/launch.sh" "$work/hosts" "$@") \
        >"$work/$name.log" 2>&1 || status=$?
    if [[ $status -ne 0 ]]; then
        fail "$name across two hosts (exit $status)"
        sed 's/^/    | /' "$work/$name.log" | tail -n 20
        return 1
    fi
}

if on_hosts info info; then
    if grep -q "rank 0 of 2 on ${hosts[0]}" "$work/info.log" && grep -q "rank 1 of 2 on ${hosts[1]}" "$work/info.log"; then
        ok "two hosts: rank 0 on ${hosts[0]}, rank 1 on ${hosts[1]}, Open MPI over TCP on a veth pair"
    else
        fail "the ranks did not run on the two hosts"
        sed 's/^/    | /' "$work/info.log" | tail -n 10
    fi
fi

job=(fmn --model "$model" --concept cat --images "$images" --train attn2 --steps 4 --batch-size 2 --resolution 32
     --lr 1e-3 --seed 9)
weights=unet/diffusion_pytorch_model.safetensors
if run local 2 "${job[@]}" --output "$work/local" && on_hosts tcp "${job[@]}" --checkpoint-every 2 --output "$work/tcp"; then
    if cmp -s "$work/local/$weights" "$work/tcp/$weights" && ls "$work/tcp.checkpoints" | grep -q "^step-00000004$"; then
        ok "fmn over TCP on two hosts (checkpointing every 2 steps) ends bit for bit as over shared memory on one"
    else
        fail "fmn over TCP differs from shared memory, or did not checkpoint"
    fi
fi

cat >"$work/job.yaml" <<EOF
model: $model
output: out
erasures:
  - {method: uce, name: one, concept: [cat]}
  - {method: uce, name: two, concept: [dog]}
EOF
if on_hosts run run --config job.yaml --group-size 1; then
    if grep -q "group 1 (rank 1): two (uce)" "$work/run.log" && [[ -f "$work/out/one/erasure-report.json" && -f "$work/out/two/erasure-report.json" ]] \
        && grep -q "\"ranks\" : 1" "$work/out/two/erasure-report.json"; then
        ok "lethe run across two hosts: one group of one rank on each, both erasures done"
    else
        fail "lethe run across two hosts"
        sed 's/^/    | /' "$work/run.log" | tail -n 10
    fi
fi

if [[ $failures -ne 0 ]]; then
    echo "cross-host-check: $failures failure(s)"
    exit 1
fi
echo "cross-host-check: one job across two network namespaces over TCP"
