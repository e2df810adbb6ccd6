#!/usr/bin/env bash
# What the parity suite cannot compare line by line: `k3s kubectl` as a subcommand,
# interactive edit through a pseudo-terminal (including the re-open on error), watches,
# and an unreachable server bounded by --request-timeout.
set -uo pipefail
K3S=${1:?k3s binary}
DIR=${2:?test source dir}
WORK=$(mktemp -d /tmp/k3s-e2e-kubectl-b.XXXXXX)
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()')
KC=$WORK/kubeconfig
SERVER_PID="" WATCH_PID=""
failures=0
cleanup() {
  [ -n "$WATCH_PID" ] && kill "$WATCH_PID" 2>/dev/null
  [ -n "$SERVER_PID" ] && { kill -TERM "$SERVER_PID" 2>/dev/null; wait "$SERVER_PID" 2>/dev/null; }
  [ "$failures" -ne 0 ] && { echo "--- server log (tail)"; tail -20 "$WORK/log"; }
  rm -rf "$WORK"
}
trap cleanup EXIT
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
pass() { echo "ok: $*"; }
k() { "$K3S" kubectl --kubeconfig "$KC" "$@"; }

"$K3S" server --disable-agent --data-dir "$WORK/data" --https-listen-port "$PORT" \
  --bind-address 127.0.0.1 --write-kubeconfig "$KC" >"$WORK/log" 2>&1 &
SERVER_PID=$!
for _ in $(seq 1 300); do
  [ -s "$KC" ] && k get ns default >/dev/null 2>&1 && break
  kill -0 "$SERVER_PID" 2>/dev/null || { fail "server exited early"; exit 1; }
  sleep 0.2
done

# KUBECONFIG with several files: the first defining a name wins; current-context from the first that sets it.
sed 's/current-context: default/current-context: other/' "$KC" >"$WORK/second"
got=$(KUBECONFIG="$WORK/missing:$KC:$WORK/second" "$K3S" kubectl config current-context 2>&1)
[ "$got" = "default" ] && pass "KUBECONFIG merge" || fail "KUBECONFIG merge: $got"

k create configmap editme --from-literal=key=value1 >/dev/null || fail "create configmap"

