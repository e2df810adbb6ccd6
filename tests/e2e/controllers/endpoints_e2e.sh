#!/usr/bin/env bash
# The endpoints and endpointslice controllers follow the pods a Service selects: their IPs,
# readiness and named ports; publishNotReadyAddresses; Services without a selector are left
# alone; a deleted Service takes its Endpoints and slices with it.
TEST_NAME=endpoints
source "$(dirname "$0")/core_common.sh" "$@"
start_server

make_node worker; keep_alive worker
k apply -f - >/dev/null <<'YAML' || fail "create service and pods"
apiVersion: v1
kind: Service
metadata: {name: web, labels: {team: blue}}
spec:
  selector: {app: web}
  ports: [{name: http, port: 80, targetPort: http}, {name: admin, port: 9000, targetPort: 9001}]
---
apiVersion: v1
kind: Service
metadata: {name: web-all}
spec:
  selector: {app: web}
  publishNotReadyAddresses: true
  ports: [{port: 80, targetPort: 8080}]
---
apiVersion: v1
kind: Pod
metadata: {name: web-a, labels: {app: web}}
spec:
  nodeName: worker
  containers: [{name: c, image: busybox, ports: [{name: http, containerPort: 8080}]}]
---
apiVersion: v1
kind: Pod
metadata: {name: web-b, labels: {app: web}}
spec:
  nodeName: worker
  containers: [{name: c, image: busybox, ports: [{name: http, containerPort: 8081}]}]
YAML
# pod_status <pod> <ip> <Ready status>: what the kubelet would report
pod_status() {
  local now; now=$(now_rfc3339)
  k patch pod "$1" --subresource=status --type=merge -p "{\"status\":{\"phase\":\"Running\",\"podIP\":\"$2\",\"podIPs\":[{\"ip\":\"$2\"}],\"conditions\":[{\"type\":\"Ready\",\"status\":\"$3\",\"lastTransitionTime\":\"$now\"}]}}" >/dev/null \
    || fail "status of $1"
}
pod_status web-a 10.42.0.10 True
pod_status web-b 10.42.0.11 False

ep() { k get endpoints "$1" -o jsonpath='{range .subsets[*]}ready=[{range .addresses[*]}{.ip} {end}] notready=[{range .notReadyAddresses[*]}{.ip} {end}] ports=[{range .ports[*]}{.name}:{.port} {end}];{end}'; }
wait_for "endpoints: ready and not-ready addresses with named ports resolved per pod" \
  "ready=[10.42.0.10 ] notready=[] ports=[admin:9001 http:8080 ];ready=[] notready=[10.42.0.11 ] ports=[admin:9001 http:8081 ];" ep web
expect "endpoints address details" "worker/Pod/web-a" \
  k get endpoints web -o jsonpath='{.subsets[0].addresses[0].nodeName}/{.subsets[0].addresses[0].targetRef.kind}/{.subsets[0].addresses[0].targetRef.name}'
expect "endpoints carry the service labels" "blue" k get endpoints web -o jsonpath='{.metadata.labels.team}'
wait_for "publishNotReadyAddresses lists every pod as ready" "ready=[10.42.0.10 10.42.0.11 ] notready=[] ports=[:8080 ];" ep web-all

slices() { k get endpointslices -l "kubernetes.io/service-name=$1" -o jsonpath='{range .items[*]}{.addressType} ports=[{range .ports[*]}{.name}:{.port} {end}] {range .endpoints[*]}{.addresses[0]}/{.conditions.ready}/{.conditions.serving}/{.conditions.terminating}/{.nodeName}/{.targetRef.name} {end};{end}' | tr ';' '\n' | sort | tr '\n' ';'; }
wait_for "endpoint slices per port set with conditions" \
  "IPv4 ports=[admin:9001 http:8080 ] 10.42.0.10/true/true/false/worker/web-a ;IPv4 ports=[admin:9001 http:8081 ] 10.42.0.11/false/false/false/worker/web-b ;" slices web
