#!/usr/bin/env bash
# horizontalpodautoscaling without a metrics API: replicas below minReplicas are raised
# through the scale subresource; within range the HPA reports that it cannot get metrics.
K3S=${1:?k3s binary}
KUBECTL=${2:?kubectl binary}
source "$(dirname "$0")/job_e2e_lib.sh"
start_named_server hpa

k create deployment web --image=busybox --replicas=1 >/dev/null
k autoscale deployment web --min=3 --max=5 --cpu-percent=50 >/dev/null || fail "kubectl autoscale"
wait_for "raised to minReplicas" 3 k get deployment web -o jsonpath='{.spec.replicas}'
wait_for "SuccessfulRescale event" "New size: 3; reason: Current number of replicas below Spec.MinReplicas" \
  k get events --field-selector involvedObject.name=web,reason=SuccessfulRescale -o jsonpath='{.items[0].message}'
wait_for "AbleToScale after the rescale" "True/SucceededRescale" \
  k get hpa web -o jsonpath='{.status.conditions[?(@.type=="AbleToScale")].status}/{.status.conditions[?(@.type=="AbleToScale")].reason}'
wait_for "desiredReplicas" 3 k get hpa web -o jsonpath='{.status.desiredReplicas}'

# Within range: nothing to compute from.
k create deployment api --image=busybox --replicas=2 >/dev/null
k autoscale deployment api --min=1 --max=4 --cpu-percent=50 >/dev/null
wait_for "ScalingActive False without metrics" "False/FailedGetResourceMetric" \
  k get hpa api -o jsonpath='{.status.conditions[?(@.type=="ScalingActive")].status}/{.status.conditions[?(@.type=="ScalingActive")].reason}'
wait_match "FailedGetResourceMetric event" '^failed to get cpu utilization: unable to get metrics for resource cpu' \
  k get events --field-selector involvedObject.name=api,reason=FailedGetResourceMetric -o jsonpath='{.items[0].message}'
[ "$(k get deployment api -o jsonpath='{.spec.replicas}')" = 2 ] && pass "in-range target left alone" || fail "api replicas changed"

finish hpa
