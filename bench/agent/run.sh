#!/usr/bin/env bash
# Agent benchmark on a fresh data dir, real containerd.
#   1. start -> node Ready
#   2. pod startup latency create -> Running (image present), p50/p99 over N pods
#   3. RSS (VmRSS, RssAnon, RssFile) with 0 and N pods of the measured process
#      (containerd and shims excluded)
# Mode, env K3S_AGENT_BENCH_MODE:
#   embedded (default)  `k3s server` with its embedded agent; the server process is measured.
#   agent               `k3s server --disable-agent` plus a separate `k3s agent --server
#                       https://127.0.0.1:PORT --token <node-token>` with its own data dir;
#                       the agent process is measured (the issue's "agent RSS").
# K3S_AGENT_BENCH_INTERVAL=SECONDS spaces the pod creates (default 0: all back to back, a burst);
#   with a spacing the node can keep up with, the figures are each pod's own start-up latency
#   rather than the queue of a burst (Kubernetes' pod start-up SLO is measured at a set rate).
# K3S_AGENT_BENCH_SATURATION=N first fills the node with N pods created back to back and
#   waits for them to run (reported on their own), then measures the latency pods with those
#   running: the shape of Kubernetes' density test (clusterloader2 testing/density: saturation
#   pods at 30 per node, then latency pods created at a fixed rate).
# K3S_AGENT_BENCH_NODE_ARGS="--default-runtime crun ..." adds flags to the node's command
#   (the server in embedded mode, the agent otherwise).
# K3S_AGENT_BENCH_WRAP="heaptrack -o FILE" runs the separate agent under that command (profiling).
# K3S_AGENT_BENCH_HOLD=SECONDS pauses after each RSS measurement (prints the pid) for profiling.
# Runs in private mount + network namespaces so it leaves nothing behind on the host.
# Usage: [K3S_AGENT_BENCH_MODE=agent] bench/agent/run.sh K3S_BINARY KUBECTL IMAGES_DIR [PODS=50]
set -uo pipefail
K3S=${1:?k3s binary}
KUBECTL=${2:?kubectl binary}
IMAGES_DIR=${3:?directory with k3s-airgap-images-amd64.tar (scripts/build-images.sh)}
PODS=${4:-50}
MODE=${K3S_AGENT_BENCH_MODE:-embedded}
INTERVAL=${K3S_AGENT_BENCH_INTERVAL:-0}
SATURATION=${K3S_AGENT_BENCH_SATURATION:-0}
read -r -a NODE_ARGS <<<"${K3S_AGENT_BENCH_NODE_ARGS:-}"
case "$MODE" in embedded|agent) ;; *) echo "K3S_AGENT_BENCH_MODE: embedded or agent, not '$MODE'" >&2; exit 2 ;; esac
if [ -z "${K3S_AGENT_BENCH_INNER:-}" ]; then
  WORK=$(mktemp -d /tmp/k3s-bench-agent.XXXXXX)
  K3S_AGENT_BENCH_INNER=1 WORK=$WORK unshare --mount --net --propagation private bash "$0" "$@"
  rc=$?
  rm -rf "$WORK"
  exit $rc
fi
ip link set lo up
# crun refuses a cgroup hybrid host whose v2 hierarchy holds controllers (this VM: hugetlb).
# Binding them to v1 hierarchies in this private mount namespace lets both runtimes run under
# the same conditions; the controllers return to v2 once the run's cgroups are gone.
for controller in $(cat /sys/fs/cgroup/unified/cgroup.controllers 2>/dev/null); do
  mkdir -p "$WORK/cgroup-$controller" && mount -t cgroup -o "$controller" cgroup "$WORK/cgroup-$controller" &&
    echo "note: cgroup controller $controller moved from the v2 hierarchy to a v1 one for this run"
