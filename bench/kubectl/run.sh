#!/usr/bin/env bash
# `kubectl get pods` wall time and peak RSS: the bundled kubectl (`k3s kubectl`) against the
# real kubectl 1.33 on the same server, with N pods in one namespace. Each command runs
# RUNS times; prints a markdown table of medians. Informational only: nothing passes or
# fails on timings.
# Usage: bench/kubectl/run.sh <k3s binary> [real kubectl] [pods] [runs]
set -euo pipefail
K3S=${1:?k3s binary}
REAL=${2:-/usr/lib/google-cloud-sdk/bin/kubectl.1.33}
PODS=${3:-50}
RUNS=${4:-10}
work=$(mktemp -d /tmp/k3s-bench-kubectl.XXXXXX)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()')
"$K3S" server --disable-agent --data-dir "$work/data" --https-listen-port "$port" --bind-address 127.0.0.1 \
  --disable-scheduler --write-kubeconfig "$work/kc" >"$work/log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null; rm -rf "$work"' EXIT
for _ in $(seq 1 300); do [ -s "$work/kc" ] && "$REAL" --kubeconfig "$work/kc" get ns default >/dev/null 2>&1 && break; sleep 0.2; done
for i in $(seq 1 "$PODS"); do
  printf 'apiVersion: v1\nkind: Pod\nmetadata: {name: bench-%d}\nspec: {containers: [{name: c, image: busybox}]}\n---\n' "$i"
done | "$REAL" --kubeconfig "$work/kc" apply -f - >/dev/null

# pair <label> <real kubectl args...>: runs the real kubectl and `k3s kubectl` with the same
# arguments RUNS times each, alternating so that load drift hits both alike. Each run is one
# fork+exec+wait4 from a Python harness (no shell, no `date`/`time` processes whose own
# start-up would be counted: that added ~15 ms to every figure before), wall time from
# perf_counter, peak RSS from the child's own rusage. Prints two table rows of medians.
pair() {
  local label=$1; shift
  python3 - "$RUNS" "$label" "$REAL" "$K3S" "$@" <<'PY'
import os, statistics, sys, time
runs, label, real, k3s, args = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5:]
commands = {f"kubectl 1.33 {label}": [real] + args, f"k3s kubectl {label}": [k3s, "kubectl"] + args}
devnull = os.open(os.devnull, os.O_WRONLY)
def once(argv):
    start = time.perf_counter()
    pid = os.posix_spawn(argv[0], argv, os.environ, file_actions=[(os.POSIX_SPAWN_DUP2, devnull, 1),
                                                                  (os.POSIX_SPAWN_DUP2, devnull, 2)])
    _, status, usage = os.wait4(pid, 0)
    wall = (time.perf_counter() - start) * 1000
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"{' '.join(argv)}: exit status {os.waitstatus_to_exitcode(status)}")
    return wall, usage.ru_maxrss / 1024
results = {name: [] for name in commands}
for argv in commands.values():
    once(argv)  # warm caches (the real kubectl's discovery cache too)
for _ in range(runs):
    for name, argv in commands.items():
        results[name].append(once(argv))
for name, samples in results.items():
    print(f"| {name} | {statistics.median(w for w, _ in samples):.1f} | {statistics.median(r for _, r in samples):.1f} |")
PY
}
echo "| command ($PODS pods, median of $RUNS, alternating) | wall (ms) | peak RSS (MiB) |"
echo "|---|---:|---:|"
pair "get pods" --kubeconfig "$work/kc" get pods
pair "get pods -o json" --kubeconfig "$work/kc" get pods -o json
pair "version --client" version --client
