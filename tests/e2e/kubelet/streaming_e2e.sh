#!/usr/bin/env bash
# Streams into running containers, end to end: exec (plain, stdin, exit codes, a terminal
# through a pseudo-terminal), attach, cp both ways and port-forward, each through the real
# kubectl 1.33 (SPDY after its websocket attempt) and through the bundled `k3s kubectl`
# (SPDY, with channel.k8s.io v4 over a websocket as its fallback), against `k3s server`
# with its embedded agent and real containerd, in private mount and network namespaces.
# Usage: streaming_e2e.sh K3S KUBECTL IMAGES_DIR [PAUSE_BIN]
set -uo pipefail
export NODE=streaming-e2e
failures=0
source "$(dirname "$0")/../lib/node_in_namespace.sh"
enter_node_namespaces "$0" "$@"

start_node_server
wait_for_node_ready
k apply -f - >/dev/null <<'YAML'
apiVersion: v1
kind: Pod
metadata: {name: box, labels: {app: box}}
spec:
  terminationGracePeriodSeconds: 1
  containers:
  - name: main
    image: k3s.local/busybox:test
    command: ["sh", "-c", "mkdir -p /www; echo hello-http > /www/index.html; httpd -p 8080 -h /www; exec sleep 3600"]
    ports: [{name: web, containerPort: 8080}]
  - name: side
    image: k3s.local/busybox:test
    command: ["sh", "-c", "exec sleep 3600"]
---
apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  selector: {app: box}
  ports: [{name: http, port: 80, targetPort: web}]
YAML
# Shells on a terminal, one per kubectl for attach (see below).
for side in real ours; do
  k apply -f - >/dev/null <<YAML
apiVersion: v1
kind: Pod
metadata: {name: talker-$side}
spec:
  terminationGracePeriodSeconds: 1
  containers: [{name: main, image: k3s.local/busybox:test, stdin: true, tty: true, command: ["sh"]}]
YAML
done
# Counters of their stdin for attach -i: wc ends, and the pod with it, only once the
# attached kubectl closed the container's stdin (stdinOnce).
for side in real ours; do
  k apply -f - >/dev/null <<YAML
apiVersion: v1
kind: Pod
metadata: {name: counter-$side}
spec:
  restartPolicy: Never
  terminationGracePeriodSeconds: 1
  containers: [{name: main, image: k3s.local/busybox:test, stdin: true, stdinOnce: true, command: ["wc", "-l"]}]
YAML
done
wait_for "pods Running" 90 "Running Running Running Running Running" k get pod box talker-real talker-ours counter-real counter-ours -o jsonpath='{.items[*].status.phase}'

REAL=("$KUBECTL" --kubeconfig "$KC")
OURS=("$K3S" kubectl --kubeconfig "$KC")
# pick REAL|OURS: sets cmd to that kubectl.
pick() { if [ "$1" = REAL ]; then cmd=("${REAL[@]}"); else cmd=("${OURS[@]}"); fi; }
# Both kubectls must answer alike: same stdout, same stderr, same exit code.
same() {
  local what=$1; shift
  local real_out ours_out real_rc ours_rc
  real_out=$(timeout 30 "${REAL[@]}" "$@" 2>&1); real_rc=$?
  ours_out=$(timeout 30 "${OURS[@]}" "$@" 2>&1); ours_rc=$?
  if [ "$real_out" = "$ours_out" ] && [ "$real_rc" = "$ours_rc" ]; then
    pass "$what (exit $ours_rc)"
  else
    fail "$what: real kubectl exit $real_rc '$real_out', ours exit $ours_rc '$ours_out'"
  fi
}

