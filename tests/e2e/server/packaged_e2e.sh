#!/usr/bin/env bash
# Packaged components of `k3s server`: the RuntimeClasses of "runtimes" are deployed at
# start, `--disable runtimes` removes them again but leaves a RuntimeClass a user made.
set -uo pipefail
K3S=${1:?k3s binary}
KUBECTL=${2:?kubectl binary}
failures=0
source "$(dirname "$0")/../lib/checks.sh"
source "$(dirname "$0")/../lib/server.sh"
server_workdir packaged
k() { "$KUBECTL" --kubeconfig "$KC" "$@"; }
HANDLERS="crun lunatic nvidia nvidia-experimental slight spin wasmedge wasmer wasmtime wws"
names() { k get runtimeclass -o jsonpath='{range .items[*]}{.metadata.name}{" "}{end}'; }

start_server
wait_equal "packaged RuntimeClasses deployed" 30 "$HANDLERS " names
wait_equal "owned by the runtimes component" 5 "runtimes/kube-system" \
  k get runtimeclass crun -o jsonpath='{.metadata.annotations.objectset\.rio\.cattle\.io/owner-name}/{.metadata.annotations.objectset\.rio\.cattle\.io/owner-namespace}'
wait_equal "a class's handler is its name" 5 "wasmtime" k get runtimeclass wasmtime -o jsonpath='{.handler}'
k create -f - >/dev/null <<'YAML'
apiVersion: node.k8s.io/v1
kind: RuntimeClass
metadata: {name: mine}
handler: runc
YAML
stop_server

start_server --disable runtimes
wait_equal "--disable runtimes removes the packaged classes, not the user's" 30 "mine " names
stop_server

start_server
wait_equal "deployed again once no longer disabled" 30 "crun lunatic mine nvidia nvidia-experimental slight spin wasmedge wasmer wasmtime wws " names
stop_server
exit "$failures"
