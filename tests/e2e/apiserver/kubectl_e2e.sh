#!/usr/bin/env bash
# Starts `k3s server --disable-agent` on a free port with a temporary data dir and drives it
# with a real kubectl. Usage: kubectl_e2e.sh <k3s binary> <kubectl binary>
set -uo pipefail
K3S=${1:?k3s binary}
KUBECTL=${2:?kubectl binary}
[ -x "$KUBECTL" ] || { echo "FAIL: kubectl not found at $KUBECTL"; exit 1; }

WORK=$(mktemp -d /tmp/k3s-e2e-apiserver.XXXXXX)
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()')
KC=$WORK/kubeconfig
LOG=$WORK/server.log
SERVER_PID=""
failures=0

cleanup() {
  if [ -n "$SERVER_PID" ]; then
    kill -TERM "$SERVER_PID" 2>/dev/null
    wait "$SERVER_PID" 2>/dev/null
  fi
  if [ "$failures" -ne 0 ]; then echo "--- server log (tail)"; tail -40 "$LOG"; fi
  rm -rf "$WORK"
}
trap cleanup EXIT

fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
pass() { echo "ok: $*"; }
k() { "$KUBECTL" --kubeconfig "$KC" "$@"; }

"$K3S" server --disable-agent --data-dir "$WORK/data" --https-listen-port "$PORT" \
  --bind-address 127.0.0.1 --write-kubeconfig "$KC" >"$LOG" 2>&1 &
SERVER_PID=$!

# Readiness: the kubeconfig is written once the listener is up; then `get ns` must answer.
for _ in $(seq 1 200); do
  [ -s "$KC" ] && k get ns >/dev/null 2>&1 && break
  kill -0 "$SERVER_PID" 2>/dev/null || { fail "server exited early"; exit 1; }
  sleep 0.1
done

out=$(k get ns 2>&1)
for ns in default kube-system kube-public kube-node-lease; do
  echo "$out" | grep -qE "^$ns +Active" || fail "get ns lacks $ns: $out"
done
echo "$out" | head -1 | grep -qE '^NAME +STATUS +AGE' && pass "get ns table" || fail "get ns header: $out"

# create / get / delete a configmap
cm1='{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"cm1"},"data":{"a":"b"}}'
k create -f - <<<"$cm1" >/dev/null 2>&1 && pass "create configmap" || fail "create configmap: $(k create -f - <<<"$cm1" 2>&1)"
[ "$(k get configmap cm1 -o jsonpath='{.data.a}')" = "b" ] && pass "get configmap jsonpath" || fail "get configmap data"
k get cm cm1 | grep -qE '^cm1 +1 +' && pass "configmap table" || fail "configmap table: $(k get cm cm1 2>&1)"
out=$(k create -f - <<<"$cm1" 2>&1) && fail "duplicate create succeeded"
echo "$out" | grep -q 'AlreadyExists\|already exists' && pass "409 AlreadyExists" || fail "duplicate create: $out"

# apply: create then update
cat >"$WORK/cm.yaml" <<'YAML'
apiVersion: v1
kind: ConfigMap
metadata:
  name: applied
  labels:
    app: demo
data:
  key: one
YAML
k apply -f "$WORK/cm.yaml" 2>&1 | grep -q 'created' && pass "apply create" || fail "apply create: $(k apply -f "$WORK/cm.yaml" 2>&1)"
sed -i 's/key: one/key: two/' "$WORK/cm.yaml"
out=$(k apply -f "$WORK/cm.yaml" 2>&1)
echo "$out" | grep -q 'configured' && pass "apply update" || fail "apply update: $out"
[ "$(k get cm applied -o jsonpath='{.data.key}')" = "two" ] && pass "apply changed data" || fail "apply data"

# output formats
k get cm applied -o yaml | grep -q '^kind: ConfigMap' && pass "-o yaml" || fail "-o yaml"
k get cm applied -o json | python3 -c 'import json,sys; d=json.load(sys.stdin); assert d["metadata"]["uid"] and d["metadata"]["resourceVersion"]' \
  && pass "-o json uid/resourceVersion" || fail "-o json"
k get cm -l app=demo -o name | grep -qx 'configmap/applied' && pass "label selector" || fail "label selector"
k get cm --field-selector metadata.name=cm1 -o name | grep -qx 'configmap/cm1' && pass "field selector" || fail "field selector"

# label
k label cm cm1 tier=web >/dev/null 2>&1 && [ "$(k get cm cm1 -o jsonpath='{.metadata.labels.tier}')" = web ] \
  && pass "label" || fail "label: $(k label cm cm1 tier=web --overwrite 2>&1)"

# watch: start, make a change, see it
k get cm -w --output-watch-events -o name >"$WORK/watch.out" 2>&1 &
WATCH_PID=$!
for _ in $(seq 1 100); do grep -q 'configmap/cm1' "$WORK/watch.out" && break; sleep 0.1; done
k create -f - <<<'{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"watched"}}' >/dev/null 2>&1
for _ in $(seq 1 100); do grep -q 'ADDED.*configmap/watched\|configmap/watched' "$WORK/watch.out" && break; sleep 0.1; done
kill "$WATCH_PID" 2>/dev/null; wait "$WATCH_PID" 2>/dev/null
grep -q 'configmap/watched' "$WORK/watch.out" && pass "watch sees a create" || fail "watch: $(cat "$WORK/watch.out")"

