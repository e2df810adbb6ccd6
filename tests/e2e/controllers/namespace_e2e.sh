#!/usr/bin/env bash
# The namespace controller: deleting a namespace deletes everything in it, reports what is
# left (content with finalizers) in the namespace's conditions, and removes the namespace
# once it is empty -- nothing of it is left in the datastore.
TEST_NAME=namespace
source "$(dirname "$0")/core_common.sh" "$@"
start_server

k create ns doomed >/dev/null || fail "create namespace"
k -n doomed create configmap plain --from-literal=a=b >/dev/null || fail "configmap"
k -n doomed create secret generic s --from-literal=k=v >/dev/null || fail "secret"
k -n doomed apply -f - >/dev/null <<'YAML' || fail "content"
apiVersion: v1
kind: ConfigMap
metadata: {name: held, finalizers: [example.com/hold]}
data: {x: "1"}
---
apiVersion: v1
kind: Service
metadata: {name: svc}
spec: {ports: [{port: 80}]}
---
apiVersion: v1
kind: Pod
metadata: {name: pending}
spec: {containers: [{name: c, image: busybox}]}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: r}
rules: [{apiGroups: [""], resources: [pods], verbs: [get]}]
---
apiVersion: coordination.k8s.io/v1
kind: Lease
metadata: {name: l}
spec: {holderIdentity: me}
YAML
wait_for "default service account in the namespace" default k -n doomed get sa default -o jsonpath='{.metadata.name}'

k delete ns doomed --wait=false >/dev/null || fail "delete namespace"
expect "namespace is terminating" Terminating k get ns doomed -o jsonpath='{.status.phase}'
cond() { k get ns doomed -o jsonpath="{.status.conditions[?(@.type==\"$1\")].status}/{.status.conditions[?(@.type==\"$1\")].reason}/{.status.conditions[?(@.type==\"$1\")].message}"; }
wait_for "finalizers remaining condition" \
  "True/SomeFinalizersRemain/Some content in the namespace has finalizers remaining: example.com/hold in 1 resource instances" \
  cond NamespaceFinalizersRemaining
wait_for "content remaining condition" \
  "True/SomeResourcesRemain/Some resources are remaining: configmaps has 1 resource instances" cond NamespaceContentRemaining
expect "discovery condition" "False/ResourcesDiscovered/All resources successfully discovered" cond NamespaceDeletionDiscoveryFailure
expect "content deletion condition" \
  "False/ContentDeleted/All content successfully deleted, may be waiting on finalization" cond NamespaceDeletionContentFailure
expect "only the held configmap is left" "configmap/held" k -n doomed get configmaps -o name
expect "the namespace still has its finalizer" kubernetes k get ns doomed -o jsonpath='{.spec.finalizers[*]}'
out=$(k -n doomed create configmap late 2>&1) && fail "created content in a terminating namespace" ||
  { grep -q "because it is being terminated" <<<"$out" && pass "no new content while terminating" || fail "refusal: $out"; }

k -n doomed patch configmap held --type=merge -p '{"metadata":{"finalizers":null}}' >/dev/null || fail "release finalizer"
wait_for "namespace removed" NotFound sh -c "'$KUBECTL' --kubeconfig '$KC' get ns doomed 2>&1 | grep -o NotFound"

# Nothing of it in any resource kubectl can list ...
leftover=""
for r in $(k api-resources --namespaced --verbs=list -o name); do
  items=$(k -n doomed get "$r" -o name 2>/dev/null)
  [ -n "$items" ] && leftover="$leftover $items"
done
expect "no resource lists anything in the namespace" "" echo "${leftover# }"
# ... nor in the datastore.
if command -v etcdctl >/dev/null; then
  keys=$(ETCDCTL_API=3 etcdctl --endpoints "unix://$DATA/server/kine.sock" get --prefix /registry/ --keys-only 2>&1)
  [ -n "$keys" ] && grep -q "^/registry/namespaces/default$" <<<"$keys" && pass "etcdctl reads the datastore" ||
    fail "etcdctl: $keys"
  expect "no key of the namespace in the datastore" "" sh -c "echo '$keys' | grep -E '/doomed(/|$)'"
fi

# A namespace of the same name starts empty (apart from what controllers put in every namespace).
k create ns doomed >/dev/null || fail "recreate namespace"
wait_for "recreated namespace has only the per-namespace defaults" "configmap/kube-root-ca.crt" k -n doomed get configmaps -o name
expect "no secrets" "" k -n doomed get secrets -o name
expect "no services" "" k -n doomed get services -o name
finish
