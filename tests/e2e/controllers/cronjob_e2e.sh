#!/usr/bin/env bash
# The cronjob controller inside `k3s server`: one real scheduled run of a `* * * * *`
# CronJob (Job name, annotation, owner, status, events), history trimming once the Job
# completes, `kubectl create job --from=cronjob/...`, and the warnings for a bad schedule
# or time zone. The schedule arithmetic itself is covered by the unit tests.
K3S=${1:?k3s binary}
KUBECTL=${2:?kubectl binary}
source "$(dirname "$0")/job_e2e_lib.sh"
start_named_server cronjob

k apply -f - >/dev/null <<'YAML'
apiVersion: batch/v1
kind: CronJob
metadata: {name: tick}
spec:
  schedule: "* * * * *"
  timeZone: Europe/Berlin
  successfulJobsHistoryLimit: 0
  jobTemplate:
    metadata: {labels: {from: tick}}
    spec:
      template:
        spec:
          restartPolicy: Never
          schedulerName: e2e-none
          containers: [{name: main, image: busybox}]
---
apiVersion: batch/v1
kind: CronJob
metadata: {name: broken}
spec:
  schedule: "61 * * * *"
  jobTemplate: {spec: {template: {spec: {restartPolicy: Never, schedulerName: e2e-none, containers: [{name: main, image: busybox}]}}}}
---
apiVersion: batch/v1
kind: CronJob
metadata: {name: nowhere}
spec:
  schedule: "@hourly"
  timeZone: Mars/Olympus_Mons
  jobTemplate: {spec: {template: {spec: {restartPolicy: Never, schedulerName: e2e-none, containers: [{name: main, image: busybox}]}}}}
YAML

[ "$(k get cronjob tick -o jsonpath='{.spec.concurrencyPolicy}/{.spec.failedJobsHistoryLimit}/{.spec.suspend}')" = "Allow/1/false" ] \
  && pass "cronjob defaults" || fail "defaults: $(k get cronjob tick -o jsonpath='{.spec}')"

wait_for "unparseable schedule event" 'unparseable schedule: "61 * * * *" : end of range (61) above maximum (59): 61' \
  k get events --field-selector involvedObject.name=broken,reason=UnparseableSchedule -o jsonpath='{.items[0].message}'
wait_for "unknown time zone event" 'invalid timeZone: "Mars/Olympus_Mons": unknown time zone Mars/Olympus_Mons' \
  k get events --field-selector involvedObject.name=nowhere,reason=UnknownTimeZone -o jsonpath='{.items[0].message}'

# A manual run, as `kubectl create job --from` makes it.
k create job by-hand --from=cronjob/tick >/dev/null || fail "kubectl create job --from=cronjob/tick"
[ "$(k get job by-hand -o jsonpath='{.metadata.ownerReferences[0].kind}/{.metadata.ownerReferences[0].name}/{.metadata.annotations.cronjob\.kubernetes\.io/instantiate}')" = "CronJob/tick/manual" ] \
  && pass "job from cronjob" || fail "job from cronjob: $(k get job by-hand -o jsonpath='{.metadata}' 2>&1)"
wait_for "manual job gets its pod" 1 pending_count by-hand

# The scheduled run: at the next minute boundary (at most ~60 s away).
scheduled_job() { k get jobs -l from=tick -o jsonpath='{range .items[*]}{.metadata.name}{" "}{.metadata.annotations.batch\.kubernetes\.io/cronjob-scheduled-timestamp}{"\n"}{end}' | grep -v '^by-hand ' | head -1; }
for _ in $(seq 1 400); do [ -n "$(scheduled_job)" ] && break; sleep 0.25; done
read -r name stamp <<<"$(scheduled_job)"
if [ -z "${name:-}" ]; then
  fail "no scheduled job within 100 s"
else
  minutes=${name#tick-}
  expected=$(TZ=Europe/Berlin date -d "@$((minutes * 60))" +%Y-%m-%dT%H:%M:%S%:z)
  [ "$stamp" = "$expected" ] && pass "job name and scheduled-timestamp annotation agree ($name, $stamp)" \
    || fail "name $name vs annotation $stamp (expected $expected)"
  wait_for "status.active lists the job" "$name" k get cronjob tick -o jsonpath='{.status.active[0].name}'
  [ -n "$(k get cronjob tick -o jsonpath='{.status.lastScheduleTime}')" ] && pass "lastScheduleTime" || fail "no lastScheduleTime"
  wait_for "SuccessfulCreate event" "Created job $name" \
    k get events --field-selector involvedObject.name=tick,reason=SuccessfulCreate -o jsonpath='{.items[0].message}'
  # Finish its pod: the job completes, the cronjob notices, and history limit 0 removes it.
  wait_for "scheduled job's pod" 1 pending_count "$name"
  set_pod_phase "$(live_pods_of_job "$name")" Succeeded
  wait_for "SawCompletedJob event" "Saw completed job: $name, condition: Complete" \
    k get events --field-selector involvedObject.name=tick,reason=SawCompletedJob -o jsonpath='{.items[0].message}'
  wait_match "lastSuccessfulTime" '^[0-9]{4}-' k get cronjob tick -o jsonpath='{.status.lastSuccessfulTime}'
  wait_for "history limit 0 deletes the completed job" "" k get job "$name" --ignore-not-found -o name
  wait_for "SuccessfulDelete event" "Deleted job $name" \
    k get events --field-selector involvedObject.name=tick,reason=SuccessfulDelete -o jsonpath='{.items[0].message}'
fi

# Suspend stops new runs (checked through status: no new active job appears).
k patch cronjob tick --type=merge -p '{"spec":{"suspend":true}}' >/dev/null
[ "$(k get cronjob tick -o jsonpath='{.spec.suspend}')" = "true" ] && pass "suspend accepted" || fail "suspend"

finish cronjob
