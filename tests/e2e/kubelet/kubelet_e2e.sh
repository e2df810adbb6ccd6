#!/usr/bin/env bash
# The kubelet inside `k3s server` with real containerd and the real kubectl: the node
# registers and turns Ready, pods of the project's busybox test image run with IPs from the
# podCIDR, configMap/secret volumes and env reach the container, a crashing container goes
# to CrashLoopBackOff, a failing liveness probe restarts its container, the kubelet API
# serves container logs, deletion removes the containers from containerd, and a server
# killed with -9 adopts its running pods after a restart (no duplicates), and after
# `k3s certificate rotate-ca` and a restart the kubelet works with certificates from the new CAs.
#
# The whole test runs in private mount and network namespaces (unshare): containerd's
# /run/k3s, /var/lib/kubelet, /var/log/pods, cni0, iptables and port 10250 are its own, so
# it can run beside other tests.
set -uo pipefail
export NODE=kubelet-e2e
failures=0
source "$(dirname "$0")/../lib/node_in_namespace.sh"
enter_node_namespaces "$0" "$@"
start_server() { start_node_server --node-label e2e=kubelet; }

start_server
for _ in $(seq 1 600); do
  [ -s "$KC" ] && k get ns >/dev/null 2>&1 && break
  kill -0 "$SERVER_PID" 2>/dev/null || { fail "server exited early"; exit 1; }
  sleep 0.2
done

# ---- node registration ----
wait_for "node registered" 60 "$NODE" k get node "$NODE" -o jsonpath='{.metadata.name}'
# node-ipam assigns spec.podCIDR; if no controller does within a while, the test assigns one.
for _ in $(seq 1 20); do
  [ -n "$(k get node "$NODE" -o jsonpath='{.spec.podCIDR}' 2>/dev/null)" ] && break
  sleep 0.5
done
if [ -z "$(k get node "$NODE" -o jsonpath='{.spec.podCIDR}')" ]; then
  echo "note: no podCIDR from a controller; assigning 10.42.0.0/24"
  k patch node "$NODE" --type=merge -p '{"spec":{"podCIDR":"10.42.0.0/24","podCIDRs":["10.42.0.0/24"]}}' >/dev/null
fi
wait_for "node Ready" 120 "True" k get node "$NODE" -o jsonpath='{.status.conditions[?(@.type=="Ready")].status}'
wait_for "control-plane and custom labels" 10 "true/true/kubelet/$NODE" \
  k get node "$NODE" -o jsonpath='{.metadata.labels.node-role\.kubernetes\.io/control-plane}/{.metadata.labels.node-role\.kubernetes\.io/master}/{.metadata.labels.e2e}/{.metadata.labels.kubernetes\.io/hostname}'
wait_for "nodeInfo versions" 10 "v1.33.5\+k3s1/containerd://.+" \
  k get node "$NODE" -o jsonpath='{.status.nodeInfo.kubeletVersion}/{.status.nodeInfo.containerRuntimeVersion}'
wait_for "capacity pods 110" 10 "110" k get node "$NODE" -o jsonpath='{.status.capacity.pods}'
wait_for "node lease" 30 "$NODE/40" k -n kube-node-lease get lease "$NODE" -o jsonpath='{.spec.holderIdentity}/{.spec.leaseDurationSeconds}'
[ -s "$DATA/agent/etc/cni/net.d/10-k3s.conflist" ] && grep -q '"cni0"' "$DATA/agent/etc/cni/net.d/10-k3s.conflist" \
  && pass "CNI conflist written" || fail "CNI conflist missing"
POD_CIDR_PREFIX=$(k get node "$NODE" -o jsonpath='{.spec.podCIDR}' | cut -d. -f1-3)