# ---- exec ----
same "exec stdout" exec box -c main -- echo hello
same "exec stdout and stderr" exec box -c main -- sh -c 'echo out; sleep 0.3; echo err >&2'
same "exec exit code" exec box -c main -- sh -c 'exit 7'
same "exec default container note" exec box -- hostname
same "exec unknown container" exec box -c nope -- ls
same "exec unknown pod" exec nope -- ls
same "exec without command" exec box
same "exec old syntax" exec box ls
same "exec environment" exec box -c side -- sh -c 'echo $HOSTNAME'
for side in REAL OURS; do
  pick "$side"
  got=$(printf 'line-one\nline-two\n' | timeout 30 "${cmd[@]}" exec -i box -c main -- head -2 2>&1)
  [ "$got" = $'line-one\nline-two' ] && pass "exec -i carries stdin ($side)" || fail "exec -i ($side): '$got'"
  # Commands that read to the end of their input: the end of the local stdin closes theirs.
  got=$(printf 'a\nb\n' | timeout 30 "${cmd[@]}" exec -i box -c main -- wc -l 2>&1)
  rc=$?
  [ "$(echo $got)" = 2 ] && [ "$rc" = 0 ] && pass "exec -i wc -l sees the end of stdin ($side)" \
    || fail "exec -i wc -l ($side): exit $rc '$got'"
  got=$(echo hi | timeout 30 "${cmd[@]}" exec -i box -c main -- cat 2>&1)
  rc=$?
  [ "$got" = hi ] && [ "$rc" = 0 ] && pass "exec -i cat ends with its input ($side)" || fail "exec -i cat ($side): exit $rc '$got'"
  got=$(printf 'x' | timeout 30 "${cmd[@]}" exec -i box -c main -- sh -c 'cat >/dev/null; exit 5' 2>&1)
  rc=$?
  [ "$rc" = 5 ] && [ "$got" = "command terminated with exit code 5" ] && pass "exec -i exit code after stdin ends ($side)" \
    || fail "exec -i exit code ($side): exit $rc '$got'"
done

# A terminal: exec -it through a pseudo-terminal (script), the shell sees a tty and its
# size, and its exit code comes back.
for side in REAL OURS; do
  pick "$side"
  # Typed once the shell is up, as a user would.
  got=$( (sleep 2; printf 'tty; stty size; exit 3\n') | timeout 30 script -qec "stty cols 91 rows 33; ${cmd[*]} exec -it box -c main -- sh" /dev/null 2>&1)
  rc=$?
  [[ "$got" == *"/dev/pts/"* && "$got" == *"33 91"* ]] && pass "exec -it gets a terminal and its size ($side)" \
    || fail "exec -it ($side): '$got'"
  [ "$rc" = 3 ] && pass "exec -it exit code ($side)" || fail "exec -it exit code ($side): $rc"
done

