#!/usr/bin/env bash
# Image garbage collection on a real node: with the thresholds at 0 % (always "too full"),
# an image stays while a container uses it, the sandbox (pause) image always stays, and the
# workload image goes once its pod is deleted and it has been unused for
# image-minimum-gc-age. The minimum age (60 s) also keeps the freshly imported image until
# the pod's container uses it.
# Usage: image_gc_e2e.sh K3S KUBECTL IMAGES_DIR [PAUSE_BIN]
set -uo pipefail
export NODE=image-gc-e2e
failures=0
source "$(dirname "$0")/../lib/node_in_namespace.sh"
enter_node_namespaces "$0" "$@"
export K3S_KUBELET_IMAGE_GC_PERIOD=2s
start_node_server --kubelet-arg image-gc-high-threshold=0 --kubelet-arg image-gc-low-threshold=0 \
  --kubelet-arg image-minimum-gc-age=60s
wait_for_node_ready
images() { crictl images 2>/dev/null | awk 'NR>1 {print $1}' | sort | tr '\n' ' '; }
wait_for "both images imported" 30 "docker.io/rancher/mirrored-pause k3s.local/busybox " images
k apply -f - >/dev/null <<'YAML'
apiVersion: v1
kind: Pod
metadata: {name: user}
spec:
  terminationGracePeriodSeconds: 1
  containers: [{name: main, image: k3s.local/busybox:test, imagePullPolicy: Never, command: ["sleep", "3600"]}]
YAML
wait_for "pod Running" 60 "Running" k get pod user -o jsonpath='{.status.phase}'
sleep 6  # three collection passes
[ "$(images)" = "docker.io/rancher/mirrored-pause k3s.local/busybox " ] && pass "an image in use is kept" \
  || fail "images while in use: $(images)"
k delete pod user --wait=true >/dev/null
wait_for "the unused workload image is removed" 150 "docker.io/rancher/mirrored-pause " images
grep -q "removed unused image" "$WORK/log" && pass "the removal is logged" || fail "no removal log line"
[ "$failures" -eq 0 ] && echo "PASS" || { echo "$failures failure(s)"; exit 1; }