# ---- a pod with configMap / secret volumes and env ----
k apply -f - >/dev/null <<'YAML'
apiVersion: v1
kind: ConfigMap
metadata: {name: app-config}
data: {greeting: hello-from-configmap, mode: fast}
---
apiVersion: v1
kind: Secret
metadata: {name: app-secret}
stringData: {password: s3cr3t}
---
apiVersion: v1
kind: Pod
metadata: {name: web, labels: {app: web}}
spec:
  terminationGracePeriodSeconds: 5
  containers:
  - name: main
    image: k3s.local/busybox:test
    command: ["sh", "-c", "echo started $GREETING $MY_POD; exec sleep 3600"]
    env:
    - {name: GREETING, valueFrom: {configMapKeyRef: {name: app-config, key: greeting}}}
    - {name: MY_POD, valueFrom: {fieldRef: {fieldPath: metadata.name}}}
    - {name: PASSWORD, valueFrom: {secretKeyRef: {name: app-secret, key: password}}}
    volumeMounts:
    - {name: config, mountPath: /etc/app}
    - {name: secret, mountPath: /etc/secret, readOnly: true}
    - {name: scratch, mountPath: /scratch}
  volumes:
  - {name: config, configMap: {name: app-config}}
  - {name: secret, secret: {secretName: app-secret}}
  - {name: scratch, emptyDir: {}}
YAML
wait_for "pod Running" 120 "Running" k get pod web -o jsonpath='{.status.phase}'
wait_for "pod Ready condition" 30 "True" k get pod web -o jsonpath='{.status.conditions[?(@.type=="Ready")].status}'
wait_for "pod IP from the podCIDR" 10 "${POD_CIDR_PREFIX//./\\.}\.[0-9]+" k get pod web -o jsonpath='{.status.podIP}'
wait_for "containerStatuses" 10 "true/true/0/containerd://[0-9a-f]+/BestEffort" \
  k get pod web -o jsonpath='{.status.containerStatuses[0].ready}/{.status.containerStatuses[0].started}/{.status.containerStatuses[0].restartCount}/{.status.containerStatuses[0].containerID}/{.status.qosClass}'
CID=$(k get pod web -o jsonpath='{.status.containerStatuses[0].containerID}' | sed 's|containerd://||')
# ---- RuntimeClasses: crun found and configured, the packaged class, a pod run by crun ----
# scripts/deps.sh test installs Debian's crun; without it this section fails, never skips.
if command -v crun >/dev/null; then
  # crun refuses a cgroup hybrid host whose v2 hierarchy holds controllers (this CI VM: hugetlb);
  # binding them to v1 hierarchies in the test's private mount namespace makes the host one it
  # supports (the controllers return to v2 when the namespace and its cgroups are gone).
  for controller in $(cat /sys/fs/cgroup/unified/cgroup.controllers 2>/dev/null); do
    mkdir -p "$WORK/cgroup-$controller"
    mount -t cgroup -o "$controller" cgroup "$WORK/cgroup-$controller" || fail "mounting the $controller v1 hierarchy"
  done
  grep -q '^\[plugins."io.containerd.grpc.v1.cri".containerd.runtimes."crun".options\]' \
    "$DATA/agent/etc/containerd/config.toml" && pass "crun configured in containerd" \
    || fail "crun missing from $DATA/agent/etc/containerd/config.toml"
  wait_for "packaged RuntimeClass crun" 30 "crun" k get runtimeclass crun -o jsonpath='{.handler}'
  k run by-crun --image=k3s.local/busybox:test --restart=Never \
    --overrides='{"apiVersion":"v1","spec":{"runtimeClassName":"crun","terminationGracePeriodSeconds":0}}' \
    --command -- sleep 3600 >/dev/null
  wait_for "pod of RuntimeClass crun Running" 120 "Running" k get pod by-crun -o jsonpath='{.status.phase}'
  sandbox_handler() { crictl inspectp "$1" | grep -o -m1 '"runtimeHandler": *"[^"]*"' | head -1; }
  crun_lists() { crun --root /run/containerd/runc/k8s.io list -q | grep -x "$1"; }
  SANDBOX=$(crictl pods -q --name by-crun | head -1)
  wait_for "its sandbox has the crun handler" 10 '"runtimeHandler": "crun"' sandbox_handler "$SANDBOX"
  # crun keeps its own state format: only containers crun made appear in its list.
  CRUN_CID=$(k get pod by-crun -o jsonpath='{.status.containerStatuses[0].containerID}' | sed 's|containerd://||')
  [ -n "$CRUN_CID" ] && wait_for "crun runs the container" 10 "$CRUN_CID" crun_lists "$CRUN_CID" \
    || fail "no container ID for the crun pod"
  k delete pod by-crun --wait=false >/dev/null
