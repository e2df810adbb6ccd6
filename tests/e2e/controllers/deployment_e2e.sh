#!/usr/bin/env bash
# The Deployment controller inside `k3s server`, driven with the real kubectl: creation,
# rolling update, rollout undo/restart/status, pause/resume, scale, Recreate, and a kill -9
# of the server in the middle of a rollout.
K3S=${1:?k3s binary}
KUBECTL=${2:?kubectl binary}
NAME=deployment
source "$(dirname "$0")/apps_e2e_lib.sh"

start_server
add_node worker-1
add_node worker-2
start_kubelet

rs_count() { k get rs -l app=web -o name | wc -l | tr -d ' '; }
live_pods() {  # pods of app=web that are not terminating, with their images
  k get pods -l app=web -o jsonpath='{range .items[*]}{.metadata.deletionTimestamp}|{.spec.containers[0].image}{"\n"}{end}' |
    grep -v '^[^|]' | cut -d'|' -f2 | sort | uniq -c | sed 's/^ *//'
}
rollout_ok() { k rollout status deploy/"$1" --timeout=120s >/dev/null 2>&1 && pass "rollout status $1 ($2)" || fail "rollout status $1 ($2): $(k rollout status deploy/"$1" --timeout=1s 2>&1)"; }

k apply -f - >/dev/null <<'YAML'
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 3
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: c, image: "nginx:1.0"}]}
YAML

wait_for "3 pods of the first template" "3 nginx:1.0" live_pods
rollout_ok web "created"
wait_for "one ReplicaSet" 1 rs_count
first_rs=$(k get rs -l app=web -o jsonpath='{.items[0].metadata.name}')
hash=$(k get rs "$first_rs" -o jsonpath='{.metadata.labels.pod-template-hash}')
[ "$first_rs" = "web-$hash" ] && pass "ReplicaSet named web-<pod-template-hash>" || fail "ReplicaSet name $first_rs, hash $hash"
wait_for "pods bound" "3" bash -c "'$KUBECTL' --kubeconfig '$KC' get pods -l app=web -o jsonpath='{range .items[*]}{.spec.nodeName}{\"\\n\"}{end}' | grep -c worker"
wait_for "revision 1" 1 k get deploy web -o jsonpath='{.metadata.annotations.deployment\.kubernetes\.io/revision}'
wait_for "ScalingReplicaSet event" "Scaled up replica set $first_rs to 3 from 0" \
  k get events --field-selector involvedObject.name=web,reason=ScalingReplicaSet -o jsonpath='{.items[0].message}'
wait_for "status counts" "3/3/3/3/" \
  k get deploy web -o jsonpath='{.status.replicas}/{.status.updatedReplicas}/{.status.readyReplicas}/{.status.availableReplicas}/{.status.unavailableReplicas}'
wait_for "conditions" "Available=True/MinimumReplicasAvailable Progressing=True/NewReplicaSetAvailable" \
  k get deploy web -o jsonpath='Available={.status.conditions[?(@.type=="Available")].status}/{.status.conditions[?(@.type=="Available")].reason} Progressing={.status.conditions[?(@.type=="Progressing")].status}/{.status.conditions[?(@.type=="Progressing")].reason}'

# Rolling update to a new image: a second ReplicaSet takes over, the first is scaled to 0.
k set image deploy/web c=nginx:2.0 >/dev/null || fail "set image"
rollout_ok web "image update"
wait_for "3 pods of the second template" "3 nginx:2.0" live_pods
wait_for "two ReplicaSets" 2 rs_count
wait_for "old ReplicaSet scaled to 0" 0 k get rs "$first_rs" -o jsonpath='{.spec.replicas}'
wait_for "revision 2" 2 k get deploy web -o jsonpath='{.metadata.annotations.deployment\.kubernetes\.io/revision}'
second_rs=$(k get rs -l app=web -o jsonpath='{range .items[?(@.spec.replicas==3)]}{.metadata.name}{end}')

# Undo returns to the first template and reuses its ReplicaSet as revision 3.
k rollout undo deploy/web >/dev/null || fail "rollout undo"
rollout_ok web "undo"
wait_for "undo restores the first image" "3 nginx:1.0" live_pods
wait_for "first ReplicaSet back to 3" 3 k get rs "$first_rs" -o jsonpath='{.spec.replicas}'
wait_for "reused ReplicaSet is revision 3" 3 k get rs "$first_rs" -o jsonpath='{.metadata.annotations.deployment\.kubernetes\.io/revision}'
wait_for "still two ReplicaSets" 2 rs_count
k rollout history deploy/web 2>/dev/null | grep -qE '^2 ' && pass "rollout history lists revision 2" || fail "rollout history: $(k rollout history deploy/web 2>&1)"

