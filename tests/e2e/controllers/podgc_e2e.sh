#!/usr/bin/env bash
# pod-gc: terminated pods beyond --terminated-pod-gc-threshold are deleted oldest first,
# and pods bound to a node that does not exist are deleted after the 40 s quarantine.
TEST_NAME=podgc
source "$(dirname "$0")/core_common.sh" "$@"
start_server --kube-controller-manager-arg=terminated-pod-gc-threshold=2

make_node worker; keep_alive worker
for i in 1 2 3 4; do
  k apply -f - >/dev/null <<YAML || fail "create done-$i"
apiVersion: v1
kind: Pod
metadata: {name: done-$i}
spec: {nodeName: worker, restartPolicy: Never, containers: [{name: c, image: busybox}]}
YAML
  k patch pod "done-$i" --subresource=status --type=merge -p '{"status":{"phase":"Succeeded"}}' >/dev/null || fail "finish done-$i"
  sleep 1  # distinct creation times: the oldest go first
done
k apply -f - >/dev/null <<'YAML' || fail "create pods"
apiVersion: v1
kind: Pod
metadata: {name: running}
spec: {nodeName: worker, containers: [{name: c, image: busybox}]}
---
apiVersion: v1
kind: Pod
metadata: {name: on-ghost}
spec: {nodeName: ghost, containers: [{name: c, image: busybox}]}
YAML
names() { k get pods -o jsonpath='{range .items[*]}{.metadata.name} {end}'; }
WAIT_SECONDS=120 wait_for "oldest terminated pods beyond the threshold deleted, orphaned pod deleted" \
  "done-3 done-4 running " names
finish