else
  fail "crun is not installed (scripts/deps.sh test installs it)"
fi
MISSING=$(k run no-class --image=k3s.local/busybox:test --restart=Never \
  --overrides='{"apiVersion":"v1","spec":{"runtimeClassName":"no-such-class"}}' 2>&1)
[ "$MISSING" = 'Error from server (Forbidden): pods "no-class" is forbidden: pod rejected: RuntimeClass "no-such-class" not found' ] \
  && pass "a pod of a missing RuntimeClass is refused" || fail "missing RuntimeClass: $MISSING"

# ---- outbound pod traffic is masqueraded by one node-wide rule, not a chain per pod ----
# A peer outside the pod network with no route back to it: the pod's TCP connection only
# completes when the node rewrites the pod's source address to its own (192.0.2.1).
unshare --net sleep 600 & OUTSIDE_PID=$!
sleep 0.2
ip link add k3s-e2e-out type veth peer name k3s-e2e-in && ip link set k3s-e2e-in netns "$OUTSIDE_PID" &&
  ip addr add 192.0.2.1/24 dev k3s-e2e-out && ip link set k3s-e2e-out up &&
  nsenter --net="/proc/$OUTSIDE_PID/ns/net" sh -c 'ip addr add 192.0.2.2/24 dev k3s-e2e-in && ip link set k3s-e2e-in up' ||
  fail "cannot set up the outside peer"
nsenter --net="/proc/$OUTSIDE_PID/ns/net" socat TCP-LISTEN:8080,reuseaddr,fork SYSTEM:'echo "peer=$SOCAT_PEERADDR"' &
SOCAT_PID=$!
wait_for "pod reaches a host outside the pod network as the node" 20 "peer=192.0.2.1" \
  crictl exec "$CID" sh -c 'nc -w 3 192.0.2.2 8080 </dev/null'
kill "$SOCAT_PID" "$OUTSIDE_PID" 2>/dev/null
iptables -w 5 -t nat -S | grep -q -- "-j K3S-POD-MASQ" && pass "node-wide masquerade chain in POSTROUTING" ||
  fail "no K3S-POD-MASQ jump: $(iptables -w 5 -t nat -S)"
grep -q '"ipMasq": false' "$DATA/agent/etc/cni/net.d/10-k3s.conflist" &&
  ! iptables -w 5 -t nat -S | grep -qE -- "-N CNI-[0-9a-f]{24}$" && pass "no per-pod masquerade chains" ||
  fail "per-pod masquerade: $(iptables -w 5 -t nat -S | grep -cE -- '-N CNI-[0-9a-f]{24}$') CNI chains"
wait_for "configMap file in the container" 10 "hello-from-configmap" crictl exec "$CID" cat /etc/app/greeting
wait_for "secret file in the container" 10 "s3cr3t" crictl exec "$CID" cat /etc/secret/password
wait_for "env from configMap, secret and fieldRef" 10 "hello-from-configmap/s3cr3t/web" \
  crictl exec "$CID" sh -c 'echo $GREETING/$PASSWORD/$MY_POD'
