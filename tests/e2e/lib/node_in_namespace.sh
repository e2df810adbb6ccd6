# shellcheck shell=bash
# One `k3s server` with its embedded agent and real containerd, inside private mount and
# network namespaces (unshare), so that containerd's /run/k3s, /var/lib/kubelet,
# /var/log/pods, cni0, iptables and port 10250 belong to the test and it can run beside
# others. Source it from a script called as: script K3S KUBECTL IMAGES_DIR [PAUSE_BIN].
#
#   enter_node_namespaces "$0" "$@"   re-runs the script inside the namespaces (returns only
#                                     there; the outer call exits with the inner's status)
#   start_node_server [extra flags]   starts the server (SERVER_PID), logs to $WORK/log
#   wait_for_node_ready               API answering, node registered, Ready
#   k ..., crictl ...                 the real kubectl and our crictl on this node
# The EXIT trap stops the server and every process left in the namespace, and prints the
# logs when the script counted failures (checks.sh).

enter_node_namespaces() {
  local script=$1; shift
  K3S=${1:?k3s binary}
  KUBECTL=${2:?kubectl binary}
  IMAGES_DIR=${3:?directory with k3s-airgap-images-amd64.tar (scripts/build-images.sh)}
  PAUSE_BIN=${4:-}
  local repo
  repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)
  if [ -z "${K3S_NODE_E2E_INNER:-}" ]; then
    if [ ! -s "$IMAGES_DIR/k3s-airgap-images-amd64.tar" ]; then
      PAUSE_BIN=$PAUSE_BIN "$repo/scripts/build-images.sh" "$IMAGES_DIR" >/dev/null || { echo "FAIL: build-images"; exit 1; }
    fi
    local work rc
    work=$(mktemp -d /tmp/k3s-e2e-node.XXXXXX)
    K3S_NODE_E2E_INNER=1 WORK=$work unshare --mount --net --propagation private bash "$script" "$@"
    rc=$?
    rm -rf "$work"
    exit $rc
  fi
  ip link set lo up
  local d
  for d in /run/k3s /run/netns /var/lib/kubelet /var/log/pods /var/lib/cni /etc/rancher; do
    mkdir -p "$d" && mount -t tmpfs tmpfs "$d"
  done
  KC=$WORK/kubeconfig
  DATA=$WORK/data
  NODE=${NODE:-node-e2e}
  PORT=6443
  SERVER_PID=""
  MY_NETNS=$(readlink /proc/self/ns/net)
  mkdir -p "$DATA/agent/images"
  cp "$IMAGES_DIR/k3s-airgap-images-amd64.tar" "$DATA/agent/images/"
  source "$(dirname "${BASH_SOURCE[0]}")/checks.sh"
  trap stop_node_and_report EXIT
}

start_node_server() {
  "$K3S" server --data-dir "$DATA" --https-listen-port "$PORT" --bind-address 127.0.0.1 \
    --write-kubeconfig "$KC" --node-name "$NODE" "$@" >>"$WORK/log" 2>&1 &
  SERVER_PID=$!
}

k() { "$KUBECTL" --kubeconfig "$KC" "$@"; }
crictl() { "$K3S" crictl --runtime-endpoint unix:///run/k3s/containerd/containerd.sock "$@"; }

wait_for_node_ready() {
  local _
  for _ in $(seq 1 600); do
    [ -s "$KC" ] && k get ns >/dev/null 2>&1 && break
    kill -0 "$SERVER_PID" 2>/dev/null || { fail "server exited early"; exit 1; }
    sleep 0.2
  done
  wait_for "node registered" 60 "$NODE" k get node "$NODE" -o jsonpath='{.metadata.name}'
  wait_for "node Ready" 120 "True" k get node "$NODE" -o jsonpath='{.status.conditions[?(@.type=="Ready")].status}'
}

# Processes started in this network namespace (containerd, shims, pods), by pid.
kill_namespace_processes() {
  local pid
  for pid in /proc/[0-9]*; do
    pid=${pid#/proc/}
    [ "$pid" = "$$" ] && continue
    [ "$(readlink "/proc/$pid/ns/net" 2>/dev/null)" = "$MY_NETNS" ] || continue
    case "$(cat "/proc/$pid/comm" 2>/dev/null)" in
      containerd*|pause|sleep|sh|httpd|k3s|kubectl*|nc|cat|tail) kill -9 "$pid" 2>/dev/null ;;
    esac
  done
}

stop_node_and_report() {
  if [ -n "$SERVER_PID" ] && kill -0 "$SERVER_PID" 2>/dev/null; then
    local id
    for id in $(crictl pods -q 2>/dev/null); do crictl stopp "$id" >/dev/null 2>&1; crictl rmp "$id" >/dev/null 2>&1; done
    kill -TERM "$SERVER_PID" 2>/dev/null
    wait "$SERVER_PID" 2>/dev/null
  fi
  kill_namespace_processes
  if [ "${failures:-0}" -ne 0 ]; then
    echo "--- server log (tail)"; tail -60 "$WORK/log"
    echo "--- containerd log (tail)"; tail -20 "$DATA/agent/containerd/containerd.log" 2>/dev/null
  fi
}
