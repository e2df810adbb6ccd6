#!/usr/bin/env bash
# `k3s agent` joining a real `k3s server`, with the agent in its own network namespace
# (veth pair) and its own mount namespace (its own /etc/rancher/node/password):
#  - a wrong token and a token with a foreign CA hash are refused with one line, exit != 0;
#  - the agent joins: the node-password Secret appears, the tunnel connects;
#  - the API server reaches a service on the agent's loopback-only side through the tunnel
#    (nodes/proxy to a TLS stand-in for the kubelet using the kubelet serving certificate the
#    agent received), while direct TCP from the server's side to it is dropped;
#  - the same node name with another node password is refused (403, one line);
#  - a restarted agent reuses its password and joins again.
# The kubelet itself is not needed here: the agent points at a runtime endpoint that does
# not exist, so it stops after the join and the tunnel are up.
set -uo pipefail
K3S=${1:?k3s binary}
KUBECTL=${2:?kubectl binary}
WORK=$(mktemp -d /tmp/k3s-e2e-agent.XXXXXX)
chmod 755 "$WORK"
KC=$WORK/kubeconfig
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("0.0.0.0",0)); print(s.getsockname()[1]); s.close()')
SERVICE_PORT=$(( 20000 + ($$ % 20000) ))
SERVER_PID=""
AGENT_PID=""
SERVICE_PID=""
failures=0

cleanup() {
  [ -n "$AGENT_PID" ] && { kill -KILL "$AGENT_PID" 2>/dev/null; wait "$AGENT_PID" 2>/dev/null; }
  [ -n "$SERVICE_PID" ] && { kill -KILL "$SERVICE_PID" 2>/dev/null; wait "$SERVICE_PID" 2>/dev/null; }
  [ -n "$SERVER_PID" ] && { kill -TERM "$SERVER_PID" 2>/dev/null; wait "$SERVER_PID" 2>/dev/null; }
  ip netns pids "$NS" 2>/dev/null | xargs -r kill -KILL 2>/dev/null
  remove_node_netns
  if [ "$failures" -ne 0 ]; then
    echo "--- server log (tail)"; tail -30 "$WORK/server.log"
    for f in "$WORK"/agent*.log; do [ -f "$f" ] && { echo "--- $f (tail)"; tail -15 "$f"; }; done
  fi
  rm -rf "$WORK"
}
trap cleanup EXIT
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
pass() { echo "ok: $*"; }
k() { "$KUBECTL" --kubeconfig "$KC" "$@"; }
# wait_grep <description> <file> <pattern>: polls up to 120 s
wait_grep() {
  for _ in $(seq 1 600); do
    grep -q -- "$3" "$2" 2>/dev/null && { pass "$1"; return 0; }
    sleep 0.2
  done
  fail "$1: '$3' never appeared in $2"
  return 1
}

# The node's network: its own namespace behind a veth pair.
source "$(dirname "$0")/../lib/node_netns.sh"
make_node_netns 10.201 agent
# Nothing from outside the namespace may reach the node's service port directly.
ip netns exec "$NS" iptables -A INPUT -i "$VETH_NODE" -p tcp --dport "$SERVICE_PORT" -j DROP

"$K3S" server --disable-agent --data-dir "$WORK/server" --https-listen-port "$PORT" \
  --bind-address 0.0.0.0 --tls-san "$HOST_IP" --write-kubeconfig "$KC" >"$WORK/server.log" 2>&1 &
SERVER_PID=$!
for _ in $(seq 1 600); do
  [ -s "$KC" ] && k get ns >/dev/null 2>&1 && break
  kill -0 "$SERVER_PID" 2>/dev/null || { fail "server exited early"; exit 1; }
  sleep 0.2
done
TOKEN=$(cat "$WORK/server/server/node-token")
URL=https://$HOST_IP:$PORT

# run_agent <name> <password dir> <log> <extra args...>: the agent in the node's network
# namespace and a private mount namespace whose /etc/rancher/node is <password dir>.
run_agent() {
  local name=$1 pwdir=$2 log=$3; shift 3
  mkdir -p "$pwdir" /etc/rancher/node
  ip netns exec "$NS" unshare -m --propagation private bash -c \
    'mount --bind "$1" /etc/rancher/node && shift && exec "$@"' _ "$pwdir" \
    "$K3S" agent --server "$URL" --node-name "$name" --data-dir "$WORK/agent-$name-$(basename "$pwdir")" \
    --container-runtime-endpoint "unix://$WORK/no-runtime.sock" "$@" >"$log" 2>&1
}
stop_agent() {
  [ -z "$AGENT_PID" ] && return
  kill -TERM "$AGENT_PID" 2>/dev/null
  for _ in $(seq 1 50); do kill -0 "$AGENT_PID" 2>/dev/null || break; sleep 0.2; done
  kill -KILL "$AGENT_PID" 2>/dev/null
  wait "$AGENT_PID" 2>/dev/null
  AGENT_PID=""
}
# expect_refusal <description> <pattern> <run_agent args...>: the agent exits non-zero with
# exactly one error line, matching <pattern>.
expect_refusal() {
  local what=$1 pattern=$2; shift 2
  local log=$3
  run_agent "$@" &
  local pid=$!
  for _ in $(seq 1 600); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
  if kill -0 "$pid" 2>/dev/null; then
    kill -KILL "$pid"; wait "$pid" 2>/dev/null
    fail "$what: the agent was still running after 120 s"; return
  fi
  wait "$pid"
  local rc=$? errors
  errors=$(grep -c 'level=error' "$log")
  if [ "$rc" -ne 0 ] && grep -q -- "$pattern" "$log" && [ "$errors" -eq 1 ]; then
    pass "$what (exit $rc): $(grep 'level=error' "$log" | sed 's/.*level=error msg=//')"
  else
    fail "$what: exit $rc; wanted one error line matching '$pattern'; log: $(cat "$log")"
  fi
}