expect "slices managed by the endpointslice controller" "endpointslice-controller.k8s.io endpointslice-controller.k8s.io" \
  k get endpointslices -l kubernetes.io/service-name=web -o jsonpath='{.items[*].metadata.labels.endpointslice\.kubernetes\.io/managed-by}'
expect "slices owned by the service" "Service/web/true Service/web/true " \
  k get endpointslices -l kubernetes.io/service-name=web -o jsonpath='{range .items[*]}{.metadata.ownerReferences[0].kind}/{.metadata.ownerReferences[0].name}/{.metadata.ownerReferences[0].controller} {end}' 
expect "slices named after the service" "yes" sh -c "'$KUBECTL' --kubeconfig '$KC' get endpointslices -l kubernetes.io/service-name=web -o name | grep -v '/web-' || echo yes"

# Readiness changes move addresses.
pod_status web-b 10.42.0.11 True
wait_for "pod turning ready moves to addresses" \
  "ready=[10.42.0.10 ] notready=[] ports=[admin:9001 http:8080 ];ready=[10.42.0.11 ] notready=[] ports=[admin:9001 http:8081 ];" ep web
wait_for "slice condition follows" \
  "IPv4 ports=[admin:9001 http:8080 ] 10.42.0.10/true/true/false/worker/web-a ;IPv4 ports=[admin:9001 http:8081 ] 10.42.0.11/true/true/false/worker/web-b ;" slices web

# A terminating pod leaves Endpoints but stays in slices as terminating.
k delete pod web-a --wait=false >/dev/null
wait_for "terminating pod leaves endpoints" "ready=[10.42.0.11 ] notready=[] ports=[admin:9001 http:8081 ];" ep web
wait_for "terminating pod is terminating in slices" \
  "IPv4 ports=[admin:9001 http:8080 ] 10.42.0.10/false/true/true/worker/web-a ;IPv4 ports=[admin:9001 http:8081 ] 10.42.0.11/true/true/false/worker/web-b ;" slices web
k delete pod web-a --grace-period=0 --force >/dev/null 2>&1
wait_for "deleted pod leaves the slices" "IPv4 ports=[admin:9001 http:8081 ] 10.42.0.11/true/true/false/worker/web-b ;" slices web

# Services without a selector are left alone.
k apply -f - >/dev/null <<'YAML' || fail "manual endpoints"
apiVersion: v1
kind: Service
metadata: {name: manual}
spec: {ports: [{port: 5432}]}
---
apiVersion: v1
kind: Endpoints
metadata: {name: manual}
subsets: [{addresses: [{ip: 192.0.2.7}], ports: [{port: 5432}]}]
YAML
sleep 3
expect "selector-less service keeps its own endpoints" "ready=[192.0.2.7 ] notready=[] ports=[:5432 ];" ep manual
expect "selector-less service gets no slices" "" k get endpointslices -l kubernetes.io/service-name=manual -o name

# The API server's own Service points at the advertised address and port.
wait_for "kubernetes service endpoints" "127.0.0.1:$PORT/https" \
  k -n default get endpoints kubernetes -o jsonpath='{.subsets[0].addresses[0].ip}:{.subsets[0].ports[0].port}/{.subsets[0].ports[0].name}'
wait_for "kubernetes service endpoint slice" "IPv4 127.0.0.1:$PORT" \
  k -n default get endpointslice kubernetes -o jsonpath='{.addressType} {.endpoints[0].addresses[0]}:{.ports[0].port}'

# Deleting the Service removes its Endpoints and (through the garbage collector) its slices.
k delete service web >/dev/null
wait_for "endpoints deleted with the service" NotFound sh -c "'$KUBECTL' --kubeconfig '$KC' get endpoints web 2>&1 | grep -o NotFound"
wait_for "slices deleted with the service" "" k get endpointslices -l kubernetes.io/service-name=web -o name
finish