wait_for "cluster DNS in resolv.conf" 10 "nameserver 10.43.0.10" crictl exec "$CID" sh -c 'grep nameserver /etc/resolv.conf'
# The ServiceAccount admission's kube-api-access volume: a bound token the API accepts as
# the pod's service account, the cluster CA and the namespace.
SA_DIR=/var/run/secrets/kubernetes.io/serviceaccount
wait_for "service account namespace file" 10 "default" crictl exec "$CID" cat $SA_DIR/namespace
wait_for "service account ca.crt" 10 "-----BEGIN CERTIFICATE-----" crictl exec "$CID" head -1 $SA_DIR/ca.crt
POD_TOKEN=$(crictl exec "$CID" cat $SA_DIR/token)
whoami_with_pod_token() {
  "$KUBECTL" --kubeconfig /dev/null --server "https://127.0.0.1:$PORT" --certificate-authority "$DATA/server/tls/server-ca.crt" \
    --token "$POD_TOKEN" auth whoami -o json | tr -d ' \n'
}
wait_for "pod token authenticates as the pod's service account" 10 \
  '.*"username":"system:serviceaccount:default:default".*"authentication.kubernetes.io/pod-name":\["web"\].*' \
  whoami_with_pod_token
k patch configmap app-config --type=merge -p '{"data":{"greeting":"updated"}}' >/dev/null
wait_for "configMap update reaches the file" 90 "updated" crictl exec "$CID" cat /etc/app/greeting

# ---- Node authorizer: the kubelet's own identity (system:node:<name>) ----
# It reads the secret the pod on its node uses, and no other.
k create secret generic unrelated --from-literal=k=v >/dev/null
ncurl() {
  curl -s -o /dev/null -w '%{http_code}' --cacert "$DATA/server/tls/server-ca.crt" \
    --cert "$DATA/agent/client-kubelet.crt" --key "$DATA/agent/client-kubelet.key" "https://127.0.0.1:$PORT$1"
}
openssl x509 -in "$DATA/agent/client-kubelet.crt" -noout -subject | grep -q "CN *= *system:node:$NODE" &&
  pass "kubelet client certificate is system:node:$NODE" || fail "kubelet cert subject: $(openssl x509 -in "$DATA/agent/client-kubelet.crt" -noout -subject)"
wait_for "node reads a secret its pod uses" 10 "200" ncurl /api/v1/namespaces/default/secrets/app-secret
wait_for "node reads a configMap its pod uses" 10 "200" ncurl /api/v1/namespaces/default/configmaps/app-config
wait_for "node is refused a secret no pod on it uses" 10 "403" ncurl /api/v1/namespaces/default/secrets/unrelated
wait_for "node is refused the secrets collection" 10 "403" ncurl /api/v1/secrets
wait_for "node reads its own Node" 10 "200" ncurl "/api/v1/nodes/$NODE"
k get clusterrolebinding system:k3s-node >/dev/null 2>&1 && fail "the group-wide system:k3s-node binding is back" ||
  pass "no group-wide RBAC grant for system:nodes"

# ---- kubelet API: containerLogs with the admin client certificate ----
TLS=$DATA/server/tls
kcurl() { curl -sS --cacert "$TLS/server-ca.crt" --cert "$TLS/client-admin.crt" --key "$TLS/client-admin.key" "$@"; }
wait_for "kubelet /healthz" 10 "ok" kcurl https://127.0.0.1:10250/healthz
wait_for "kubelet /containerLogs" 10 "started hello-from-configmap web" kcurl https://127.0.0.1:10250/containerLogs/default/web/main
wait_for "kubelet API refuses anonymous clients" 10 "401" \
  curl -s -o /dev/null -w '%{http_code}' --cacert "$TLS/server-ca.crt" https://127.0.0.1:10250/pods
wait_for "kubelet /pods lists the pod" 10 ".*\"name\":\"web\".*" kcurl https://127.0.0.1:10250/pods
metric_line() { kcurl "https://127.0.0.1:10250/$1" | grep -E "$2" | head -1; }
wait_for "kubelet /metrics counts the running pod" 10 "kubelet_running_pods [1-9][0-9]*" \
  metric_line metrics '^kubelet_running_pods '