expect_refusal "wrong token refused" "rejected the token" \
  badtoken "$WORK/pw-bad" "$WORK/agent-badtoken.log" --token not-the-token
FOREIGN="K10$(printf '0%.0s' $(seq 1 64))::node:${TOKEN##*:}"
expect_refusal "foreign CA hash refused" "token CA hash does not match" \
  badca "$WORK/pw-bad" "$WORK/agent-badca.log" --token "$FOREIGN"

# A real join.
run_agent node-a "$WORK/pw-a" "$WORK/agent-a.log" --token "$TOKEN" --kubelet-arg "port=$SERVICE_PORT" &
AGENT_PID=$!
wait_grep "agent joined" "$WORK/agent-a.log" "Joined $URL"
wait_grep "tunnel connected (server side)" "$WORK/server.log" "Tunnel connected for node node-a"
k -n kube-system get secret node-a.node-password.k3s >/dev/null 2>&1 && pass "node-password secret stored" \
  || fail "node-password secret missing"
[ -s "$WORK/pw-a/password" ] && pass "node password file written" || fail "no node password file"
openssl verify -CAfile "$WORK/server/server/tls/server-ca.crt" "$WORK/agent-node-a-pw-a/agent/serving-kubelet.crt" \
  >/dev/null 2>&1 && pass "serving certificate signed by the server CA" || fail "serving certificate"
openssl x509 -in "$WORK/agent-node-a-pw-a/agent/serving-kubelet.crt" -noout -ext subjectAltName 2>/dev/null \
  | grep -q "$NODE_IP" && pass "serving certificate names the node IP" || fail "serving certificate SANs"
openssl x509 -in "$WORK/agent-node-a-pw-a/agent/client-kubelet.crt" -noout -subject 2>/dev/null \
  | grep -q "system:node:node-a" && pass "client certificate is system:node:node-a" || fail "client certificate subject"

# A stand-in for the kubelet on the node's side, with the serving certificate the agent got.
cat >"$WORK/service.py" <<'PY'
import http.server, ssl, sys
class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        body = ("node-a service saw " + self.path).encode()
        self.send_response(200); self.send_header("Content-Length", str(len(body))); self.end_headers()
        self.wfile.write(body)
    def log_message(self, *a): pass
srv = http.server.ThreadingHTTPServer((sys.argv[1], int(sys.argv[2])), H)
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER); ctx.load_cert_chain(sys.argv[3], sys.argv[4])
srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
srv.serve_forever()
PY
ip netns exec "$NS" python3 "$WORK/service.py" "$NODE_IP" "$SERVICE_PORT" \
  "$WORK/agent-node-a-pw-a/agent/serving-kubelet.crt" "$WORK/agent-node-a-pw-a/agent/serving-kubelet.key" \
  >"$WORK/service.log" 2>&1 &
SERVICE_PID=$!
k apply -f - >/dev/null <<YAML
apiVersion: v1
kind: Node
metadata: {name: node-a}
YAML
k patch node node-a --subresource=status --type=merge \
  -p "{\"status\":{\"addresses\":[{\"type\":\"InternalIP\",\"address\":\"$NODE_IP\"}],\"daemonEndpoints\":{\"kubeletEndpoint\":{\"Port\":$SERVICE_PORT}}}}" \
  >/dev/null || fail "node status patch"
if timeout 5 bash -c "exec 3<>/dev/tcp/$NODE_IP/$SERVICE_PORT" 2>/dev/null; then
  fail "the node's service port is directly reachable; the tunnel proof would be void"
else
  pass "direct TCP to the node's service port is blocked"
fi
got=""
for _ in $(seq 1 100); do
  got=$(k get --raw "/api/v1/nodes/node-a/proxy/hello/world?x=1" 2>&1) && break
  sleep 0.5
done
[ "$got" = "node-a service saw /hello/world?x=1" ] && pass "nodes/proxy through the tunnel" \
  || fail "nodes/proxy through the tunnel: $got"

# Another machine claiming the same node name (different password) is refused.
expect_refusal "duplicate node name with another password refused" "Node password rejected" \
  node-a "$WORK/pw-other" "$WORK/agent-dup.log" --token "$TOKEN"

# A restart of the real one reuses its password and joins again.
PASSWORD_BEFORE=$(cat "$WORK/pw-a/password")
stop_agent
run_agent node-a "$WORK/pw-a" "$WORK/agent-a2.log" --token "$TOKEN" --kubelet-arg "port=$SERVICE_PORT" &
AGENT_PID=$!
wait_grep "restarted agent joined again" "$WORK/agent-a2.log" "Joined $URL"
[ "$(cat "$WORK/pw-a/password")" = "$PASSWORD_BEFORE" ] && pass "node password kept across restarts" \
  || fail "node password changed"
got=""
for _ in $(seq 1 100); do
  got=$(k get --raw "/api/v1/nodes/node-a/proxy/again" 2>&1) && break
  sleep 0.5
done
[ "$got" = "node-a service saw /again" ] && pass "tunnel back after the agent restart" || fail "after restart: $got"
stop_agent

if [ "$failures" -ne 0 ]; then echo "$failures failure(s)"; exit 1; fi
echo "all agent join checks passed"
