# Shared by the batch/policy/storage controller e2e scripts: starts `k3s server
# --disable-agent` on a free port with a private data dir, and offers kubectl wrappers and
# polling checks. The test plays kubelet (pod status through --subresource=status).
# Usage: source this file after setting K3S and KUBECTL; then `start_named_server <name>`.
set -uo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../lib/checks.sh"
source "$(dirname "${BASH_SOURCE[0]}")/../lib/server.sh"
k() { "$KUBECTL" --kubeconfig "$KC" "$@"; }

# wait_for <description> <wanted> <command...>: the exact output within 90 s.
wait_for() { wait_equal "$1" 90 "${@:2}"; }

# wait_match <description> <extended regex> <command...>: polls up to 90 s.
wait_match() {
  local what=$1 want=$2; shift 2
  local got=""
  for _ in $(seq 1 450); do
    got=$("$@" 2>&1)
    [[ "$got" =~ $want ]] && { pass "$what"; return 0; }
    sleep 0.2
  done
  fail "$what: wanted /$want/, got '$got'"
  return 1
}

# start_named_server <name>: a private server whose work dir is named after the test.
start_named_server() {
  server_workdir "$1"
  start_server
}

# The names of a job's pods that are not finished and not being deleted.
live_pods_of_job() {
  k get pods -l "batch.kubernetes.io/job-name=$1" \
    -o jsonpath='{range .items[?(@.status.phase=="Pending")]}{.metadata.name}{" "}{.metadata.deletionTimestamp}{"\n"}{end}' |
    awk 'NF==1 {print $1}'
}

# set_pod_phase <pod> <phase> [exit code]: what a kubelet reports when the container ends.
set_pod_phase() {
  local code=${3:-0}
  local now; now=$(date -u +%Y-%m-%dT%H:%M:%SZ)
  k patch pod "$1" --subresource=status --type=merge -p "{\"status\":{\"phase\":\"$2\",\"containerStatuses\":[{\"name\":\"main\",\"image\":\"busybox\",\"imageID\":\"\",\"ready\":false,\"restartCount\":0,\"state\":{\"terminated\":{\"exitCode\":$code,\"reason\":\"Completed\",\"startedAt\":\"$now\",\"finishedAt\":\"$now\"}}}]}}" >/dev/null
}

# set_pod_running_ready <pod>
set_pod_running_ready() {
  local now; now=$(date -u +%Y-%m-%dT%H:%M:%SZ)
  k patch pod "$1" --subresource=status --type=merge -p "{\"status\":{\"phase\":\"Running\",\"conditions\":[{\"type\":\"Ready\",\"status\":\"True\",\"lastTransitionTime\":\"$now\"}]}}" >/dev/null
}

finish() {
  [ "$failures" -eq 0 ] && echo "$1 e2e: all passed" || echo "$1 e2e: $failures failed"
  exit "$failures"
}
pending_count() { live_pods_of_job "$1" | wc -l | tr -d ' '; }