# Restart: a template annotation makes a new ReplicaSet.
k rollout restart deploy/web >/dev/null || fail "rollout restart"
rollout_ok web "restart"
wait_for "restart made a third ReplicaSet" 3 rs_count
wait_for "restartedAt annotation in the pods" 3 bash -c "'$KUBECTL' --kubeconfig '$KC' get pods -l app=web -o jsonpath='{range .items[*]}{.metadata.deletionTimestamp}|{.metadata.annotations.kubectl\.kubernetes\.io/restartedAt}{\"\\n\"}{end}' | grep -c '^|20'"

# Scale.
k scale deploy/web --replicas=5 >/dev/null || fail "scale"
wait_for "scaled to 5 available" 5 k get deploy web -o jsonpath='{.status.availableReplicas}'
wait_for "5 live pods" "5 nginx:1.0" live_pods

# Pause: template changes wait; resume rolls them out.
k rollout pause deploy/web >/dev/null || fail "pause"
k set image deploy/web c=nginx:3.0 >/dev/null || fail "set image while paused"
wait_for "paused condition" "Unknown/DeploymentPaused" \
  k get deploy web -o jsonpath='{.status.conditions[?(@.type=="Progressing")].status}/{.status.conditions[?(@.type=="Progressing")].reason}'
sleep 2
[ "$(rs_count)" = 3 ] && pass "no rollout while paused" || fail "paused deployment rolled out: $(rs_count) ReplicaSets"
k rollout resume deploy/web >/dev/null || fail "resume"
rollout_ok web "resume"
wait_for "resumed rollout done" "5 nginx:3.0" live_pods

# kill -9 in the middle of a rollout: with the stand-in kubelet stopped, new pods never get
# ready and the rollout stops half way; the restarted server must finish it exactly.
stop_kubelet
k set image deploy/web c=nginx:4.0 >/dev/null || fail "set image before kill"
wait_for "rollout under way" "true" bash -c "[ \"\$('$KUBECTL' --kubeconfig '$KC' get pods -l app=web -o jsonpath='{range .items[*]}{.spec.containers[0].image}{\"\\n\"}{end}' | grep -c nginx:4.0)\" -ge 1 ] && echo true"
kill -9 "$SERVER_PID"
wait "$SERVER_PID" 2>/dev/null
SERVER_PID=""
start_server
start_kubelet
rollout_ok web "after kill -9 and restart"
wait_for "5 pods of the last template, no duplicates" "5 nginx:4.0" live_pods
wait_for "exactly one ReplicaSet for nginx:4.0" 1 bash -c "'$KUBECTL' --kubeconfig '$KC' get rs -l app=web -o jsonpath='{range .items[*]}{.spec.template.spec.containers[0].image}{\"\\n\"}{end}' | grep -c nginx:4.0"
wait_for "deployment status after restart" "5/5/5" \
  k get deploy web -o jsonpath='{.status.replicas}/{.status.updatedReplicas}/{.status.availableReplicas}'

# Recreate: old pods are gone before new ones are made.
k apply -f - >/dev/null <<'YAML'
apiVersion: apps/v1
kind: Deployment
metadata: {name: batch}
spec:
  replicas: 2
  strategy: {type: Recreate}
  selector: {matchLabels: {app: batch}}
  template:
    metadata: {labels: {app: batch}}
    spec: {containers: [{name: c, image: "busybox:1"}]}
YAML
rollout_ok batch "Recreate created"
k set image deploy/batch c=busybox:2 >/dev/null || fail "set image (Recreate)"
rollout_ok batch "Recreate update"
wait_for "Recreate pods all new" "busybox:2 busybox:2" bash -c "'$KUBECTL' --kubeconfig '$KC' get pods -l app=batch -o jsonpath='{range .items[*]}{.spec.containers[0].image}{\" \"}{end}' | sed 's/ \$//'"

# Revision history limit: old ReplicaSets beyond it are deleted.
k patch deploy web --type=merge -p '{"spec":{"revisionHistoryLimit":1}}' >/dev/null || fail "set revisionHistoryLimit"
wait_for "history trimmed to 1 old ReplicaSet" 2 rs_count

# Deleting the deployment removes its ReplicaSets and pods (garbage collection by owner).
k delete deploy batch --wait=false >/dev/null 2>&1
finish