wait_for "kubelet /metrics/resource: the container's working set" 10 \
  'container_memory_working_set_bytes\{container="main",namespace="default",pod="web"\} [1-9][0-9]*' \
  metric_line metrics/resource '^container_memory_working_set_bytes.*pod="web"'
wait_for "kubelet /metrics/resource: no scrape error" 10 "resource_scrape_error 0" \
  metric_line metrics/resource '^resource_scrape_error'
wait_for "API server /metrics through kubectl" 10 'apiserver_request_total\{.*' \
  bash -c "\"$KUBECTL\" --kubeconfig \"$KC\" get --raw /metrics | grep -m1 '^apiserver_request_total'"

# ---- CrashLoopBackOff ----
k apply -f - >/dev/null <<'YAML'
apiVersion: v1
kind: Pod
metadata: {name: crasher}
spec:
  terminationGracePeriodSeconds: 1
  containers: [{name: c, image: k3s.local/busybox:test, command: ["sh", "-c", "echo crashing; exit 3"]}]
YAML
wait_for "CrashLoopBackOff" 90 "CrashLoopBackOff" k get pod crasher -o jsonpath='{.status.containerStatuses[0].state.waiting.reason}'
wait_for "restartCount grows" 120 "[2-9]" k get pod crasher -o jsonpath='{.status.containerStatuses[0].restartCount}'
wait_for "lastState exit code" 10 "3" k get pod crasher -o jsonpath='{.status.containerStatuses[0].lastState.terminated.exitCode}'

# ---- liveness probe ----
k apply -f - >/dev/null <<'YAML'
apiVersion: v1
kind: Pod
metadata: {name: unhealthy}
spec:
  terminationGracePeriodSeconds: 1
  containers:
  - name: c
    image: k3s.local/busybox:test
    command: ["sh", "-c", "touch /tmp/healthy; sleep 4; rm /tmp/healthy; exec sleep 3600"]
    livenessProbe:
      exec: {command: ["cat", "/tmp/healthy"]}
      periodSeconds: 1
      failureThreshold: 2
YAML
wait_for "liveness failure restarts the container" 120 "[1-9]" k get pod unhealthy -o jsonpath='{.status.containerStatuses[0].restartCount}'

# ---- kill -9 and restart: running pods are adopted ----
WEB_UID=$(k get pod web -o jsonpath='{.metadata.uid}')
kill -9 "$SERVER_PID"; wait "$SERVER_PID" 2>/dev/null
start_server
for _ in $(seq 1 600); do k get ns >/dev/null 2>&1 && break; sleep 0.2; done
sleep 5
wait_for "node Ready after restart" 60 "True" k get node "$NODE" -o jsonpath='{.status.conditions[?(@.type=="Ready")].status}'
wait_for "same container after restart" 30 "containerd://$CID/0" \
  k get pod web -o jsonpath='{.status.containerStatuses[0].containerID}/{.status.containerStatuses[0].restartCount}'
wait_for "one sandbox for the pod" 10 "1" sh -c "$K3S crictl --runtime-endpoint unix:///run/k3s/containerd/containerd.sock pods --label io.kubernetes.pod.uid=$WEB_UID -q | wc -l"
wait_for "one container for the pod" 10 "1" sh -c "$K3S crictl --runtime-endpoint unix:///run/k3s/containerd/containerd.sock ps -a --label io.kubernetes.pod.uid=$WEB_UID -q | wc -l"

# ---- deletion removes the containers ----
k delete pod web --wait=false >/dev/null
wait_for "pod object gone" 60 "" sh -c "$KUBECTL --kubeconfig $KC get pod web -o name 2>/dev/null"
wait_for "sandbox removed from containerd" 30 "0" sh -c "$K3S crictl --runtime-endpoint unix:///run/k3s/containerd/containerd.sock pods --label io.kubernetes.pod.uid=$WEB_UID -q | wc -l"
wait_for "containers removed from containerd" 30 "0" sh -c "$K3S crictl --runtime-endpoint unix:///run/k3s/containerd/containerd.sock ps -a --label io.kubernetes.pod.uid=$WEB_UID -q | wc -l"

