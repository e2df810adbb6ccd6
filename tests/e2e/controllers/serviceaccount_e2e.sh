#!/usr/bin/env bash
# The serviceaccount and root-ca-cert-publisher controllers: every namespace gets a
# `default` ServiceAccount and a kube-root-ca.crt ConfigMap holding the server CA, and both
# come back when deleted or changed.
TEST_NAME=serviceaccount
source "$(dirname "$0")/core_common.sh" "$@"
start_server

for ns in default kube-system kube-public kube-node-lease; do
  wait_for "default service account in $ns" default k -n "$ns" get sa default -o jsonpath='{.metadata.name}'
done
k create ns fresh >/dev/null || fail "create namespace"
wait_for "default service account in a new namespace" default k -n fresh get sa default -o jsonpath='{.metadata.name}'
wait_for "kube-root-ca.crt in a new namespace" kube-root-ca.crt k -n fresh get configmap kube-root-ca.crt -o jsonpath='{.metadata.name}'

ca_file=$DATA/server/tls/server-ca.crt
[ -s "$ca_file" ] || fail "no server CA at $ca_file"
k -n fresh get configmap kube-root-ca.crt -o jsonpath='{.data.ca\.crt}' >"$WORK/published.crt"
cmp -s "$ca_file" "$WORK/published.crt" && pass "ca.crt is the server CA" || fail "ca.crt differs from $ca_file"
expect "description annotation" "Contains a CA bundle that can be used to verify the kube-apiserver when using internal endpoints such as the internal service IP or kubernetes.default.svc. No other usage is guaranteed across distributions of Kubernetes clusters." \
  k -n fresh get configmap kube-root-ca.crt -o jsonpath='{.metadata.annotations.kubernetes\.io/description}'

old_uid=$(k -n fresh get sa default -o jsonpath='{.metadata.uid}')
k -n fresh delete sa default >/dev/null || fail "delete default sa"
recreated() { local uid; uid=$(k -n fresh get sa default -o jsonpath='{.metadata.uid}' 2>/dev/null); [ -n "$uid" ] && [ "$uid" != "$old_uid" ] && echo yes; }
wait_for "deleted default service account is recreated" yes recreated

k -n fresh patch configmap kube-root-ca.crt --type=merge -p '{"data":{"ca.crt":"tampered"}}' >/dev/null || fail "tamper"
restored() { k -n fresh get configmap kube-root-ca.crt -o jsonpath='{.data.ca\.crt}' | cmp -s - "$ca_file" && echo yes; }
wait_for "changed kube-root-ca.crt is restored" yes restored
k -n fresh delete configmap kube-root-ca.crt >/dev/null || fail "delete configmap"
wait_for "deleted kube-root-ca.crt is recreated" yes restored

# A terminating namespace does not get them back.
k delete ns fresh --wait=false >/dev/null
wait_for "namespace with its defaults is deleted" NotFound sh -c "'$KUBECTL' --kubeconfig '$KC' get ns fresh 2>&1 | grep -o NotFound"
finish
