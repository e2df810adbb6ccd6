# A private `k3s server --disable-agent` for end-to-end scripts: a free loopback port, a
# temporary work dir, readiness, and clean-up that leaves nothing behind. Source it after
# checks.sh (or after defining `failures`) with K3S set, then:
#   server_workdir NAME          WORK, PORT, KC (kubeconfig), LOG, DATA; EXIT trap installed
#   start_server [server flags]  starts it and waits until READY_PROBE (default: list
#                                namespaces through `k3s kubectl`) succeeds
#   stop_server                  SIGTERM and wait
# A script with more to clean up defines `cleanup_extra`; the trap calls it first.

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

server_workdir() {
  WORK=$(mktemp -d "/tmp/k3s-e2e-${1:?name}.XXXXXX")
  PORT=$(free_port)
  KC=$WORK/kubeconfig
  LOG=$WORK/server.log
  DATA=$WORK/data
  SERVER_PID=""
  trap server_cleanup EXIT
}

stop_server() {
  if [ -n "${SERVER_PID:-}" ]; then
    kill -TERM "$SERVER_PID" 2>/dev/null
    wait "$SERVER_PID" 2>/dev/null
    SERVER_PID=""
  fi
}

server_cleanup() {
  declare -F cleanup_extra >/dev/null && cleanup_extra
  stop_server
  if [ "${failures:-0}" -ne 0 ]; then echo "--- server log (tail)"; tail -40 "$LOG"; fi
  rm -rf "$WORK"
}

default_ready_probe() { "$K3S" kubectl --kubeconfig "$KC" get ns default; }

# Waits up to 120 s: the kubeconfig appears once the listener is up, then the probe must answer.
start_server() {
  "$K3S" server --disable-agent --data-dir "$DATA" --https-listen-port "$PORT" \
    --bind-address 127.0.0.1 --write-kubeconfig "$KC" "$@" >>"$LOG" 2>&1 &
  SERVER_PID=$!
  local probe=${READY_PROBE:-default_ready_probe}
  for _ in $(seq 1 600); do
    [ -s "$KC" ] && "$probe" >/dev/null 2>&1 && return 0
    kill -0 "$SERVER_PID" 2>/dev/null || { echo "FAIL: server exited early"; failures=$((${failures:-0} + 1)); exit 1; }
    sleep 0.2
  done
  echo "FAIL: server did not answer within 120 s"
  failures=$((${failures:-0} + 1))
  exit 1
}