done
for d in /run/k3s /var/lib/kubelet /var/log/pods /var/lib/cni /etc/rancher; do mkdir -p "$d" && mount -t tmpfs tmpfs "$d"; done
KC=$WORK/kubeconfig
DATA=$WORK/data
MY_NETNS=$(readlink /proc/self/ns/net)
k() { "$KUBECTL" --kubeconfig "$KC" "$@"; }
crictl() { "$K3S" crictl --runtime-endpoint unix:///run/k3s/containerd/containerd.sock "$@"; }
cleanup() {
  [ -n "${K3S_BENCH_SERVER_LOG:-}" ] && cp "$WORK/log" "$K3S_BENCH_SERVER_LOG"  # for profiling a run
  [ -n "${K3S_BENCH_AGENT_LOG:-}" ] && [ -f "$WORK/agent.log" ] && cp "$WORK/agent.log" "$K3S_BENCH_AGENT_LOG"
  for id in $(crictl pods -q 2>/dev/null); do crictl stopp "$id" >/dev/null 2>&1; crictl rmp "$id" >/dev/null 2>&1; done
  [ -n "${AGENT_PID:-}" ] && { kill -TERM "$AGENT_PID" 2>/dev/null; wait "$AGENT_PID" 2>/dev/null; }
  [ -n "${SERVER_PID:-}" ] && { kill -TERM "$SERVER_PID" 2>/dev/null; wait "$SERVER_PID" 2>/dev/null; }
  for pid in $(ls /proc | grep -E '^[0-9]+$'); do
    [ "$pid" = "$$" ] && continue
    [ "$(readlink /proc/$pid/ns/net 2>/dev/null)" = "$MY_NETNS" ] || continue
    case "$(cat /proc/$pid/comm 2>/dev/null)" in containerd*|pause|sleep) kill -9 "$pid" 2>/dev/null ;; esac
  done
}
trap cleanup EXIT
# The node's data dir: the server's in embedded mode, the agent's own otherwise.
NODE_DATA=$DATA
[ "$MODE" = agent ] && NODE_DATA=$WORK/agent-data
mkdir -p "$NODE_DATA/agent/images"
cp "$IMAGES_DIR/k3s-airgap-images-amd64.tar" "$NODE_DATA/agent/images/"

start=$(date +%s.%N)
PORT=6443
SERVER_ARGS=(--data-dir "$DATA" --bind-address 127.0.0.1 --https-listen-port "$PORT" --write-kubeconfig "$KC")
if [ "$MODE" = embedded ]; then
  "$K3S" server "${SERVER_ARGS[@]}" --node-name bench "${NODE_ARGS[@]}" >"$WORK/log" 2>&1 &
  SERVER_PID=$!
  MEASURED_PID=$SERVER_PID
else
  "$K3S" server "${SERVER_ARGS[@]}" --disable-agent >"$WORK/log" 2>&1 &
  SERVER_PID=$!
  until [ -s "$DATA/server/node-token" ] && [ -s "$KC" ] && k get ns >/dev/null 2>&1; do
    kill -0 "$SERVER_PID" 2>/dev/null || { echo "server exited"; tail -20 "$WORK/log"; exit 1; }
    sleep 0.05
  done
  printf 'server start -> API ready: %.2f s\n' "$(echo "$(date +%s.%N) - $start" | bc)"
  start=$(date +%s.%N)
  ${K3S_AGENT_BENCH_WRAP:-} "$K3S" agent --server "https://127.0.0.1:$PORT" --token "$(cat "$DATA/server/node-token")" \
    --data-dir "$NODE_DATA" --node-name bench "${NODE_ARGS[@]}" >"$WORK/agent.log" 2>&1 &
  AGENT_PID=$!
  MEASURED_PID=$AGENT_PID
fi
until [ "$(k get node bench -o jsonpath='{.status.conditions[?(@.type=="Ready")].status}' 2>/dev/null)" = True ]; do
  kill -0 "$SERVER_PID" 2>/dev/null || { echo "server exited"; tail -20 "$WORK/log"; exit 1; }
  if [ -n "${AGENT_PID:-}" ] && ! kill -0 "$AGENT_PID" 2>/dev/null; then echo "agent exited"; tail -20 "$WORK/agent.log"; exit 1; fi
  # node-ipam assigns the podCIDR; without that controller the benchmark assigns one.
  if [ -z "$(k get node bench -o jsonpath='{.spec.podCIDR}' 2>/dev/null)" ] && \
     [ "$(echo "$(date +%s.%N) - $start > 15" | bc)" = 1 ]; then
    k patch node bench --type=merge -p '{"spec":{"podCIDR":"10.42.0.0/24","podCIDRs":["10.42.0.0/24"]}}' >/dev/null 2>&1
  fi
  sleep 0.05
done
ready=$(date +%s.%N)
if [ "$MODE" = embedded ]; then
  printf 'server start -> node Ready: %.2f s\n' "$(echo "$ready - $start" | bc)"
else
  printf 'agent start -> node Ready: %.2f s\n' "$(echo "$ready - $start" | bc)"
