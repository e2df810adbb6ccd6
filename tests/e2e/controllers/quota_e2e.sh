#!/usr/bin/env bash
# resourcequota: status.hard mirrors spec.hard; status.used counts pods (not finished
# ones), their cpu/memory requests and limits, configmaps, services and count/<resource>.
K3S=${1:?k3s binary}
KUBECTL=${2:?kubectl binary}
source "$(dirname "$0")/job_e2e_lib.sh"
start_named_server quota

k create namespace team >/dev/null
k apply -n team -f - >/dev/null <<'YAML'
apiVersion: v1
kind: ResourceQuota
metadata: {name: q}
spec:
  hard: {pods: "10", requests.cpu: "2", limits.memory: 1Gi, configmaps: "20", services: "5", services.nodeports: "2", count/deployments.apps: "3"}
YAML
wait_for "hard mirrored" "10/2/1Gi" k -n team get resourcequota q -o jsonpath='{.status.hard.pods}/{.status.hard.requests\.cpu}/{.status.hard.limits\.memory}'
wait_for "empty namespace: no pods, no cpu" "0/0" k -n team get resourcequota q -o jsonpath='{.status.used.pods}/{.status.used.requests\.cpu}'

for i in 1 2; do
  k apply -n team -f - >/dev/null <<YAML
apiVersion: v1
kind: Pod
metadata: {name: p$i}
spec:
  schedulerName: e2e-none
  containers: [{name: main, image: busybox, resources: {requests: {cpu: 250m}, limits: {memory: 128Mi}}}]
YAML
done
wait_for "two pods charged" "2/500m/256Mi" k -n team get resourcequota q -o jsonpath='{.status.used.pods}/{.status.used.requests\.cpu}/{.status.used.limits\.memory}'
set_pod_phase_ns() { k -n team patch pod "$1" --subresource=status --type=merge -p '{"status":{"phase":"Succeeded"}}' >/dev/null; }
set_pod_phase_ns p2
wait_for "a finished pod is not charged" "1/250m/128Mi" k -n team get resourcequota q -o jsonpath='{.status.used.pods}/{.status.used.requests\.cpu}/{.status.used.limits\.memory}'

k -n team create configmap extra --from-literal=a=b >/dev/null
k -n team create service nodeport web --tcp=80:80 >/dev/null
k -n team create deployment d --image=busybox >/dev/null
configmaps_agree() {
  local listed used
  listed=$(k -n team get configmaps --no-headers | wc -l | tr -d ' ')
  used=$(k -n team get resourcequota q -o jsonpath='{.status.used.configmaps}')
  [ "$listed" = "$used" ] && echo "agree" || echo "listed $listed, used $used"
}
wait_for "configmaps counted" agree configmaps_agree
wait_for "services and nodeports counted" "1/1" k -n team get resourcequota q -o jsonpath='{.status.used.services}/{.status.used.services\.nodeports}'
wait_for "count/deployments.apps" "1" k -n team get resourcequota q -o jsonpath='{.status.used.count/deployments\.apps}'

# Admission: a create past the quota is refused with kube's message; one that names no cpu
# request under a requests.cpu quota too.
k create namespace tight >/dev/null
k -n tight create quota small --hard=pods=1,requests.cpu=500m >/dev/null
wait_for "tight: hard mirrored" "1" k -n tight get resourcequota small -o jsonpath='{.status.hard.pods}'
tight_pod() {  # tight_pod <name> <cpu request or "">
  local resources=""
  [ -n "$2" ] && resources=", resources: {requests: {cpu: $2}}"
  k -n tight apply -f - 2>&1 >/dev/null <<YAML
apiVersion: v1
kind: Pod
metadata: {name: $1}
spec:
  schedulerName: e2e-none
  containers: [{name: main, image: busybox$resources}]
YAML
}
got=$(tight_pod nocpu "")
[[ "$got" == *'pods "nocpu" is forbidden: failed quota: small: must specify requests.cpu for: main'* ]] \
  && pass "quota: a pod without a cpu request is refused" || fail "nocpu: $got"
got=$(tight_pod first 400m)
[ -z "$got" ] && pass "quota: a pod within the quota is admitted" || fail "first: $got"
got=$(tight_pod second 100m)
[[ "$got" == *'pods "second" is forbidden: exceeded quota: small, requested: pods=1, used: pods=1, limited: pods=1'* ]] \
  && pass "quota: the second pod exceeds pods=1" || fail "second: $got"

finish quota
