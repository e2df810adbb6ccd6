#!/usr/bin/env bash
# A workload on a joined `k3s agent` whose kubelet port the server cannot reach: the agent
# runs in its own network namespace (veth pair) and mount namespace with its own containerd,
# and its side drops every TCP connection to 10250 coming in over the veth. A pod scheduled
# there runs, and logs, exec, cp and port-forward work through the agent's tunnel, with the
# real kubectl 1.33 and with the bundled one.
# Usage: agent_workload_e2e.sh K3S KUBECTL IMAGES_DIR
set -uo pipefail
K3S=${1:?k3s binary}
KUBECTL=${2:?kubectl binary}
IMAGES_DIR=${3:?directory with k3s-airgap-images-amd64.tar}
WORK=$(mktemp -d /tmp/k3s-e2e-agentwl.XXXXXX)
chmod 755 "$WORK"
KC=$WORK/kubeconfig
ID=$(( ($$ % 200) + 20 ))
NODE=agent-wl
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("0.0.0.0",0)); print(s.getsockname()[1]); s.close()')
SERVER_PID=""
AGENT_PID=""
failures=0
source "$(dirname "$0")/../lib/checks.sh"
k() { "$KUBECTL" --kubeconfig "$KC" "$@"; }
REAL=("$KUBECTL" --kubeconfig "$KC")
OURS=("$K3S" kubectl --kubeconfig "$KC")
# pick REAL|OURS: sets cmd to that kubectl.
pick() { if [ "$1" = REAL ]; then cmd=("${REAL[@]}"); else cmd=("${OURS[@]}"); fi; }