fi
# rss LABEL: the measured process's resident memory from /proc/PID/status.
rss() {
  awk -v label="$1" -v what="$([ "$MODE" = embedded ] && echo "k3s server (embedded agent)" || echo "k3s agent")" '
    /^VmRSS/ {v=$2} /^RssAnon/ {a=$2} /^RssFile/ {f=$2} /^Threads/ {t=$2}
    END {printf "%s RSS with %s: %d MiB (VmRSS %d kB, RssAnon %d kB, RssFile %d kB, %d threads)\n", what, label, v/1024, v, a, f, t}' \
    "/proc/$MEASURED_PID/status"
  # For profiling: time to look at /proc/PID/smaps_rollup, gdb, ... from outside.
  [ -n "${K3S_AGENT_BENCH_HOLD:-}" ] && { echo "holding ${K3S_AGENT_BENCH_HOLD}s: pid $MEASURED_PID"; sleep "$K3S_AGENT_BENCH_HOLD"; }
  return 0
}
sleep 5
rss "0 pods"

# Warm the image path once (the latency measures pod startup with the image present).
k run warm --image=k3s.local/busybox:test --restart=Never --command -- sleep 3600 >/dev/null
until [ "$(k get pod warm -o jsonpath='{.status.phase}' 2>/dev/null)" = Running ]; do sleep 0.1; done
k delete pod warm --wait=false >/dev/null

# Pods are created and watched over the API directly (Python's ssl with the admin client
# certificate): a kubectl process per create or poll would add its own start-up (~0.5 s) to
# every measurement.
python3 - "$PORT" "$DATA/server/tls" "$PODS" "$INTERVAL" "$SATURATION" <<'PY'
import http.client, json, ssl, sys, time
port, tls, n, interval, saturation = int(sys.argv[1]), sys.argv[2], int(sys.argv[3]), float(sys.argv[4]), int(sys.argv[5])
ctx = ssl.create_default_context(cafile=f"{tls}/server-ca.crt")
ctx.load_cert_chain(f"{tls}/client-admin.crt", f"{tls}/client-admin.key")
conn = http.client.HTTPSConnection("127.0.0.1", port, context=ctx)
def call(method, path, body=None):
    conn.request(method, path, body=json.dumps(body) if body is not None else None,
                 headers={"Content-Type": "application/json"})
    r = conn.getresponse()
    data = r.read()
    return r.status, data
def create(name, group):
    doc = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, "labels": {"bench": group}},
           "spec": {"terminationGracePeriodSeconds": 0,
                    "containers": [{"name": "c", "image": "k3s.local/busybox:test", "command": ["sleep", "3600"]}]}}
    created = time.time()
    status, body = call("POST", "/api/v1/namespaces/default/pods", doc)
    if status != 201:
        sys.exit(f"create {name}: HTTP {status}: {body[:200]}")
    return created
def measure(group, count, spacing):
    """Creates `count` pods `spacing` s apart and returns each one's create -> Running time."""
    created, running = {}, {}
    next_create, made = time.time(), 0
    deadline = time.time() + 600 + count * spacing
    while len(running) < count and time.time() < deadline:
        # Creates that are due (all of them at once without a spacing), then one poll.
        while made < count and time.time() >= next_create:
            name = f"{group}-{made}"
            created[name] = create(name, group)
            made += 1
            next_create += spacing
        status, body = call("GET", f"/api/v1/namespaces/default/pods?labelSelector=bench%3D{group}")
        now = time.time()
        for item in json.loads(body)["items"] if status == 200 else []:
            name = item["metadata"]["name"]
            if name in created and name not in running and item.get("status", {}).get("phase") == "Running":
                running[name] = now
        time.sleep(0.05)
    lat = sorted(running[p] - created[p] for p in running)
    if len(lat) < count:
        print(f"only {len(lat)}/{count} {group} pods reached Running")
    return lat
def pct(lat, q):
    return lat[min(len(lat) - 1, int(round(q * (len(lat) - 1))))] if lat else float("nan")
if saturation:
    sat = measure("sat", saturation, 0)
    print(f"saturation: {len(sat)} pods created back to back, create -> Running p50 {pct(sat, 0.5):.2f} s, "
          f"p99 {pct(sat, 0.99):.2f} s")
    time.sleep(5)  # let the node settle before the latency pods
lat = measure("lat", n, interval)
how = "created back to back" if interval == 0 else f"one created every {interval:g} s"
with_sat = f", {saturation} saturation pods running" if saturation else ""
print(f"pod create -> Running over {len(lat)} pods ({how}{with_sat}): p50 {pct(lat, 0.5):.2f} s, p99 {pct(lat, 0.99):.2f} s")
PY
sleep 5
rss "$((PODS + SATURATION)) pods"
k delete pods -l 'bench in (lat,sat)' --wait=false >/dev/null