k delete pod crasher unhealthy --grace-period=0 --force >/dev/null 2>&1

# ---- CA rotation (k3s certificate rotate-ca): after a restart the embedded agent's kubelet
# works with certificates from the new CAs, both ways (node status in, pod logs out) ----
ROT=$WORK/rotate-ca/tls
mkdir -p "$ROT"
for n in server-ca client-ca request-header-ca; do
  openssl ecparam -name prime256v1 -genkey -noout -out "$ROT/$n.key" 2>/dev/null
  openssl req -x509 -new -key "$ROT/$n.key" -sha256 -days 3650 -subj "/CN=e2e-$n" \
    -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,digitalSignature,keyCertSign \
    -out "$ROT/$n.crt" 2>/dev/null
done
cp "$TLS/server-ca.crt" "$WORK/ca-before-rotation.crt"
"$K3S" certificate rotate-ca --data-dir "$DATA" --server "https://127.0.0.1:$PORT" --path "$WORK/rotate-ca" --force \
  >"$WORK/rotate.out" 2>&1 && pass "rotate-ca --force stored new CAs" || fail "rotate-ca: $(cat "$WORK/rotate.out")"
kill -TERM "$SERVER_PID"; wait "$SERVER_PID" 2>/dev/null
start_server
for _ in $(seq 1 600); do k get ns >/dev/null 2>&1 && break; sleep 0.2; done
wait_for "node Ready after the CA rotation" 120 "True" \
  k get node "$NODE" -o jsonpath='{.status.conditions[?(@.type=="Ready")].status}'
openssl verify -CAfile "$ROT/client-ca.crt" "$DATA/agent/client-kubelet.crt" >/dev/null 2>&1 &&
  openssl verify -CAfile "$ROT/server-ca.crt" "$DATA/agent/serving-kubelet.crt" >/dev/null 2>&1 &&
  pass "the kubelet's client and serving certificates come from the new CAs" || fail "kubelet certificates not re-issued"
k run after-rotation --image=k3s.local/busybox:test --restart=Never -- sh -c 'echo rotated-ok; exec sleep 3600' >/dev/null
wait_for "a pod runs after the CA rotation" 120 "Running" k get pod after-rotation -o jsonpath='{.status.phase}'
# And directly, with the new server CA and the API server's new kubelet client certificate.
wait_for "pod logs through the API server (kubelet serving certificate from the new CA)" 30 "rotated-ok" \
  k logs after-rotation
wait_for "the kubelet API with the new CAs" 30 "rotated-ok" \
  curl -sS --cacert "$TLS/server-ca.crt" --cert "$TLS/client-kube-apiserver.crt" --key "$TLS/client-kube-apiserver.key" \
  https://127.0.0.1:10250/containerLogs/default/after-rotation/after-rotation
curl -s -o /dev/null --cacert "$WORK/ca-before-rotation.crt" https://127.0.0.1:10250/healthz &&
  fail "the kubelet still serves a certificate of the old CA" || pass "the old server CA no longer verifies the kubelet"
k delete pod after-rotation --grace-period=0 --force >/dev/null 2>&1
# The Node authorizer granted the kubelet all it asked for in this run: a refusal shows in
# the log or in an event the kubelet records (FailedMount).
refused=$( (cat "$WORK/log"; k get events -A -o jsonpath='{range .items[*]}{.message}{"\n"}{end}') |
  grep 'is forbidden: User "system:node:' | head -3)
[ -z "$refused" ] && pass "the kubelet was refused nothing" || fail "the kubelet was refused: $refused"
[ "$failures" -eq 0 ] && echo "PASS" || { echo "$failures failure(s)"; exit 1; }