# ---- crictl on the node: the same streams straight from the runtime ----
CID=$(crictl ps --name main --label io.kubernetes.pod.name=box -q 2>/dev/null | head -1)
got=$(echo "to-crictl" | timeout 30 "$K3S" crictl --runtime-endpoint unix:///run/k3s/containerd/containerd.sock exec -i "$CID" head -1 2>&1)
[ "$got" = "to-crictl" ] && pass "crictl exec -i" || fail "crictl exec -i: '$got'"
got=$( (sleep 2; printf 'tty; exit 4\n') | timeout 30 script -qec "$K3S crictl --runtime-endpoint unix:///run/k3s/containerd/containerd.sock exec -it $CID sh" /dev/null 2>&1)
rc=$?
[[ "$got" == *"/dev/pts/"* ]] && [ "$rc" = 4 ] && pass "crictl exec -it (terminal, exit code)" || fail "crictl exec -it: exit $rc '$got'"

# ---- attach: a talker's shell reads what we type on its terminal (one talker per kubectl:
# the real one ends the shell's stdin when its own input ends, and the shell then exits) ----
for side in REAL OURS; do
  pick "$side"
  got=$( (sleep 2; printf 'echo attached-%s\n' "$side"; sleep 2) | timeout 20 script -qec "${cmd[*]} attach -it talker-$(echo "$side" | tr A-Z a-z)" /dev/null 2>&1)
  [[ "$got" == *"attached-$side"* ]] && pass "attach -it reaches the container's shell ($side)" || fail "attach ($side): '$got'"
done

# ---- attach -i: ending the local input closes the container's stdin ----
for side in REAL OURS; do
  pick "$side"
  lower=$(echo "$side" | tr A-Z a-z)
  got=$( (sleep 2; printf 'one\ntwo\nthree\n') | timeout 30 "${cmd[@]}" attach -i "counter-$lower" 2>&1)
  rc=$?
  [ "$rc" != 124 ] && [[ "$got" == *3* ]] && pass "attach -i closes stdin when its input ends ($side)" \
    || fail "attach -i ($side): exit $rc '$got'"
done

# ---- cp ----
mkdir -p "$WORK/src/sub"
echo "file-content" >"$WORK/src/file.txt"
echo "deep-content" >"$WORK/src/sub/deep.txt"
head -c 300000 /dev/urandom >"$WORK/src/sub/big.bin"
for side in REAL OURS; do
  pick "$side"
  lower=$(echo "$side" | tr A-Z a-z)
  timeout 60 "${cmd[@]}" cp "$WORK/src" "box:/tmp/in-$lower" -c main >"$WORK/cp.out" 2>&1 \
    && pass "cp a directory into the pod ($side)" || fail "cp into the pod ($side): $(cat "$WORK/cp.out")"
  got=$(k exec box -c main -- sh -c "cat /tmp/in-$lower/sub/deep.txt; md5sum < /tmp/in-$lower/sub/big.bin" 2>&1)
  want="deep-content"$'\n'"$(md5sum <"$WORK/src/sub/big.bin")"
  [ "$got" = "$want" ] && pass "copied files arrive intact ($side)" || fail "cp content ($side): '$got'"
  timeout 60 "${cmd[@]}" cp "box:/tmp/in-$lower" "$WORK/out-$lower" -c main >"$WORK/cp.out" 2>&1 \
    || fail "cp out of the pod ($side): $(cat "$WORK/cp.out")"
  diff -r "$WORK/src" "$WORK/out-$lower" >/dev/null && pass "cp a directory out of the pod ($side)" \
    || fail "cp out differs ($side): $(diff -r "$WORK/src" "$WORK/out-$lower" 2>&1 | head -3)"
  timeout 60 "${cmd[@]}" cp "box:/www/index.html" "$WORK/index-$lower.html" -c main >/dev/null 2>&1
  [ "$(cat "$WORK/index-$lower.html" 2>/dev/null)" = "hello-http" ] && pass "cp a file out of the pod ($side)" \
    || fail "cp file out ($side)"
done
same "cp from a missing pod" cp "nope:/tmp/x" "$WORK/x"
same "cp with two local paths" cp "$WORK/a" "$WORK/b"

# ---- port-forward ----
port=18080
for side in REAL OURS; do
  pick "$side"
  for target in pod/box svc/web; do
    port=$((port + 1))
    remote=8080; [ "$target" = svc/web ] && remote=80
    timeout 60 "${cmd[@]}" port-forward "$target" "$port:$remote" >"$WORK/pf.log" 2>&1 &
    pf=$!
    wait_for "port-forward $target listens ($side)" 20 ".*Forwarding from 127.0.0.1:$port -> 8080.*" cat "$WORK/pf.log"
    got=""
    for _ in 1 2 3; do got="$got$(curl -s -m 5 "http://127.0.0.1:$port/")"; done
    [ "$got" = "hello-httphello-httphello-http" ] && pass "port-forward $target carries three connections ($side)" \
      || fail "port-forward $target ($side): '$got' $(cat "$WORK/pf.log")"
    kill "$pf" 2>/dev/null; wait "$pf" 2>/dev/null
  done
done
same "port-forward to a missing pod" port-forward pod/nope 18999:80
same "port-forward to an unknown named port" port-forward pod/box 18998:nope

[ "$failures" -eq 0 ] && echo "PASS" || { echo "$failures failure(s)"; exit 1; }
