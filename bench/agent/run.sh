#!/usr/bin/env bash
# Agent benchmark: `k3s server` (embedded agent, real containerd) on a fresh data dir.
#   1. server start -> node Ready
#   2. pod startup latency create -> Running (image present), p50/p99 over N pods
#   3. RSS of the k3s process (containerd and shims excluded) with 0 and N pods
# Runs in private mount + network namespaces so it leaves nothing behind on the host.
# Usage: bench/agent/run.sh K3S_BINARY KUBECTL IMAGES_DIR [PODS=50]
set -uo pipefail
K3S=${1:?k3s binary}
KUBECTL=${2:?kubectl binary}
IMAGES_DIR=${3:?directory with k3s-airgap-images-amd64.tar (scripts/build-images.sh)}
PODS=${4:-50}
if [ -z "${K3S_AGENT_BENCH_INNER:-}" ]; then
  WORK=$(mktemp -d /tmp/k3s-bench-agent.XXXXXX)
  K3S_AGENT_BENCH_INNER=1 WORK=$WORK unshare --mount --net --propagation private bash "$0" "$@"
  rc=$?
  rm -rf "$WORK"
  exit $rc
fi
ip link set lo up
for d in /run/k3s /var/lib/kubelet /var/log/pods /var/lib/cni /etc/rancher; do mkdir -p "$d" && mount -t tmpfs tmpfs "$d"; done
KC=$WORK/kubeconfig
DATA=$WORK/data
MY_NETNS=$(readlink /proc/self/ns/net)
k() { "$KUBECTL" --kubeconfig "$KC" "$@"; }
crictl() { "$K3S" crictl --runtime-endpoint unix:///run/k3s/containerd/containerd.sock "$@"; }
cleanup() {
  [ -n "${K3S_BENCH_SERVER_LOG:-}" ] && cp "$WORK/log" "$K3S_BENCH_SERVER_LOG"  # for profiling a run
  for id in $(crictl pods -q 2>/dev/null); do crictl stopp "$id" >/dev/null 2>&1; crictl rmp "$id" >/dev/null 2>&1; done
  [ -n "${SERVER_PID:-}" ] && { kill -TERM "$SERVER_PID" 2>/dev/null; wait "$SERVER_PID" 2>/dev/null; }
  for pid in $(ls /proc | grep -E '^[0-9]+$'); do
    [ "$pid" = "$$" ] && continue
    [ "$(readlink /proc/$pid/ns/net 2>/dev/null)" = "$MY_NETNS" ] || continue
    case "$(cat /proc/$pid/comm 2>/dev/null)" in containerd*|pause|sleep) kill -9 "$pid" 2>/dev/null ;; esac
  done
}
trap cleanup EXIT
mkdir -p "$DATA/agent/images"
cp "$IMAGES_DIR/k3s-airgap-images-amd64.tar" "$DATA/agent/images/"

start=$(date +%s.%N)
PORT=6443
"$K3S" server --data-dir "$DATA" --bind-address 127.0.0.1 --https-listen-port "$PORT" --write-kubeconfig "$KC" --node-name bench >"$WORK/log" 2>&1 &
SERVER_PID=$!
until [ "$(k get node bench -o jsonpath='{.status.conditions[?(@.type=="Ready")].status}' 2>/dev/null)" = True ]; do
  kill -0 "$SERVER_PID" 2>/dev/null || { echo "server exited"; tail -20 "$WORK/log"; exit 1; }
  # node-ipam assigns the podCIDR; without that controller the benchmark assigns one.
  if [ -z "$(k get node bench -o jsonpath='{.spec.podCIDR}' 2>/dev/null)" ] && \
     [ "$(echo "$(date +%s.%N) - $start > 15" | bc)" = 1 ]; then
    k patch node bench --type=merge -p '{"spec":{"podCIDR":"10.42.0.0/24","podCIDRs":["10.42.0.0/24"]}}' >/dev/null 2>&1
  fi
  sleep 0.05
done
ready=$(date +%s.%N)
printf 'server start -> node Ready: %.2f s\n' "$(echo "$ready - $start" | bc)"
sleep 5
rss0=$(awk '/VmRSS/ {print $2}' /proc/$SERVER_PID/status)
echo "k3s RSS with 0 pods: $((rss0 / 1024)) MiB"

# Warm the image path once (the latency measures pod startup with the image present).
k run warm --image=k3s.local/busybox:test --restart=Never --command -- sleep 3600 >/dev/null
until [ "$(k get pod warm -o jsonpath='{.status.phase}' 2>/dev/null)" = Running ]; do sleep 0.1; done
k delete pod warm --wait=false >/dev/null

# Pods are created and watched over the API directly (Python's ssl with the admin client
# certificate): a kubectl process per create or poll would add its own start-up (~0.5 s) to
# every measurement.
python3 - "$PORT" "$DATA/server/tls" "$PODS" <<'PY'
import http.client, json, ssl, sys, time
port, tls, n = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])
ctx = ssl.create_default_context(cafile=f"{tls}/server-ca.crt")
ctx.load_cert_chain(f"{tls}/client-admin.crt", f"{tls}/client-admin.key")
conn = http.client.HTTPSConnection("127.0.0.1", port, context=ctx)
def call(method, path, body=None):
    conn.request(method, path, body=json.dumps(body) if body is not None else None,
                 headers={"Content-Type": "application/json"})
    r = conn.getresponse()
    data = r.read()
    return r.status, data
created, running = {}, {}
for i in range(n):
    name = f"lat-{i}"
    doc = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, "labels": {"bench": "lat"}},
           "spec": {"terminationGracePeriodSeconds": 0,
                    "containers": [{"name": "c", "image": "k3s.local/busybox:test", "command": ["sleep", "3600"]}]}}
    created[name] = time.time()
    status, body = call("POST", "/api/v1/namespaces/default/pods", doc)
    if status != 201:
        sys.exit(f"create {name}: HTTP {status}: {body[:200]}")
deadline = time.time() + 600
while len(running) < n and time.time() < deadline:
    status, body = call("GET", "/api/v1/namespaces/default/pods?labelSelector=bench%3Dlat")
    now = time.time()
    for item in json.loads(body)["items"] if status == 200 else []:
        name = item["metadata"]["name"]
        if name not in running and item.get("status", {}).get("phase") == "Running":
            running[name] = now
    time.sleep(0.05)
lat = sorted(running[p] - created[p] for p in running)
if len(lat) < n:
    print(f"only {len(lat)}/{n} pods reached Running")
def pct(q):
    return lat[min(len(lat) - 1, int(round(q * (len(lat) - 1))))] if lat else float("nan")
print(f"pod create -> Running over {len(lat)} pods (created back to back): p50 {pct(0.5):.2f} s, p99 {pct(0.99):.2f} s")
PY
sleep 5
rss50=$(awk '/VmRSS/ {print $2}' /proc/$SERVER_PID/status)
echo "k3s RSS with $PODS pods: $((rss50 / 1024)) MiB"
k delete pods -l bench=lat --wait=false >/dev/null