cleanup() {
  [ -n "$AGENT_PID" ] && kill -TERM "$AGENT_PID" 2>/dev/null
  # Everything left in the node's network namespace: containerd, shims, pod processes.
  local netns pid
  netns=$(ip netns exec "$NS" readlink /proc/self/ns/net 2>/dev/null)
  for _ in 1 2 3; do
    for pid in /proc/[0-9]*; do
      pid=${pid#/proc/}
      [ -n "$netns" ] && [ "$(readlink "/proc/$pid/ns/net" 2>/dev/null)" = "$netns" ] && kill -9 "$pid" 2>/dev/null
    done
    sleep 0.5
  done
  [ -n "$SERVER_PID" ] && { kill -TERM "$SERVER_PID" 2>/dev/null; wait "$SERVER_PID" 2>/dev/null; }
  remove_node_netns
  if [ "$failures" -ne 0 ]; then
    echo "--- server log (tail)"; tail -30 "$WORK/server.log"
    echo "--- agent log (tail)"; tail -40 "$WORK/agent.log"
  fi
  rm -rf "$WORK"
}
trap cleanup EXIT

source "$(dirname "$0")/../lib/node_netns.sh"
make_node_netns 10.202 wl
ip netns exec "$NS" ip route add default via "$HOST_IP"
# The server may not reach the kubelet directly: only the tunnel leads there.
ip netns exec "$NS" iptables -I INPUT -i "$VETH_NODE" -p tcp --dport 10250 -j DROP

"$K3S" server --disable-agent --data-dir "$WORK/server" --https-listen-port "$PORT" \
  --bind-address 0.0.0.0 --tls-san "$HOST_IP" --write-kubeconfig "$KC" >"$WORK/server.log" 2>&1 &
SERVER_PID=$!
for _ in $(seq 1 600); do
  [ -s "$KC" ] && k get ns >/dev/null 2>&1 && break
  kill -0 "$SERVER_PID" 2>/dev/null || { fail "server exited early"; exit 1; }
  sleep 0.2
done
TOKEN=$(cat "$WORK/server/server/node-token")
mkdir -p "$WORK/agent/agent/images"
cp "$IMAGES_DIR/k3s-airgap-images-amd64.tar" "$WORK/agent/agent/images/"
# The agent's containerd, kubelet state and pod logs are its own (tmpfs in its mount namespace).
# nsenter rather than `ip netns exec`, which gives the process a fresh /sys without the
# host's cgroup mounts that runc needs.
nsenter --net="/run/netns/$NS" unshare -m --propagation private bash -c '
  for d in /run/k3s /run/netns /var/lib/kubelet /var/log/pods /var/lib/cni /etc/rancher; do
    mkdir -p "$d" && mount -t tmpfs tmpfs "$d"
  done
  exec "$@"' _ "$K3S" agent --server "https://$HOST_IP:$PORT" --token "$TOKEN" --node-name "$NODE" \
  --node-ip "$NODE_IP" --data-dir "$WORK/agent" >"$WORK/agent.log" 2>&1 &
AGENT_PID=$!

wait_for "agent node Ready" 180 "True" k get node "$NODE" -o jsonpath='{.status.conditions[?(@.type=="Ready")].status}'
if timeout 5 bash -c "exec 3<>/dev/tcp/$NODE_IP/10250" 2>/dev/null; then
  fail "the kubelet port is directly reachable; the tunnel proof would be void"
else
  pass "direct TCP to the agent's kubelet port is blocked"
fi

k apply -f - >/dev/null <<'YAML'
apiVersion: v1
kind: Pod
metadata: {name: web}
spec:
  terminationGracePeriodSeconds: 1
  containers:
  - name: main
    image: k3s.local/busybox:test
    command: ["sh", "-c", "echo started-on-agent; mkdir -p /www; echo agent-http > /www/index.html; httpd -p 8080 -h /www; exec sleep 3600"]
YAML
running=yes
wait_for "pod Running on the agent" 120 "Running/$NODE" k get pod web -o jsonpath='{.status.phase}/{.spec.nodeName}' ||
  running=no
# The joined agent's kubelet (its own system:node identity) got everything it asked for from
# the Node authorizer (configMaps, the service account token, its Node and Lease): a refusal
# shows in its log or in an event it records (FailedMount).
refused=$( (cat "$WORK/agent.log"; k get events -o jsonpath='{range .items[*]}{.message}{"\n"}{end}') |
  grep 'is forbidden: User "system:node:' | head -3)
[ -z "$refused" ] && pass "the agent's kubelet was refused nothing" || fail "the agent's kubelet was refused: $refused"
[ "$running" = yes ] || exit 1

for side in REAL OURS; do
  pick "$side"
  wait_for "logs through the tunnel ($side)" 30 "started-on-agent" "${cmd[@]}" logs web
  wait_for "exec through the tunnel ($side)" 30 "agent-http" "${cmd[@]}" exec web -- cat /www/index.html
  got=$(echo "stdin-through-tunnel" | timeout 30 "${cmd[@]}" exec -i web -- head -1 2>&1)
  [ "$got" = "stdin-through-tunnel" ] && pass "exec -i through the tunnel ($side)" || fail "exec -i ($side): '$got'"
  # The end of stdin crosses the tunnel too (a FIN on the SPDY stdin stream).
  got=$(printf 'a\nb\n' | timeout 30 "${cmd[@]}" exec -i web -- wc -l 2>&1)
  rc=$?
  [ "$(echo $got)" = 2 ] && [ "$rc" = 0 ] && pass "exec -i wc -l through the tunnel ($side)" \
    || fail "exec -i wc -l ($side): exit $rc '$got'"
  echo "copied-$side" >"$WORK/in-$side.txt"
  timeout 30 "${cmd[@]}" cp "$WORK/in-$side.txt" "web:/tmp/in-$side.txt" >/dev/null 2>&1
  wait_for "cp into the pod through the tunnel ($side)" 10 "copied-$side" "${cmd[@]}" exec web -- cat "/tmp/in-$side.txt"
  port=$(( 19000 + ID )); [ "$side" = OURS ] && port=$((port + 300))
  timeout 60 "${cmd[@]}" port-forward pod/web "$port:8080" >"$WORK/pf-$side.log" 2>&1 &
  pf=$!
  wait_for "port-forward listens ($side)" 20 ".*Forwarding from 127.0.0.1:$port.*" cat "$WORK/pf-$side.log"
  got=$(curl -s -m 10 "http://127.0.0.1:$port/")
  [ "$got" = "agent-http" ] && pass "port-forward through the tunnel ($side)" || fail "port-forward ($side): '$got' $(cat "$WORK/pf-$side.log")"
  kill "$pf" 2>/dev/null; wait "$pf" 2>/dev/null
done

[ "$failures" -eq 0 ] && echo "PASS" || { echo "$failures failure(s)"; exit 1; }