# Edit through a pty: the editor changes a value.
cat >"$WORK/editor.sh" <<'SH'
#!/bin/sh
sed -i 's/value1/value2/' "$1"
SH
chmod +x "$WORK/editor.sh"
out=$(KUBE_EDITOR="$WORK/editor.sh" python3 -c '
import os, pty, sys
status = pty.spawn(sys.argv[1:])
sys.exit(os.waitstatus_to_exitcode(status))' "$K3S" kubectl --kubeconfig "$KC" edit configmap editme 2>&1)
rc=$?
[ $rc -eq 0 ] && grep -q "configmap/editme edited" <<<"$out" && pass "edit through a pty" || fail "edit: rc=$rc $out"
[ "$(k get cm editme -o jsonpath='{.data.key}')" = value2 ] && pass "edit saved" || fail "edit not saved"

# An invalid edit re-opens the file with the error; the second pass fixes it.
cat >"$WORK/editor2.sh" <<SH
#!/bin/sh
n=\$(cat "$WORK/count" 2>/dev/null || echo 0); n=\$((n + 1)); echo \$n >"$WORK/count"
if [ \$n -eq 1 ]; then sed -i 's/^kind: ConfigMap/kind: ConfigMap\nbogusTopLevel: [/' "\$1"; else
  grep -q 'syntax error' "\$1" && echo reopened-with-error >"$WORK/seen"
  sed -i '/^bogusTopLevel/d; s/value2/value3/' "\$1"; fi
SH
chmod +x "$WORK/editor2.sh"
out=$(KUBE_EDITOR="$WORK/editor2.sh" python3 -c '
import os, pty, sys
status = pty.spawn(sys.argv[1:])
sys.exit(os.waitstatus_to_exitcode(status))' "$K3S" kubectl --kubeconfig "$KC" edit cm/editme 2>&1)
[ -f "$WORK/seen" ] && pass "edit re-opens with the error" || fail "edit re-open: $out"
[ "$(k get cm editme -o jsonpath='{.data.key}')" = value3 ] && pass "edit after re-open saved" || fail "re-open edit not saved: $out"

# Unchanged edit is cancelled.
out=$(KUBE_EDITOR=true k edit cm editme 2>&1)
[ "$out" = "Edit cancelled, no changes made." ] && pass "unchanged edit" || fail "unchanged edit: $out"

# Watch: a new object shows up as a row.
k get cm -w --no-headers >"$WORK/watch.out" 2>&1 &
WATCH_PID=$!
sleep 1
k create configmap watched >/dev/null
for _ in $(seq 1 100); do grep -q '^watched ' "$WORK/watch.out" && break; sleep 0.2; done
grep -q '^watched ' "$WORK/watch.out" && pass "get -w streams new rows" || fail "watch: $(cat "$WORK/watch.out")"
kill "$WATCH_PID" 2>/dev/null; wait "$WATCH_PID" 2>/dev/null; WATCH_PID=""

# A server that accepts connections and never answers: kubectl's message and a bounded wait
# (the HTTP client bounds connect + TLS handshake at 30 s whatever --request-timeout says;
# see docs/kubectl.md).
HANG_PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()')
python3 -c '
import socket, sys, time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(16)
conns = []
while True:
    c, _ = s.accept(); conns.append(c)' "$HANG_PORT" &
HANG_PID=$!
for _ in $(seq 1 300); do (exec 3<>"/dev/tcp/127.0.0.1/$HANG_PORT") 2>/dev/null && break; sleep 0.1; done
start=$(date +%s)
out=$(timeout 60 "$K3S" kubectl --server "https://127.0.0.1:$HANG_PORT" --insecure-skip-tls-verify \
  --request-timeout=2s get pods 2>&1)
rc=$?
elapsed=$(( $(date +%s) - start ))
kill "$HANG_PID" 2>/dev/null; wait "$HANG_PID" 2>/dev/null
if [ $rc -ne 0 ] && [ $rc -ne 124 ] && grep -q "^Unable to connect to the server" <<<"$out"; then
  pass "silent server fails (${elapsed}s)"
else
  fail "silent server: rc=$rc out=$out"
fi

# Unreadable kubeconfig.
echo "apiVersion: v1" >"$WORK/unreadable"; chmod 000 "$WORK/unreadable"
out=$(setpriv --reuid=65534 --regid=65534 --clear-groups "$K3S" kubectl --kubeconfig "$WORK/unreadable" get pods 2>&1)
rc=$?
[ $rc -eq 1 ] && grep -q "^error: " <<<"$out" && pass "unreadable kubeconfig" || fail "unreadable kubeconfig: rc=$rc $out"

# completion: the bash script loads, registers for kubectl and completes commands, flags,
# types and names through this server (ours is not cobra's script, so not in the parity suite).
mkdir -p "$WORK/cbin" && ln -sf "$K3S" "$WORK/cbin/kubectl"
got=$(PATH="$WORK/cbin:$PATH" bash -c 'source <(kubectl completion bash) && complete -p kubectl' 2>&1)
[ "$got" = "complete -o default -F __kubectl_complete kubectl" ] && pass "completion bash loads" || fail "completion bash loads: $got"
got=$(PATH="$WORK/cbin:$PATH" KC="$KC" bash -c '
  source <(kubectl completion bash)
  t() { COMP_WORDS=("$@"); COMP_CWORD=$((${#COMP_WORDS[@]}-1)); COMPREPLY=(); __kubectl_complete; echo "${COMPREPLY[*]}"; }
  t kubectl dr; t kubectl drain --ignore-d; t kubectl --kubeconfig "$KC" get namesp; t kubectl --kubeconfig "$KC" get ns kube-s' 2>&1)
want=$'drain\n--ignore-daemonsets\nnamespaces\nkube-system'
[ "$got" = "$want" ] && pass "completion bash completes" || fail "completion bash completes: $got"

echo "behaviour: $failures failures"
[ "$failures" -eq 0 ]
