#!/usr/bin/env bash
# The job controller inside `k3s server`: completions and parallelism, the generated
# selector and labels, the tracking finalizer, backoffLimit, Indexed completion mode,
# activeDeadlineSeconds, podFailurePolicy and suspend. No agent: the test plays kubelet.
K3S=${1:?k3s binary}
KUBECTL=${2:?kubectl binary}
source "$(dirname "$0")/job_e2e_lib.sh"
start_named_server job

job() {  # job <name> <extra spec yaml (indented 2)>
  k apply -f - >/dev/null <<YAML
apiVersion: batch/v1
kind: Job
metadata: {name: $1}
spec:
$2
  template:
    spec:
      restartPolicy: Never
      schedulerName: e2e-none
      containers: [{name: main, image: busybox, command: ["true"]}]
YAML
}
count_pods() { k get pods -l "batch.kubernetes.io/job-name=$1" --no-headers 2>/dev/null | wc -l | tr -d ' '; }
jstatus() { k get job "$1" -o jsonpath="$2"; }

# ---- completions 3, parallelism 2 --------------------------------------------------------
job done "  completions: 3
  parallelism: 2"
wait_for "parallelism: two pods at a time" 2 count_pods done
uid=$(jstatus done '{.metadata.uid}')
wait_for "generated selector" "$uid" jstatus done '{.spec.selector.matchLabels.batch\.kubernetes\.io/controller-uid}'
pod=$(live_pods_of_job done | head -1)
[ "$(k get pod "$pod" -o jsonpath='{.metadata.labels.controller-uid}/{.metadata.labels.job-name}/{.metadata.labels.batch\.kubernetes\.io/job-name}')" = "$uid/done/done" ] \
  && pass "pod labels (prefixed and legacy)" || fail "pod labels: $(k get pod "$pod" -o jsonpath='{.metadata.labels}')"
[ "$(k get pod "$pod" -o jsonpath='{.metadata.finalizers[0]}')" = "batch.kubernetes.io/job-tracking" ] \
  && pass "tracking finalizer on pods" || fail "finalizers: $(k get pod "$pod" -o jsonpath='{.metadata.finalizers}')"
[ "$(k get pod "$pod" -o jsonpath='{.metadata.ownerReferences[0].kind}/{.metadata.ownerReferences[0].controller}')" = "Job/true" ] \
  && pass "pod owned by the job" || fail "ownerReferences: $(k get pod "$pod" -o jsonpath='{.metadata.ownerReferences}')"
wait_for "status.active 2" 2 jstatus done '{.status.active}'
for _ in $(seq 1 60); do
  [ "$(jstatus done '{.status.conditions[?(@.type=="Complete")].status}')" = "True" ] && break
  for p in $(live_pods_of_job done); do set_pod_phase "$p" Succeeded; done
  sleep 0.5
done
wait_for "job complete after 3 successes" "True/3/0" jstatus done '{.status.conditions[?(@.type=="Complete")].status}/{.status.succeeded}/{.status.active}'
wait_for "SuccessCriteriaMet before Complete" "True" jstatus done '{.status.conditions[?(@.type=="SuccessCriteriaMet")].status}'
[ -n "$(jstatus done '{.status.completionTime}')" ] && pass "completionTime set" || fail "no completionTime"
[ "$(count_pods done)" = 3 ] && pass "exactly 3 pods created" || fail "pods created: $(count_pods done)"
wait_for "finalizers removed from finished pods" "" \
  k get pods -l batch.kubernetes.io/job-name=done -o jsonpath='{.items[*].metadata.finalizers}'
wait_for "Completed event" "Job completed" \
  k get events --field-selector involvedObject.name=done,reason=Completed -o jsonpath='{.items[0].message}'
k get events --field-selector involvedObject.name=done,reason=SuccessfulCreate -o jsonpath='{.items[0].message}' | grep -q '^Created pod: done-' \
  && pass "SuccessfulCreate event" || fail "SuccessfulCreate event missing"

# ---- backoffLimit ------------------------------------------------------------------------
job flaky "  backoffLimit: 1"
wait_for "flaky: first pod" 1 count_pods flaky
set_pod_phase "$(live_pods_of_job flaky)" Failed 1
wait_for "flaky: failed counted" 1 jstatus flaky '{.status.failed}'
# The replacement comes after the 10 s pod-failure backoff.
wait_for "flaky: replacement pod after backoff" 1 pending_count flaky
set_pod_phase "$(live_pods_of_job flaky)" Failed 1
wait_for "backoffLimit exceeded" "True/BackoffLimitExceeded/Job has reached the specified backoff limit/2" \
  jstatus flaky '{.status.conditions[?(@.type=="Failed")].status}/{.status.conditions[?(@.type=="Failed")].reason}/{.status.conditions[?(@.type=="Failed")].message}/{.status.failed}'
