#!/usr/bin/env bash
# ttl-after-finished: a finished Job with ttlSecondsAfterFinished is deleted once the TTL
# has passed; one without a TTL stays.
K3S=${1:?k3s binary}
KUBECTL=${2:?kubectl binary}
source "$(dirname "$0")/job_e2e_lib.sh"
start_named_server ttl

for name in short keep; do
  ttl=""
  [ "$name" = short ] && ttl="ttlSecondsAfterFinished: 3"
  k apply -f - >/dev/null <<YAML
apiVersion: batch/v1
kind: Job
metadata: {name: $name}
spec:
  $ttl
  template:
    spec:
      restartPolicy: Never
      schedulerName: e2e-none
      containers: [{name: main, image: busybox}]
YAML
done
for name in short keep; do
  wait_for "$name: pod created" 1 pending_count $name
  set_pod_phase "$(live_pods_of_job $name)" Succeeded
  wait_for "$name: complete" True k get job $name -o jsonpath='{.status.conditions[?(@.type=="Complete")].status}'
done
wait_for "job with TTL deleted after it" "" k get job short --ignore-not-found -o name
[ "$(k get job keep -o name 2>&1)" = "job.batch/keep" ] && pass "job without TTL kept" || fail "job keep: $(k get job keep 2>&1)"

finish ttl