# delete, then 404
k delete cm cm1 >/dev/null 2>&1 && pass "delete" || fail "delete"
out=$(k get cm cm1 2>&1) && fail "get after delete succeeded"
echo "$out" | grep -q 'configmaps "cm1" not found' && pass "404 NotFound" || fail "404: $out"

# a workload from apply, scaled through the scale subresource
cat >"$WORK/deploy.yaml" <<'YAML'
apiVersion: apps/v1
kind: Deployment
metadata:
  name: scaled
spec:
  selector:
    matchLabels: {app: scaled}
  template:
    metadata:
      labels: {app: scaled}
    spec:
      containers:
      - name: nginx
        image: nginx:1.25
YAML
k apply -f "$WORK/deploy.yaml" >/dev/null 2>&1 && k scale deployment scaled --replicas=3 >/dev/null 2>&1 && \
  [ "$(k get deploy scaled -o jsonpath='{.spec.replicas}/{.metadata.generation}')" = "3/2" ] && \
  k get deploy scaled | grep -qE '^scaled +0/3 +0 +0 ' && pass "apply + scale deployment" || \
  fail "scale: $(k get deploy scaled -o yaml 2>&1 | head -30)"

# namespaces: create, put something in, delete with kubectl's default --wait
k create -f - >/dev/null 2>&1 <<<'{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"scratch"}}'
k -n scratch create -f - >/dev/null 2>&1 <<<'{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"inside"}}'
timeout 60 "$KUBECTL" --kubeconfig "$KC" delete ns scratch >/dev/null 2>&1 && \
  ! k get ns scratch >/dev/null 2>&1 && pass "namespace deletion completes" || fail "namespace deletion: $(k get ns scratch 2>&1)"

# services get a ClusterIP; the kubernetes service sits at the first IP
[ "$(k get svc kubernetes -o jsonpath='{.spec.clusterIP}')" = "10.43.0.1" ] && pass "kubernetes service" || fail "kubernetes service"
k create -f - >/dev/null 2>&1 <<<'{"apiVersion":"v1","kind":"Service","metadata":{"name":"web"},"spec":{"ports":[{"port":80,"targetPort":8080}]}}' && \
  k get svc web -o jsonpath='{.spec.clusterIP}' | grep -qE '^10\.43\.' && pass "ClusterIP allocated" || fail "service create"

# an authenticated user without RBAC grants is forbidden (client cert signed by the client CA)
TLS=$WORK/data/server/tls
printf 'extendedKeyUsage=clientAuth\n' >"$WORK/cli.ext"
openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$WORK/jane.key" -out "$WORK/jane.csr" \
  -subj "/O=dev/CN=jane" 2>/dev/null && \
openssl x509 -req -in "$WORK/jane.csr" -CA "$TLS/client-ca.crt" -CAkey "$TLS/client-ca.key" -CAcreateserial \
  -days 1 -extfile "$WORK/cli.ext" -out "$WORK/jane.crt" 2>/dev/null
k config set-credentials jane --client-certificate="$WORK/jane.crt" --client-key="$WORK/jane.key" --embed-certs >/dev/null
out=$(k --user jane get secrets 2>&1)
echo "$out" | grep -q 'secrets is forbidden: User "jane" cannot list resource "secrets"' && pass "403 for a user without grants" || fail "403: $out"

# errors straight from the API
server=$(k config view -o jsonpath='{.clusters[0].cluster.server}')
code=$(curl -sk -o "$WORK/anon.json" -w '%{http_code}' "$server/api/v1/namespaces")
[ "$code" = 401 ] && grep -q '"kind":"Status"' "$WORK/anon.json" && pass "401 without credentials" || fail "anonymous: $code $(cat "$WORK/anon.json")"
[ "$(curl -sk "$server/ping")" = pong ] && pass "/ping" || fail "/ping"
curl -sk "$server/cacerts" | grep -q 'BEGIN CERTIFICATE' && pass "/cacerts" || fail "/cacerts"
out=$(k create --raw /api/v1/namespaces/default/configmaps -f - <<<'{"kind": "ConfigMap", bad json' 2>&1)
echo "$out" | grep -qi 'BadRequest\|error decoding\|400' && pass "malformed body 400" || fail "malformed body: $out"
out=$(k get --raw /version 2>&1)
echo "$out" | grep -q '"gitVersion": *"v1.33' && pass "/version" || fail "/version: $out"

# kubectl's generators use the typed clients; before 1.31 they send JSON bodies.
# (1.31+ send protobuf, which this server does not decode yet.)
if "$KUBECTL" version --client -o json | grep -q '"minor": *"2[0-9]"'; then
  k create configmap generated --from-literal=k=v >/dev/null 2>&1 && \
    [ "$(k get cm generated -o jsonpath='{.data.k}')" = v ] && pass "create configmap generator" || fail "create configmap generator"
  k create deployment web --image=nginx:1.25 >/dev/null 2>&1 && \
    k get deploy web | grep -qE '^web +0/1 +0 +0 ' && pass "create deployment generator + table" || fail "deployment: $(k get deploy web 2>&1)"
fi

echo "failures: $failures"
[ "$failures" -eq 0 ]