wait_for "FailureTarget condition" "True" jstatus flaky '{.status.conditions[?(@.type=="FailureTarget")].status}'

# ---- Indexed -----------------------------------------------------------------------------
job indexed "  completions: 3
  parallelism: 3
  completionMode: Indexed"
wait_for "indexed: three pods" 3 count_pods indexed
indexes_of() { k get pods -l "batch.kubernetes.io/job-name=$1" -o jsonpath='{range .items[*]}{.metadata.annotations.batch\.kubernetes\.io/job-completion-index}{"\n"}{end}' | sort | xargs; }
wait_for "indexed: indexes 0,1,2" "0 1 2" indexes_of indexed
p1=$(k get pods -l batch.kubernetes.io/job-name=indexed,batch.kubernetes.io/job-completion-index=1 -o jsonpath='{.items[0].metadata.name}')
[ "$(k get pod "$p1" -o jsonpath='{.spec.hostname}')" = "indexed-1" ] && pass "indexed: hostname" || fail "hostname: $(k get pod "$p1" -o jsonpath='{.spec.hostname}')"
[ "$(k get pod "$p1" -o jsonpath='{.spec.containers[0].env[?(@.name=="JOB_COMPLETION_INDEX")].valueFrom.fieldRef.fieldPath}')" = "metadata.annotations['batch.kubernetes.io/job-completion-index']" ] \
  && pass "indexed: JOB_COMPLETION_INDEX env" || fail "env: $(k get pod "$p1" -o jsonpath='{.spec.containers[0].env}')"
[[ "$p1" == indexed-1-* ]] && pass "indexed: pod name carries the index" || fail "pod name $p1"
set_pod_phase "$p1" Succeeded
wait_for "indexed: completedIndexes 1" "1" jstatus indexed '{.status.completedIndexes}'
for p in $(live_pods_of_job indexed); do set_pod_phase "$p" Succeeded; done
wait_for "indexed: complete with 0-2" "True/0-2/3" jstatus indexed '{.status.conditions[?(@.type=="Complete")].status}/{.status.completedIndexes}/{.status.succeeded}'

# ---- activeDeadlineSeconds ---------------------------------------------------------------
job slow "  activeDeadlineSeconds: 3"
wait_for "deadline: pod started" 1 count_pods slow
wait_for "deadline exceeded" "True/DeadlineExceeded/Job was active longer than specified deadline" \
  jstatus slow '{.status.conditions[?(@.type=="Failed")].status}/{.status.conditions[?(@.type=="Failed")].reason}/{.status.conditions[?(@.type=="Failed")].message}'
wait_for "deadline: active pods removed" 0 count_pods slow

# ---- podFailurePolicy --------------------------------------------------------------------
job policy "  backoffLimit: 6
  podFailurePolicy:
    rules:
    - action: Ignore
      onExitCodes: {operator: In, values: [3]}
    - action: FailJob
      onExitCodes: {containerName: main, operator: In, values: [42]}"
wait_for "policy: pod started" 1 count_pods policy
first=$(live_pods_of_job policy)
set_pod_phase "$first" Failed 3
wait_for "policy: ignored failure replaced at once" 1 pending_count policy
[ "$(jstatus policy '{.status.failed}')" = "0" ] && pass "policy: Ignore does not count" || fail "failed=$(jstatus policy '{.status.failed}')"
set_pod_phase "$(live_pods_of_job policy | grep -v "^$first\$" | head -1)" Failed 42
wait_match "policy: FailJob" "^True/PodFailurePolicy/Container main for pod default/policy-[a-z0-9]+ failed with exit code 42 matching FailJob rule at index 1$" \
  jstatus policy '{.status.conditions[?(@.type=="Failed")].status}/{.status.conditions[?(@.type=="Failed")].reason}/{.status.conditions[?(@.type=="Failed")].message}'

# ---- suspend -----------------------------------------------------------------------------
job paused "  suspend: true"
wait_for "suspended: condition" "True/JobSuspended" jstatus paused '{.status.conditions[?(@.type=="Suspended")].status}/{.status.conditions[?(@.type=="Suspended")].reason}'
[ "$(count_pods paused)" = 0 ] && pass "suspended: no pods" || fail "suspended job has pods"
k patch job paused --type=merge -p '{"spec":{"suspend":false}}' >/dev/null
wait_for "resumed: pod created" 1 count_pods paused
wait_for "resumed: condition" "False/JobResumed" jstatus paused '{.status.conditions[?(@.type=="Suspended")].status}/{.status.conditions[?(@.type=="Suspended")].reason}'

finish job
